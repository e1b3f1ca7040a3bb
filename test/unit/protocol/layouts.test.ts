import * as assert from 'assert';
import {
  MessageDecoder,
  MessageType,
  ProtocolError,
  RECORD_LAYOUTS,
  Rng,
  decodeBundle,
  decodeRecord,
  decodeRecordInterpreted,
  encodeRecord,
  randomRecordInput,
  toHex,
  type EStreamerRecord,
} from '../../../src/protocol';
import { compileReader, fieldReader } from '../../../src/protocol/compile';
import { sessionMessages, unitTestRecords } from './fixtures';

const units = unitTestRecords();
const unit = (prefix: string) => decodeRecord(units.find((u) => u.label.startsWith(prefix))!.body);

describe("eNcore's unit-test records decode to the values of RECORDS.md §5", () => {
  it('502 file malware event, block 56 (RECORDS.md §3.5)', () => {
    const r = unit('record 502');
    assert.strictEqual(r.status, 'ok', r.reason);
    assert.strictEqual(r.blockType, 56);
    assert.strictEqual(r.family, 'file-malware');
    assert.strictEqual(r.raw.length, 434);
    assert.strictEqual(new DataView(r.raw.buffer, r.raw.byteOffset).getUint32(20), 418, 'block 56 length');
    const f = r.fields;
    assert.deepStrictEqual(
      [f.deviceId, f.connectionInstance, f.connectionCounter, f.connectionTimestamp, f.fileEventTimestamp, f.sourceIpAddress, f.sourcePort,
        f.destinationIpAddress, f.destinationPort, f.disposition, f.speroDisposition, f.fileStorageStatus, f.fileAnalysisStatus, f.action],
      [2, 28, 19395, 1487797063, 1487797094, '5.255.250.22', 42905, '10.32.1.18', 80, 2, 4, 11, 19, 6],
    );
    assert.match(f.shaHash as string, /^0611b40b[0-9a-f]{49}3dffc01$/);
    assert.deepStrictEqual([f.fileTypeId, f.fileName, f.fileSize, f.direction, f.applicationId, f.userId], [9, 'Bank-Wire-Transfer-电汇说明-10012015.pdf', 41926, 1, 676, 9999999]);
    assert.match(f.uri as string, /^http:\/\/www\.cedars-sinai\.edu\//);
    assert.deepStrictEqual([f.accessControlPolicyUuid, f.sourceCountry, f.clientApplicationId, f.httpResponse], ['173e4868-8ffa-11e6-9c28-8816deb0aacf', 840, 2211, 200]);
  });

  it('2 packet, 123 device, 320/321 DNS, 322 sinkhole, 54 OS fingerprint', () => {
    const packet = unit('record 2 ');
    const p = packet.fields;
    assert.deepStrictEqual([p.deviceId, p.eventId, p.eventSecond, p.linkType, p.packetLength, (p.packetData as Uint8Array).length], [1, 183524, 1484317641, 1, 429, 429]);
    assert.strictEqual((p.packetData as Uint8Array).buffer, packet.raw.buffer, 'packet bytes are a view');
    assert.deepStrictEqual(unit('record 123').fields, { id: 1, name: 'Sensor188' });
    assert.deepStrictEqual(unit('record 320').fields, { id: 1, name: 'A', description: 'a host address' });
    assert.deepStrictEqual(unit('record 321').fields, { id: 3842, name: 'SINKHOLE', description: 'Sinkhole response from firewall' });
    assert.deepStrictEqual(unit('record 322').fields, { uuid: '225c9020-3d92-11e6-a2b8-513915c68430', name: 'Malware_Sinkhole' });
    assert.deepStrictEqual(unit('record 54').fields, { uuid: '5ce40d9c-4dc8-413d-94ed-82a8c6a1485f', name: 'Cisco 1131 Series Access Point', vendor: 'Cisco', version: '' });
  });

  it('re-encodes every well-formed unit-test record byte for byte', () => {
    for (const u of units.filter((x) => x.messageType === 4 && !x.label.startsWith('record 98'))) {
      const r = decodeRecord(u.body);
      const again = encodeRecord({ recordType: r.recordType, archiveTimestamp: r.archiveTimestamp, blockType: r.blockType, fields: r.fields });
      assert.strictEqual(toHex(again), toHex(u.body), u.label);
    }
  });
});

/** Every (record type, block type) pair the layouts define. */
function everyLayout(): Array<[number, number | undefined]> {
  const out: Array<[number, number | undefined]> = [];
  for (const [type, layout] of RECORD_LAYOUTS) {
    if (layout.blocks) for (const b of layout.blocks) out.push([type, b.type]);
    else out.push([type, undefined]);
  }
  return out;
}

describe('generated records of every layout and version round-trip', () => {
  const layouts = everyLayout();

  it('covers the timeline records and every block version', () => {
    const has = (t: number, b?: number) => layouts.some(([x, y]) => x === t && y === b);
    for (const b of [160, 163, 168, 169, 170, 171, 173, 174]) assert.ok(has(71, b), `71/${b}`);
    for (const b of [41, 45, 60, 81, 85]) assert.ok(has(400, b), `400/${b}`);
    for (const [t, b] of [[9, 153], [112, 156], [500, 56], [500, 79], [502, 56], [502, 79], [125, 62], [125, 80], [160, 7], [160, 150], [161, 39],
      [10, 139], [11, 103], [12, 103], [15, 122], [101, 130], [94, 155], [95, 167], [170, 167], [171, 167], [110, 4], [73, 136]]) {
      assert.ok(has(t, b), `${t}/${b}`);
    }
    for (const t of [2, 4, 54, 66, 67, 69, 70, 55, 63, 123]) assert.ok(has(t), `${t}`);
    assert.ok(layouts.length > 120);
  });

  it('decode(encode(record)) == record, and encode(decode(bytes)) == bytes', () => {
    const rng = new Rng(20261204);
    let checked = 0;
    for (const [type, blockType] of layouts) {
      for (let i = 0; i < 12; i++) {
        const input = randomRecordInput(type, rng, blockType);
        const bytes = encodeRecord(input);
        const r = decodeRecord(bytes);
        const where = `record ${type} block ${blockType} #${i}`;
        assert.strictEqual(r.status, 'ok', `${where}: ${r.reason}`);
        assert.strictEqual(r.recordType, type);
        assert.strictEqual(r.typeWord, input.typeWord ?? type);
        assert.strictEqual(r.blockType, blockType);
        assert.strictEqual(r.archiveTimestamp, input.archiveTimestamp);
        assert.deepStrictEqual(r.fields, input.fields, where);
        assert.deepStrictEqual(decodeRecordInterpreted(bytes), r, `${where}: compiled reader and interpreter agree`);
        const again = encodeRecord({ recordType: r.recordType, typeWord: r.typeWord, archiveTimestamp: r.archiveTimestamp, blockType: r.blockType, fields: r.fields });
        assert.strictEqual(toHex(again), toHex(bytes), where);
        checked++;
      }
    }
    assert.strictEqual(checked, layouts.length * 12);
  });

  it('truncating any generated record at any point gives malformed, never an exception', () => {
    const rng = new Rng(99);
    for (const [type, blockType] of layouts) {
      const bytes = encodeRecord(randomRecordInput(type, rng, blockType));
      const headerLength = bytes.length - new DataView(bytes.buffer).getUint32(4);
      for (let cut = headerLength; cut < bytes.length; cut += 1 + (cut % 7)) {
        const shorter = bytes.slice(0, cut);
        new DataView(shorter.buffer).setUint32(4, cut - headerLength);
        const r = decodeRecord(shorter);
        const reference = decodeRecordInterpreted(shorter);
        assert.deepStrictEqual([r.status, r.reason, r.errorOffset], [reference.status, reference.reason, reference.errorOffset]);
        if (r.status === 'ok') {
          // Only layouts that end in "rest" bytes or contain nothing after the cut may still parse.
          assert.ok(type === 2 || cut === bytes.length, `record ${type}/${blockType} cut at ${cut} decoded as ok`);
        } else {
          assert.strictEqual(r.status, 'malformed', `${type}/${blockType} cut at ${cut}: ${r.reason}`);
          assert.ok(r.errorOffset! >= headerLength && r.errorOffset! <= cut);
        }
      }
    }
  });
});

describe('layout sizes match the minimum sizes RECORDS.md gives', () => {
  const blockLength = (recordType: number, blockType: number) => {
    const bytes = encodeRecord({ recordType, blockType, fields: {} });
    const r = decodeRecord(bytes);
    assert.strictEqual(r.status, 'ok', r.reason);
    const blockAt = 8 + (RECORD_LAYOUTS.get(recordType)!.discoveryHeader ? 40 : 0); // hasIpv6 = 0: 40-byte discovery header
    assert.strictEqual(new DataView(bytes.buffer).getUint32(blockAt), blockType);
    return new DataView(bytes.buffer).getUint32(blockAt + 4);
  };

  it('connection blocks 160…174', () => {
    const sizes = Object.fromEntries([160, 163, 168, 169, 170, 171, 173, 174].map((b) => [b, blockLength(71, b)]));
    assert.deepStrictEqual(sizes, { 160: 570, 163: 644, 168: 648, 169: 648, 170: 652, 171: 670, 173: 686, 174: 734 });
  });

  it('intrusion 60/81/85 (and 41/45 = the 5.3 and 6.3 guide examples), file 56/79, malware 62/80, correlation 156, IOC state 150', () => {
    assert.deepStrictEqual([41, 45, 60, 81, 85].map((b) => blockLength(400, b)), [222, 278, 282, 300, 364]);
    assert.deepStrictEqual([56, 79].map((b) => blockLength(500, b)), [235, 251]);
    assert.deepStrictEqual([62, 80].map((b) => blockLength(125, b)), [290, 306]);
    assert.strictEqual(blockLength(112, 156), 401);
    assert.strictEqual(blockLength(160, 150), 53);
    assert.strictEqual(blockLength(160, 7), 12);
  });
});

describe('encodeRecord input checks', () => {
  it('names the record and field when a value has the wrong type', () => {
    assert.throws(
      () => encodeRecord({ recordType: 400, fields: { sourceIpAddress: 'not-an-ip' } }),
      (e: unknown) => e instanceof ProtocolError && /record 400 \(Intrusion Event\) block 85: field sourceIpAddress must be IPv4 or IPv6 text/.test(e.message),
    );
    assert.throws(() => encodeRecord({ recordType: 71, fields: { initiatorPort: 70000 } }), /initiatorPort must be an integer 0\.\.65535/);
    assert.throws(() => encodeRecord({ recordType: 125, blockType: 99, fields: {} }), /no layout for block type 99 \(known: 80, 62\)/);
    assert.throws(() => encodeRecord({ recordType: 9999, fields: {} }), /no layout/);
  });

  it('round-trips long and non-ASCII strings', () => {
    const long = 'a'.repeat(70000);
    const r = decodeRecord(encodeRecord({ recordType: 9, fields: { description: long } }));
    assert.strictEqual(r.fields.description, long);
    const utf8 = decodeRecord(encodeRecord({ recordType: 9, fields: { description: 'é'.repeat(3000) + '电' } }));
    assert.strictEqual(utf8.fields.description, 'é'.repeat(3000) + '电');
  });

  it('accepts IPv6 text in its usual forms and writes IPv4 as IPv4-mapped', () => {
    const r = decodeRecord(encodeRecord({ recordType: 9, fields: { sourceIpAddress: '2001:DB8:0:0:0:0:0:1', destinationIpAddress: '10.0.0.1' } }));
    assert.strictEqual(r.fields.sourceIpAddress, '2001:db8::1');
    assert.strictEqual(r.fields.destinationIpAddress, '10.0.0.1');
    const bytes = encodeRecord({ recordType: 9, fields: { destinationIpAddress: '::ffff:10.0.0.1' } });
    assert.strictEqual(decodeRecord(bytes).fields.destinationIpAddress, '10.0.0.1');
  });
});

describe('the real session fed in random chunk sizes', () => {
  function decodeStream(chunkSize: () => number): EStreamerRecord[] {
    const all = Uint8Array.from(sessionMessages().filter((l) => l.direction === 'S->C').flatMap((l) => [...l.bytes]));
    const decoder = new MessageDecoder();
    const records: EStreamerRecord[] = [];
    for (let i = 0; i < all.length; ) {
      const n = chunkSize();
      for (const m of decoder.push(all.subarray(i, i + n))) {
        if (m.type === MessageType.MessageBundle) records.push(...decodeBundle(m.body).records.map(decodeRecord));
      }
      i += n;
    }
    return records;
  }
  const strip = (r: EStreamerRecord) => ({ ...r, raw: toHex(r.raw) });

  it('gives the same 69 records as one whole read', () => {
    const whole = decodeStream(() => 1 << 30).map(strip);
    assert.strictEqual(whole.length, 69);
    const rng = new Rng(5);
    for (let round = 0; round < 8; round++) {
      const max = [1, 7, 64, 1500, 9000][round % 5];
      assert.deepStrictEqual(decodeStream(() => 1 + rng.int(max - 1)).map(strip), whole);
    }
  });
});

describe('compiled readers', () => {
  it('fall back to the interpreter where code generation is refused (a CSP without unsafe-eval)', () => {
    const layout = RECORD_LAYOUTS.get(123)!;
    const bytes = encodeRecord({ recordType: 123, fields: { id: 3, name: 'fw-3' } });
    const dv = new DataView(bytes.buffer);
    const realFunction = globalThis.Function;
    globalThis.Function = function refused() {
      throw new EvalError('Refused to evaluate a string as JavaScript');
    } as unknown as FunctionConstructor;
    try {
      assert.strictEqual(compileReader(layout.fields!), undefined);
      const read = fieldReader(layout.fields!);
      assert.deepStrictEqual(read(bytes, dv, 8, bytes.length, undefined), { id: 3, name: 'fw-3' });
    } finally {
      globalThis.Function = realFunction;
    }
    assert.ok(compileReader(layout.fields!));
  });
});
