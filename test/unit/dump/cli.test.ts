import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run as runConvert } from '../../../src/cli/commands/convert';
import { run as runDump } from '../../../src/cli/commands/dump';
import { UsageError } from '../../../src/cli/args';
import { tmpDir } from './helpers';

const SESSION = path.resolve(__dirname, '../../../../shared/estreamer/fixtures/fmc-session-2020-12-03.hex');

/** Runs a command with stdout/stderr captured (the commands write to the process streams). */
async function capture(run: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = (sink: string[]) => ((chunk: string | Uint8Array): boolean => (sink.push(String(chunk)), true)) as typeof process.stdout.write;
  const [o, e] = [process.stdout.write, process.stderr.write];
  process.stdout.write = write(out);
  process.stderr.write = write(err);
  try {
    const code = await run();
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

describe('estreamer dump (CLI)', () => {
  let dump = '';
  before(async () => {
    dump = path.join(tmpDir('estreamer-cli-'), 'session.estreamer');
    const { code } = await capture(() => runConvert([SESSION, '-o', dump]));
    assert.equal(code, 0);
  });

  it('prints JSON Lines with record type, names, fields, file and line, filtered by family and host', async () => {
    const { code, out } = await capture(() => runDump([dump, '--json', '--family', 'connection', '--host', '52.114.128.70']));
    assert.equal(code, 0);
    const rows = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(rows.length > 0);
    const lines = fs.readFileSync(dump, 'utf8').split('\n');
    for (const row of rows) {
      assert.equal(row.recordType, 71);
      assert.equal(row.family, 'connection');
      assert.equal(row.file, dump);
      const fields = row.fields as Record<string, unknown>;
      assert.ok(fields.initiatorIpAddress === '52.114.128.70' || fields.responderIpAddress === '52.114.128.70');
      assert.equal((row.names as Record<string, string>).device, '10.101.101.161', 'device name resolved from metadata 123');
      assert.ok(lines[(row.line as number) - 1].includes(' 71 connection '), 'file:line points at the record');
    }
    const all = await capture(() => runDump([dump, '--json', '--family', 'connection']));
    assert.ok(all.out.trim().split('\n').length > rows.length, 'the host filter left some connections out');
  });

  it('filters by time: --since inclusive, --until exclusive', async () => {
    const times = fs.readFileSync(dump, 'utf8').split('\n').slice(1, -1).map((l) => l.slice(0, 27));
    const distinct = [...new Set(times)].sort();
    assert.ok(distinct.length >= 3);
    const [from, to] = [distinct[1], distinct[2]];
    const { out } = await capture(() => runDump([dump, '--json', '--since', from, '--until', to]));
    const got = out.trim().split('\n').map((l) => (JSON.parse(l) as { time: string }).time);
    assert.deepEqual(got, times.filter((t) => t >= from && t < to));
  });

  it('prints text lines led by file:line, without raw= unless asked', async () => {
    const { out } = await capture(() => runDump([path.dirname(dump), '--family', 'metadata']));
    const first = out.split('\n')[0];
    assert.match(first, /^\S+session\.estreamer:2 \d{4}-\d\d-\d\dT[\d:.]+Z 90 metadata /);
    assert.ok(!out.includes(' raw='));
    const withRaw = await capture(() => runDump([dump, '--family', 'metadata', '--raw']));
    assert.match(withRaw.out.split('\n')[0], / raw=[A-Za-z0-9+/=]+$/);
  });

  it('says what is wrong with bad arguments', async () => {
    await assert.rejects(runDump([]), UsageError);
    await assert.rejects(runDump([dump, '--since', 'yesterday']), /--since 'yesterday' is not a time/);
    await assert.rejects(runDump([path.join(path.dirname(dump), 'missing.estreamer')]), /No such dump file or folder/);
  });
});
