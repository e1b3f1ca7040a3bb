/**
 * Dump writer and reader throughput: `npm run bench:dump [-- --records N --batch B]`.
 * Records are the real fixture records (connection + metadata), cycled; names resolved as live.
 * Prints figures only.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseCapture } from '../src/dump/capture';
import { readDumps } from '../src/dump/reader';
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
    const bytes = writer.files.reduce((sum, f) => sum + fs.statSync(f).size, 0);

    const t1 = process.hrtime.bigint();
    let read = 0;
    let rawBytes = 0;
    for await (const e of readDumps([dir])) {
      read++;
      rawBytes += e.record.raw.length;
    }
    const readS = Number(process.hrtime.bigint() - t1) / 1e9;
    if (read !== total) throw new Error(`read ${read} records, wrote ${total}`);

    const mib = bytes / 1048576;
    const row = (what: string, s: number): string =>
      `${what.padEnd(6)} ${s.toFixed(2).padStart(7)} s  ${(mib / s).toFixed(1).padStart(7)} MiB/s  ${Math.round(total / s).toLocaleString('en-US').padStart(10)} records/s`;
    process.stdout.write(
      [
        `dump bench: ${total.toLocaleString('en-US')} records (${(rawBytes / 1048576).toFixed(1)} MiB raw), batches of ${batch}, ${writer.files.length} files, ${mib.toFixed(1)} MiB of text`,
        row('write', writeS) + '  (format + write + fdatasync per batch)',
        row('read', readS) + '  (split + base64 + decodeRecord + names)',
      ].join('\n') + '\n',
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:dump: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
