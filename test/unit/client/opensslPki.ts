/**
 * Test PKI made with the openssl command line, the way an FMC makes its client files:
 * an internal CA, a client certificate for 127.0.0.1, and PKCS#12 files in both the FMC's
 * legacy form (RC2-40 cert bags, 3DES key bag, SHA-1 MAC) and openssl 3's default (PBES2/AES).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface TestPki {
  dir: string;
  password: string;
  legacyP12: string;
  modernP12: string;
  certsOnlyP12: string;
  caPem: string;
  clientCertPem: string;
  /** A second, unrelated CA and a client file signed by it (a "foreign" certificate). */
  foreignP12: string;
  /** Server key and certificate signed by the test CA (named like an FMC: no usable host name). */
  serverKeyPem: string;
  serverCertPem: string;
  /** A server certificate signed by the foreign CA (an FMC we have no CA for). */
  foreignServerKeyPem: string;
  foreignServerCertPem: string;
  foreignCaPem: string;
  cleanup(): void;
}

function openssl(cwd: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): void {
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`,
    '-days', '30', '-subj', `/O=Test/OU=Intrusion Management System/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
}

function makeClient(dir: string, ca: string, name: string, usage = 'clientAuth', cn = '127.0.0.1'): void {
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`,
    '-subj', `/O=Test/OU=Intrusion Management System/CN=${cn}`);
  fs.writeFileSync(path.join(dir, `${name}.ext`), `basicConstraints=CA:FALSE\nextendedKeyUsage=${usage}\nsubjectAltName=DNS:${cn}\n`);
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial',
    '-out', `${name}.crt`, '-days', '30', '-extfile', `${name}.ext`);
}

export function makeTestPki(password = 'fmc-pass'): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'estreamer-pki-'));
  fs.writeFileSync(path.join(dir, 'pass'), password);
  makeCa(dir, 'ca');
  makeClient(dir, 'ca', 'client');
  const pass = `file:${path.join(dir, 'pass')}`;
  openssl(dir, 'pkcs12', '-export', '-legacy', '-certpbe', 'PBE-SHA1-RC2-40', '-keypbe', 'PBE-SHA1-3DES',
    '-macalg', 'sha1', '-inkey', 'client.key', '-in', 'client.crt', '-certfile', 'ca.crt', '-out', 'legacy.pkcs12', '-passout', pass);
  openssl(dir, 'pkcs12', '-export', '-inkey', 'client.key', '-in', 'client.crt', '-certfile', 'ca.crt',
    '-out', 'modern.pkcs12', '-passout', pass);
  openssl(dir, 'pkcs12', '-export', '-nokeys', '-in', 'client.crt', '-certfile', 'ca.crt', '-out', 'certs-only.pkcs12', '-passout', pass);
  makeCa(dir, 'foreign-ca');
  makeClient(dir, 'foreign-ca', 'foreign');
  openssl(dir, 'pkcs12', '-export', '-inkey', 'foreign.key', '-in', 'foreign.crt', '-certfile', 'foreign-ca.crt',
    '-out', 'foreign.pkcs12', '-passout', pass);
  makeClient(dir, 'ca', 'server', 'serverAuth', 'fmc-server-uuid');
  makeClient(dir, 'foreign-ca', 'foreign-server', 'serverAuth', 'other-fmc');
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  return {
    dir,
    serverKeyPem: read('server.key'),
    serverCertPem: read('server.crt'),
    foreignServerKeyPem: read('foreign-server.key'),
    foreignServerCertPem: read('foreign-server.crt'),
    foreignCaPem: read('foreign-ca.crt'),
    password,
    legacyP12: path.join(dir, 'legacy.pkcs12'),
    modernP12: path.join(dir, 'modern.pkcs12'),
    certsOnlyP12: path.join(dir, 'certs-only.pkcs12'),
    caPem: fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8'),
    clientCertPem: fs.readFileSync(path.join(dir, 'client.crt'), 'utf8'),
    foreignP12: path.join(dir, 'foreign.pkcs12'),
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
