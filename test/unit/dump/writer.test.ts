import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EStreamerRecord } from '../../../src/protocol/types';
import { formatLine, parseHeader, parseLine } from '../../../src/dump/format';
import { DumpWriteError, DumpWriter, dumpFolder, rotatedFileName } from '../../../src/dump/writer';
import type { RecordAddress } from '../../../src/dump/types';
import { handMadeRecord, tmpDir } from './helpers';

function fakeRecord(i: number): EStreamerRecord {
  const raw = Buffer.alloc(24 + (i % 7) * 5);
  raw.writeUInt32BE(400, 0);
  raw.writeUInt32BE(raw.length - 8, 4);
  raw.writeUInt32BE(i, 8);
  return handMadeRecord({ fields: { eventSecond: 1733212800 + i, eventMicrosecond: i % 1000000, eventId: i, msg: `rule "${i}"\n` }, raw });
}

function lineAt(addr: RecordAddress): string {
  return fs.readFileSync(addr.file, 'utf8').split('\n')[addr.line - 1];
}

const FIXED_NOW = Date.UTC(2026, 11, 3, 10, 0, 0);

describe('dump writer', () => {
  it('writes a header and one line per record, and returns each record’s (file, line)', async () => {
    const dir = tmpDir();
    const w = new DumpWriter({ dir, fmc: '10.0.0.1:8302', flags: 0x48900061, start: 'bookmark:1733212800', now: () => FIXED_NOW });
    const recs = [0, 1, 2].map(fakeRecord);
    const a1 = await w.write(recs.slice(0, 2));
    const a2 = await w.write(recs.slice(2));
    await w.close();
    const file = path.join(dir, '20261203-100000-0001.estreamer');
    assert.deepEqual([...a1, ...a2], [2, 3, 4].map((line) => ({ file, line })));
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    assert.equal(lines.length, 5, 'header, three records, final newline');
    assert.equal(lines[0], '#estreamer v1 fmc=10.0.0.1:8302 flags=0x48900061 start=bookmark:1733212800 created=2026-12-03T10:00:00Z');
    recs.forEach((r, i) => {
      assert.equal(lineAt([...a1, ...a2][i]), formatLine(r));
      assert.deepEqual([...parseLine(lines[i + 1]).raw], [...r.raw]);
    });
  });

  it('dates metadata (no time of its own) by the event it came with, else the last one, else the clock', async () => {
    const meta = (id: number): EStreamerRecord => handMadeRecord({ recordType: 123, family: 'metadata', fields: { id, name: `dev${id}` } });
    const dir = tmpDir();
    const w = new DumpWriter({ dir, fmc: 'x:1', now: () => FIXED_NOW });
    const batch1 = await w.write([meta(1), fakeRecord(5), meta(2), meta(3), fakeRecord(9), meta(4)]);
    const batch2 = await w.write([meta(5)]);
    await w.close();
    const times = [...batch1, ...batch2].map((a) => lineAt(a).slice(0, 27));
    const t5 = '2024-12-03T08:00:05.000005Z';
    const t9 = '2024-12-03T08:00:09.000009Z';
    assert.deepEqual(times, [t5, t5, t9, t9, t9, t9, t9]);
    const early = new DumpWriter({ dir: tmpDir(), fmc: 'x:1', now: () => FIXED_NOW });
    const [first] = await early.write([meta(1)]);
    await early.close();
    assert.equal(lineAt(first).slice(0, 27), '2026-12-03T10:00:00.000000Z', 'nothing timed yet: the time it was received');
  });

  it('creates no file for an empty batch', async () => {
    const dir = tmpDir();
    const w = new DumpWriter({ dir, fmc: 'x:1' });
    assert.deepEqual(await w.write([]), []);
    await w.close();
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('serialises concurrent writes in call order', async () => {
    const dir = tmpDir();
    const w = new DumpWriter({ dir, fmc: 'x:1' });
    const results = await Promise.all([0, 1, 2, 3, 4].map((i) => w.write([fakeRecord(i)])));
    await w.close();
    assert.deepEqual(results.map((r) => r[0].line), [2, 3, 4, 5, 6]);
    results.forEach((r, i) => assert.equal(parseLine(lineAt(r[0])).pairs.find(([k]) => k === 'eventId')?.[1], String(i)));
  });

  it('writes batches handed on without waiting as groups, in call order, across rotations', async () => {
    const dir = tmpDir();
    const w = new DumpWriter({ dir, fmc: 'x:1', maxFileBytes: 8192 });
    assert.equal(w.ordered, true);
    const batches = Array.from({ length: 40 }, (_, b) => Array.from({ length: 5 }, (_, k) => fakeRecord(b * 5 + k)));
    const results = await Promise.all(batches.map((batch) => w.write(batch)));
    await w.close();
    assert.ok(w.files.length > 3, `rotated into ${w.files.length} files`);
    let previous = { file: '', line: 0 };
    results.forEach((addrs, b) =>
      addrs.forEach((addr, k) => {
        assert.equal(lineAt(addr), formatLine(batches[b][k]), `batch ${b} record ${k}`);
        const order = w.files.indexOf(addr.file) - w.files.indexOf(previous.file) || addr.line - previous.line;
        assert.ok(order > 0, 'addresses follow the call order');
        previous = addr;
      }),
    );
    const total = w.files.reduce((n, f) => n + fs.readFileSync(f, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).length, 0);
    assert.equal(total, 200);
  });

  it('writes text that is not ASCII (several bytes per character) whole, with the right addresses', async () => {
    const dir = tmpDir();
    const w = new DumpWriter({ dir, fmc: 'x:1', maxFileBytes: 64 * 1024 });
    const texts = ['电汇说明'.repeat(400), 'é'.repeat(3000), '🦀'.repeat(500), 'plain ascii', '\u{10FFFF}\uD800 lone'];
    const batch = Array.from({ length: 40 }, (_, i) => {
      const r = fakeRecord(i);
      r.fields.msg = texts[i % texts.length];
      return r;
    });
    const addrs = await w.write(batch);
    await w.close();
    addrs.forEach((addr, i) => assert.equal(lineAt(addr), formatLine(batch[i]), `record ${i}`));
    for (const f of w.files) assert.ok(fs.statSync(f).size <= 64 * 1024 || fs.readFileSync(f, 'utf8').split('\n').length === 3, `${f} rotated at the limit`);
  });

  it('rotates at the size limit without losing or splitting a record, each file with its header', async () => {
    const dir = tmpDir();
    const max = 4096;
    let clock = FIXED_NOW;
    const w = new DumpWriter({ dir, fmc: '10.0.0.1:8302', maxFileBytes: max, now: () => (clock += 250) });
    const recs = Array.from({ length: 160 }, (_, i) => fakeRecord(i));
    const addrs: RecordAddress[] = [];
    for (let i = 0; i < recs.length; ) {
      const n = 1 + (i % 23); // batch sizes vary so boundaries fall inside and between batches
      addrs.push(...(await w.write(recs.slice(i, i + n))));
      i += n;
    }
    await w.close();
    assert.ok(w.files.length > 5, `expected several files, got ${w.files.length}`);
    assert.deepEqual([...w.files].sort(), w.files, 'file names sort in creation order');
    const seen: string[] = [];
    for (const f of w.files) {
      const text = fs.readFileSync(f, 'utf8');
      assert.ok(Buffer.byteLength(text) <= max, `${f} stays under the limit`);
      assert.ok(text.endsWith('\n'));
      const lines = text.slice(0, -1).split('\n');
      assert.equal(parseHeader(lines[0])?.fmc, '10.0.0.1:8302');
      assert.ok(lines.length > 1, 'no file without records');
      seen.push(...lines.slice(1));
    }
    assert.deepEqual(seen, recs.map((r) => formatLine(r)));
    addrs.forEach((a, i) => assert.equal(lineAt(a), formatLine(recs[i])));
  });

  it('continues the sequence of an existing folder instead of overwriting it', async () => {
    const dir = tmpDir();
    const first = new DumpWriter({ dir, fmc: 'x:1', now: () => FIXED_NOW });
    await first.write([fakeRecord(1)]);
    await first.close();
    const second = new DumpWriter({ dir, fmc: 'x:1', now: () => FIXED_NOW });
    const [addr] = await second.write([fakeRecord(2)]);
    await second.close();
    assert.equal(path.basename(addr.file), rotatedFileName(FIXED_NOW, 2));
    assert.equal(fs.readdirSync(dir).length, 2);
  });

  it('puts each FMC in its own folder with a file-system-safe name', () => {
    assert.equal(dumpFolder('/w', '10.0.0.1:8302'), path.join('/w', '10.0.0.1_8302'));
    assert.equal(dumpFolder('/w', '[fe80::1]:8302'), path.join('/w', 'fe80_1_8302'));
  });

  it('rejects write() with a clear message on a full disk (/dev/full) and stays stopped', async function () {
    if (!fs.existsSync('/dev/full')) this.skip();
    const w = new DumpWriter({ dir: '/dev', file: '/dev/full', fmc: 'x:1' });
    await assert.rejects(w.write([fakeRecord(1)]), (e: unknown) => {
      assert.ok(e instanceof DumpWriteError);
      assert.equal(e.code, 'ENOSPC');
      assert.equal(e.message, 'The disk holding /dev is full: free space and reconnect; nothing acknowledged was lost.');
      return true;
    });
    await assert.rejects(w.write([fakeRecord(2)]), /is full/);
    await w.close();
  });

  describe('on a real small file system (tmpfs, needs root)', () => {
    let mnt = '';
    before(function () {
      mnt = tmpDir();
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { stdio: 'ignore' });
      } catch {
        this.skip(); // not root: the /dev/full test above still covers ENOSPC
      }
    });
    after(() => {
      if (mnt) execFileSync('umount', [mnt], { stdio: 'ignore' });
    });

    it('fills the disk: every acknowledged record is intact, no partial line, then it stops', async () => {
      const w = new DumpWriter({ dir: mnt, fmc: '10.0.0.1:8302', maxFileBytes: 16 * 1024 });
      const acked: Array<{ addr: RecordAddress; rec: EStreamerRecord }> = [];
      let failure: unknown;
      for (let i = 0; i < 100000 && !failure; i += 10) {
        const batch = Array.from({ length: 10 }, (_, k) => fakeRecord(i + k));
        try {
          const addrs = await w.write(batch);
          addrs.forEach((addr, k) => acked.push({ addr, rec: batch[k] }));
        } catch (e) {
          failure = e;
        }
      }
      assert.ok(failure instanceof DumpWriteError, 'the disk filled up');
      assert.equal(failure.message, `The disk holding ${mnt} is full: free space and reconnect; nothing acknowledged was lost.`);
      assert.ok(acked.length > 50);
      for (const { addr, rec } of acked) assert.equal(lineAt(addr), formatLine(rec));
      for (const f of fs.readdirSync(mnt)) {
        const text = fs.readFileSync(path.join(mnt, f), 'utf8');
        assert.ok(text === '' || text.endsWith('\n'), `${f} ends with a whole line`);
      }
      await assert.rejects(w.write([fakeRecord(0)]), /is full/);
      await w.close();
    });

    it('fills the disk with batches in flight: the stored ones form a prefix and are intact, the rest fail', async () => {
      for (const f of fs.readdirSync(mnt)) fs.rmSync(path.join(mnt, f));
      const w = new DumpWriter({ dir: mnt, fmc: '10.0.0.1:8302', maxFileBytes: 16 * 1024 });
      const batches = Array.from({ length: 400 }, (_, b) => Array.from({ length: 4 }, (_, k) => fakeRecord(b * 4 + k)));
      const outcomes = await Promise.all(batches.map((batch) => w.write(batch).then((addrs) => ({ addrs }), (error: unknown) => ({ error }))));
      const firstFailed = outcomes.findIndex((o) => 'error' in o);
      assert.ok(firstFailed > 5, `some batches were stored before the disk filled (${firstFailed})`);
      outcomes.slice(firstFailed).forEach((o, i) => assert.ok('error' in o, `batch ${firstFailed + i} after a failed one is not stored`));
      const failure = (outcomes[firstFailed] as { error: unknown }).error;
      assert.ok(failure instanceof DumpWriteError && failure.code === 'ENOSPC', String(failure));
      outcomes.slice(0, firstFailed).forEach((o, b) => {
        const { addrs } = o as { addrs: RecordAddress[] };
        addrs.forEach((addr, k) => assert.equal(lineAt(addr), formatLine(batches[b][k])));
      });
      for (const f of fs.readdirSync(mnt)) {
        const text = fs.readFileSync(path.join(mnt, f), 'utf8');
        assert.ok(text === '' || text.endsWith('\n'), `${f} ends with a whole line`);
      }
      await w.close();
    });
  });
});
