import assert from 'node:assert/strict';
import tls from 'node:tls';
import { encodeEventStreamRequest, flagsFor, MessageType, RequestFlag } from '../../../src/protocol';
import { Simulator } from '../../../src/sim';
import { createCertificateAuthority, issueCertificate, newKeyPair } from '../../../src/sim/certs';
import { RawClient, sharedCertificates } from './rawClient';

/** Connects and reports how the handshake ended: 'ok' or the TLS error text. */
function handshake(sim: Simulator, cert: string, key: string): Promise<string> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port: sim.port, cert, key, ca: sim.credentials.caPem, checkServerIdentity: () => undefined });
    s.on('secureConnect', () => {
      // In TLS 1.2 the server's verdict arrives during the handshake; wait briefly for an alert anyway.
      s.write(encodeEventStreamRequest(0xffffffff, RequestFlag.metadata));
      s.once('data', () => (s.destroy(), resolve('ok')));
    });
    s.on('error', (err) => (s.destroy(), resolve(err.message)));
    s.on('close', () => resolve('closed'));
  });
}

describe('sim/tls: mutual TLS like the FMC', function () {
  let sim: Simulator;
  before(async () => {
    sim = await Simulator.create({ scenario: 'flood', floodEvents: 10, keepAliveMs: 200, certificates: await sharedCertificates() });
    await sim.start();
  });
  after(() => sim?.stop());

  it('accepts its own client certificate over TLS 1.2 only', async () => {
    const c = await RawClient.connect(sim);
    assert.equal(c.socket.getProtocol(), 'TLSv1.2');
    c.close();
  });

  it('refuses a client without a certificate and one from a foreign CA', async () => {
    const noCert = await new Promise<string>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port: sim.port, rejectUnauthorized: false });
      s.on('secureConnect', () => s.once('data', () => resolve('ok')));
      s.on('error', (e) => resolve(e.message));
      s.on('close', () => resolve('closed'));
    });
    assert.notEqual(noCert, 'ok');
    const foreignKey = newKeyPair();
    const foreignCa = await createCertificateAuthority(undefined, newKeyPair());
    const foreign = await issueCertificate(foreignCa, { host: '127.0.0.1', role: 'client', keyPair: foreignKey });
    assert.notEqual(await handshake(sim, foreign.certPem, foreign.keyPem), 'ok');
    assert.match(sim.refused.join(' '), /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/);
  });

  it('refuses the handshake once a client is revoked (reason CERT_REVOKED)', async () => {
    const second = await sim.issueClient('127.0.0.1');
    assert.equal(await handshake(sim, second.certificate.certPem, second.certificate.keyPem), 'ok');
    sim.revoke(second.certificate.serial);
    assert.notEqual(await handshake(sim, second.certificate.certPem, second.certificate.keyPem), 'ok');
    assert.equal(sim.refused[sim.refused.length - 1], 'CERT_REVOKED');
    // Other clients are unaffected.
    assert.equal(await handshake(sim, sim.client.certPem, sim.client.keyPem), 'ok');
  });

  it('with the host check, closes right after the handshake (no Error) when the address is not the certificate\'s', async () => {
    const checked = await Simulator.create({ scenario: 'flood', floodEvents: 10, hostCheck: true, certificates: sim.certificates });
    await checked.start();
    try {
      const elsewhere = await checked.issueClient('10.9.9.9');
      const c = await RawClient.connect(checked, { cert: elsewhere.certificate.certPem, key: elsewhere.certificate.keyPem });
      c.send(encodeEventStreamRequest(0, RequestFlag.metadata));
      await c.closed;
      assert.equal(c.receivedBytes, 0, 'no eStreamer Error message');
      const ok = await RawClient.connect(checked);
      ok.send(encodeEventStreamRequest(0, flagsFor(['connection', 'metadata'], { archiveTimestamps: false, extended: false })));
      assert.equal((await ok.next()).type, MessageType.EventData);
      ok.close();
    } finally {
      await checked.stop();
    }
  });

  it('offers TLS 1.3 when asked', async () => {
    const v13 = await Simulator.create({ scenario: 'flood', floodEvents: 1, tls13: true, certificates: sim.certificates });
    await v13.start();
    try {
      const c = await RawClient.connect(v13);
      assert.equal(c.socket.getProtocol(), 'TLSv1.3');
      c.close();
    } finally {
      await v13.stop();
    }
  });
});
