import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MetadataCache } from '../../../src/metadata';
import { decodeRecord, encodeRecord } from '../../../src/protocol';
import type { EStreamerRecord } from '../../../src/protocol/types';
import { parseCapture } from '../../../src/dump/capture';
import { parseLine } from '../../../src/dump/format';
import { readDumps, type DumpEntry, type DumpIssue } from '../../../src/dump/reader';
import { DumpWriter } from '../../../src/dump/writer';
import { run as runConvert } from '../../../src/cli/commands/convert';
import { HOSTILE_STRINGS, tmpDir as scratch } from './helpers';
import { loadScenario } from '../../../src/sim/scenarios';

const FIXTURES = path.resolve(__dirname, '../../../../shared/estreamer/fixtures');
const SESSION = path.join(FIXTURES, 'fmc-session-2020-12-03.hex');
const UNIT_RECORDS = path.join(FIXTURES, 'encore-unit-test-records.hex');

function fixtureRecords(): EStreamerRecord[] {
  const bytes = [SESSION, UNIT_RECORDS].flatMap((f) => parseCapture(fs.readFileSync(f, 'utf8')).records);
  return bytes.map((b) => decodeRecord(b));
}

function tmpDir(): string {
  return scratch('estreamer-rt-');
}

async function readAll(paths: string[]): Promise<{ entries: DumpEntry[]; issues: DumpIssue[] }> {
  const entries: DumpEntry[] = [];
  const issues: DumpIssue[] = [];
  for await (const e of readDumps(paths, { onIssue: (i) => issues.push(i) })) entries.push(e);
  return { entries, issues };
}

function assertSameRecord(actual: EStreamerRecord, expected: EStreamerRecord, what: string): void {
  assert.deepEqual([...actual.raw], [...expected.raw], `${what}: raw bytes`);
  assert.equal(actual.recordType, expected.recordType, `${what}: record type`);
  assert.equal(actual.status, expected.status, `${what}: status`);
  assert.deepEqual(actual.fields, expected.fields, `${what}: fields`);
}

