import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { loadPkcs12 } from '../../../src/client/credentials';
import { MessageDecoder, MessageType, RequestFlag, encodeEventStreamRequest } from '../../../src/protocol';
import type { GroundTruth } from '../../../src/sim';

const ROOT = path.resolve(__dirname, '../../..');

function cli(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

function output(child: ChildProcess, until: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (d: Buffer) => {
      text += d.toString();
      if (until.test(text)) resolve(text);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', () => (until.test(text) ? resolve(text) : reject(new Error(`exited early:\n${text}`))));
  });
}

describe('sim/cli: estreamer sim', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), 'sim-cli-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the client files and truth, serves a client over mutual TLS, and stops on SIGTERM', async () => {
    const child = cli(['sim', '--port', '0', '--out', dir, '--scenario', 'compromise', '--hosts', '4', '--compromised', '1', '--seed', '5']);
    try {
      const banner = await output(child, /Ctrl\+C stops it/);
      const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(banner)?.[1]);
      assert.ok(port > 0, banner);
      assert.match(banner, /estreamer connect --host 127\.0\.0\.1/);
      assert.doesNotMatch(banner, new RegExp(readFileSync(path.join(dir, 'password.txt'), 'utf8').trim()), 'password not printed');
      for (const f of ['client.pkcs12', 'password.txt']) assert.equal(statSync(path.join(dir, f)).mode & 0o777, 0o600, f);
      const truth = JSON.parse(readFileSync(path.join(dir, 'truth.json'), 'utf8')) as GroundTruth;
      assert.equal(truth.compromised.length, 1);
      assert.match(truth.compromised[0].first_indicator.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

      // The written .pkcs12 and password are what a client needs (read with the project's own loader).
      const creds = loadPkcs12(readFileSync(path.join(dir, 'client.pkcs12')), readFileSync(path.join(dir, 'password.txt'), 'utf8').trim());
      const first = await new Promise<number>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port, key: creds.keyPem, cert: creds.certPem, ca: readFileSync(path.join(dir, 'ca.pem'), 'utf8'), checkServerIdentity: () => undefined });
        const decoder = new MessageDecoder();
        s.on('secureConnect', () => s.write(encodeEventStreamRequest(0, RequestFlag.metadata | RequestFlag.intrusion)));
        s.on('data', (d: Buffer) => {
          const m = decoder.push(d)[0];
          if (!m) return;
          s.destroy();
          resolve(m.type);
        });
        s.on('error', reject);
      });
      assert.equal(first, MessageType.EventData);

      child.kill('SIGTERM');
      const code = await new Promise((resolve) => child.on('exit', resolve));
      assert.equal(code, 0);
    } finally {
      child.kill();
    }
  });

  it('explains a bad --fault and exits 2', async () => {
    const child = cli(['sim', '--out', dir, '--fault', 'explode']);
    const text = await output(child, /Unknown fault 'explode'/);
    const code = await new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', resolve)));
    assert.equal(code, 2);
    assert.match(text, /drop-after-bytes=N/);
  });
});
