import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { loadPkcs12, type ClientCredentials } from '../../../src/client/credentials';
import { ClientError } from '../../../src/client/errors';
import { connectTls, type ITransport, type TransportClose } from '../../../src/client/transport';
import { makeTestPki, type TestPki } from './opensslPki';

/** A real TLS server on loopback that demands a client certificate from the test CA. */
async function tlsServer(opts: tls.TlsOptions, onSocket?: (s: tls.TLSSocket) => void): Promise<{ port: number; server: tls.Server }> {
  const server = tls.createServer({ requestCert: true, rejectUnauthorized: true, ...opts }, (s) => {
    s.on('error', () => undefined);
    onSocket?.(s);
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, server };
}

function closed(t: ITransport): Promise<TransportClose> {
  return new Promise((r) => t.onClose(r));
}

describe('client/transport: mutual TLS on loopback', function () {
  this.timeout(20000);
  let pki: TestPki;
  let creds: ClientCredentials;
  const servers: net.Server[] = [];
  before(() => {
    pki = makeTestPki();
    creds = loadPkcs12(fs.readFileSync(pki.legacyP12), pki.password);
  });
  after(() => pki.cleanup());
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });
  const serve = async (opts: tls.TlsOptions, onSocket?: (s: tls.TLSSocket) => void) => {
    const r = await tlsServer({ key: pki.serverKeyPem, cert: pki.serverCertPem, ca: [pki.caPem], ...opts }, onSocket);
    servers.push(r.server);
    return r.port;
  };

  it('presents the client certificate, verifies the FMC chain without a host name, and carries bytes both ways', async () => {
    let peerCn: unknown;
    const port = await serve({}, (s) => {
      peerCn = s.getPeerCertificate().subject.CN;
      s.on('data', (d) => s.write(Buffer.concat([Buffer.from('echo:'), d])));
    });
    const t = await connectTls({ host: '127.0.0.1', port, credentials: creds });
    assert.match(t.description, /TLSv1\.3/, 'TLS 1.3 when the server offers it');
    const got = new Promise<string>((r) => t.onData((d) => r(Buffer.from(d).toString())));
    t.send(Buffer.from('hi'));
    assert.equal(await got, 'echo:hi');
    assert.equal(peerCn, '127.0.0.1');
    const c = closed(t);
    t.dispose();
    assert.equal((await c).bytesReceived, 7);
  });

  it('speaks TLS 1.2 with a server that offers only 1.2', async () => {
    const port = await serve({ maxVersion: 'TLSv1.2' });
    const t = await connectTls({ host: '127.0.0.1', port, credentials: creds });
    assert.match(t.description, /TLSv1\.2/);
    t.dispose();
  });

  it('refuses a server whose certificate is not from the FMC CA, unless verification is turned off', async () => {
    const port = await serve({ key: pki.foreignServerKeyPem, cert: pki.foreignServerCertPem });
    await assert.rejects(
      connectTls({ host: '127.0.0.1', port, credentials: creds }),
      (e: unknown) => e instanceof ClientError && e.kind === 'server-untrusted' && !e.retryable && /verifyServer: false/.test(e.message),
    );
    const t = await connectTls({ host: '127.0.0.1', port, credentials: creds, verifyServer: false });
    t.dispose();
  });

  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    it(`a client certificate the FMC does not accept is an auth failure (${version})`, async () => {
      const foreign = loadPkcs12(fs.readFileSync(pki.foreignP12), pki.password);
      const port = await serve({ maxVersion: version });
      const refused = (e: unknown) =>
        e instanceof ClientError &&
        ((e.kind === 'auth' && /refused this client certificate/.test(e.message)) || (e.kind === 'rejected' && /during the TLS handshake.*refuses the client certificate/.test(e.message))) &&
        /System > Integration > eStreamer/.test(e.message);
      // TLS 1.2 fails in the handshake; under TLS 1.3 the client may learn of it only after,
      // as an alert or a close before any byte (which the session reports, see session tests).
      try {
        const t = await connectTls({ host: '127.0.0.1', port, credentials: foreign, verifyServer: false });
        assert.notEqual(version, 'TLSv1.2', 'TLS 1.2 must fail in the handshake');
        const end = await closed(t);
        assert.ok(end.error ? refused(end.error) : end.bytesReceived === 0, String(end.error));
      } catch (e) {
        assert.ok(refused(e), String(e));
      }
    });
  }

  it('times out a server that accepts TCP but never answers the handshake', async () => {
    const silent = net.createServer(() => undefined);
    servers.push(silent);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    const t0 = Date.now();
    await assert.rejects(
      connectTls({ host: '127.0.0.1', port, credentials: creds, connectTimeoutMs: 300 }),
      (e: unknown) => e instanceof ClientError && e.kind === 'network' && e.retryable && /No answer/.test(e.message),
    );
    assert.ok(Date.now() - t0 < 3000);
  });

  it('a refused connection is a retryable network error naming the port', async () => {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise((r) => s.close(r));
    await assert.rejects(
      connectTls({ host: '127.0.0.1', port, credentials: creds }),
      (e: unknown) => e instanceof ClientError && e.kind === 'network' && e.retryable && /refused the connection.*8302/.test(e.message),
    );
  });
});
