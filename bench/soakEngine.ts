/**
 * Fault soak, shared by bench/soak.ts (large) and test/unit/fuzz/soak.test.ts (small): the
 * simulator's compromise scenario streamed over real TLS on loopback through the real client into
 * the real dump writer, with a fault on every connection (a disconnect at a random byte offset a
 * few thousand events in, plus, in turn, an unknown record, a stall, an unknown block version, a
 * server Error, a lying record length, framing garbage) and a consumer that is slow now and then.
 * At the end the dumps are read back and compared with the scenario's ground truth.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EStreamerClient, type ClientState } from '../src/client/client';
import { loadPkcs12 } from '../src/client/credentials';
import { parseLine } from '../src/dump/format';
import { listDumpFiles } from '../src/dump/reader';
import type { RecordAddress, RecordSink } from '../src/dump/types';
import { DumpWriter, dumpFolder } from '../src/dump/writer';
import { MetadataCache } from '../src/metadata';
import { Rng, decodeRecord, type EStreamerRecord, type EventFamilyName } from '../src/protocol';
import { Simulator, type Fault } from '../src/sim';

const ALL_FAMILIES: EventFamilyName[] = ['intrusion', 'connection', 'file', 'malware', 'correlation', 'impact', 'discovery', 'user', 'ioc', 'packets', 'extraData', 'metadata'];

/** The extra fault each connection gets besides its disconnect, in turn. */
const EXTRA_FAULTS = ['unknown-record', 'stall', 'unknown-block-version', 'server-error', 'lying-length', 'garbage', 'none'] as const;
type ExtraFault = (typeof EXTRA_FAULTS)[number];
/** Extra faults that put one bad record into the stream (kept in the dump with a reason). */
const BAD_RECORD_FAULTS: ReadonlySet<ExtraFault> = new Set(['unknown-record', 'unknown-block-version', 'lying-length']);

export interface SoakOptions {
  /** Hosts of the compromise scenario (about 47 records each). */
  hosts: number;
  /** Roughly how many events between two faults. */
  faultEvery: number;
  seed?: number;
  /** Every this many sink writes, one waits `slowMs` (a slow consumer). */
  slowEvery?: number;
  slowMs?: number;
  /** The client stops once no record came for this long (default 3 000 ms). */
  idleMs?: number;
  log?: (line: string) => void;
}

export interface SoakReport {
  seed: number;
  hosts: number;
  expectedRecords: number;
  connections: number;
  faults: Record<string, number>;
  injectedBadRecords: number;
  reconnects: number;
  stalls: number;
  serverErrors: number;
  slowWrites: number;
  /** Records of status ok in the dumps, and how they compare with the ground truth per type. */
  okRecords: number;
  lost: number;
  extra: number;
  duplicated: number;
  /** unknown / malformed records kept in the dumps, and how many lack status= or reason=. */
  unknownKept: number;
  malformedKept: number;
  badWithoutReason: number;
  finalState: string;
  finalError?: string;
  seconds: number;
}

