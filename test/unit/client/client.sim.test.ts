/**
 * The client against the real simulator over real mutual TLS on loopback: whole scenarios end to
 * end against the simulator's ground truth, faults, refusals, restarts, a slow consumer.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { loadPkcs12 } from '../../../src/client/credentials';
import { ClientError } from '../../../src/client/errors';
import { parseLine } from '../../../src/dump/format';
import { DumpWriter, dumpFolder } from '../../../src/dump/writer';
import { MetadataCache } from '../../../src/metadata';
import { decodeRecord } from '../../../src/protocol';
import type { Fault } from '../../../src/sim/faults';
import type { Simulator } from '../../../src/sim/simulator';
import { makeTestPki, type TestPki } from './opensslPki';
import { CountingSink, clientFor, credentialsOf, prng, recordStates, startSim, tempDir } from './simHarness';

/** Record type → count over every dump line in a folder, and how many distinct raw records. */
function readDumps(folder: string): { byType: Record<string, number>; lines: number; distinct: number } {
  const byType: Record<string, number> = {};
  const raws = new Set<string>();
  let lines = 0;
  for (const name of fs.readdirSync(folder).filter((f) => f.endsWith('.estreamer')).sort()) {
    for (const line of fs.readFileSync(path.join(folder, name), 'utf8').split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const parsed = parseLine(line);
      byType[String(parsed.recordType)] = (byType[String(parsed.recordType)] ?? 0) + 1;
      raws.add(Buffer.from(parsed.raw).toString('base64'));
      lines++;
    }
  }
  return { byType, lines, distinct: raws.size };
}

/** 100 disconnects at random byte offsets, one per connection 1…100; 101 on are clean. */
function hundredDrops(seed: number): Fault[] {
  const random = prng(seed);
  const faults: Fault[] = [];
  for (let connection = 1; connection <= 100; connection++) {
    faults.push({ kind: 'drop-after-bytes', bytes: Math.floor(random() * 60_000), connections: [connection] });
  }
  return faults;
}

