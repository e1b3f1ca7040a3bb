import assert from 'node:assert/strict';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { MessageType, ProtocolError, decodeBundle, decodeError, decodeRecord, encodeNull, toHex } from '../../../src/protocol';
import { Simulator, parseFault, FaultSyntaxError, type Fault, type SimulatorCertificates } from '../../../src/sim';
import { readRealSession } from '../../../src/sim/scenarios/real';
import { RawClient, sharedCertificates } from './rawClient';

const fixture = readRealSession();
const expectedStream = Buffer.concat(fixture.fromServer);

describe('sim/faults: each fault is observable', function () {
  let certificates: SimulatorCertificates;
  const running: Simulator[] = [];

  before(async () => {
    certificates = await sharedCertificates();
  });
  afterEach(async () => {
    for (const s of running.splice(0)) await s.stop();
  });

  async function simWith(faults: Fault[], keepAliveMs = 5000): Promise<Simulator> {
    const sim = await Simulator.create({ scenario: 'real', faults, certificates, keepAliveMs });
    running.push(sim);
    await sim.start();
    return sim;
  }

  /** Plays the real client's side (request, 2049, Null) and acks bundles as they come. */
  async function realClient(sim: Simulator): Promise<RawClient> {
    const c = await RawClient.connect(sim);
    c.send(fixture.fromClient[0]);
    c.send(fixture.fromClient[1]);
    c.send(fixture.fromClient[2]);
    return c;
  }

  for (const [where, bytes] of [
    ['mid-header', 56 + 5],
    ['mid-record', 56 + 8 + 8 + 8 + 10],
    ['mid-bundle', 56 + 1000],
    ['inside the second bundle', 56 + 1679 + 1000],
  ] as const) {
    it(`drop-after-bytes cuts the stream exactly (${where})`, async () => {
      const sim = await simWith([parseFault(`drop-after-bytes=${bytes}`)]);
      const c = await realClient(sim);
      c.socket.on('data', () => c.send(encodeNull()));
      await c.closed;
      const got = Buffer.concat(c.received);
      assert.equal(got.length, bytes);
      assert.equal(toHex(got), toHex(expectedStream.subarray(0, bytes)));
    });
  }

  it('faults apply to the first connection by default; @N and @* choose others', async () => {
    const sim = await simWith([parseFault('drop-after-bytes=10'), parseFault('server-error=7:third only@3')]);
    const first = await realClient(sim);
    await first.closed;
    assert.equal(first.receivedBytes, 10);
    const second = await realClient(sim);
    assert.equal((await second.next()).type, MessageType.StreamingInformation);
    second.close();
    const third = await realClient(sim);
    const m = await third.next();
    assert.deepEqual(decodeError(m.body), { code: 7, text: 'third only' });
  });

  it('stall=S sends nothing at all, not even keep-alives, for S seconds after the first data message', async () => {
    const sim = await simWith([parseFault('stall=1')], 100);
    const c = await realClient(sim);
    await c.next(); // 2051
    const first = await c.next();
    assert.equal(first.type, MessageType.MessageBundle);
    const firstAt = Date.now();
    c.send(encodeNull());
    const second = await c.next(5000);
    const gap = Date.now() - firstAt;
    assert.equal(second.type, MessageType.MessageBundle, 'no keep-alive during the stall');
    assert.ok(gap >= 900, `silent for ${gap} ms`);
    c.close();
  });

  async function firstBundleRecords(faults: Fault[]) {
    const sim = await simWith(faults);
    const c = await realClient(sim);
    await c.next();
    const bundle = decodeBundle((await c.next()).body);
    c.close();
    assert.equal(bundle.error, undefined);
    return bundle.records.map((r) => decodeRecord(r.slice()));
  }

  it('unknown-record sends a record of an unknown type after the first event, and the stream goes on', async () => {
    const records = await firstBundleRecords([parseFault('unknown-record=4242')]);
    const i = records.findIndex((r) => r.recordType === 4242);
    assert.ok(i > 0);
    assert.equal(records[i].status, 'unknown');
    assert.equal(records[i - 1].recordType, 71, 'right after the first event');
    assert.ok(records.slice(i + 1).every((r) => r.status === 'ok'));
  });

  it('unknown-block-version sends an intrusion event whose block type no layout knows', async () => {
    const records = await firstBundleRecords([parseFault('unknown-block-version')]);
    const bad = records.find((r) => r.recordType === 400);
    assert.ok(bad);
    assert.equal(bad.status, 'unknown');
    assert.equal(bad.blockType, 999);
  });

  it('lying-length sends a record whose record length claims 1000 bytes too many', async () => {
    const records = await firstBundleRecords([parseFault('lying-length')]);
    const bad = records.filter((r) => r.status === 'malformed');
    assert.equal(bad.length, 1);
    assert.match(bad[0].reason ?? '', /record length/);
    assert.equal(records.filter((r) => r.recordType === 71).length, 2, 'the real first event is intact');
  });

  it('garbage breaks the framing after the first data message', async () => {
    const sim = await simWith([parseFault('garbage=32')]);
    const c = await realClient(sim);
    await c.next();
    await c.next();
    // Generous: the poll ends as soon as the decoder fails, and a loaded machine delivers late.
    const deadline = Date.now() + 10_000;
    while (!c.decodeError && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(c.decodeError instanceof ProtocolError, 'the client decoder lost framing');
    c.close();
  });

  it('server-error=CODE:TEXT answers the request with that Error and closes', async () => {
    const sim = await simWith([parseFault('server-error=19:No space')]);
    const c = await realClient(sim);
    const m = await c.next();
    assert.equal(m.type, MessageType.Error);
    assert.deepEqual(decodeError(m.body), { code: 19, text: 'No space' });
    await c.closed;
  });

  it('expired-cert hands out an expired client certificate, which the server refuses', async () => {
    const sim = await Simulator.create({ scenario: 'real', faults: [parseFault('expired-cert')], certificates });
    running.push(sim);
    await sim.start();
    assert.ok(Date.parse(new X509Certificate(sim.client.certPem).validTo) < Date.now());
    await assert.rejects(RawClient.connect(sim).then(async (c) => (c.send(fixture.fromClient[0]), await c.next())));
    assert.deepEqual(sim.refused, ['CERT_HAS_EXPIRED']);
  });

  it('expired-server-cert makes a verifying client fail with "certificate has expired"', async () => {
    const sim = await Simulator.create({ scenario: 'real', faults: [parseFault('expired-server-cert')], certificates });
    running.push(sim);
    await sim.start();
    const err = await new Promise<Error>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port: sim.port, cert: sim.client.certPem, key: sim.client.keyPem, ca: sim.credentials.caPem, checkServerIdentity: () => undefined });
      s.on('error', resolve);
      s.on('secureConnect', () => resolve(new Error('connected')));
    });
    assert.match(err.message, /certificate has expired/);
  });

  it('parses the CLI syntax and explains mistakes', () => {
    assert.deepEqual(parseFault('drop-after-bytes=100@2,3'), { kind: 'drop-after-bytes', bytes: 100, connections: [2, 3] });
    assert.deepEqual(parseFault('stall=2.5@*'), { kind: 'stall', seconds: 2.5, connections: 'all' });
    assert.deepEqual(parseFault('server-error=19:No space: disk full'), { kind: 'server-error', code: 19, text: 'No space: disk full' });
    assert.deepEqual(parseFault('garbage'), { kind: 'garbage', bytes: 64 });
    assert.throws(() => parseFault('drop-after-bytes'), FaultSyntaxError);
    assert.throws(() => parseFault('server-error=oops'), /CODE:TEXT/);
    assert.throws(() => parseFault('explode'), /Unknown fault 'explode'/);
    assert.throws(() => parseFault('stall=1@0'), /1-based/);
  });
});
