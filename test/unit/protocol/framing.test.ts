import * as assert from 'assert';
import {
  MessageDecoder,
  MessageType,
  ProtocolError,
  decodeBundle,
  decodeHostRequest,
  encodeHostRequest,
  decodeError,
  decodeEventStreamRequest,
  decodeStreamingInformation,
  decodeStreamingRequest,
  encodeBundle,
  encodeError,
  encodeEventStreamRequest,
  encodeMessage,
  encodeNull,
  encodeStreamingInformation,
  encodeStreamingRequest,
  eventsFor,
  flagNames,
  flagsFor,
  hexToBytes,
  toHex,
  RequestFlag,
  familyOf,
  recordTypeName,
} from '../../../src/protocol';
import { sessionMessages, unitTestRecords } from './fixtures';

const session = sessionMessages();

function decodeOne(bytes: Uint8Array) {
  const messages = new MessageDecoder().push(bytes);
  assert.strictEqual(messages.length, 1);
  return messages[0];
}

describe('protocol framing against the real FMC session', () => {
  it('frames every message of the capture as exactly one message', () => {
    assert.strictEqual(session.length, 16);
    for (const line of session) {
      const m = decodeOne(line.bytes);
      assert.strictEqual(m.version, 1);
      assert.strictEqual(m.body.length, line.bytes.length - 8);
    }
  });

  it('decodes the Event Stream Requests and re-encodes them byte for byte', () => {
    const requests = session.filter((l) => l.direction === 'C->S' && decodeOne(l.bytes).type === MessageType.EventStreamRequest);
    assert.strictEqual(requests.length, 2);
    const first = decodeEventStreamRequest(decodeOne(requests[0].bytes).body);
    assert.deepStrictEqual(first, { initialTimestamp: 0xffffffff, flags: 0x48900061 });
    const second = decodeEventStreamRequest(decodeOne(requests[1].bytes).body);
    assert.deepStrictEqual(second, { initialTimestamp: 0, flags: 0x48900061 });
    assert.strictEqual(toHex(encodeEventStreamRequest(0, 0x48900061)), toHex(requests[1].bytes));
    assert.strictEqual(toHex(encodeEventStreamRequest(0xffffffff, 0x48900061)), toHex(requests[0].bytes));
    assert.deepStrictEqual(flagNames(0x48900061), ['packets', 'impactAlerts', 'intrusionWithImpactFlag', 'metadata', 'archiveTimestamps', 'extraData', 'extended']);
  });

  it('decodes Streaming Information (5001, 5000, 6667) and re-encodes it', () => {
    const infos = session.filter((l) => decodeOne(l.bytes).type === MessageType.StreamingInformation);
    assert.strictEqual(infos.length, 2);
    for (const line of infos) {
      const services = decodeStreamingInformation(decodeOne(line.bytes).body);
      assert.deepStrictEqual(services.map((s) => s.serviceId), [5001, 5000, 6667]);
      assert.strictEqual(toHex(encodeStreamingInformation(services)), toHex(line.bytes));
    }
  });

  it("decodes eNcore's Streaming Request and re-encodes it with the 'message' length convention", () => {
    const line = session.find((l) => decodeOne(l.bytes).type === MessageType.StreamingRequest)!;
    const services = decodeStreamingRequest(decodeOne(line.bytes).body);
    assert.strictEqual(services.length, 1);
    assert.strictEqual(services[0].serviceId, 6667);
    assert.strictEqual(services[0].flags, 0x48900061);
    assert.strictEqual(services[0].initialTimestamp, 0);
    assert.deepStrictEqual(
      services[0].events.map((e) => `${e.code}v${e.version}`),
      ['12v9', '21v4', '31v9', '61v11', '71v14', '91v4', '101v7', '111v6', '131v2'],
    );
    assert.strictEqual(toHex(encodeStreamingRequest(services, 'message')), toHex(line.bytes));
  });

  it("accepts the guide's Streaming Request sample (length counted after the field)", () => {
    const guide = hexToBytes('000108010000001c00001a0b000000144000000000000000000600470004001500000000');
    const services = decodeStreamingRequest(decodeOne(guide).body);
    assert.deepStrictEqual(services, [{ serviceId: 6667, flags: 0x40000000, initialTimestamp: 0, events: [{ version: 6, code: 71 }, { version: 4, code: 21 }] }]);
    assert.strictEqual(toHex(encodeStreamingRequest(services, 'entry')), toHex(guide));
  });

  it('accepts Streaming Information whose lengths count the whole entry', () => {
    const whole = hexToBytes('000013890000001000000000000000000000138800000010000000000000000000001a0b000000100000000000000000');
    assert.deepStrictEqual(decodeStreamingInformation(whole).map((s) => s.serviceId), [5001, 5000, 6667]);
    assert.throws(() => decodeStreamingInformation(hexToBytes('00001a0b000000ff00000000')), /does not split into service entries/);
  });

  it('rejects a Streaming Request whose service length fits neither convention', () => {
    const bad = hexToBytes('00001a0b000000634000000000000000000600470000000000');
    assert.throws(() => decodeStreamingRequest(bad), ProtocolError);
  });

  it('re-encodes the Null acks byte for byte', () => {
    const nulls = session.filter((l) => decodeOne(l.bytes).type === MessageType.Null);
    assert.strictEqual(nulls.length, 6);
    for (const n of nulls) assert.strictEqual(toHex(encodeNull()), toHex(n.bytes));
  });

  it('splits the five bundles (sequence 1..5) into 69 records and re-encodes them', () => {
    const bundles = session.filter((l) => decodeOne(l.bytes).type === MessageType.MessageBundle);
    assert.strictEqual(bundles.length, 5);
    let records = 0;
    bundles.forEach((line, i) => {
      const b = decodeBundle(decodeOne(line.bytes).body);
      assert.strictEqual(b.error, undefined);
      assert.strictEqual(b.connectionId, 0x5fc831ed);
      assert.strictEqual(b.sequence, i + 1);
      records += b.records.length;
      assert.strictEqual(toHex(encodeBundle(b.connectionId, b.sequence, b.records, 0)), toHex(line.bytes));
    });
    assert.strictEqual(records, 69);
  });

  it('accepts inner header version 1 (the guide) as well as 0 (real FMCs)', () => {
    const record = hexToBytes('0000007b00000011000000010000000953656e736f72313838');
    const b = decodeBundle(decodeOne(encodeBundle(7, 3, [record, record], 1)).body);
    assert.strictEqual(b.records.length, 2);
    assert.strictEqual(toHex(b.records[1]), toHex(record));
  });

  it('reports a lying inner length without throwing and keeps the records before it', () => {
    const good = hexToBytes('0000007b00000011000000010000000953656e736f72313838');
    const body = decodeOne(encodeBundle(1, 1, [good, good])).body.slice();
    body[8 + 8 + good.length + 7] = 0xff; // second item's length
    const b = decodeBundle(body);
    assert.strictEqual(b.records.length, 1);
    assert.match(b.error!, /declares 255 bytes/);
    assert.strictEqual(b.errorOffset, 8 + 8 + good.length);
  });
});

