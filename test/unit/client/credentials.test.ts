import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CredentialsError, loadPkcs12 } from '../../../src/client/credentials';
import { makeTestPki, type TestPki } from './opensslPki';

describe('client/credentials: loadPkcs12', function () {
  this.timeout(20000);
  let pki: TestPki;
  before(() => {
    pki = makeTestPki();
  });
  after(() => pki.cleanup());

  /** openssl's description of the file's algorithms (it prints them on stderr). */
  function algorithmsOf(file: string): string {
    const r = spawnSync('openssl', ['pkcs12', '-info', '-noout', '-legacy', '-in', file, '-passin', `pass:${pki.password}`], {
      encoding: 'utf8',
    });
    return r.stdout + r.stderr;
  }

  for (const kind of ['legacy', 'modern'] as const) {
    it(`reads the ${kind} file: key matches the client certificate, CA separated`, () => {
      const file = kind === 'legacy' ? pki.legacyP12 : pki.modernP12;
      const creds = loadPkcs12(fs.readFileSync(file), pki.password);
      const cert = new crypto.X509Certificate(creds.certPem);
      assert.ok(cert.checkPrivateKey(crypto.createPrivateKey(creds.keyPem)));
      assert.equal(cert.fingerprint256, new crypto.X509Certificate(pki.clientCertPem).fingerprint256);
      assert.equal(creds.caPems.length, 1);
      assert.equal(new crypto.X509Certificate(creds.caPems[0]).fingerprint256, new crypto.X509Certificate(pki.caPem).fingerprint256);
      assert.equal(creds.clientHost, '127.0.0.1');
      assert.ok(creds.notAfter.getTime() > Date.now());
    });
  }

  it('the test files really use the FMC algorithms (RC2-40 + 3DES) and the openssl 3 defaults (PBES2/AES)', () => {
    const legacy = algorithmsOf(pki.legacyP12);
    assert.match(legacy, /pbeWithSHA1And40BitRC2-CBC/);
    assert.match(legacy, /pbeWithSHA1And3-KeyTripleDES-CBC/);
    const modern = algorithmsOf(pki.modernP12);
    assert.match(modern, /PBES2/);
    assert.match(modern, /AES-256-CBC/);
  });

  it('a wrong password is a wrong-password error that says what to do', () => {
    for (const file of [pki.legacyP12, pki.modernP12]) {
      assert.throws(
        () => loadPkcs12(fs.readFileSync(file), 'not-the-password'),
        (e: unknown) => e instanceof CredentialsError && e.code === 'wrong-password' && /password/i.test(e.message) && /FMC/.test(e.message),
      );
    }
  });

  it('a file that is not PKCS#12 (random bytes, PEM text, empty) is a not-pkcs12 error', () => {
    const inputs = [crypto.randomBytes(500), Buffer.from(pki.caPem), Buffer.alloc(0), Buffer.from('hello')];
    for (const bytes of inputs) {
      assert.throws(
        () => loadPkcs12(bytes, pki.password),
        (e: unknown) => e instanceof CredentialsError && e.code === 'not-pkcs12' && /PKCS#12/.test(e.message),
      );
    }
  });

  it('a file without a private key is a no-key error', () => {
    assert.throws(
      () => loadPkcs12(fs.readFileSync(pki.certsOnlyP12), pki.password),
      (e: unknown) => e instanceof CredentialsError && e.code === 'no-key' && /no private key/.test(e.message),
    );
  });

  it('the credentials work in a TLS context without touching the disk', () => {
    const creds = loadPkcs12(fs.readFileSync(pki.legacyP12), pki.password);
    const before = fs.readdirSync(pki.dir).sort();
    const tls = require('node:tls') as typeof import('node:tls');
    tls.createSecureContext({ key: creds.keyPem, cert: creds.certPem, ca: creds.caPems });
    assert.deepEqual(fs.readdirSync(pki.dir).sort(), before);
    assert.ok(!fs.readdirSync(path.dirname(pki.dir)).some((f) => f.endsWith('.key') && f.includes('estreamer')));
  });
});
