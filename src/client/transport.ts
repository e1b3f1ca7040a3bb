/**
 * The byte pipe under the eStreamer session. The session only sees `ITransport`, so it can be
 * driven over TLS (the real thing) or any other duplex in tests; TLS specifics stay here.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { Emitter, type Event } from '../common/events';
import type { IDisposable } from '../common/lifecycle';
import type { ClientCredentials } from './credentials';
import { ClientError, describeConnectionError, refusedWithoutReason } from './errors';

export interface TransportClose {
  /** Why it closed; undefined for an orderly close by the peer. */
  error?: ClientError;
  /** Bytes received over the connection's life (0 = closed before the FMC said anything). */
  bytesReceived: number;
}

export interface ITransport extends IDisposable {
  readonly onData: Event<Uint8Array>;
  /** Fires once, when the connection is gone for any reason (including dispose). */
  readonly onClose: Event<TransportClose>;
  send(bytes: Uint8Array): void;
  /** Stop reading from the network (back-pressure: TCP's window then holds the FMC). */
  pause(): void;
  resume(): void;
  /** Human description for messages, e.g. "10.0.0.1:8302 (TLSv1.2)". */
  readonly description: string;
}

export interface TlsTransportOptions {
  host: string;
  port: number;
  credentials: ClientCredentials;
  /** Check the FMC's certificate against the CA from the PKCS#12 (chain only, not the name). Default true. */
  verifyServer?: boolean;
  /** Give up on TCP connect + TLS handshake after this long. Default 10 s. */
  connectTimeoutMs?: number;
  /** TCP keep-alive probe delay. Default 30 s. */
  tcpKeepAliveMs?: number;
}

/** Opens a mutual-TLS connection to the FMC; resolves once the handshake is done. */
export function connectTls(options: TlsTransportOptions): Promise<ITransport> {
  const endpoint = `${options.host}:${options.port}`;
  const verify = options.verifyServer ?? true;
  if (verify && options.credentials.caPems.length === 0) {
    return Promise.reject(
      new ClientError(
        'config',
        'The PKCS#12 file holds no CA certificate to check the FMC against: get a fresh file from the FMC, ' +
          'or turn server verification off (verifyServer: false / --no-verify-server).',
      ),
    );
  }
  return new Promise<ITransport>((resolve, reject) => {
    const socket = tls.connect({
      host: options.host,
      port: options.port,
      key: options.credentials.keyPem,
      cert: options.credentials.certPem,
      ca: verify ? options.credentials.caPems : undefined,
      rejectUnauthorized: verify,
      // The FMC's server certificate names no host we could check (PROTOCOL.md §1.3):
      // the chain is verified by OpenSSL against the FMC's internal CA, the name is not.
      checkServerIdentity: () => undefined,
      // SNI must not be an IP address; FMCs are usually addressed by IP.
      servername: net.isIP(options.host) ? undefined : options.host,
      minVersion: 'TLSv1.2',
    });
    const timer = setTimeout(() => {
      const err = Object.assign(new Error(`connect timeout after ${options.connectTimeoutMs ?? 10_000} ms`), { code: 'ETIMEDOUT' });
      socket.destroy(err);
    }, options.connectTimeoutMs ?? 10_000);
    let tcpUp = false;
    socket.once('connect', () => (tcpUp = true));
    const onEarlyError = (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      // A reset after TCP came up but before TLS finished is how many servers refuse a certificate.
      const droppedInHandshake = tcpUp && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
      reject(droppedInHandshake ? refusedWithoutReason(endpoint, 'during', options.credentials.clientHost, err) : describeConnectionError(err, endpoint));
    };
    socket.once('error', onEarlyError);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.off('error', onEarlyError);
      socket.setKeepAlive(true, options.tcpKeepAliveMs ?? 30_000);
      socket.setNoDelay(true);
      resolve(new TlsTransport(socket, endpoint));
    });
  });
}

class TlsTransport implements ITransport {
  private readonly dataEmitter = new Emitter<Uint8Array>();
  private readonly closeEmitter = new Emitter<TransportClose>();
  readonly onData = this.dataEmitter.event;
  readonly onClose = this.closeEmitter.event;
  readonly description: string;
  private bytesReceived = 0;
  private error: ClientError | undefined;
  private closed = false;

  constructor(
    private readonly socket: tls.TLSSocket,
    endpoint: string,
  ) {
    this.description = `${endpoint} (${socket.getProtocol() ?? 'TLS'})`;
    socket.on('data', (chunk: Buffer) => {
      this.bytesReceived += chunk.length;
      this.dataEmitter.fire(chunk);
    });
    socket.on('error', (err) => {
      this.error ??= describeConnectionError(err, endpoint);
    });
    socket.on('close', () => this.finish());
  }

  send(bytes: Uint8Array): void {
    if (!this.closed && !this.socket.destroyed) this.socket.write(bytes);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  dispose(): void {
    this.socket.destroy();
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeEmitter.fire({ error: this.error, bytesReceived: this.bytesReceived });
    this.dataEmitter.dispose();
    this.closeEmitter.dispose();
  }
}
