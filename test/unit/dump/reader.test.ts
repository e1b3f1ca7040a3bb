import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCapture } from '../../../src/dump/capture';
import { parseLine, parseTime } from '../../../src/dump/format';
import { listDumpFiles, readDumpBatches, readDumpFile, readDumpFileBatches, readDumps, type DumpEntry, type DumpIssue } from '../../../src/dump/reader';
import { DumpWriter } from '../../../src/dump/writer';
import { MetadataCache } from '../../../src/metadata';
import { decodeRecord } from '../../../src/protocol';
import type { EStreamerRecord } from '../../../src/protocol/types';
import { tmpDir } from './helpers';

const SESSION = path.resolve(__dirname, '../../../../shared/estreamer/fixtures/fmc-session-2020-12-03.hex');

function sessionRecords(): EStreamerRecord[] {
  return parseCapture(fs.readFileSync(SESSION, 'utf8')).records.map((b) => decodeRecord(b));
}

type Logged = { entry: DumpEntry } | { issue: DumpIssue };

/** What a reader gave, entries and issues in the order the caller saw them. */
async function perRecord(read: (onIssue: (i: DumpIssue) => void) => AsyncIterable<DumpEntry>): Promise<Logged[]> {
  const log: Logged[] = [];
  for await (const entry of read((issue) => log.push({ issue }))) log.push({ entry });
  return log;
}

async function batched(read: (onIssue: (i: DumpIssue) => void) => AsyncIterable<DumpEntry[]>): Promise<{ log: Logged[]; batches: number }> {
  const log: Logged[] = [];
  let batches = 0;
  for await (const batch of read((issue) => log.push({ issue }))) {
    assert.ok(batch.length > 0, 'no empty batches');
    batches++;
    for (const entry of batch) log.push({ entry });
  }
  return { log, batches };
}

const entriesOf = (log: Logged[]): DumpEntry[] => log.flatMap((x) => ('entry' in x ? [x.entry] : []));
const issuesOf = (log: Logged[]): DumpIssue[] => log.flatMap((x) => ('issue' in x ? [x.issue] : []));

function comparable(e: DumpEntry): unknown {
  return { raw: Buffer.from(e.record.raw).toString('hex'), record: { ...e.record, raw: undefined }, names: e.names, time: e.time, timeMs: e.timeMs, file: e.file, line: e.line };
}

/** Two FMCs; one of them with a damaged file: a bad line, CRLF lines, odd times, a comment and a partial last line. */
async function makeDumps(): Promise<{ dir: string; damaged: string; total: number }> {
  const dir = tmpDir('estreamer-reader-');
  const records = sessionRecords();
  let total = 0;
  for (const [fmc, copies] of [['10.0.0.1:8302', 12], ['10.0.0.2:8302', 3]] as const) {
    const w = new DumpWriter({ dir: path.join(dir, fmc.replace(/[:.]/g, '_')), fmc, names: new MetadataCache() });
    for (let i = 0; i < copies; i++) await w.write(records);
    await w.close();
    total += copies * records.length;
  }
  const damaged = path.join(dir, 'damaged.estreamer');
  const w = new DumpWriter({ dir, file: damaged, fmc: '10.0.0.1:8302', names: new MetadataCache() });
  await w.write(records);
  await w.close();
  const lines = fs.readFileSync(damaged, 'utf8').split('\n');
  const event = lines.findIndex((l) => / 71 connection /.test(l));
  const withTime = (t: string): string => t + lines[event].slice(lines[event].indexOf(' '));
  const extra = [
    'this is not a record',
    '# a comment',
    lines[event] + '\r',
    withTime('2020-12-02T15:35:02Z'),
    withTime('2020-12-02T15:35:02.5Z'),
    withTime('2020-12-02T15:35:02.123Z'),
    withTime('2020-12-02T15:35:02.12345xZ'),
    withTime('2020-12-02T25:99:61.000001Z'),
    withTime('not-a-time'),
    '',
    lines[event].slice(0, 100),
  ];
  fs.writeFileSync(damaged, lines.slice(0, -1).join('\n') + '\n' + extra.join('\n'));
  return { dir, damaged, total: total + records.length + 7 };
}