/** The dump writer, slowed down on every n-th write: the consumer the client must wait for. */
class SlowSink implements RecordSink {
  writes = 0;
  slowWrites = 0;
  constructor(
    private readonly inner: RecordSink,
    private readonly every: number,
    private readonly ms: number,
  ) {}
  async write(records: readonly EStreamerRecord[]): Promise<RecordAddress[]> {
    if (this.every > 0 && ++this.writes % this.every === 0) {
      this.slowWrites++;
      await new Promise((r) => setTimeout(r, this.ms));
    }
    return this.inner.write(records);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

function faultPlan(connections: number, bytesBetweenFaults: number, rng: Rng): { faults: Fault[]; extras: ExtraFault[] } {
  const faults: Fault[] = [];
  const extras: ExtraFault[] = [];
  for (let c = 1; c <= connections; c++) {
    const extra = EXTRA_FAULTS[(c - 1) % EXTRA_FAULTS.length];
    extras.push(extra);
    const on = [c];
    // At a random offset, but past the first bundle (8 KiB) where injected records travel.
    faults.push({ kind: 'drop-after-bytes', bytes: 9000 + Math.floor(rng.next() * bytesBetweenFaults * 1.5), connections: on });
    if (extra === 'unknown-record') faults.push({ kind: 'unknown-record', recordType: 9000 + c, connections: on });
    else if (extra === 'unknown-block-version') faults.push({ kind: 'unknown-block-version', blockType: 900 + c, connections: on });
    else if (extra === 'lying-length') faults.push({ kind: 'lying-length', connections: on });
    else if (extra === 'stall') faults.push({ kind: 'stall', seconds: 30, connections: on });
    else if (extra === 'server-error') faults.push({ kind: 'server-error', code: 77, text: `Soak error on connection ${c}`, connections: on });
    else if (extra === 'garbage') faults.push({ kind: 'garbage', bytes: 200, connections: on });
  }
  return { faults, extras };
}

export async function soak(options: SoakOptions): Promise<SoakReport> {
  const seed = options.seed ?? 1;
  const log = options.log ?? (() => undefined);
  const t0 = performance.now();
  // A first simulator only to learn the scenario's size and record bytes; the faults depend on them.
  const probe = await Simulator.create({ scenario: 'compromise', hosts: options.hosts, seed });
  const truth = probe.truth!;
  const expectedRecords = Object.values(truth.records_by_type).reduce((a, b) => a + b, 0);
  let bytes = 0;
  let count = 0;
  const it = probe.store.recordsFrom(0);
  for (let r = it.next(); !r.done; r = it.next()) {
    bytes += r.value.encode(true).length + 8;
    count++;
  }
  const bytesBetweenFaults = Math.round((bytes / Math.max(1, count)) * options.faultEvery);
  const connections = Math.max(EXTRA_FAULTS.length, Math.ceil(expectedRecords / options.faultEvery));
  const rng = new Rng(seed);
  const plan = faultPlan(connections, bytesBetweenFaults, rng);
  const sim = await Simulator.create({ scenario: 'compromise', hosts: options.hosts, seed, faults: plan.faults, keepAliveMs: 100, certificates: probe.certificates });
  const { port } = await sim.start();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'estreamer-soak-'));
  try {
    const fmc = `127.0.0.1:${port}`;
    const metadata = new MetadataCache();
    const dir = dumpFolder(tmp, fmc);
    const writer = new DumpWriter({ dir, fmc, names: metadata, maxFileBytes: 256 * 1024 });
    const sink = new SlowSink(writer, options.slowEvery ?? 7, options.slowMs ?? 150);
    const credentials = loadPkcs12(sim.credentials.pkcs12, sim.credentials.password);
    const client = new EStreamerClient(
      {
        host: '127.0.0.1',
        port,
        credentials,
        start: 'oldest',
        events: ALL_FAMILIES,
        stateDir: path.join(tmp, 'state'),
        backoff: { initialMs: 5, maxMs: 50 },
        stallTimeoutMs: 600,
        stopWhenIdleMs: options.idleMs ?? 3000,
        countersIntervalMs: 250,
      },
      sink,
      metadata,
    );
    const states: ClientState[] = [];
    client.onDidChangeState((s) => {
      states.push(s);
      if (s.kind === 'reconnecting') log(`  reconnect ${s.attempt}: ${s.lastError}`);
    });
    client.start();
    const final = await client.whenStopped();
    await writer.close();
    await sim.stop();

    // Read the dumps back as text: every line parses, raw= decodes again.
    const seen = new Map<string, number>();
    const okByType: Record<string, number> = {};
    let okRecords = 0;
    let unknownKept = 0;
    let malformedKept = 0;
    let badWithoutReason = 0;
    for (const file of await listDumpFiles([dir])) {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (!line || line.startsWith('#')) continue;
        const parsed = parseLine(line);
        const key = Buffer.from(parsed.raw).toString('base64');
        seen.set(key, (seen.get(key) ?? 0) + 1);
        const record = decodeRecord(parsed.raw);
        if (record.status === 'ok') {
          okRecords++;
          okByType[String(record.recordType)] = (okByType[String(record.recordType)] ?? 0) + 1;
          continue;
        }
        if (record.status === 'unknown') unknownKept++;
        else malformedKept++;
        const keys = new Map(parsed.pairs);
        if (keys.get('status') !== record.status || !keys.get('reason')) badWithoutReason++;
      }
    }
    let lost = 0;
    let extra = 0;
    for (const type of new Set([...Object.keys(truth.records_by_type), ...Object.keys(okByType)])) {
      const diff = (truth.records_by_type[type] ?? 0) - (okByType[type] ?? 0);
      if (diff > 0) lost += diff;
      else extra -= diff;
    }
    let duplicated = 0;
    for (const n of seen.values()) duplicated += n - 1;
    const faults: Record<string, number> = { 'drop-after-bytes': connections };
    for (const e of plan.extras) if (e !== 'none') faults[e] = (faults[e] ?? 0) + 1;
    const report: SoakReport = {
      seed,
      hosts: options.hosts,
      expectedRecords,
      connections: sim.connections,
      faults,
      injectedBadRecords: plan.extras.filter((e) => BAD_RECORD_FAULTS.has(e)).length,
      reconnects: client.counters.reconnects,
      stalls: states.filter((s) => s.kind === 'stalled').length,
      serverErrors: states.filter((s) => s.kind === 'reconnecting' && /reported error 77/.test(s.lastError)).length,
      slowWrites: sink.slowWrites,
      okRecords,
      lost,
      extra,
      duplicated,
      unknownKept,
      malformedKept,
      badWithoutReason,
      finalState: final.reason,
      finalError: final.error?.message,
      seconds: (performance.now() - t0) / 1000,
    };
    client.dispose();
    return report;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The figures, one per line, for the bench script and test failure messages. */
export function formatSoakReport(r: SoakReport): string {
  return [
    `soak: compromise scenario, ${r.hosts} hosts, seed ${r.seed}: ${r.expectedRecords} records in the ground truth, ${r.seconds.toFixed(1)} s`,
    `  connections: ${r.connections} (faults planned: ${Object.entries(r.faults).map(([k, v]) => `${k} ${v}`).join(', ')})`,
    `  recovered: ${r.reconnects} reconnects, ${r.stalls} stalls detected, ${r.serverErrors} server errors surfaced, ${r.slowWrites} slow writes waited for`,
    `  dumps: ${r.okRecords} ok records; lost ${r.lost}, extra ${r.extra}, duplicated ${r.duplicated}`,
    `  bad records injected ${r.injectedBadRecords}: kept ${r.unknownKept} unknown + ${r.malformedKept} malformed, ${r.badWithoutReason} without status/reason`,
    `  client stopped: ${r.finalState}${r.finalError ? ` (error: ${r.finalError})` : ''}`,
  ].join('\n');
}
