/**
 * Dump writer and reader throughput: `npm run bench:dump [-- --records N --batch B]`.
 * Records are the real fixture records (connection + metadata), cycled; names resolved as live.
 * Prints figures only.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseCapture } from '../src/dump/capture';
import { readDumpBatches, readDumps } from '../src/dump/reader';
import { formatLine } from '../src/dump/format';
import { DumpWriter } from '../src/dump/writer';
import { MetadataCache } from '../src/metadata';
import { decodeRecord } from '../src/protocol';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const total = arg('records', 1_000_000);
  const batch = arg('batch', 1000);
  const fixtures = path.resolve(__dirname, '../../shared/estreamer/fixtures/fmc-session-2020-12-03.hex');
  const base = parseCapture(fs.readFileSync(fixtures, 'utf8')).records.map((b) => decodeRecord(b));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'estreamer-bench-'));
  try {
    const writer = new DumpWriter({ dir, fmc: '10.0.0.1:8302', names: new MetadataCache() });
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let done = 0; done < total; ) {
      const n = Math.min(batch, total - done);
      const records = new Array(n);
      for (let i = 0; i < n; i++) records[i] = base[(done + i) % base.length];
      await writer.write(records);
      done += n;
    }
    await writer.close();
    const writeS = Number(process.hrtime.bigint() - t0) / 1e9;
    const writeCpu = cpuSeconds(process.cpuUsage(c0));
    const bytes = writer.files.reduce((sum, f) => sum + fs.statSync(f).size, 0);

    // formatLine alone (the writer's per-record text cost, no I/O), on the same records and names.
    const named = new MetadataCache();
    const formatInput = base.map((record) => ({ record, names: named.add(record) ? undefined : named.names(record) }));
    const formatted = Math.min(total, 200_000);
    const c2 = process.cpuUsage();
    let formattedChars = 0;
    for (let i = 0; i < formatted; i++) {
      const { record, names } = formatInput[i % formatInput.length];
      formattedChars += formatLine(record, { names, fallbackSeconds: 1606923302 }).length;
    }
    const formatCpu = cpuSeconds(process.cpuUsage(c2));

    // The batched reader (what analysis and the CLI can use), then the per-record one on the same files.
    const batched = await timeRead(async () => {
      let read = 0;
      let rawBytes = 0;
      for await (const batch of readDumpBatches([dir])) {
        for (const e of batch) {
          read++;
          rawBytes += e.record.raw.length;
        }
      }
      return { read, rawBytes };
    });
    const single = await timeRead(async () => {
      let read = 0;
      let rawBytes = 0;
      for await (const e of readDumps([dir])) {
        read++;
        rawBytes += e.record.raw.length;
      }
      return { read, rawBytes };
    });
    for (const r of [batched, single]) if (r.read !== total) throw new Error(`read ${r.read} records, wrote ${total}`);
    const rawBytes = batched.rawBytes;

    const mib = bytes / 1048576;
    // Wall time suffers when the machine is shared; CPU time says what the work itself costs.
    const row = (what: string, s: number, cpu: number): string =>
      `${what.padEnd(6)} ${s.toFixed(2).padStart(7)} s  ${(mib / s).toFixed(1).padStart(7)} MiB/s  ${Math.round(total / s).toLocaleString('en-US').padStart(10)} records/s` +
      `   | CPU ${cpu.toFixed(2).padStart(7)} s  ${(mib / cpu).toFixed(1).padStart(7)} MiB/s  ${Math.round(total / cpu).toLocaleString('en-US').padStart(10)} records/s`;
    process.stdout.write(
      [
        `dump bench: ${total.toLocaleString('en-US')} records (${(rawBytes / 1048576).toFixed(1)} MiB raw), batches of ${batch}, ${writer.files.length} files, ${mib.toFixed(1)} MiB of text`,
        row('write', writeS, writeCpu) + '  (format + write + fdatasync per batch)',
        `format ${((formatCpu / formatted) * 1e6).toFixed(2).padStart(7)} us CPU per record: formatLine alone, ${formatted.toLocaleString('en-US')} records (${(formattedChars / formatted).toFixed(0)} characters each)`,
        row('read', batched.s, batched.cpu) + '  (readDumpBatches: split + base64 + decodeRecord + names)',
        row('read1', single.s, single.cpu) + '  (readDumps, one await per record)',
        `machine: a reference loop of 1e8 integer adds took ${referenceLoopMs().toFixed(0)} ms CPU (about 80 ms on an idle modern core)`,
      ].join('\n') + '\n',
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function timeRead(read: () => Promise<{ read: number; rawBytes: number }>): Promise<{ read: number; rawBytes: number; s: number; cpu: number }> {
  const c = process.cpuUsage();
  const t = process.hrtime.bigint();
  const r = await read();
  return { ...r, s: Number(process.hrtime.bigint() - t) / 1e9, cpu: cpuSeconds(process.cpuUsage(c)) };
}

/** How fast this machine is right now, so figures from a loaded machine can be read fairly. */
function referenceLoopMs(): number {
  const c = process.cpuUsage();
  let sum = 0;
  for (let i = 0; i < 1e8; i++) sum += i;
  if (sum < 0) process.stdout.write(''); // keep the loop from being optimised away
  return cpuSeconds(process.cpuUsage(c)) * 1000;
}

function cpuSeconds(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1e6;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:dump: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
