/**
 * End-to-end stream throughput: simulator `flood` (own process) → mutual TLS on loopback →
 * framing + record decode → (a) a consumer that only counts, (b) the .estreamer dump writer.
 *
 *   npm run bench:stream [-- --events 1000000] [--10m] [--only count|dump] [--bundle-bytes 8192]
 *                          [--server sim|replay|both]
 *
 * Server 'sim' is the FMC simulator (it encodes every record as it sends, so it often sets the
 * pace); 'replay' sends the simulator's flood records encoded once (see streamServer.ts), which
 * measures the client. Prints records/s, client CPU and the client's peak RSS. No asserts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { EStreamerClient } from '../src/client/client';
import { loadPkcs12 } from '../src/client/credentials';
import { DumpWriter, dumpFolder } from '../src/dump/writer';
import { MetadataCache } from '../src/metadata';
import type { RecordAddress, RecordSink } from '../src/dump/types';
import type { EStreamerRecord } from '../src/protocol/types';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const events = process.argv.includes('--10m') ? 10_000_000 : Number(arg('events') ?? 1_000_000);
const only = arg('only');
const bundleBytes = Number(arg('bundle-bytes') ?? 8192);
const servers = (arg('server') ?? 'both') === 'both' ? (['replay', 'sim'] as const) : ([arg('server') as 'sim' | 'replay'] as const);
const FLOOD_METADATA = 5; // the flood scenario's metadata records, sent once per connection

class CountingSink implements RecordSink {
  count = 0;
  async write(records: readonly EStreamerRecord[]): Promise<RecordAddress[]> {
    this.count += records.length;
    return [];
  }
  async close(): Promise<void> {}
}

async function startServer(mode: 'sim' | 'replay', dir: string): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'streamServer.ts'), mode, String(events), dir, String(bundleBytes)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return { port: (JSON.parse(line) as { port: number }).port, child };
}

async function runOnce(server: string, kind: 'count' | 'dump', port: number, simDir: string, outDir: string): Promise<void> {
  const credentials = loadPkcs12(fs.readFileSync(path.join(simDir, 'client.pkcs12')), fs.readFileSync(path.join(simDir, 'password.txt'), 'utf8').trim());
  const fmc = `127.0.0.1:${port}`;
  const metadata = new MetadataCache();
  const writer = kind === 'dump' ? new DumpWriter({ dir: dumpFolder(outDir, fmc), fmc, names: metadata }) : undefined;
  const sink: RecordSink = writer ?? new CountingSink();
  const client = new EStreamerClient({ host: '127.0.0.1', port, credentials, start: 'oldest', events: ['connection', 'metadata'] }, sink, metadata);

  const target = events + FLOOD_METADATA;
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let lastReport = Date.now();
  await new Promise<void>((resolve) => {
    let stored = 0;
    client.onRecords((e) => {
      // Counted from the events: client.counters copies its maps, too dear once per bundle.
      stored += e.records.length;
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        process.stderr.write(`  ${kind}: ${stored} stored, rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB\n`);
      }
      if (stored >= target) resolve();
    });
    client.onDidChangeState((s) => {
      if (client.counters.stored < target && (s.kind === 'stopped' || s.kind === 'reconnecting')) {
        process.stderr.write(`  unexpected state: ${JSON.stringify(s)}\n`);
        resolve();
      }
    });
    client.start();
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  const c = client.counters;
  await client.stop();
  await sink.close();
  client.dispose();
  const dumpBytes = writer ? writer.files.reduce((n, f) => n + fs.statSync(f).size, 0) : 0;
  const line = [
    `${server.padEnd(6)} → ${kind.padEnd(5)} ${c.stored.toLocaleString('en')} records in ${seconds.toFixed(2)} s`,
    `${Math.round(c.stored / seconds).toLocaleString('en')} records/s`,
    `${(c.bytes / 1048576 / seconds).toFixed(1)} MiB/s on the wire`,
    `client CPU ${((cpu.user + cpu.system) / 1e6 / seconds).toFixed(2)} cores`,
    `peak RSS ${(peakRss / 1048576).toFixed(0)} MB`,
    writer ? `dump ${(dumpBytes / 1048576).toFixed(0)} MiB in ${writer.files.length} files` : undefined,
  ];
  process.stdout.write(line.filter(Boolean).join(', ') + '\n');
}

async function main(): Promise<void> {
  process.stdout.write(`bench:stream: ${events.toLocaleString('en')} flood events, bundles of ${bundleBytes} bytes, Node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}\n`);
  for (const server of servers) {
    const simDir = fs.mkdtempSync(path.join(os.tmpdir(), 'estreamer-bench-sim-'));
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'estreamer-bench-out-'));
    const { port, child } = await startServer(server, simDir);
    const interrupted = () => {
      child.kill('SIGTERM');
      process.exit(130);
    };
    process.once('SIGINT', interrupted);
    try {
      if (only !== 'dump') await runOnce(server, 'count', port, simDir, outDir);
      if (only !== 'count') await runOnce(server, 'dump', port, simDir, outDir);
    } finally {
      process.off('SIGINT', interrupted);
      child.kill('SIGTERM');
      fs.rmSync(simDir, { recursive: true, force: true });
      fs.rmSync(outDir, { recursive: true, force: true });
    }
  }
}

main().catch((e) => {
  process.stderr.write(`bench:stream: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
