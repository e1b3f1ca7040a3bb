/** `estreamer connect` run in-process against the simulator over real TLS, as a script would. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../../../src/cli/args';
import { ExitCode, parseEvents, parseStart, run } from '../../../src/cli/commands/connect';
import { parseLine } from '../../../src/dump/format';
import { dumpFolder } from '../../../src/dump/writer';
import { writeSimulatorFiles, type Simulator } from '../../../src/sim/simulator';
import { startSim, tempDir } from './simHarness';

/** Runs the command with stderr captured; returns the exit code and what it printed. */
async function connect(argv: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; stderr: string }> {
  const saved = process.stderr.write.bind(process.stderr);
  const savedEnv = { ...process.env };
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    return { code: await run(argv), stderr };
  } finally {
    process.stderr.write = saved;
    process.env = savedEnv;
  }
}

function dumpLines(folder: string): string[] {
  return fs
    .readdirSync(folder)
    .filter((f) => f.endsWith('.estreamer'))
    .flatMap((f) => fs.readFileSync(path.join(folder, f), 'utf8').split('\n'))
    .filter((l) => l && !l.startsWith('#'));
}

describe('estreamer connect (CLI)', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let port: number;
  let tmp: ReturnType<typeof tempDir>;
  let files: string;
  before(async () => {
    ({ sim, port } = await startSim({ scenario: 'flood', floodEvents: 1500 }));
    tmp = tempDir('estreamer-cli-');
    files = path.join(tmp.dir, 'sim');
    await writeSimulatorFiles(sim, files);
  });
  after(async () => {
    await sim.stop();
    tmp.cleanup();
  });

  it('streams into dumps, exits 0 when idle, and a second run resumes from the bookmark without duplicates', async () => {
    const out = path.join(tmp.dir, 'out');
    const args = ['--host', '127.0.0.1', '--port', String(port), '--pkcs12', path.join(files, 'client.pkcs12'), '--password-file', path.join(files, 'password.txt'), '--out', out, '--exit-when-idle', '0.7', '--events', 'connection'];
    const first = await connect([...args, '--start', 'oldest'], { ESTREAMER_PASSWORD: undefined });
    assert.equal(first.code, ExitCode.ok, first.stderr);
    assert.match(first.stderr, /idle: no records/);
    assert.ok(!first.stderr.includes(sim.credentials.password), 'the password is never printed');
    const folder = dumpFolder(out, `127.0.0.1:${port}`);
    const lines = dumpLines(folder);
    const byType: Record<string, number> = {};
    for (const l of lines) byType[parseLine(l).recordType] = (byType[parseLine(l).recordType] ?? 0) + 1;
    assert.deepEqual(byType, sim.truth!.records_by_type);
    const bookmark = JSON.parse(fs.readFileSync(path.join(out, '.estreamer-state', `127.0.0.1-${port}`, 'bookmark.json'), 'utf8'));
    assert.equal(bookmark.archiveSecond, sim.truth!.end.unix);

    const second = await connect([...args, '--start', 'bookmark'], { ESTREAMER_PASSWORD: undefined });
    assert.equal(second.code, ExitCode.ok, second.stderr);
    assert.equal(dumpLines(folder).length, lines.length, 'the resumed run stored nothing twice');
  });

  it('takes the password from ESTREAMER_PASSWORD; a wrong one exits 3 with what to do', async () => {
    const base = ['--host', '127.0.0.1', '--port', String(port), '--pkcs12', path.join(files, 'client.pkcs12'), '--out', path.join(tmp.dir, 'out2'), '--exit-when-idle', '0.5'];
    const wrong = await connect(base, { ESTREAMER_PASSWORD: 'not-it' });
    assert.equal(wrong.code, ExitCode.credentials);
    assert.match(wrong.stderr, /Wrong password.*FMC/);
    const right = await connect(base, { ESTREAMER_PASSWORD: sim.credentials.password });
    assert.equal(right.code, ExitCode.ok, right.stderr);
  });

  it('exits 4 with a one-line reason when the FMC refuses the client', async () => {
    const issued = await sim.issueClient('127.0.0.1');
    sim.revoke(issued.certificate.serial);
    const p12 = path.join(tmp.dir, 'revoked.pkcs12');
    fs.writeFileSync(p12, issued.credentials.pkcs12);
    const r = await connect(['--host', '127.0.0.1', '--port', String(port), '--pkcs12', p12, '--out', path.join(tmp.dir, 'out3')], {
      ESTREAMER_PASSWORD: issued.credentials.password,
    });
    assert.equal(r.code, ExitCode.refused, r.stderr);
    const last = r.stderr.trim().split('\n').pop()!;
    assert.match(last, /^estreamer connect: .*System > Integration > eStreamer/);
  });

  it('refuses a password on the command line, and bad options, with a usage error', async () => {
    const base = ['--host', 'h', '--pkcs12', 'f', '--out', 'o'];
    await assert.rejects(run([...base, '--password', 'secret']), (e: unknown) => e instanceof UsageError && /ps/.test(e.message));
    await assert.rejects(run(['--pkcs12', 'f', '--out', 'o']), /needs --host/);
    await assert.rejects(run([...base, '--port', '99999']), /not a TCP port/);
    assert.throws(() => parseStart('yesterday'), /oldest, now, bookmark, an ISO time/);
    assert.throws(() => parseEvents('intrusion,bogus'), /unknown family 'bogus'/);
  });

  it('parses starts and event families', () => {
    assert.equal(parseStart('now'), 'now');
    assert.equal(parseStart('all'), 'oldest');
    assert.deepEqual(parseStart('2026-12-03T10:00:00Z'), { time: new Date('2026-12-03T10:00:00Z') });
    assert.deepEqual(parseStart('1733212800'), { time: new Date(1733212800 * 1000) });
    assert.deepEqual(parseEvents('intrusion, Connection,extra-data'), ['intrusion', 'connection', 'extraData', 'metadata']);
    assert.ok(parseEvents('all').includes('packets'));
  });
});
