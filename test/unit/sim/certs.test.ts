import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import {
  createCertificateAuthority,
  createCrl,
  createPkcs12,
  issueCertificate,
  newKeyPair,
  newPassword,
  type CertificateAuthority,
  type IssuedCertificate,
} from '../../../src/sim/certs';

/** Runs openssl with the PKCS#12 password passed through the environment, never on the command line. */
function openssl(args: string[], password = ''): string {
  return execFileSync('openssl', args, { env: { ...process.env, P12PASS: password }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('sim/certs: FMC-like certificates and PKCS#12', function () {
  let dir: string;
  let ca: CertificateAuthority;
  let client: IssuedCertificate;
  let password: string;
  let legacyPath: string;

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), 'sim-certs-'));
    const clientKey = newKeyPair();
    ca = await createCertificateAuthority(undefined, newKeyPair());
    client = await issueCertificate(ca, { host: '10.20.30.40', role: 'client', keyPair: clientKey });
    password = newPassword();
    legacyPath = path.join(dir, 'client.pkcs12');
    writeFileSync(legacyPath, createPkcs12(client, ca, password, 'legacy'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('issues a CA named like the FMC internal CA', () => {
    const x = new X509Certificate(ca.certPem);
    assert.ok(x.ca, 'CA:TRUE');
    assert.equal(x.subject, x.issuer);
    assert.match(x.subject, /title=InternalCA/);
    assert.match(x.subject, new RegExp(`CN=${ca.uuid}`));
    assert.match(ca.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.match(x.subject, /OU=Intrusion Management System/);
    assert.match(x.subject, /O=Cisco Systems\\, Inc/);
  });

  it('issues a client certificate with CN and SAN DNS = client IP, clientAuth, CA:FALSE, RSA 2048, sha256', () => {
    const x = new X509Certificate(client.certPem);
    assert.match(x.subject, /CN=10\.20\.30\.40/);
    assert.match(x.subject, /title=estreamer/);
    assert.equal(x.subjectAltName, 'DNS:10.20.30.40');
    assert.deepEqual(x.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.equal(x.ca, false);
    assert.equal(x.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.ok(x.verify(new X509Certificate(ca.certPem).publicKey), 'signed by the CA');
    assert.ok(x.checkIssued(new X509Certificate(ca.certPem)));
    const text = openssl(['x509', '-noout', '-text'].concat(['-in', writeTemp('client.pem', client.certPem)]));
    assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/);
    assert.match(text, /generationQualifier = client/);
    const years = (Date.parse(x.validTo) - Date.parse(x.validFrom)) / (365.25 * 86_400_000);
    assert.ok(years > 9.9 && years < 10.1, `validity ${years} years`);
  });

  it('writes the PKCS#12 the FMC way: RC2-40 certificate bag, 3DES key bag, SHA-1 MAC, 2048 iterations', () => {
    const out = openssl(['pkcs12', '-legacy', '-info', '-nokeys', '-in', legacyPath, '-passin', 'env:P12PASS', '-passout', 'pass:x'], password);
    assert.ok(out.includes('BEGIN CERTIFICATE'), 'openssl -legacy read the certificates');
    // openssl prints the bag structure on stderr.
    const structure = execFileSync('sh', ['-c', 'openssl pkcs12 -legacy -info -noout -in "$1" -passin env:P12PASS 2>&1', 'sh', legacyPath], {
      env: { ...process.env, P12PASS: password },
      encoding: 'utf8',
    });
    assert.match(structure, /MAC: sha1, Iteration 2048/);
    assert.match(structure, /PKCS7 Encrypted data: pbeWithSHA1And40BitRC2-CBC, Iteration 2048/);
    assert.match(structure, /Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048/);
    assert.equal((structure.match(/Certificate bag/g) ?? []).length, 2, 'client and CA certificate');
  });

  it('openssl -legacy recovers the key and certificate with the password, and rejects a wrong one', () => {
    const pem = openssl(['pkcs12', '-legacy', '-in', legacyPath, '-passin', 'env:P12PASS', '-nodes'], password);
    assert.ok(pem.includes(client.certPem.split(/\r?\n/)[1]), 'client certificate inside');
    assert.match(pem, /BEGIN PRIVATE KEY/);
    assert.throws(() => openssl(['pkcs12', '-legacy', '-in', legacyPath, '-passin', 'env:P12PASS', '-nodes'], password + 'x'));
  });

  it("Node's own tls (OpenSSL 3) refuses the legacy file as pfx — the problem the client solves", () => {
    assert.throws(
      () => tls.createSecureContext({ pfx: readFileSync(legacyPath), passphrase: password }),
      /Unsupported PKCS12 PFX data|unsupported/i,
    );
  });

  it('writes a modern PBES2/AES-256 PKCS#12 on request, which Node accepts', () => {
    const modern = createPkcs12(client, ca, password, 'modern');
    const modernPath = writeTemp('modern.pkcs12', modern);
    const structure = execFileSync('sh', ['-c', 'openssl pkcs12 -info -noout -in "$1" -passin env:P12PASS 2>&1', 'sh', modernPath], {
      env: { ...process.env, P12PASS: password },
      encoding: 'utf8',
    });
    assert.match(structure, /PBES2, PBKDF2, AES-256-CBC/);
    assert.doesNotMatch(structure, /RC2/);
    assert.doesNotThrow(() => tls.createSecureContext({ pfx: Buffer.from(modern), passphrase: password }));
  });

  it('signs a CRL that openssl verifies against the CA and that lists the revoked serial', () => {
    const crlPath = writeTemp('crl.pem', createCrl(ca, [client.serial]));
    const caPath = writeTemp('ca.pem', ca.certPem);
    const text = execFileSync('sh', ['-c', 'openssl crl -in "$1" -CAfile "$2" -noout -text 2>&1', 'sh', crlPath, caPath], { encoding: 'utf8' });
    assert.match(text, /verify OK/);
    assert.ok(text.toUpperCase().includes(client.serial.toUpperCase()), 'serial listed');
  });

  function writeTemp(name: string, data: string | Uint8Array): string {
    const p = path.join(dir, name);
    writeFileSync(p, data);
    return p;
  }
});