describe('MessageDecoder chunking', () => {
  const all = Uint8Array.from(session.flatMap((l) => [...l.bytes]));
  const expected = session.map((l) => toHex(l.bytes.subarray(8)));

  it('yields the same messages when fed one byte at a time, holding at most one message', () => {
    const d = new MessageDecoder();
    const got: string[] = [];
    const longest = Math.max(...session.map((l) => l.bytes.length));
    for (let i = 0; i < all.length; i++) {
      for (const m of d.push(all.subarray(i, i + 1))) got.push(toHex(m.body));
      assert.ok(d.bufferedBytes <= longest);
    }
    assert.deepStrictEqual(got, expected);
    assert.strictEqual(d.bufferedBytes, 0);
  });

  it('yields the same messages for random chunk sizes, and whole-chunk bodies are views', () => {
    let seed = 12345;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n) + 1;
    for (let round = 0; round < 20; round++) {
      const d = new MessageDecoder();
      const got: string[] = [];
      for (let i = 0; i < all.length; ) {
        const n = rand(round < 10 ? 40 : 9000);
        for (const m of d.push(all.subarray(i, i + n))) got.push(toHex(m.body));
        i += n;
      }
      assert.deepStrictEqual(got, expected);
    }
    const whole = new MessageDecoder().push(all);
    assert.strictEqual(whole[5].body.buffer, all.buffer);
  });

  it('rejects a stream that is not eStreamer with a ProtocolError that says what to do', () => {
    assert.throws(() => new MessageDecoder().push(new TextEncoder().encode('{"json": true}')), /not 1.*Reconnect/);
    assert.throws(() => new MessageDecoder({ maxMessageLength: 100 }).push(hexToBytes('0001000400001000')), /limit/);
  });
});

