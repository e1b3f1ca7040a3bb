/**
 * `estreamer demo`: the whole product in one command. A simulated FMC (compromise scenario) on
 * loopback, the real client over TLS with the simulator's PKCS#12, the events streamed into
 * .estreamer dumps, then the compromise analysis of those dumps, checked against the
 * simulator's ground truth.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { DEFAULT_BEFORE_MS } from '../../analysis/analyzer';
import { analyzeDumps } from '../../analysis/dumps';
import { renderText } from '../../analysis/report';
import type { Analyzer } from '../../analysis/analyzer';
import { EStreamerClient } from '../../client/client';
import { loadPkcs12 } from '../../client/credentials';
import { DumpWriter } from '../../dump/writer';
import { FILE_EXTENSION } from '../../dump/format';
import { flagsFor, type EventFamilyName } from '../../protocol';
import { Simulator } from '../../sim/simulator';
import type { GroundTruth } from '../../sim/truth';
import { opt, parseArgs, UsageError } from '../args';

export const summary = 'simulate an FMC with compromised hosts, stream it into dumps over TLS, and print the analysis';

const USAGE = `usage: estreamer demo [--out DIR] [--seed N] [--hosts N] [--compromised N]

Starts a simulated FMC on 127.0.0.1 (scenario "compromise": a working day of a small network,
some hosts compromised, some only looking suspicious), connects the real client to it over TLS
with the simulator's client certificate, streams every event into .estreamer dumps, stops when
the stream goes idle, and prints which hosts are compromised, why, and what happened around it.

  --out DIR          where the dumps go (default ./demo-output; earlier demo dumps there are replaced)
  --seed N           scenario seed (default 1): another seed, another story
  --hosts N          hosts in the network (default 20)
  --compromised N    how many of them get compromised (default 2)`;

const EVENTS: readonly EventFamilyName[] = ['intrusion', 'connection', 'file', 'malware', 'correlation', 'impact', 'discovery', 'user', 'ioc', 'metadata'];

export interface DemoOptions {
  out: string;
  seed: number;
  hosts?: number;
  compromised?: number;
  /** Progress lines (default: nothing). */
  log?: (line: string) => void;
  /** Stop once no record arrived for this long (ms). Default 1500. */
  idleMs?: number;
}

export interface DemoResult {
  dumpDir: string;
  files: string[];
  records: number;
  port: number;
  truth: GroundTruth | undefined;
  analyzer: Analyzer;
  truthPath: string;
  elapsedMs: number;
}

/** Runs the demo end to end and returns what it made; the CLI prints it. */
export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const log = opts.log ?? (() => undefined);
  const out = path.resolve(opts.out);
  const dumpDir = path.join(out, 'dumps');
  await fs.mkdir(dumpDir, { recursive: true });
  // A fresh story each run: remove only the dumps an earlier demo wrote here.
  for (const name of await fs.readdir(dumpDir)) {
    if (name.endsWith(FILE_EXTENSION)) await fs.rm(path.join(dumpDir, name));
  }

  log('Starting the simulated FMC (new CA, server and client certificates)…');
  const sim = await Simulator.create({ scenario: 'compromise', seed: opts.seed, hosts: opts.hosts, compromised: opts.compromised, host: '127.0.0.1', port: 0 });
  let client: EStreamerClient | undefined;
  let sink: DumpWriter | undefined;
  try {
    const { port } = await sim.start();
    const fmc = `127.0.0.1:${port}`;
    log(`Simulated FMC listening on ${fmc}; connecting over TLS with its client certificate…`);
    // The PKCS#12 and its password stay in memory: nothing secret is written to the demo folder.
    const credentials = loadPkcs12(sim.credentials.pkcs12, sim.credentials.password);
    client = new EStreamerClient(
      { host: '127.0.0.1', port, credentials, start: 'oldest', events: EVENTS, stopWhenIdleMs: opts.idleMs ?? 1500, countersIntervalMs: 500 },
      { write: (records) => sink!.write(records), close: () => sink!.close() },
    );
    sink = new DumpWriter({ dir: dumpDir, fmc, flags: flagsFor(EVENTS, { archiveTimestamps: true, extended: true }), start: 'oldest', names: client.names });
    client.onDidUpdateCounters((c) => log(`  streamed ${c.stored} records`));
    client.start();
    const final = await client.whenStopped();
    await sink.close();
    if (final.error) throw new Error(`the client stopped: ${final.error.message}`);
    const records = client.counters.stored;
    const files = [...sink.files];
    const truthPath = path.join(out, 'truth.json');
    if (sim.truth) await fs.writeFile(truthPath, JSON.stringify(sim.truth, null, 2) + '\n');
    log(`Stream idle: ${records} records in ${files.length} dump file${files.length === 1 ? '' : 's'}. Analysing…`);
    const analyzer = await analyzeDumps([dumpDir]);
    return { dumpDir, files, records, port, truth: sim.truth, analyzer, truthPath, elapsedMs: Date.now() - started };
  } finally {
    client?.dispose();
    await sim.stop();
  }
}

