import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../../../src/client/atomicFile';
import { Backoff } from '../../../src/client/backoff';
import { BookmarkStore, ResumePoint, fmcStateDir, recordKey } from '../../../src/client/bookmark';
import type { EStreamerRecord } from '../../../src/protocol/types';

/** A record as the decoder would give it; only the fields the bookmark looks at matter. */
function rec(archiveTimestamp: number | undefined, payload: string, recordType = 71): EStreamerRecord {
  const raw = Buffer.from(`${recordType}|${archiveTimestamp}|${payload}`);
  return { recordType, typeWord: recordType, domainId: 0, archiveTimestamp, name: 'x', family: 'connection', fields: {}, raw, status: 'ok' };
}

describe('client/bookmark', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'estreamer-bm-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('moves to the largest stored archive second and remembers only that second\'s records', () => {
    const p = new ResumePoint();
    assert.equal(p.archiveSecond, undefined);
    assert.equal(p.advance([rec(100, 'a'), rec(102, 'b'), rec(101, 'c'), rec(undefined, 'meta')]), true);
    assert.equal(p.archiveSecond, 102);
    assert.equal(p.boundarySize, 1);
    p.advance([rec(102, 'd')]);
    assert.equal(p.boundarySize, 2);
    // Re-sent records of the boundary second are recognised; new ones of that second are not.
    assert.equal(p.isStored(rec(102, 'b')), true);
    assert.equal(p.isStored(rec(102, 'd')), true);
    assert.equal(p.isStored(rec(102, 'e')), false);
    // Older and newer seconds are never "stored" by this test (older ones are not re-sent).
    assert.equal(p.isStored(rec(103, 'b')), false);
    assert.equal(p.isStored(rec(undefined, 'meta')), false);
    p.advance([rec(102, 'b')]);
    assert.equal(p.boundarySize, 2, 'storing a known record again adds no key');
    p.advance([rec(105, 'z')]);
    assert.equal(p.boundarySize, 1);
    assert.equal(p.isStored(rec(102, 'b')), false);
  });

  it('per connection, only records of the requested second are checked, against the keys stored before it', () => {
    const p = new ResumePoint();
    p.advance([rec(200, 'a'), rec(200, 'b')]);
    p.beginConnection(); // the request asks from 200
    assert.equal(p.isStored(rec(200, 'a')), true);
    p.advance([rec(200, 'c'), rec(201, 'x')]);
    // The bookmark moved on, but this connection can still re-send the rest of second 200.
    assert.equal(p.isStored(rec(200, 'b')), true);
    assert.equal(p.isStored(rec(200, 'c')), false, 'stored on this connection: it will not come again on it');
    assert.equal(p.isStored(rec(201, 'x')), false, 'a later second is never checked');
    p.beginConnection(); // a reconnect asks from 201
    assert.equal(p.isStored(rec(201, 'x')), true);
    assert.equal(p.isStored(rec(200, 'b')), false);
  });

  it('remembers every record of a busy boundary second, past the bytes it keeps unhashed', async () => {
    const p = new ResumePoint();
    const busy = Array.from({ length: 6000 }, (_, i) => rec(300, `${i}`.padEnd(1000, '.')));
    p.advance([rec(299, 'older')]);
    for (let i = 0; i < busy.length; i += 100) p.advance(busy.slice(i, i + 100));
    assert.equal(p.boundarySize, 6000);
    p.beginConnection();
    assert.ok(busy.every((r) => p.isStored(r)));
    assert.equal(p.isStored(rec(300, 'new')), false);
    assert.equal(p.isStored(rec(299, 'older')), false, 'an overtaken second is forgotten');
    const store = new BookmarkStore(dir, 'x:1');
    await store.save(p);
    const again = await store.load();
    assert.deepEqual(again.toJSON('x:1')!.boundaryKeys.sort(), busy.map((r) => recordKey(r)).sort());
  });

  it('keys differ by type, second and bytes', () => {
    assert.notEqual(recordKey(rec(1, 'a', 71)), recordKey(rec(1, 'a', 400)));
    assert.notEqual(recordKey(rec(1, 'a')), recordKey(rec(1, 'b')));
    assert.equal(recordKey(rec(1, 'a')), recordKey(rec(1, 'a')));
  });

  it('persists atomically per FMC and reloads the boundary set', async () => {
    const fmcDir = fmcStateDir(dir, 'fe80::1', 8302);
    assert.equal(path.basename(fmcDir), 'fe80__1-8302');
    const store = new BookmarkStore(fmcDir, 'fe80::1:8302');
    assert.equal((await store.load()).archiveSecond, undefined, 'no file yet: no bookmark');
    const p = new ResumePoint();
    p.advance([rec(500, 'a'), rec(500, 'b')]);
    await store.save(p);
    assert.deepEqual(fs.readdirSync(fmcDir), ['bookmark.json'], 'no temporary file left behind');
    const again = await new BookmarkStore(fmcDir, 'fe80::1:8302').load();
    assert.equal(again.archiveSecond, 500);
    assert.equal(again.isStored(rec(500, 'a')), true);
    assert.equal(again.isStored(rec(500, 'c')), false);
  });

  it('refuses a bookmark of another FMC and a corrupt file, saying what to do', async () => {
    const p = new ResumePoint();
    p.advance([rec(1, 'a')]);
    await new BookmarkStore(dir, '10.0.0.1:8302').save(p);
    await assert.rejects(new BookmarkStore(dir, '10.0.0.2:8302').load(), /belongs to 10\.0\.0\.1:8302.*separate state folder/);
    fs.writeFileSync(path.join(dir, 'bookmark.json'), '{"version":1,"archiveSecond":');
    await assert.rejects(new BookmarkStore(dir, '10.0.0.1:8302').load(), /cannot be read.*delete it/);
  });

  it('writeFileAtomic replaces content and leaves the old file intact if the write fails', async () => {
    const file = path.join(dir, 'state', 'f.json');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, 'two');
    assert.equal(fs.readFileSync(file, 'utf8'), 'two');
    // A directory in place of the target makes the rename fail: nothing torn, no temp left.
    const blocked = path.join(dir, 'state', 'blocked');
    fs.mkdirSync(path.join(blocked, 'x'), { recursive: true });
    await assert.rejects(writeFileAtomic(blocked, 'three'));
    assert.deepEqual(fs.readdirSync(path.join(dir, 'state')).sort(), ['blocked', 'f.json']);
  });
});

describe('client/backoff', () => {
  it('grows exponentially to the bound, with jitter inside [1 - jitter, 1] of the step', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, factor: 2, jitter: 0, random: () => 0.999 });
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => b.next()), [100, 200, 400, 800, 1000, 1000]);
    b.reset();
    assert.equal(b.next(), 100);
    const rand = [0, 0.5, 0.999];
    const j = new Backoff({ initialMs: 1000, maxMs: 1000, jitter: 0.5, random: () => rand.shift()! });
    assert.deepEqual([j.next(), j.next(), j.next()], [1000, 750, 500]);
  });

  it('with real randomness, delays stay within bounds', () => {
    const b = new Backoff({ initialMs: 10, maxMs: 80 });
    for (let i = 0; i < 50; i++) {
      const d = b.next();
      assert.ok(d >= 5 && d <= 80, `delay ${d}`);
    }
  });
});