describe('client against the simulator (real TLS on loopback)', function () {
  this.timeout(60_000);

  describe('a long compromise scenario', () => {
    let sim: Simulator;
    let port: number;
    const seed = 20261204;
    before(async () => ({ sim, port } = await startSim({ scenario: 'compromise', hosts: 100, seed: 7, faults: hundredDrops(seed) })));
    after(() => sim.stop());

    it('100 disconnects at random byte offsets: 0 lost, 0 duplicated against the ground truth', async () => {
      const tmp = tempDir('estreamer-drops-');
      try {
        const sink = new CountingSink();
        const client = clientFor(sim, port, sink, { stateDir: tmp.dir });
        client.start();
        const final = await client.whenStopped();
        assert.equal(final.error, undefined, `seed ${seed}: ${final.reason}`);
        assert.equal(sim.connections, 101, 'every injected disconnect happened, then one clean run');
        assert.deepEqual(sink.byType, sim.truth!.records_by_type, `seed ${seed}`);
        assert.equal(sink.repeats, 0, `seed ${seed}: duplicates stored`);
        assert.equal(client.counters.reconnects, 100);
        assert.ok(client.counters.duplicatesDropped > 0, 'resumes re-sent part of a second, recognised');
        client.dispose();
      } finally {
        tmp.cleanup();
      }
    });
  });

  describe('a long compromise scenario into dumps (acks run ahead of the fsync)', () => {
    let sim: Simulator;
    let port: number;
    const seed = 20261205;
    before(async () => ({ sim, port } = await startSim({ scenario: 'compromise', hosts: 100, seed: 7, faults: hundredDrops(seed) })));
    after(() => sim.stop());

    it('100 disconnects with writes in flight: every record once in the dumps, the bookmark at the end', async () => {
      const tmp = tempDir('estreamer-drops-dump-');
      try {
        const fmc = `127.0.0.1:${port}`;
        const writer = new DumpWriter({ dir: dumpFolder(tmp.dir, fmc), fmc });
        let inFlight = 0;
        let mostInFlight = 0;
        // A disk slower than the reconnect delay (5–20 ms): writes of a dropped connection are
        // still in flight when the next one is set up, and the bookmark must wait for them.
        let slowDisk: Promise<unknown> = Promise.resolve();
        const sink = {
          ordered: true,
          write: async (records: Parameters<DumpWriter['write']>[0]) => {
            mostInFlight = Math.max(mostInFlight, ++inFlight);
            try {
              const turn = slowDisk.then(() => new Promise((r) => setTimeout(r, 8)));
              slowDisk = turn;
              await turn;
              return await writer.write(records);
            } finally {
              inFlight--;
            }
          },
          close: () => writer.close(),
        };
        const client = clientFor(sim, port, sink, { stateDir: path.join(tmp.dir, 'state') });
        client.start();
        const final = await client.whenStopped();
        await writer.close();
        assert.equal(final.error, undefined, `seed ${seed}: ${final.reason}`);
        assert.equal(sim.connections, 101);
        assert.ok(mostInFlight > 1, 'bundles were acknowledged while earlier ones were still being written');
        const dumps = readDumps(dumpFolder(tmp.dir, fmc));
        assert.deepEqual(dumps.byType, sim.truth!.records_by_type, `seed ${seed}`);
        assert.equal(dumps.distinct, dumps.lines, `seed ${seed}: no record twice`);
        assert.equal(client.counters.bookmark, sim.truth!.end.unix);
        client.dispose();
      } finally {
        tmp.cleanup();
      }
    });
  });

  describe('the compromise scenario into dumps', () => {
    let sim: Simulator;
    let port: number;
    before(async () => ({ sim, port } = await startSim({ scenario: 'compromise', seed: 7 })));
    after(() => sim.stop());

    it('streams into dumps: every record stored once, names resolve from the saved cache after a restart', async () => {
      const tmp = tempDir('estreamer-e2e-');
      try {
        const fmc = `127.0.0.1:${port}`;
        const metadata = new MetadataCache();
        const writer = new DumpWriter({ dir: dumpFolder(tmp.dir, fmc), fmc, names: metadata });
        const client = clientFor(sim, port, writer, { stateDir: path.join(tmp.dir, 'state') }, metadata);
        let addressed = 0;
        client.onRecords((e) => (addressed += e.addresses.length));
        client.start();
        const final = await client.whenStopped();
        await writer.close();
        assert.equal(final.idle, true, final.reason);
        assert.equal(final.error, undefined);

        const dumps = readDumps(dumpFolder(tmp.dir, fmc));
        assert.deepEqual(dumps.byType, sim.truth!.records_by_type);
        assert.equal(dumps.distinct, dumps.lines, 'no record twice');
        assert.equal(addressed, dumps.lines, 'onRecords gave an address per stored record');
        const c = client.counters;
        assert.equal(c.stored, dumps.lines);
        assert.equal(c.unknown + c.malformed, 0);
        assert.equal(c.bookmark, sim.truth!.end.unix, 'bookmark = newest archive second stored');

        // A restarted process (offline here) refills the cache it is given from the state folder.
        const restored = new MetadataCache();
        const offline = clientFor(sim, port, new CountingSink(), {
          stateDir: path.join(tmp.dir, 'state'),
          start: 'bookmark',
          transportFactory: () => Promise.reject(new ClientError('config', 'offline for this test')),
        }, restored);
        offline.start();
        assert.equal((await offline.whenStopped()).reason, 'offline for this test');
        offline.dispose();
        const it = sim.store.recordsFrom(0);
        let names: Record<string, string> = {};
        for (let r = it.next(); !r.done; r = it.next()) {
          if (r.value.recordType !== 400) continue;
          const intrusion = decodeRecord(r.value.encode(true));
          names = restored.names(intrusion);
          assert.deepEqual(names, client.metadata.names(intrusion));
          break;
        }
        assert.ok(Object.keys(names).length > 0, 'the restored cache names the intrusion event');
        client.dispose();
      } finally {
        tmp.cleanup();
      }
    });
  });

  describe('a flood with a server Error on connection 1 and a stall on connection 2', () => {
    let sim: Simulator;
    let port: number;
    before(async () => {
      ({ sim, port } = await startSim({
        scenario: 'flood',
        floodEvents: 3000,
        keepAliveMs: 50,
        faults: [
          { kind: 'server-error', code: 77, text: 'Requested event version unsupported', connections: [1] },
          { kind: 'stall', seconds: 30, connections: [2] },
        ],
      }));
    });
    after(() => sim.stop());

    it('surfaces the Error with code and text, detects the stall, reconnects, stores everything once', async () => {
      const sink = new CountingSink();
      const client = clientFor(sim, port, sink, { stallTimeoutMs: 300 });
      const states = recordStates(client);
      client.start();
      const final = await client.whenStopped();
      assert.equal(final.error, undefined, final.reason);
      const reconnects = states.filter((s) => s.kind === 'reconnecting').map((s) => (s.kind === 'reconnecting' ? s.lastError : ''));
      assert.equal(reconnects[0], 'The FMC reported error 77: Requested event version unsupported');
      assert.match(reconnects[1], /No data and no keep-alive .* for 0 s: the stream stalled/);
      assert.ok(states.some((s) => s.kind === 'stalled'));
      assert.deepEqual(client.counters.lastServerError, { code: 77, text: 'Requested event version unsupported' });
      assert.deepEqual(sink.byType, sim.truth!.records_by_type);
      assert.equal(sink.repeats, 0);
      assert.equal(sim.connections, 3);
      client.dispose();
    });
  });

  it('resumes from the saved bookmark after a restart: nothing lost, the boundary second de-duplicated', async () => {
    const { sim, port } = await startSim({ scenario: 'flood', floodEvents: 3000 });
    const tmp = tempDir('estreamer-resume-');
    try {
      const sink = new CountingSink();
      const stateDir = path.join(tmp.dir, 'state');
      const first = clientFor(sim, port, sink, { stateDir });
      // Stop in the middle of an archive second (the flood has 1000 records per second).
      const sub = first.onRecords(() => {
        if (sink.stored >= 1500) {
          sub.dispose();
          void first.stop('test stop');
        }
      });
      first.start();
      assert.equal((await first.whenStopped()).reason, 'test stop');
      assert.ok(sink.stored < 3005);
      first.dispose();

      const second = clientFor(sim, port, sink, { stateDir, start: 'bookmark' });
      second.start();
      await second.whenStopped();
      assert.deepEqual(sink.byType, sim.truth!.records_by_type);
      assert.equal(sink.repeats, 0, 'no record stored twice');
      assert.ok(second.counters.duplicatesDropped > 0, 'the re-sent part of the boundary second was recognised');
      assert.ok(second.counters.duplicatesDropped < 1000, 'only the boundary second is re-sent');
      assert.equal(second.counters.metadataRepeatsDropped, 5, 'the 5 metadata records were already stored');
      second.dispose();
    } finally {
      await sim.stop();
      tmp.cleanup();
    }
  });

  describe('refusals stop with a message instead of retrying forever', () => {
    let sim: Simulator;
    let port: number;
    let pki: TestPki;
    before(async () => {
      // The simulator checks the peer address against the certificate, as the FMC does.
      ({ sim, port } = await startSim({ scenario: 'flood', floodEvents: 10, hostCheck: true }));
      pki = makeTestPki('pw');
    });
    after(async () => {
      // The simulator's stop() waits for the connections its host check closed; Node never
      // reports those closed (see the report), so do not wait for it forever.
      await Promise.race([sim.stop(), new Promise((r) => setTimeout(r, 1000).unref())]);
      pki.cleanup();
    });

    async function stopsWith(client: ReturnType<typeof clientFor>, pattern: RegExp, kinds: string[]): Promise<void> {
      client.start();
      const final = await client.whenStopped();
      assert.ok(final.error instanceof ClientError, final.reason);
      assert.ok(kinds.includes(final.error.kind), `${final.error.kind}: ${final.reason}`);
      assert.match(final.reason, pattern);
      client.dispose();
    }

    it('a certificate the FMC did not issue', async () => {
      const before = sim.connections;
      const foreign = loadPkcs12(fs.readFileSync(pki.foreignP12), 'pw');
      const client = clientFor(sim, port, new CountingSink(), { credentials: foreign, verifyServer: false, stopWhenIdleMs: undefined });
      await stopsWith(client, /(refused|refuses) (this|the) client certificate.*System > Integration > eStreamer/, ['auth', 'rejected']);
      assert.equal(sim.connections, before, 'never got past the handshake');
    });

    it('a revoked (deleted) client', async () => {
      const issued = await sim.issueClient('127.0.0.1');
      sim.revoke(issued.certificate.serial);
      const creds = loadPkcs12(issued.credentials.pkcs12, issued.credentials.password);
      // An FMC answers with a "certificate revoked" alert ('auth'); Node's TLS server (the
      // simulator) checks the certificate after its side of the handshake and just hangs up.
      await stopsWith(clientFor(sim, port, new CountingSink(), { credentials: creds, stopWhenIdleMs: undefined }), /revoked.*System > Integration > eStreamer/, ['auth', 'rejected']);
    });

    it('the host check (a certificate for another address)', async () => {
      const issued = await sim.issueClient('10.1.2.3');
      const creds = loadPkcs12(issued.credentials.pkcs12, issued.credentials.password);
      const before = sim.connections;
      await stopsWith(
        clientFor(sim, port, new CountingSink(), { credentials: creds, stopWhenIdleMs: undefined }),
        /(during|right after) the TLS handshake.*host named in the certificate \(10\.1\.2\.3\)/,
        ['rejected'],
      );
      assert.equal(sim.connections - before, 3, 'gave up after maxRejections (3) attempts');
    });

    it('an FMC whose certificate is not from the CA in the file, unless verification is off', async () => {
      const creds = { ...credentialsOf(sim), caPems: [pki.foreignCaPem] };
      await stopsWith(clientFor(sim, port, new CountingSink(), { credentials: creds, stopWhenIdleMs: undefined }), /not signed by the FMC CA.*--no-verify-server/, ['server-untrusted']);
      const sink = new CountingSink();
      const trusting = clientFor(sim, port, sink, { credentials: creds, verifyServer: false });
      trusting.start();
      await trusting.whenStopped();
      assert.deepEqual(sink.byType, sim.truth!.records_by_type);
      trusting.dispose();
    });

    it('stop() while connecting to a silent host returns at once, not after the connect timeout', async () => {
      const silent = net.createServer(() => undefined);
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      try {
        const client = clientFor(sim, (silent.address() as net.AddressInfo).port, new CountingSink(), { connectTimeoutMs: 20_000 });
        const states = recordStates(client);
        client.start();
        await new Promise((r) => setTimeout(r, 200));
        assert.equal(client.state.kind, 'connecting');
        const t0 = Date.now();
        await client.stop();
        // Far below the 20 s connect timeout, with room for a loaded machine.
        assert.ok(Date.now() - t0 < 5000, `stop took ${Date.now() - t0} ms`);
        assert.deepEqual(states.map((s) => s.kind), ['connecting', 'stopped']);
        client.dispose();
      } finally {
        silent.close();
      }
    });

    it('a wrong password for the simulator\'s own file', () => {
      assert.throws(() => loadPkcs12(sim.credentials.pkcs12, sim.credentials.password + 'x'), /Wrong password/);
    });
  });

  it('unknown and malformed records are kept and counted, garbage on the wire is survived, nothing lost', async () => {
    const { sim, port } = await startSim({
      scenario: 'flood',
      floodEvents: 1200,
      maxBundleBytes: 32_768,
      faults: [
        { kind: 'unknown-record', connections: [1] },
        { kind: 'unknown-block-version', connections: [1] },
        { kind: 'lying-length', connections: [1] },
        { kind: 'drop-after-bytes', bytes: 200_000, connections: [1] },
        { kind: 'garbage', connections: [2] },
      ],
    });
    try {
      const sink = new CountingSink();
      const client = clientFor(sim, port, sink, {});
      const states = recordStates(client);
      client.start();
      const final = await client.whenStopped();
      assert.equal(final.error, undefined, final.reason);
      const c = client.counters;
      assert.ok(c.unknown >= 1, `unknown ${c.unknown}`);
      assert.ok(c.malformed >= 1, `malformed ${c.malformed}`);
      assert.equal(sink.byType['9999'], 1, 'the unknown record type is stored (raw) once');
      for (const [type, n] of Object.entries(sim.truth!.records_by_type)) assert.ok((sink.byType[type] ?? 0) >= n, `type ${type}`);
      assert.equal(sink.repeats, 0);
      assert.ok(states.some((s) => s.kind === 'reconnecting' && /not eStreamer/.test(s.lastError)), 'garbage ended a connection with a protocol error');
      client.dispose();
    } finally {
      await sim.stop();
    }
  });

  it('a consumer that cannot store stops the stream with its message; the bookmark covers only what was stored', async () => {
    const { sim, port } = await startSim({ scenario: 'flood', floodEvents: 3000, maxBundleBytes: 32_768 });
    const tmp = tempDir('estreamer-sinkfail-');
    try {
      const good = new CountingSink();
      let writes = 0;
      const failing = {
        write: async (records: Parameters<CountingSink['write']>[0]) => {
          if (++writes === 3) throw new Error('The disk holding /dumps is full: free space and reconnect; nothing acknowledged was lost.');
          return good.write(records);
        },
        close: async () => undefined,
      };
      const client = clientFor(sim, port, failing, { stateDir: tmp.dir });
      client.start();
      const final = await client.whenStopped();
      assert.ok(final.error instanceof ClientError && final.error.kind === 'sink', final.reason);
      assert.match(final.reason, /Storing records failed: The disk holding \/dumps is full/);
      const bookmark = JSON.parse(fs.readFileSync(path.join(tmp.dir, `127.0.0.1-${port}`, 'bookmark.json'), 'utf8'));
      assert.equal(bookmark.archiveSecond, client.counters.bookmark);
      assert.equal(client.counters.stored, good.stored, 'the failed batch is not counted as stored');
      client.dispose();

      // After freeing space: a restart from the bookmark completes the stream without duplicates.
      const again = clientFor(sim, port, good, { stateDir: tmp.dir, start: 'bookmark' });
      again.start();
      await again.whenStopped();
      assert.deepEqual(good.byType, sim.truth!.records_by_type);
      assert.equal(good.repeats, 0);
      again.dispose();
    } finally {
      await sim.stop();
      tmp.cleanup();
    }
  });

  it('reads a modern (PBES2/AES) client file from the simulator and streams with it', async () => {
    const { sim, port } = await startSim({ scenario: 'flood', floodEvents: 20, pkcs12Encryption: 'modern' });
    try {
      const sink = new CountingSink();
      const client = clientFor(sim, port, sink);
      client.start();
      await client.whenStopped();
      assert.deepEqual(sink.byType, sim.truth!.records_by_type);
      client.dispose();
    } finally {
      await sim.stop();
    }
  });

  it('several FMCs at once, each with its own credentials, bookmark and cache; one client per FMC state', async () => {
    const a = await startSim({ scenario: 'flood', floodEvents: 1200, seed: 1, maxBundleBytes: 32_768 });
    const b = await startSim({ scenario: 'flood', floodEvents: 900, seed: 2, maxBundleBytes: 32_768 });
    const tmp = tempDir('estreamer-multi-');
    try {
      const sinkA = new CountingSink();
      const sinkB = new CountingSink();
      const clientA = clientFor(a.sim, a.port, sinkA, { stateDir: tmp.dir });
      const ownB = await b.sim.issueClient('127.0.0.1');
      const credentialsB = loadPkcs12(ownB.credentials.pkcs12, ownB.credentials.password);
      const clientB = clientFor(b.sim, b.port, sinkB, { stateDir: tmp.dir, credentials: credentialsB });
      clientA.start();
      clientB.start();
      // A second client on the same FMC and state folder would corrupt the bookmark: refused.
      await new Promise<void>((resolve) => {
        const sub = clientA.onDidChangeState((s) => s.kind === 'streaming' && (sub.dispose(), resolve()));
      });
      const twin = clientFor(a.sim, a.port, new CountingSink(), { stateDir: tmp.dir });
      twin.start();
      const refused = await twin.whenStopped();
      assert.match(refused.reason, /Another eStreamer client \(process \d+\) is already streaming from 127\.0\.0\.1:\d+/);
      twin.dispose();

      await Promise.all([clientA.whenStopped(), clientB.whenStopped()]);
      assert.deepEqual(sinkA.byType, a.sim.truth!.records_by_type);
      assert.deepEqual(sinkB.byType, b.sim.truth!.records_by_type);
      assert.deepEqual(fs.readdirSync(tmp.dir).sort(), [`127.0.0.1-${a.port}`, `127.0.0.1-${b.port}`].sort());
      for (const [client, sim, port] of [[clientA, a.sim, a.port], [clientB, b.sim, b.port]] as const) {
        const bookmark = JSON.parse(fs.readFileSync(path.join(tmp.dir, `127.0.0.1-${port}`, 'bookmark.json'), 'utf8'));
        assert.equal(bookmark.archiveSecond, sim.truth!.end.unix);
        assert.equal(bookmark.fmc, client.fmc);
        assert.ok(!fs.existsSync(path.join(tmp.dir, `127.0.0.1-${port}`, 'lock')), 'lock released on stop');
      }
      clientA.dispose();
      clientB.dispose();
    } finally {
      await a.sim.stop();
      await b.sim.stop();
      tmp.cleanup();
    }
  });

  it('holds the FMC back while a slow consumer works: bytes read and heap stay flat', async () => {
    const { sim, port } = await startSim({ scenario: 'flood', floodEvents: 200_000 });
    try {
      const sink = new CountingSink(25);
      // Plain mode: the simulator then sends as fast as TCP lets it, with no per-bundle ack to wait for.
      const client = clientFor(sim, port, sink, { extended: false, stopWhenIdleMs: undefined });
      const heapBefore = process.memoryUsage().heapUsed;
      let heapPeak = heapBefore;
      const sampler = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 20);
      client.start();
      await new Promise((r) => setTimeout(r, 2500));
      clearInterval(sampler);
      const readBytes = client.counters.bytes;
      await client.stop();
      const floodBytes = 200_000 * 700; // ~140 MB on the wire
      assert.ok(readBytes < floodBytes / 20, `read ${readBytes} bytes while the consumer was slow`);
      assert.ok(heapPeak - heapBefore < 40 * 1024 * 1024, `heap grew by ${((heapPeak - heapBefore) / 1048576).toFixed(1)} MB`);
      assert.ok(sink.stored > 0);
      assert.equal(sink.repeats, 0);
      client.dispose();
    } finally {
      await sim.stop();
    }
  });
});