describe('dump write → read round trip', () => {
  it('the capture parser finds every record of the real fixtures', () => {
    const session = parseCapture(fs.readFileSync(SESSION, 'utf8'));
    assert.equal(session.records.length, 69, 'five bundles: 38 connection + 31 metadata records');
    assert.deepEqual(session.problems, []);
    assert.equal(session.request?.flags, 0x48900061);
    const unit = parseCapture(fs.readFileSync(UNIT_RECORDS, 'utf8'));
    assert.ok(unit.records.length >= 7, `unit-test records: ${unit.records.length}`);
  });

  it('round-trips every record of the real fixtures: fields, raw bytes, addresses, names', async () => {
    const records = fixtureRecords();
    assert.ok(records.some((r) => r.status !== 'ok'), 'the fixtures include the deliberately malformed record');
    const dir = tmpDir();
    const writerCache = new MetadataCache();
    const w = new DumpWriter({ dir, fmc: '10.101.101.198:8302', flags: 0x48900061, names: writerCache });
    const addrs = [...(await w.write(records.slice(0, 30))), ...(await w.write(records.slice(30)))];
    await w.close();
    const { entries, issues } = await readAll([dir]);
    assert.deepEqual(issues, []);
    assert.equal(entries.length, records.length);
    entries.forEach((e, i) => {
      assertSameRecord(e.record, records[i], `record ${i}`);
      assert.deepEqual({ file: e.file, line: e.line }, addrs[i]);
    });
    // The reader rebuilt the names from the metadata records in the dump, as the writer had them.
    const connections = entries.filter((e) => e.record.recordType === 71);
    assert.equal(connections.length, 38);
    assert.ok(Object.keys(connections[0].names).length > 0, 'connection records get resolved names');
    for (const e of connections) {
      const written = parseLine(fs.readFileSync(e.file, 'utf8').split('\n')[e.line - 1]).pairs;
      for (const [k, v] of Object.entries(e.names)) {
        const key = k in e.record.fields ? k + 'Name' : k;
        assert.ok(written.some(([wk, wv]) => wk === key && wv === v), `${key}=${v} on line ${e.line}`);
      }
      assert.equal(new Set(written.map(([k]) => k)).size, written.length, 'no key twice on a line');
    }
  });

  it('round-trips every record of the simulator’s compromise scenario (intrusion, malware, IOC, …)', async () => {
    const { store } = await loadScenario('compromise', { seed: 7, hosts: 6, compromised: 2 });
    // As the simulator streams them: each event's metadata once, just before it.
    const sent = new Set<string>();
    const records: EStreamerRecord[] = [];
    for (let it = store.recordsFrom(0), n = it.next(); !n.done; n = it.next()) {
      for (const key of n.value.refs ?? []) {
        const meta = store.metadata(key);
        if (meta && !sent.has(key)) records.push(decodeRecord(meta.encode(false)));
        sent.add(key);
      }
      records.push(decodeRecord(n.value.encode(n.value.archiveTimestamp !== undefined)));
    }
    const families = new Set(records.map((r) => r.family));
    for (const f of ['intrusion', 'connection', 'metadata', 'ioc', 'malware', 'file-malware', 'user', 'discovery']) assert.ok(families.has(f as never), `scenario has ${f} records`);
    const dir = tmpDir();
    const w = new DumpWriter({ dir, fmc: '127.0.0.1:8302', names: new MetadataCache(), maxFileBytes: 256 * 1024 });
    for (let i = 0; i < records.length; i += 500) await w.write(records.slice(i, i + 500));
    await w.close();
    const { entries, issues } = await readAll([dir]);
    assert.deepEqual(issues, []);
    assert.equal(entries.length, records.length);
    entries.forEach((e, i) => assertSameRecord(e.record, records[i], `scenario record ${i} (${records[i].recordType})`));
    const intrusion = entries.find((e) => e.record.family === 'intrusion');
    assert.ok(intrusion && Object.keys(intrusion.names).length > 0, 'intrusion events get names from the dump’s own metadata');
  });

  it('round-trips hostile strings inside real records (metadata names)', async () => {
    const records = HOSTILE_STRINGS.map((name, id) => decodeRecord(encodeRecord({ recordType: 123, fields: { id, name } })));
    const dir = tmpDir();
    const w = new DumpWriter({ dir, fmc: 'x:1' });
    const addrs = await w.write(records);
    await w.close();
    const text = fs.readFileSync(addrs[0].file, 'utf8');
    assert.equal(text.split('\n').length, records.length + 2, 'one line per record, whatever the strings hold');
    const { entries } = await readAll([dir]);
    entries.forEach((e, i) => {
      assertSameRecord(e.record, records[i], `hostile ${JSON.stringify(HOSTILE_STRINGS[i]).slice(0, 40)}`);
      const pairs = parseLine(text.split('\n')[e.line - 1]).pairs;
      assert.deepEqual(pairs.find(([k]) => k === 'name')?.[1], records[i].fields.name);
    });
  });

  it('loses nothing at rotation boundaries and reads a folder in time order', async () => {
    const base = fixtureRecords();
    const records = Array.from({ length: 2 }, () => base).flat();
    const dir = tmpDir();
    let clock = Date.UTC(2026, 0, 1);
    const w = new DumpWriter({ dir, fmc: 'x:1', maxFileBytes: 8 * 1024, now: () => (clock += 1000) });
    for (let i = 0; i < records.length; i += 17) await w.write(records.slice(i, i + 17));
    await w.close();
    assert.ok(w.files.length >= 4, `rotated into ${w.files.length} files`);
    const { entries, issues } = await readAll([dir]);
    assert.deepEqual(issues, []);
    assert.equal(entries.length, records.length);
    entries.forEach((e, i) => assertSameRecord(e.record, records[i], `record ${i}`));
    // A file that rotated mid-batch still starts with the header: line 2 is its first record.
    for (const f of w.files) assert.equal(entries.find((e) => e.file === f)?.line, 2);
  });

  it('keeps the names of two FMCs apart when reading both folders', async () => {
    const records = fixtureRecords().filter((r) => r.status === 'ok');
    const root = tmpDir();
    const withMetadata = new DumpWriter({ dir: path.join(root, 'a'), fmc: 'fmc-a:8302', now: () => Date.UTC(2026, 0, 1) });
    await withMetadata.write(records);
    await withMetadata.close();
    // FMC b sent the same event ids but no metadata: nothing may resolve from FMC a's names.
    const eventsOnly = new DumpWriter({ dir: path.join(root, 'b'), fmc: 'fmc-b:8302', now: () => Date.UTC(2026, 0, 2) });
    await eventsOnly.write(records.filter((r) => r.family !== 'metadata'));
    await eventsOnly.close();
    const { entries } = await readAll([root]);
    const a = entries.filter((e) => e.file.includes(`${path.sep}a${path.sep}`) && e.record.recordType === 71);
    const b = entries.filter((e) => e.file.includes(`${path.sep}b${path.sep}`) && e.record.recordType === 71);
    assert.equal(a.length, 38);
    assert.equal(b.length, 38);
    const builtIn = (e: DumpEntry): Record<string, string> => new MetadataCache().names(e.record); // e.g. protocol=TCP
    assert.ok(a.every((e) => Object.keys(e.names).length > Object.keys(builtIn(e)).length), 'FMC a resolves from its metadata');
    for (const e of b) assert.deepEqual(e.names, builtIn(e), 'no names leak from another FMC');
  });

  it('reads lines that straddle read chunks exactly (small chunks, long lines)', async () => {
    const records = Array.from({ length: 9 }, () => fixtureRecords()).flat();
    const dir = tmpDir();
    const w = new DumpWriter({ dir, fmc: 'x:1' });
    await w.write(records);
    await w.close();
    assert.ok(fs.statSync(w.files[0]).size > 8 * 65536, 'the file spans many chunks');
    const entries: DumpEntry[] = [];
    for await (const e of readDumps([dir], { chunkBytes: 65536 })) entries.push(e);
    assert.equal(entries.length, records.length);
    entries.forEach((e, i) => {
      assertSameRecord(e.record, records[i], `record ${i}`);
      assert.equal(e.line, i + 2);
    });
  });

  it('skips and reports a truncated last line, keeping every whole record', async () => {
    const records = fixtureRecords().slice(0, 10);
    const dir = tmpDir();
    const w = new DumpWriter({ dir, fmc: 'x:1' });
    const addrs = await w.write(records);
    await w.close();
    const file = addrs[0].file;
    const lastLine = fs.readFileSync(file, 'utf8').split('\n')[addrs[9].line - 1];
    fs.appendFileSync(file, lastLine.slice(0, Math.floor(lastLine.length / 2)));
    const { entries, issues } = await readAll([file]);
    assert.equal(entries.length, 10);
    assert.equal(issues.length, 1);
    assert.equal(issues[0].kind, 'partial-line');
    assert.equal(issues[0].line, 12);
    assert.match(issues[0].message, /Line 12 of .* is incomplete/);
  });

  it('reports a broken line and goes on', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'hand.estreamer');
    const rec = fixtureRecords()[0];
    const w = new DumpWriter({ dir, file, fmc: 'x:1' });
    await w.write([rec]);
    await w.close();
    fs.appendFileSync(file, 'this is not a record\n');
    const good = fs.readFileSync(file, 'utf8').split('\n')[1];
    fs.appendFileSync(file, good + '\n');
    const { entries, issues } = await readAll([file]);
    assert.deepEqual(entries.map((e) => e.line), [2, 4]);
    assert.deepEqual(issues.map((i) => [i.kind, i.line]), [['bad-line', 3]]);
  });

  it('estreamer convert turns the real capture into a dump that reads back record for record', async () => {
    const out = path.join(tmpDir(), 'session.estreamer');
    const stderr = process.stderr.write;
    process.stderr.write = () => true; // keep the test output clean; the exit code says enough
    let code: number;
    try {
      code = await runConvert([SESSION, '-o', out]);
    } finally {
      process.stderr.write = stderr;
    }
    assert.equal(code, 0);
    const lines = fs.readFileSync(out, 'utf8').split('\n');
    assert.match(lines[0], /^#estreamer v1 fmc=capture:fmc-session-2020-12-03\.hex flags=0x48900061 start=oldest created=/);
    const expected = parseCapture(fs.readFileSync(SESSION, 'utf8')).records.map((b) => decodeRecord(b));
    const { entries } = await readAll([out]);
    assert.equal(entries.length, expected.length);
    entries.forEach((e, i) => assertSameRecord(e.record, expected[i], `record ${i}`));
    // Metadata (no time of its own) takes the time of the event it arrived for, not today's date.
    assert.ok(entries.every((e) => e.time.startsWith('2020-12-0')), 'every line dated in the capture session');
  });
});
