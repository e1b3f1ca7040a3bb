/**
 * The FMC simulator: a TLS server on loopback that demands a client certificate from its own
 * internal CA (revocable), optionally checks the peer address against the certificate as the FMC
 * does, and serves a scenario's records through SimSession.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import {
  createCertificateAuthority,
  createCrl,
  createPkcs12,
  expiredValidity,
  issueCertificate,
  newKeyPair,
  newPassword,
  type CertificateAuthority,
  type IssuedCertificate,
  type Pkcs12Encryption,
} from './certs';
import { faultsFor, type Fault } from './faults';
import { SimSession } from './session';
import { MemoryStore, type RecordStore, type SimRecord } from './store';
import type { GroundTruth } from './truth';
import { loadScenario, type ScenarioName, type ScenarioOptions } from './scenarios';

export interface SimulatorOptions extends ScenarioOptions {
  /** TCP port; 0 (the default here) picks a free one. The CLI defaults to 8302. */
  port?: number;
  /** Address to listen on; loopback only by default. */
  host?: string;
  scenario: ScenarioName;
  faults?: Fault[];
  /** Idle time before a Null keep-alive (ms); 0 disables keep-alives. Default 10 000. */
  keepAliveMs?: number;
  /** The client address the issued certificate names (CN and SAN DNS). Default 127.0.0.1. */
  clientIp?: string;
  /** Close connections whose peer address is not the certificate's CN/SAN, as the FMC does. */
  hostCheck?: boolean;
  /** Also offer TLS 1.3 (the FMC is known to speak 1.2 only). */
  tls13?: boolean;
  /** PKCS#12 encryption of the client file: the FMC's legacy one (default) or modern PBES2/AES. */
  pkcs12Encryption?: Pkcs12Encryption;
  /** A bundle closes once it reaches this many bytes. Default 8192 (the FMC's were up to 8.6 KB). */
  maxBundleBytes?: number;
  /** Diagnostic lines (never secrets). */
  log?: (line: string) => void;
  /**
   * Reuse another simulator's CA and certificates (`sim.certificates`): skips key generation, for
   * tests that start many simulators. Faults that need other certificates still make their own.
   */
  certificates?: SimulatorCertificates;
}

export interface SimulatorCertificates {
  ca: CertificateAuthority;
  server: IssuedCertificate;
  client: IssuedCertificate;
}

export interface SimulatorCredentials {
  /** The client's `.pkcs12`, as the FMC's "Create Client" download. */
  pkcs12: Uint8Array;
  password: string;
  /** The internal CA certificate (PEM). */
  caPem: string;
}

export class Simulator {
  private server: tls.Server | undefined;
  private readonly sessions = new Set<SimSession>();
  /** Every accepted socket, so stop() can close even those a check is closing. */
  private readonly sockets = new Set<tls.TLSSocket>();
  private readonly revoked = new Set<string>();
  private connectionCount = 0;
  private readonly refusedReasons: string[] = [];
  private boundPort = 0;

  private constructor(
    private readonly opts: SimulatorOptions,
    private readonly ca: CertificateAuthority,
    private readonly serverCert: IssuedCertificate,
    /** The client certificate handed out in `credentials`. */
    readonly client: IssuedCertificate,
    readonly credentials: SimulatorCredentials,
    readonly store: RecordStore,
    readonly truth: GroundTruth | undefined,
    private readonly connectionIdBase: number,
    private readonly scenarioBundleBytes: number | undefined,
  ) {}

  static async create(opts: SimulatorOptions): Promise<Simulator> {
    const faults = opts.faults ?? [];
    const expiredClient = faults.some((f) => f.kind === 'expired-cert');
    const expiredServer = faults.some((f) => f.kind === 'expired-server-cert');
    const scenario = loadScenario(opts.scenario, opts);
    const reuse = opts.certificates;
    // Generate the RSA keys in parallel; that is most of the start-up time.
    const clientKey = reuse && !expiredClient ? undefined : newKeyPair();
    const serverKey = reuse && !expiredServer ? undefined : newKeyPair();
    const ca = reuse?.ca ?? (await createCertificateAuthority(undefined, newKeyPair()));
    const [client, server] = await Promise.all([
      clientKey
        ? issueCertificate(ca, { host: opts.clientIp ?? '127.0.0.1', role: 'client', keyPair: clientKey, validity: expiredClient ? expiredValidity() : undefined })
        : reuse!.client,
      serverKey
        ? issueCertificate(ca, { host: opts.host ?? '127.0.0.1', role: 'server', keyPair: serverKey, validity: expiredServer ? expiredValidity() : undefined })
        : reuse!.server,
    ]);
    const password = newPassword();
    const credentials = { pkcs12: createPkcs12(client, ca, password, opts.pkcs12Encryption ?? 'legacy'), password, caPem: ca.certPem };
    const loaded = await scenario;
    return new Simulator(opts, ca, server, client, credentials, loaded.store, loaded.truth, loaded.connectionIdBase ?? Math.floor(Date.now() / 1000), loaded.maxBundleBytes);
  }

  /** The CA and certificates, to hand to another simulator (`certificates` option) in tests. */
  get certificates(): SimulatorCertificates {
    return { ca: this.ca, server: this.serverCert, client: this.client };
  }

  get port(): number {
    return this.boundPort;
  }

  /**
   * Why client certificates were refused, in order (OpenSSL codes such as CERT_REVOKED,
   * CERT_HAS_EXPIRED, UNABLE_TO_VERIFY_LEAF_SIGNATURE). Node's TLS server cannot send the alert
   * an FMC would; the client only sees the connection close during the handshake.
   */
  get refused(): readonly string[] {
    return this.refusedReasons;
  }