describe('Error messages', () => {
  const [good, bad] = unitTestRecords().filter((r) => r.messageType === MessageType.Error);

  it('decodes code 19 "No space" and re-encodes it byte for byte', () => {
    assert.deepStrictEqual(decodeError(good.body), { code: 19, text: 'No space' });
    assert.strictEqual(toHex(encodeError(19, 'No space')), toHex(encodeMessage(MessageType.Error, good.body)));
  });

  it('rejects the error whose text length does not match', () => {
    assert.throws(() => decodeError(bad.body), (e: unknown) => e instanceof ProtocolError && /says its text is 10 bytes but 9 follow/.test(e.message));
  });
});

describe('request building', () => {
  it("flagsFor reproduces eNcore's default request flags", () => {
    assert.strictEqual(flagsFor(['packets', 'impact', 'intrusion', 'metadata', 'extraData'], { archiveTimestamps: true, extended: true }), 0x48900061);
    assert.strictEqual(flagsFor(['connection'], { archiveTimestamps: false, extended: false }), RequestFlag.connectionV5);
    assert.strictEqual(flagsFor(['connection'], { archiveTimestamps: false, extended: true }), RequestFlag.extended);
  });

  it('eventsFor lists each code once, in code order, with the newest versions', () => {
    assert.deepStrictEqual(eventsFor(['connection', 'intrusion', 'ioc', 'discovery', 'packets']), [
      { version: 11, code: 12 },
      { version: 11, code: 61 },
      { version: 17, code: 71 },
    ]);
    assert.deepStrictEqual(eventsFor(['file'], { 111: 6 }), [{ version: 6, code: 111 }]);
  });
});

describe('record type names and families', () => {
  it('names and classifies the record types of the timeline', () => {
    assert.strictEqual(recordTypeName(71), 'Connection Statistics');
    assert.strictEqual(recordTypeName(9999), 'Record type 9999');
    const families = Object.fromEntries([2, 9, 400, 110, 112, 71, 500, 502, 125, 160, 161, 10, 94, 170, 123, 9999].map((t) => [t, familyOf(t)]));
    assert.deepStrictEqual(families, {
      2: 'packet', 9: 'impact', 400: 'intrusion', 110: 'extra-data', 112: 'correlation', 71: 'connection', 500: 'file',
      502: 'file-malware', 125: 'malware', 160: 'ioc', 161: 'metadata', 10: 'discovery', 94: 'user', 170: 'user', 123: 'metadata', 9999: 'unknown',
    });
  });
});

describe('Host Request', () => {
  it('writes and reads the 40-byte form (eNcore) and the 16-byte IPv4 form (SDK)', () => {
    const wide = decodeOne(encodeHostRequest({ dataType: 7, flags: 3, startAddress: '10.0.0.1', endAddress: '2001:db8::ff' }));
    assert.strictEqual(wide.type, MessageType.HostRequest);
    assert.strictEqual(wide.body.length, 40);
    assert.deepStrictEqual(decodeHostRequest(wide.body), { dataType: 7, flags: 3, startAddress: '10.0.0.1', endAddress: '2001:db8::ff' });
    const narrow = decodeOne(encodeHostRequest({ dataType: 1, flags: 0, startAddress: '192.168.1.1', endAddress: '192.168.1.254' }, 4));
    assert.strictEqual(toHex(narrow.body), '0000000100000000c0a80101c0a801fe');
    assert.deepStrictEqual(decodeHostRequest(narrow.body), { dataType: 1, flags: 0, startAddress: '192.168.1.1', endAddress: '192.168.1.254' });
    assert.throws(() => decodeHostRequest(new Uint8Array(12)), /expected 16 .* or 40/);
    assert.throws(() => encodeHostRequest({ dataType: 1, flags: 0, startAddress: '::1', endAddress: '::2' }, 4), /not an IPv4 address/);
  });
});
