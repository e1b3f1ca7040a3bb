/**
 * A minimal eStreamer client for the simulator's tests, written against the raw codec: TLS with
 * the simulator's client certificate, a push decoder, and a queue of received messages.
 */
import assert from 'node:assert/strict';
import tls from 'node:tls';
import {
  MessageDecoder,
  MessageType,
  decodeBundle,
  decodeRecord,
  encodeEventStreamRequest,
  encodeNull,
  encodeStreamingRequest,
  eventsFor,
  flagsFor,
  type EventFamilyName,
  type Message,
} from '../../../src/protocol';
import type { EStreamerRecord } from '../../../src/protocol/types';
import { Simulator, type SimulatorCertificates } from '../../../src/sim';

let shared: Promise<SimulatorCertificates> | undefined;

/** One CA and certificate set for every simulator test in this process (key generation is the slow part). */
export function sharedCertificates(): Promise<SimulatorCertificates> {
  shared ??= Simulator.create({ scenario: 'flood', floodEvents: 0 }).then((s) => s.certificates);
  return shared;
}

export class RawClient {
  private readonly decoder = new MessageDecoder();
  private readonly queue: Message[] = [];
  private waiter: (() => void) | undefined;
  /** Every byte received, in order (to check faults that cut or corrupt the stream). */
  readonly received: Buffer[] = [];
  ended = false;
  decodeError: Error | undefined;
  readonly closed: Promise<void>;

  private constructor(readonly socket: tls.TLSSocket) {
    socket.on('data', (chunk: Buffer) => {
      this.received.push(chunk);
      try {
        this.queue.push(...this.decoder.push(chunk));
      } catch (err) {
        this.decodeError = err as Error;
      }
      this.waiter?.();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.ended = true;
        this.waiter?.();
        resolve();
      }),
    );
    socket.on('error', () => undefined);
  }

  static connect(sim: Simulator, opts: { cert?: string; key?: string; ca?: string } = {}): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port: sim.port,
        cert: opts.cert ?? sim.client.certPem,
        key: opts.key ?? sim.client.keyPem,
        ca: opts.ca ?? sim.credentials.caPem,
        checkServerIdentity: () => undefined,
      });
      socket.once('secureConnect', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  get receivedBytes(): number {
    return this.received.reduce((n, b) => n + b.length, 0);
  }

  send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The next message; rejects after `timeoutMs` or when the connection closed first. */
  async next(timeoutMs = 3000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.queue.shift();
      if (m) return m;
      if (this.ended) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve();
        };
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

const ALL: EventFamilyName[] = ['intrusion', 'connection', 'file', 'malware', 'discovery', 'user', 'metadata', 'ioc'];

/** Runs an extended session to the end of the store; returns the records in arrival order. */
export async function collectExtended(sim: Simulator, timestamp: number, opts: { archive?: boolean; families?: EventFamilyName[]; convention?: 'entry' | 'message' } = {}): Promise<EStreamerRecord[]> {
  const c = await RawClient.connect(sim);
  try {
    const flags = flagsFor(opts.families ?? ALL, { archiveTimestamps: opts.archive ?? true, extended: true });
    c.send(encodeEventStreamRequest(timestamp, flags));
    const info = await c.next();
    assert.equal(info.type, MessageType.StreamingInformation);
    c.send(encodeStreamingRequest([{ serviceId: 6667, flags, initialTimestamp: timestamp, events: eventsFor(opts.families ?? ALL) }], opts.convention));
    const out: EStreamerRecord[] = [];
    for (;;) {
      const m = await c.next(10_000);
      if (m.type === MessageType.Null) return out; // a keep-alive: the simulator has caught up
      assert.equal(m.type, MessageType.MessageBundle);
      for (const r of decodeBundle(m.body).records) out.push(decodeRecord(r.slice()));
      c.send(encodeNull());
    }
  } finally {
    c.close();
  }
}


/** Records per record type, keyed like truth.json's records_by_type. */
export function countByType(records: readonly EStreamerRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of records) counts[String(r.recordType)] = (counts[String(r.recordType)] ?? 0) + 1;
  return counts;
}