  /** How many TLS connections with an accepted certificate were made so far. */
  get connections(): number {
    return this.connectionCount;
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }

  private secureContextOptions(): tls.SecureContextOptions {
    return {
      key: this.serverCert.keyPem,
      cert: this.serverCert.certPem,
      ca: [this.ca.certPem],
      // Always a CRL (empty at first): with one, OpenSSL answers a revoked client certificate
      // with a "certificate revoked" alert, as the FMC does for deleted clients.
      crl: [createCrl(this.ca, [...this.revoked])],
      minVersion: 'TLSv1.2',
      maxVersion: this.opts.tls13 ? 'TLSv1.3' : 'TLSv1.2',
    };
  }

  async start(): Promise<{ port: number }> {
    if (this.server) return { port: this.boundPort };
    // rejectUnauthorized stays off so the verdict (and its reason) is ours: Node's own check
    // closes the socket silently either way — it cannot send a TLS alert (see `refused`).
    const server = tls.createServer({ ...this.secureContextOptions(), requestCert: true, rejectUnauthorized: false }, (socket) => this.onConnection(socket));
    server.on('tlsClientError', (err, socket) => this.log(`handshake with ${socket.remoteAddress ?? '?'} failed: ${err.message}`));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.log(`listening on ${this.opts.host ?? '127.0.0.1'}:${this.boundPort}`);
    return { port: this.boundPort };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sessions) s.dispose();
    this.sessions.clear();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Adds live records (archive seconds not older than the stored ones): connected clients that
   * caught up, and clients that asked for "now", receive them. Build them with eventRecord /
   * metadataRecord. Only stores kept in memory (compromise, real) accept appends.
   */
  append(records: readonly SimRecord[]): void {
    if (!(this.store instanceof MemoryStore)) throw new Error(`The ${this.opts.scenario} scenario generates its records; it takes no appends.`);
    this.store.append(records);
  }

  /** Issues another client certificate (e.g. for a second client or another address). */
  async issueClient(ip: string, encryption: Pkcs12Encryption = this.opts.pkcs12Encryption ?? 'legacy'): Promise<{ certificate: IssuedCertificate; credentials: SimulatorCredentials }> {
    const certificate = await issueCertificate(this.ca, { host: ip, role: 'client' });
    const password = newPassword();
    return { certificate, credentials: { pkcs12: createPkcs12(certificate, this.ca, password, encryption), password, caPem: this.ca.certPem } };
  }

  /** Revokes a client certificate (by serial, hex): later handshakes with it fail with "certificate revoked". */
  revoke(serial: string): void {
    this.revoked.add(serial.toLowerCase());
    this.server?.setSecureContext(this.secureContextOptions());
  }

  private onConnection(socket: tls.TLSSocket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    const peer = normalizeAddress(socket.remoteAddress ?? '');
    if (!socket.authorized) {
      // Revoked, expired, foreign or missing client certificate: the handshake is refused.
      const reason = String(socket.authorizationError ?? 'no client certificate');
      this.refusedReasons.push(reason);
      this.log(`refused a client certificate from ${peer}: ${reason}`);
      socket.destroy();
      return;
    }
    const number = ++this.connectionCount;
    if (this.opts.hostCheck) {
      const names = certificateNames(socket.getPeerCertificate());
      if (!names.includes(peer)) {
        // The FMC's post-connection check: close right away, no eStreamer Error (G53 p18/p22).
        this.log(`connection ${number} from ${peer}: certificate names ${names.join(', ') || 'nothing'}; closing`);
        socket.end();
        return;
      }
    }
    this.log(`connection ${number} from ${peer} (${socket.getProtocol() ?? 'TLS'})`);
    const session = new SimSession(socket, {
      store: this.store,
      connectionId: (this.connectionIdBase + number - 1) >>> 0,
      keepAliveMs: this.opts.keepAliveMs ?? 10_000,
      maxBundleBytes: this.opts.maxBundleBytes ?? this.scenarioBundleBytes ?? 8192,
      faults: faultsFor(this.opts.faults ?? [], number),
      log: (line) => this.log(`[${number}] ${line}`),
    });
    this.sessions.add(session);
    socket.on('close', () => this.sessions.delete(session));
  }
}

function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** CN and subject alternative names (DNS and IP) of a peer certificate. */
function certificateNames(cert: tls.PeerCertificate): string[] {
  const names: string[] = [];
  const cn = cert.subject?.CN;
  if (typeof cn === 'string') names.push(cn);
  for (const part of (cert.subjectaltname ?? '').split(/,\s*/)) {
    const m = /^(?:DNS|IP Address):(.+)$/.exec(part.trim());
    if (m) names.push(m[1]);
  }
  return names;
}

/** Writes what a user needs to connect: client.pkcs12 and password.txt (0600), ca.pem, truth.json. */
export async function writeSimulatorFiles(sim: Simulator, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, data] of [['client.pkcs12', sim.credentials.pkcs12], ['password.txt', sim.credentials.password + '\n']] as const) {
    const file = path.join(dir, name);
    await writeFile(file, data, { mode: 0o600 });
    await chmod(file, 0o600); // an existing file keeps its old mode otherwise
  }
  await writeFile(path.join(dir, 'ca.pem'), sim.credentials.caPem);
  if (sim.truth) await writeFile(path.join(dir, 'truth.json'), JSON.stringify(sim.truth, null, 2) + '\n');
}
