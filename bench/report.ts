/**
 * Benchmark report: runs the bench scripts one after another and writes BENCHMARKS.md with their
 * figures, the machine and the exact commands, so anyone can rerun them and compare.
 *
 *   npm run bench [-- --scale N] [--out BENCHMARKS.md] [--skip timeline,stream]
 *
 * --scale multiplies the default sizes: 1 M records or events for decode, stream, dump and
 * analyze, the sizes the issues' targets are stated for (about 5 minutes on a 2-core machine;
 * `--scale 0.1` for a quick look). Each script's own output is copied verbatim; this script only
 * adds the context (CPU, cores, Node, load average).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const scale = Number(arg('scale') ?? 1);
const out = path.resolve(arg('out') ?? path.join(__dirname, '..', 'BENCHMARKS.md'));
const skip = new Set((arg('skip') ?? '').split(',').filter(Boolean));
const root = path.resolve(__dirname, '..');
const n = (base: number): string => String(Math.max(1, Math.round(base * scale)));

interface Bench {
  name: string;
  what: string;
  args: string[];
}

const BENCHES: Bench[] = [
  { name: 'decode', what: 'Codec: records decoded per second (real connection records, generated intrusion/malware, names resolved, whole bundles)', args: ['bench/decode.ts', n(1_000_000)] },
  { name: 'stream', what: 'End to end, 1M events as in issue #5: simulator → mutual TLS on loopback → decode → counting sink / dump writer (`--10m` for the 10M run)', args: ['bench/stream.ts', '--events', n(1_000_000), '--server', 'replay'] },
  { name: 'dump', what: 'Dump writer and reader throughput, 1M records as in issue #6 (real fixture records, fsync per batch)', args: ['bench/dump.ts', '--records', n(1_000_000), '--batch', '1000'] },
  { name: 'analyze', what: 'Compromise analysis of 1M events read back from dumps, as in issue #7 (write, read + Analyzer.add, verdicts, timelines)', args: ['bench/analyze.ts', '--events', n(1_000_000)] },
  { name: 'timeline', what: 'Timeline webview in Chromium: first paint and scroll frames at 10k and 100k events (fixed sizes)', args: ['bench/timeline.ts'] },
  { name: 'fuzz', what: 'Seeded fuzzing of the codec and the dump reader: crashes, hangs, memory blow-ups (`npx tsx bench/fuzz.ts 1000000` for the 10⁶ target)', args: ['bench/fuzz.ts', n(20_000)] },
  { name: 'soak', what: 'Fault soak: compromise scenario, a fault on every connection, slow consumer; dumps compared with the ground truth', args: ['bench/soak.ts', '--hosts', n(400), '--fault-every', '2000'] },
];

function cpuModel(): string {
  const cpus = os.cpus();
  return cpus.length ? cpus[0].model.trim() : 'unknown';
}

function load(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' / ');
}

function fence(text: string): string {
  return '```\n' + text.replace(/```/g, "'''").trimEnd() + '\n```';
}

function main(): void {
  const started = new Date();
  const loadBefore = load();
  const sections: string[] = [];
  const summary: string[] = [];
  if (!skip.has('timeline')) {
    // The timeline benchmark loads the built webview bundle.
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, encoding: 'utf8' });
    if (build.status !== 0) process.stderr.write(`build failed:\n${build.stdout}${build.stderr}\n`);
  }
  for (const b of BENCHES) {
    if (skip.has(b.name)) continue;
    const command = `npx tsx ${b.args.join(' ')}`;
    process.stderr.write(`[bench] ${command}\n`);
    const t0 = Date.now();
    const loadAt = load();
    const r = spawnSync(process.execPath, ['--import', 'tsx', ...b.args], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const seconds = (Date.now() - t0) / 1000;
    const ok = r.status === 0;
    summary.push(`| ${b.name} | \`${command}\` | ${seconds.toFixed(1)} s | ${ok ? 'ok' : `failed (exit ${r.status ?? r.signal})`} | ${loadAt} |`);
    sections.push(
      [`## ${b.name}`, '', b.what + '.', '', `Command: \`${command}\` (${seconds.toFixed(1)} s wall, load average at start ${loadAt})`, '', fence(r.stdout || '(no output)'),
        ok ? '' : `\nstderr (last lines):\n\n${fence((r.stderr ?? '').split('\n').slice(-20).join('\n'))}`].join('\n'),
    );
    process.stderr.write(`[bench] ${b.name}: ${ok ? 'ok' : 'FAILED'} in ${seconds.toFixed(1)} s\n`);
  }
  const loadAfter = load();
  const argsText = process.argv.slice(2).join(' ');
  const doc = [
    '# Benchmarks',
    '',
    `Produced by \`npm run bench${argsText ? ` -- ${argsText}` : ''}\` (bench/report.ts) on ${started.toISOString()}.`,
    'Each section below quotes the script\'s own output; rerun any line of the table to check one figure.',
    '',
    '## Machine',
    '',
    `- CPU: ${cpuModel()}`,
    `- Cores: ${os.cpus().length}`,
    `- Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- Node: ${process.version} (${os.platform()} ${os.release()} ${os.arch()})`,
    `- Load average (1/5/15 min): ${loadBefore} before, ${loadAfter} after`,
    '',
    os.loadavg()[0] > os.cpus().length
      ? `**Note:** the load average was above the core count while these figures were taken: the machine was shared with other work, so absolute times are pessimistic; the CPU-time figures the scripts print are fairer than wall time.`
      : 'The machine was otherwise idle enough (load average at or below the core count).',
    '',
    '| benchmark | command | wall | result | load at start |',
    '|---|---|---|---|---|',
    ...summary,
    '',
    ...sections,
    '',
  ].join('\n');
  fs.writeFileSync(out, doc);
  process.stderr.write(`[bench] wrote ${out}\n`);
}

main();
