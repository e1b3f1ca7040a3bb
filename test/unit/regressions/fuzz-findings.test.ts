/**
 * Inputs the fuzzer (bench/fuzz.ts, seed 1) found breaking an API promise, kept so they stay fixed.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readDumpFile, readDumps, type DumpIssue } from '../../../src/dump/reader';
import { MessageDecoder, encodeMessage, hexToBytes } from '../../../src/protocol';

describe('regressions found by fuzzing', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'estreamer-regress-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a dump whose header has an unterminated quoted value is read (issue reported), not thrown', async () => {
    // One damaged header used to abort readDumpFile/readDumps, so one bad file stopped an analysis of every dump.
    const file = path.join(dir, 'damaged-header.estreamer');
    const record = '2020-12-02T15:35:02.000000Z 9999 unknown raw=AAAnDwAAAAA=';
    fs.writeFileSync(file, `#estreamer v1 fmc="abc\n${record}\n`);
    for (const read of [(o: object) => readDumpFile(file, o), (o: object) => readDumps([dir], o)]) {
      const issues: DumpIssue[] = [];
      const types: number[] = [];
      for await (const e of read({ onIssue: (i: DumpIssue) => issues.push(i) })) types.push(e.record.recordType);
      assert.deepEqual(types, [9999]);
      assert.equal(issues.length, 1);
      assert.equal(issues[0].line, 1);
      assert.match(issues[0].message, /header/);
    }
  });

  it('MessageDecoder does not allocate a declared length it has not received (8-byte header claiming 64 MiB)', () => {
    const decoder = new MessageDecoder();
    const before = process.memoryUsage().arrayBuffers;
    // Found as input 0001000004000000 (index 2813): version 1, type 0, length 0x04000000.
    const held: unknown[] = [decoder.push(hexToBytes('0001000004000000')), decoder.push(new Uint8Array(100))];
    const growth = process.memoryUsage().arrayBuffers - before;
    assert.ok(growth < 1024 * 1024, `buffers grew by ${growth} bytes for 108 bytes of input`);
    assert.equal(decoder.bufferedBytes, 108);
    void held;
  });

  it('MessageDecoder still assembles a large message split into many chunks, byte for byte', () => {
    const body = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 31) & 0xff);
    const wire = encodeMessage(4002, body);
    const decoder = new MessageDecoder();
    const got = [];
    for (let at = 0; at < wire.length; at += 4099) got.push(...decoder.push(wire.subarray(at, at + 4099)));
    assert.equal(got.length, 1);
    assert.equal(got[0].type, 4002);
    assert.ok(Buffer.from(got[0].body).equals(Buffer.from(body)));
    assert.equal(decoder.bufferedBytes, 0);
  });
});
