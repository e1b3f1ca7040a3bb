/**
 * Secrets audit: a real run that used a password — the simulator's PKCS#12 and password file, the
 * `estreamer connect` CLI streaming into dumps (one run with a wrong password from the
 * environment, one with the right one from a file), then `estreamer dump` over the result — and
 * afterwards a scan of every file it left (dumps, bookmark and metadata state, its private temp
 * folder) and of everything it printed, for the password and the private key in every form we can
 * think of: PEM body, DER, and the key's numbers (private exponent, primes; modulus too) as hex,
 * base64 and base64url.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadPkcs12 } from '../../../src/client/credentials';
import { Simulator, writeSimulatorFiles } from '../../../src/sim';

const ROOT = path.resolve(__dirname, '../../..');
const WRONG_PASSWORD = 'Wr0ng-pass-7f3c9e1d';

interface Needle {
  what: string;
  text: string;
}

function forms(what: string, bytes: Buffer): Needle[] {
  return [
    { what: `${what} (hex)`, text: bytes.toString('hex') },
    { what: `${what} (HEX)`, text: bytes.toString('hex').toUpperCase() },
    { what: `${what} (base64)`, text: bytes.toString('base64').replace(/=+$/, '') },
    { what: `${what} (base64url)`, text: bytes.toString('base64url') },
  ];
}

/** Every form in which the password or the private key could leak. Long enough to never match by chance. */
function needles(password: string, keyPem: string): Needle[] {
  const out: Needle[] = [
    { what: 'password', text: password },
    { what: 'wrong password', text: WRONG_PASSWORD },
    ...forms('password', Buffer.from(password, 'utf8')),
    { what: 'password (UTF-16)', text: Buffer.from(password, 'utf16le').toString('latin1') },
  ];
  const key = crypto.createPrivateKey(keyPem);
  const der = key.export({ format: 'der', type: 'pkcs8' });
  out.push(...forms('private key DER', der).map((n) => ({ ...n, text: n.text.slice(0, 96) })));
  // A middle piece of the DER too: a leak need not start at the first byte.
  out.push(...forms('private key DER (middle)', der.subarray(600, 664)));
  const pemLines = keyPem.split('\n').filter((l) => l && !l.startsWith('-----'));
  pemLines.slice(1, -1).forEach((line, i) => out.push({ what: `PEM body line ${i + 2}`, text: line }));
  const jwk = key.export({ format: 'jwk' }) as Record<string, string>;
  for (const part of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'n']) {
    // 32 bytes of each number are plenty to be unique.
    out.push(...forms(`RSA ${part === 'n' ? 'modulus' : part}`, Buffer.from(jwk[part], 'base64url').subarray(0, 32)));
  }
  return out.filter((n) => n.text.length >= 12);
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

/** Where each needle occurs: "needle in place". */
function scan(places: Array<{ name: string; content: string }>, list: Needle[]): string[] {
  const found: string[] = [];
  for (const p of places) {
    for (const n of list) if (p.content.includes(n.text)) found.push(`${n.what} in ${p.name}`);
  }
  return found;
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString('latin1')));
    child.stderr.on('data', (d: Buffer) => (output += d.toString('latin1')));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('secrets audit: password and private key appear nowhere after a real run', function () {
  this.timeout(120_000);
  let sim: Simulator;
  let work: string;
  let simDir: string;
  let outDir: string;
  let tmpDir: string;
  const logs: Array<{ name: string; content: string }> = [];
  let list: Needle[];

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'estreamer-secrets-'));
    simDir = path.join(work, 'sim');
    outDir = path.join(work, 'out');
    tmpDir = path.join(work, 'tmp');
    fs.mkdirSync(tmpDir);
    // A server Error on the first connection and a drop on the second put error paths in the logs too.
    sim = await Simulator.create({
      scenario: 'compromise',
      hosts: 10,
      seed: 3,
      keepAliveMs: 200,
      faults: [
        { kind: 'server-error', code: 19, text: 'Simulated error', connections: [2] },
        { kind: 'drop-after-bytes', bytes: 20_000, connections: [3] },
      ],
    });
    const { port } = await sim.start();
    await writeSimulatorFiles(sim, simDir);
    list = needles(sim.credentials.password, loadPkcs12(sim.credentials.pkcs12, sim.credentials.password).keyPem);
    const env = { TMPDIR: tmpDir, TMP: tmpDir, TEMP: tmpDir };
    const common = ['connect', '--host', '127.0.0.1', '--port', String(port), '--pkcs12', path.join(simDir, 'client.pkcs12'), '--out', outDir, '--start', 'oldest', '--exit-when-idle', '2', '--stall-timeout', '10'];
    const wrong = await run(common, { ...env, ESTREAMER_PASSWORD: WRONG_PASSWORD });
    logs.push({ name: 'output of connect with a wrong password', content: wrong.output });
    assert.notEqual(wrong.code, 0, 'a wrong password fails');
    const right = await run([...common, '--password-file', path.join(simDir, 'password.txt')], { ...env, ESTREAMER_PASSWORD: '' });
    logs.push({ name: 'output of connect', content: right.output });
    assert.equal(right.code, 0, right.output);
    const dump = await run(['dump', outDir, '--json'], env);
    logs.push({ name: 'output of dump --json', content: dump.output });
    assert.equal(dump.code, 0, dump.output.slice(-500));
  });
  after(async () => {
    await sim?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('the scan finds the secrets where they legitimately are (the simulator\'s password file and its key in memory)', () => {
    const found = scan([{ name: 'password.txt', content: fs.readFileSync(path.join(simDir, 'password.txt'), 'latin1') }], list);
    assert.ok(found.some((f) => f.startsWith('password in')), found.join('\n'));
    const pem = loadPkcs12(sim.credentials.pkcs12, sim.credentials.password).keyPem;
    assert.ok(scan([{ name: 'the key PEM', content: pem }], list).length >= 20);
  });

  it('the run really streamed: dumps and client state were written', () => {
    const files = filesUnder(outDir);
    assert.ok(files.some((f) => f.endsWith('.estreamer')), files.join('\n'));
    assert.ok(files.some((f) => f.includes('.estreamer-state')), files.join('\n'));
    assert.ok(logs[2].content.split('\n').length > 100, 'dump printed the records');
  });

  it('no dump, state file, temp file or printed line holds the password or the private key', () => {
    const places = [
      ...filesUnder(outDir).map((f) => ({ name: path.relative(work, f), content: fs.readFileSync(f, 'latin1') })),
      ...filesUnder(tmpDir).map((f) => ({ name: path.relative(work, f), content: fs.readFileSync(f, 'latin1') })),
      ...logs,
    ];
    assert.ok(places.length >= 5);
    assert.deepEqual(scan(places, list), []);
  });

  it('state files are private to the user (0600) where the platform has modes', function () {
    if (process.platform === 'win32') this.skip();
    for (const f of filesUnder(path.join(outDir, '.estreamer-state'))) {
      assert.equal(fs.statSync(f).mode & 0o077, 0, `${f} is readable by others`);
    }
  });
});