describe('dump reader: batches and single records', () => {
  let dumps: Awaited<ReturnType<typeof makeDumps>>;
  before(async () => {
    dumps = await makeDumps();
  });
  after(() => fs.rmSync(dumps.dir, { recursive: true, force: true }));

  it('readDumpBatches gives the entries readDumps gives, in order, with the same addresses, names and issues', async () => {
    const single = await perRecord((onIssue) => readDumps([dumps.dir], { onIssue }));
    const { log, batches } = await batched((onIssue) => readDumpBatches([dumps.dir], { onIssue }));
    assert.equal(entriesOf(single).length, dumps.total);
    assert.ok(batches > 3, `several batches (${batches})`);
    assert.deepEqual(entriesOf(log).map(comparable), entriesOf(single).map(comparable));
    assert.deepEqual(issuesOf(log), issuesOf(single));
    assert.deepEqual(
      issuesOf(single).map((i) => [path.basename(i.file), i.kind, i.line]),
      [['damaged.estreamer', 'bad-line', 71], ['damaged.estreamer', 'partial-line', 81]],
    );
    assert.ok(entriesOf(single).some((e) => Object.keys(e.names).length > 5), 'names resolved from the dumps’ metadata');
  });

  it('readDumps tells each issue in its place among the entries', async () => {
    const single = await perRecord((onIssue) => readDumpFile(dumps.damaged, { onIssue }));
    const order = single.map((x) => ('entry' in x ? x.entry.line : x.issue.line));
    assert.deepEqual(order, [...order].sort((a, b) => a - b), 'lines in file order, issues included');
  });

  it('readDumpFileBatches gives what readDumpFile gives', async () => {
    for (const chunkBytes of [65536, undefined]) {
      const single = await perRecord((onIssue) => readDumpFile(dumps.damaged, { onIssue, chunkBytes }));
      const { log } = await batched((onIssue) => readDumpFileBatches(dumps.damaged, { onIssue, chunkBytes }));
      assert.deepEqual(entriesOf(log).map(comparable), entriesOf(single).map(comparable));
      assert.deepEqual(issuesOf(log), issuesOf(single));
    }
  });

  it('timeMs is parseTime of the line time, for the written shape and for odd ones', async () => {
    const entries = entriesOf(await perRecord((onIssue) => readDumpFile(dumps.damaged, { onIssue })));
    const times = new Set(entries.map((e) => e.time));
    for (const t of ['2020-12-02T15:35:02Z', '2020-12-02T15:35:02.5Z', '2020-12-02T15:35:02.123Z', '2020-12-02T25:99:61.000001Z', 'not-a-time']) {
      assert.ok(times.has(t), t);
    }
    for (const e of entries) {
      if (e.time === '2020-12-02T15:35:02.12345xZ' || e.time === 'not-a-time') assert.ok(Number.isNaN(e.timeMs), e.time);
      else assert.equal(e.timeMs, parseTime(e.time), e.time);
    }
  });

  it('gives each record line of every file, as parseLine reads it, whatever the chunk size', async () => {
    const expected: Array<{ file: string; line: number; raw: string; timeMs: number }> = [];
    for (const file of await listDumpFiles([dumps.dir])) {
      fs.readFileSync(file, 'utf8').split('\n').forEach((text, i) => {
        if (!text || text.startsWith('#')) return;
        try {
          const parsed = parseLine(text.replace(/\r$/, ''));
          expected.push({ file, line: i + 1, raw: Buffer.from(parsed.raw).toString('hex'), timeMs: parsed.timeMs });
        } catch {
          // a damaged line: the reader reports it (see above)
        }
      });
    }
    for (const chunkBytes of [65536, 100_003, undefined]) {
      const got: typeof expected = [];
      for await (const batch of readDumpBatches([dumps.dir], { chunkBytes })) {
        for (const e of batch) got.push({ file: e.file, line: e.line, raw: Buffer.from(e.record.raw).toString('hex'), timeMs: e.timeMs });
      }
      assert.deepEqual(got, expected, `chunkBytes ${chunkBytes}`);
    }
  });

  it('stops cleanly when the caller breaks off mid-file', async () => {
    for await (const batch of readDumpBatches([dumps.dir], { chunkBytes: 65536 })) {
      assert.ok(batch.length > 0);
      break;
    }
    for await (const entry of readDumps([dumps.dir])) {
      assert.ok(entry.record);
      break;
    }
  });
});