/** One line per truth host: did the analysis agree? */
export function truthCheck(analyzer: Analyzer, truth: GroundTruth): { lines: string[]; agrees: boolean } {
  const lines: string[] = [];
  let agrees = true;
  for (const c of truth.compromised) {
    const h = analyzer.summaryOf(c.ip);
    const found = h?.verdict === 'compromised';
    const sameStart = h?.firstIndicator?.time.slice(0, 19) + 'Z' === c.first_indicator.time;
    agrees &&= found && sameStart;
    lines.push(`  ${found && sameStart ? '✓' : '✗'} ${c.ip} compromised at ${c.first_indicator.time}: ${found ? `found${sameStart ? ', same first indicator' : `, but first indicator ${h?.firstIndicator?.time}`}` : `missed (${h?.verdict ?? 'not seen'})`}`);
  }
  for (const d of truth.decoys) {
    const h = analyzer.summaryOf(d.ip);
    const ok = h !== undefined && h.verdict !== 'compromised';
    agrees &&= ok;
    lines.push(`  ${ok ? '✓' : '✗'} ${d.ip} only looks suspicious (${d.kind}): ${ok ? `called ${h.verdict}` : `wrongly called ${h?.verdict ?? 'not seen'}`}`);
  }
  return { lines, agrees };
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['help', 'no-color']);
  if (args.flags.has('help')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (args.positionals.length) throw new UsageError(`demo takes no positional arguments (got '${args.positionals[0]}').\n${USAGE}`);
  const int = (name: string, fallback: number | undefined, min: number): number | undefined => {
    const text = opt(args, name);
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} '${text}' must be a whole number ≥ ${min}`);
    return n;
  };
  const out = opt(args, 'out') ?? 'demo-output';
  const seed = int('seed', 1, 0) as number;
  const color = !args.flags.has('no-color') && !!process.stdout.isTTY && !process.env.NO_COLOR;
  const status = (line: string): void => {
    if (process.stderr.isTTY && line.startsWith('  streamed')) process.stderr.write(`\r${line}`);
    else if (!line.startsWith('  streamed')) process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[K' : ''}${line}\n`);
  };
  const result = await runDemo({ out, seed, hosts: int('hosts', undefined, 1), compromised: int('compromised', undefined, 0), log: status });
  const cwd = process.cwd();
  const relative = path.relative(cwd, result.dumpDir);
  const shown = !relative ? '.' : relative.startsWith('..') ? result.dumpDir : relative;
  const w = (s: string): boolean => process.stdout.write(s);
  w(`\neStreamer demo — simulated FMC (scenario "compromise", seed ${seed}) on 127.0.0.1:${result.port}, streamed over TLS\n`);
  w(`${result.records} records in ${result.files.length} dump file${result.files.length === 1 ? '' : 's'} under ${shown}/ (${(result.elapsedMs / 1000).toFixed(1)} s)\n\n`);
  w(renderText(result.analyzer, { beforeMs: DEFAULT_BEFORE_MS, limit: 25, all: false, color, cwd }));
  if (result.truth) {
    const check = truthCheck(result.analyzer, result.truth);
    w(`\nChecked against the simulator's ground truth (${path.join(shown, '..', 'truth.json')}):\n${check.lines.join('\n')}\n`);
  }
  const next: Array<[string, string]> = [
    [`code ${shown}`, 'open the dumps in VS Code (one record per line; hover for fields)'],
    [`node dist/cli.js analyze ${shown} --limit 0`, 'the full chronology of every flagged host'],
    [`node dist/cli.js analyze ${shown} --json`, 'the same analysis for tools (shape: docs/analysis.md)'],
  ];
  const width = Math.max(...next.map(([c]) => c.length)) + 3;
  w(`\nNext:\n${next.map(([c, what]) => `  ${c.padEnd(width)}${what}`).join('\n')}\n`);
  w(`  In VS Code: "eStreamer: Open Dump Folder" on it, then "eStreamer: Show Compromised Hosts" / "Open Host Timeline…".\n`);
  return 0;
}
