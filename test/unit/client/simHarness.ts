/** Helpers for client tests against the real simulator over real TLS on loopback. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { recordKey } from '../../../src/client/bookmark';
import { EStreamerClient, type ClientOptions, type ClientState } from '../../../src/client/client';
import { loadPkcs12 } from '../../../src/client/credentials';
import type { RecordAddress, RecordSink } from '../../../src/dump/types';
import type { MetadataCache } from '../../../src/metadata';
import type { EStreamerRecord } from '../../../src/protocol/types';
import { Prng } from '../../../src/sim/prng';
import { Simulator, type SimulatorOptions } from '../../../src/sim/simulator';

/** Every family, so a stream from the oldest record matches the simulator's records_by_type. */
export const ALL_FAMILIES: ClientOptions['events'] = [
  'intrusion', 'connection', 'file', 'malware', 'correlation', 'impact', 'discovery', 'user', 'ioc', 'packets', 'extraData', 'metadata',
];

/** A durable-enough consumer for tests: keeps only keys and counts, never the records themselves. */
export class CountingSink implements RecordSink {
  readonly keys = new Set<string>();
  readonly byType: Record<string, number> = {};
  stored = 0;
  repeats = 0;
  writes = 0;
  constructor(public delayMs = 0) {}

  async write(records: readonly EStreamerRecord[]): Promise<RecordAddress[]> {
    this.writes++;
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const out: RecordAddress[] = [];
    for (const r of records) {
      const key = recordKey(r);
      if (this.keys.has(key)) this.repeats++;
      this.keys.add(key);
      this.byType[String(r.recordType)] = (this.byType[String(r.recordType)] ?? 0) + 1;
      this.stored++;
      out.push({ file: 'memory', line: this.stored });
    }
    return out;
  }

  async close(): Promise<void> {}
}

let shared: Promise<Simulator> | undefined;

/**
 * A simulator on loopback. All share one CA and key set (key generation is most of a simulator's
 * start-up); each has its own scenario, faults and port.
 */
export async function startSim(opts: Partial<SimulatorOptions> & Pick<SimulatorOptions, 'scenario'>): Promise<{ sim: Simulator; port: number }> {
  shared ??= Simulator.create({ scenario: 'flood', floodEvents: 1 });
  const sim = await Simulator.create({ keepAliveMs: 500, certificates: (await shared).certificates, ...opts });
  const { port } = await sim.start();
  return { sim, port };
}

export function clientFor(
  sim: Simulator,
  port: number,
  sink: RecordSink,
  options: Partial<ClientOptions> = {},
  metadata?: MetadataCache,
): EStreamerClient {
  return new EStreamerClient(
    {
      host: '127.0.0.1',
      port,
      credentials: credentialsOf(sim),
      start: 'oldest',
      events: ALL_FAMILIES,
      backoff: { initialMs: 5, maxMs: 20 },
      stopWhenIdleMs: 1500,
      countersIntervalMs: 100,
      ...options,
    },
    sink,
    metadata,
  );
}

const credentialCache = new WeakMap<Simulator, ReturnType<typeof loadPkcs12>>();

/** The simulator's client file, read once (forge's PKCS#12 decryption is slow-ish in JS). */
export function credentialsOf(sim: Simulator): ReturnType<typeof loadPkcs12> {
  let c = credentialCache.get(sim);
  if (!c) credentialCache.set(sim, (c = loadPkcs12(sim.credentials.pkcs12, sim.credentials.password)));
  return c;
}

/** Collects every state the client goes through. */
export function recordStates(client: EStreamerClient): ClientState[] {
  const states: ClientState[] = [];
  client.onDidChangeState((s) => states.push(s));
  return states;
}

export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** The simulator's seeded PRNG as a function, so failing runs can be replayed from the seed. */
export function prng(seed: number): () => number {
  const p = new Prng(seed);
  return () => p.next();
}
