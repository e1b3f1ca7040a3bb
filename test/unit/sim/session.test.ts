import assert from 'node:assert/strict';
import {
  MessageType,
  RequestFlag,
  decodeBundle,
  decodeError,
  decodeRecord,
  decodeStreamingInformation,
  encodeEventStreamRequest,
  encodeMessage,
  encodeNull,
  encodeStreamingRequest,
  toHex,
} from '../../../src/protocol';
import { ADVERTISED_SERVICES, SimErrorCode, Simulator, eventRecord } from '../../../src/sim';
import { readRealSession } from '../../../src/sim/scenarios/real';
import { RawClient, collectExtended, countByType, sharedCertificates } from './rawClient';

describe('sim/session: the protocol as the real FMC speaks it', function () {
  let real: Simulator;
  let compromise: Simulator;
  const fixture = readRealSession();

  before(async () => {
    real = await Simulator.create({ scenario: 'real', keepAliveMs: 300, certificates: await sharedCertificates() });
    await real.start();
    compromise = await Simulator.create({ scenario: 'compromise', seed: 7, hosts: 6, compromised: 1, certificates: real.certificates, keepAliveMs: 300 });
    await compromise.start();
  });
  after(async () => {
    await real?.stop();
    await compromise?.stop();
  });

  it("replays the real FMC's request/2051/2049/ack exchange and its 5 bundles byte for byte", async () => {
    const c = await RawClient.connect(real);
    try {
      // fixture client messages: request, 2049, Null, then a Null per bundle
      c.send(fixture.fromClient[0]);
      const info = await c.next();
      assert.equal(toHex(encodeMessage(info.type, info.body)), toHex(fixture.fromServer[0]));
      assert.deepEqual(decodeStreamingInformation(info.body).map((s) => s.serviceId), ADVERTISED_SERVICES);
      c.send(fixture.fromClient[1]);
      c.send(fixture.fromClient[2]);
      const bundles = fixture.fromServer.slice(1);
      assert.equal(bundles.length, 5);
      for (const expected of bundles) {
        const m = await c.next();
        assert.equal(toHex(encodeMessage(m.type, m.body)), toHex(expected));
        c.send(encodeNull());
      }
      // Nothing more: the next message is a keep-alive Null.
      const idle = await c.next(2000);
      assert.equal(idle.type, MessageType.Null);
      assert.equal(idle.body.length, 0);
    } finally {
      c.close();
    }
  });

  it('keeps one bundle in flight until the Null ack', async () => {
    const c = await RawClient.connect(real);
    try {
      c.send(fixture.fromClient[0]);
      await c.next();
      c.send(fixture.fromClient[1]); // no Null after it this time
      const first = await c.next();
      assert.equal(first.type, MessageType.MessageBundle);
      await assert.rejects(async () => {
        const m = await c.next(250);
        assert.notEqual(m.type, MessageType.MessageBundle); // a keep-alive is fine, a bundle is not
        throw new Error('keep-alive only');
      });
      c.send(encodeNull());
      const second = await c.next();
      assert.equal(second.type, MessageType.MessageBundle);
      assert.equal(decodeBundle(second.body).sequence, 2);
    } finally {
      c.close();
    }
  });

  it('accepts the guide\'s service-length convention too', async () => {
    const records = await collectExtended(real, 0, { convention: 'entry' });
    assert.equal(records.length, 69);
    const counts = countByType(records);
    assert.equal(counts['71'], 38);
    assert.deepEqual(counts, real.truth?.records_by_type);
  });

  it('without bit 23 sends no archive timestamps, and never sends them on metadata', async () => {
    const without = await collectExtended(real, 0, { archive: false });
    assert.equal(without.length, 69);
    assert.ok(without.every((r) => r.archiveTimestamp === undefined && r.status === 'ok'));
    const withArchive = await collectExtended(real, 0, { archive: true });
    for (const r of withArchive) assert.equal(r.archiveTimestamp !== undefined, r.family !== 'metadata', `record ${r.recordType}`);
    // Re-encoded without the archive header, each record keeps its fields.
    assert.deepEqual(without.map((r) => r.fields), withArchive.map((r) => r.fields));
  });

  it('replays from a bookmark second, including the boundary second again', async () => {
    const all = await collectExtended(compromise, 0);
    const events = all.filter((r) => r.archiveTimestamp !== undefined);
    const bookmark = events[Math.floor(events.length / 2)].archiveTimestamp!;
    const resumed = (await collectExtended(compromise, bookmark)).filter((r) => r.archiveTimestamp !== undefined);
    const expected = events.filter((r) => r.archiveTimestamp! >= bookmark);
    assert.ok(events.some((r) => r.archiveTimestamp! < bookmark), 'older events exist');
    assert.equal(resumed[0].archiveTimestamp, bookmark, 'boundary second is sent again');
    assert.deepEqual(resumed.map((r) => toHex(r.raw)), expected.map((r) => toHex(r.raw)));
  });

  it('sends metadata before the first event that refers to it, once per connection, on every connection', async () => {
    const records = await collectExtended(compromise, 0);
    const seen = new Set<string>();
    for (const r of records) {
      const key = `${r.recordType}:${JSON.stringify(r.fields)}`;
      if (r.family === 'metadata') {
        assert.ok(!seen.has(key), `metadata sent twice: ${key}`);
        seen.add(key);
      }
    }
    const firstIntrusion = records.findIndex((r) => r.recordType === 400);
    const intrusion = records[firstIntrusion];
    const classification = records.findIndex((r) => r.recordType === 67 && r.fields.id === intrusion.fields.classificationId);
    const rule = records.findIndex((r) => r.recordType === 66 && r.fields.ruleId === intrusion.fields.ruleId);
    assert.ok(classification >= 0 && classification < firstIntrusion, 'classification before the intrusion');
    assert.ok(rule >= 0 && rule < firstIntrusion, 'rule message before the intrusion');
    const again = await collectExtended(compromise, 0);
    assert.equal(again.filter((r) => r.family === 'metadata').length, seen.size, 'a new connection gets the metadata again');
  });

  it('streams plain Event Data messages when bit 30 is off, selected by flag bits', async () => {
    const c = await RawClient.connect(compromise);
    try {
      c.send(encodeEventStreamRequest(0, RequestFlag.metadata | RequestFlag.archiveTimestamps | RequestFlag.intrusion));
      const types = new Set<number>();
      for (;;) {
        const m = await c.next(1000);
        if (m.type === MessageType.Null) break;
        assert.equal(m.type, MessageType.EventData);
        const r = decodeRecord(m.body.slice());
        assert.equal(r.status, 'ok', r.reason);
        types.add(r.recordType);
        c.send(encodeNull()); // a reference client acks every message; harmless here
      }
      assert.ok(types.has(400));
      assert.ok(!types.has(71), 'connections not asked for');
      assert.ok(types.has(66) && types.has(67));
    } finally {
      c.close();
    }
  });

  it('"now" sends only records appended after the request', async () => {
    const c = await RawClient.connect(compromise);
    try {
      c.send(encodeEventStreamRequest(0xffffffff, RequestFlag.metadata | RequestFlag.intrusion));
      const m = await c.next(1500);
      assert.equal(m.type, MessageType.Null, 'only a keep-alive, no stored events');
    } finally {
      c.close();
    }
  });

  it('streams records appended while connected to a client that asked for "now"', async () => {
    const c = await RawClient.connect(compromise);
    try {
      c.send(encodeEventStreamRequest(0xffffffff, RequestFlag.metadata | RequestFlag.intrusion | RequestFlag.archiveTimestamps));
      assert.equal((await c.next()).type, MessageType.Null, 'caught up at once');
      const at = compromise.store.now();
      compromise.append([
        eventRecord(400, at, { deviceId: 1, eventId: 1, eventSecond: at, sourceIpAddress: '10.1.1.1', destinationIpAddress: '10.1.1.2', classificationId: 1 }, ['123:1', '67:1']),
      ]);
      const types: number[] = [];
      for (let m = await c.next(); m.type !== MessageType.Null; m = await c.next()) {
        const r = decodeRecord(m.body.slice());
        types.push(r.recordType);
        if (r.recordType === 400) assert.equal(r.archiveTimestamp, at);
      }
      assert.deepEqual(types, [123, 67, 400]);
    } finally {
      c.close();
    }
  });

  it('answers requests it cannot serve with an Error (code and text), then closes', async () => {
    const c = await RawClient.connect(compromise);
    c.send(encodeEventStreamRequest(0, RequestFlag.extended | RequestFlag.metadata));
    await c.next();
    c.send(encodeStreamingRequest([{ serviceId: 5000, flags: 0, initialTimestamp: 0, events: [] }]));
    const m = await c.next();
    assert.equal(m.type, MessageType.Error);
    const err = decodeError(m.body);
    assert.equal(err.code, SimErrorCode.unsupportedService);
    assert.match(err.text, /6667/);
    await c.closed;

    const h = await RawClient.connect(compromise);
    h.send(encodeEventStreamRequest(0xffffffff, RequestFlag.metadata));
    h.send(encodeMessage(MessageType.HostRequest, new Uint8Array(16)));
    let e = await h.next();
    while (e.type === MessageType.Null) e = await h.next();
    assert.equal(e.type, MessageType.Error);
    assert.equal(decodeError(e.body).code, SimErrorCode.unsupportedRequest);
    await h.closed;
  });

  it('closes without a word on a malformed first message', async () => {
    for (const bad of [
      encodeMessage(MessageType.EventStreamRequest, new Uint8Array(2)), // too short
      new TextEncoder().encode('{"hello": "fmc"}'), // not eStreamer at all
      encodeMessage(MessageType.StreamingRequest, new Uint8Array(16)), // wrong first message
    ]) {
      const c = await RawClient.connect(compromise);
      c.send(bad);
      await c.closed;
      assert.equal(c.receivedBytes, 0);
    }
  });
});
