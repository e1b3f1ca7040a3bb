/**
 * The session state machine over an in-memory transport (the ITransport seam): exact ordering of
 * requests, acks and consumer calls, which a network test can only observe indirectly.
 * The same behaviour over real TLS against the simulator is in client.sim.test.ts.
 */
import * as assert from 'node:assert/strict';
import { Emitter } from '../../../src/common/events';
import { ClientError } from '../../../src/client/errors';
import { Session, type SessionHooks } from '../../../src/client/session';
import type { ITransport, TransportClose } from '../../../src/client/transport';
import {
  MessageDecoder,
  MessageType,
  decodeEventStreamRequest,
  decodeStreamingRequest,
  encodeBundle,
  encodeError,
  encodeMessage,
  encodeNull,
  encodeStreamingInformation,
  eventsFor,
  flagsFor,
} from '../../../src/protocol';
import type { EStreamerRecord } from '../../../src/protocol/types';

/** Record bytes with the 16-byte archive header, of a type nobody defines (decoded as 'unknown'). */
function rawRecord(archive: number, n: number): Uint8Array {
  const b = Buffer.alloc(20);
  b.writeUInt32BE(9999, 0);
  b.writeUInt32BE(4, 4);
  b.writeUInt32BE(archive, 8);
  b.writeUInt32BE(n, 16);
  return b;
}

class MemoryTransport implements ITransport {
  readonly data = new Emitter<Uint8Array>();
  readonly close = new Emitter<TransportClose>();
  readonly onData = this.data.event;
  readonly onClose = this.close.event;
  readonly description = 'memory';
  readonly sent: Array<{ type: number; body: Uint8Array }> = [];
  paused = false;
  disposed = false;
  private readonly decoder = new MessageDecoder();
  private received = 0;

  send(bytes: Uint8Array): void {
    for (const m of this.decoder.push(bytes)) this.sent.push({ type: m.type, body: m.body.slice() });
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  dispose(): void {
    this.end();
  }
  /** The FMC side writes bytes. */
  push(bytes: Uint8Array): void {
    this.received += bytes.length;
    this.data.fire(bytes);
  }
  end(error?: ClientError): void {
    if (this.disposed) return;
    this.disposed = true;
    this.close.fire({ error, bytesReceived: this.received });
  }
  types(): number[] {
    return this.sent.map((m) => m.type);
  }
}

function hooks(deliver: (r: EStreamerRecord[]) => Promise<void>, log: string[] = []): SessionHooks & { errors: string[] } {
  const errors: string[] = [];
  return {
    errors,
    deliver,
    malformed: (r) => log.push(`malformed ${r}`),
    serverError: (code, text) => errors.push(`${code} ${text}`),
    keepAlive: () => log.push('keepalive'),
    bytes: () => undefined,
    log: (m) => log.push(m),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('client/session (in-memory transport)', () => {
  const families = ['intrusion', 'connection', 'metadata'] as const;
  const extendedRequest = { initialTimestamp: 1_700_000_000, flags: flagsFor(families, { archiveTimestamps: true, extended: true }), events: eventsFor(families) };

  it('requests, answers Streaming Information with the extended request, and acks a bundle only after the consumer resolved', async () => {
    const t = new MemoryTransport();
    let release!: () => void;
    const delivered: EStreamerRecord[][] = [];
    const s = new Session(
      t,
      extendedRequest,
      hooks((records) => {
        delivered.push(records);
        return new Promise<void>((r) => (release = r));
      }),
      { endpoint: 'fmc:8302', stallTimeoutMs: 60_000 },
    );
    s.start();
    assert.deepEqual(t.types(), [MessageType.EventStreamRequest]);
    assert.deepEqual(decodeEventStreamRequest(t.sent[0].body), { initialTimestamp: 1_700_000_000, flags: extendedRequest.flags });
    t.push(encodeStreamingInformation([5001, 5000, 6667].map((serviceId) => ({ serviceId, flags: 0, initialTimestamp: 0, events: [] }))));
    await tick();
    assert.deepEqual(t.types().slice(1), [MessageType.StreamingRequest, MessageType.Null]);
    const [service] = decodeStreamingRequest(t.sent[1].body);
    assert.equal(service.serviceId, 6667);
    assert.equal(service.initialTimestamp, 1_700_000_000);
    assert.deepEqual(service.events, extendedRequest.events);

    // A bundle split across two chunks; the consumer holds it.
    const bundle = encodeBundle(7, 1, [rawRecord(1_700_000_001, 1), rawRecord(1_700_000_001, 2)]);
    t.push(bundle.subarray(0, 10));
    t.push(bundle.subarray(10));
    await tick();
    assert.equal(delivered.length, 1);
    assert.equal(delivered[0].length, 2);
    assert.equal(delivered[0][1].archiveTimestamp, 1_700_000_001);
    assert.equal(t.sent.length, 3, 'no ack while the consumer has not resolved');
    assert.equal(t.paused, true, 'reading is paused while the consumer works');
    release();
    await tick();
    assert.deepEqual(t.types().slice(3), [MessageType.Null]);
    assert.equal(t.paused, false);
    await s.stop();
  });

  it('plain mode: event data messages are stored as one batch, then each is acked; keep-alives are answered', async () => {
    const t = new MemoryTransport();
    const batches: number[] = [];
    const s = new Session(t, { initialTimestamp: 0, flags: flagsFor(families, { archiveTimestamps: true, extended: false }) }, hooks(async (r) => void batches.push(r.length)), {
      endpoint: 'fmc:8302',
      stallTimeoutMs: 60_000,
    });
    s.start();
    const events = [1, 2, 3].map((n) => encodeMessage(MessageType.EventData, rawRecord(100, n)));
    t.push(Buffer.concat([...events, encodeNull()]));
    await tick();
    assert.deepEqual(batches, [3]);
    assert.deepEqual(t.types(), [MessageType.EventStreamRequest, 0, 0, 0, 0]);
    await s.stop();
  });

  it('extended mode: keep-alives are tolerated and not answered (a Null would ack a bundle not yet stored)', async () => {
    const t = new MemoryTransport();
    const log: string[] = [];
    const s = new Session(t, extendedRequest, hooks(async () => undefined, log), { endpoint: 'fmc:8302', stallTimeoutMs: 60_000 });
    s.start();
    t.push(Buffer.concat([encodeNull(), encodeNull()]));
    await tick();
    assert.deepEqual(log, ['keepalive', 'keepalive']);
    assert.deepEqual(t.types(), [MessageType.EventStreamRequest]);
    await s.stop();
  });

  it('an Error from the FMC followed by a close ends the session with its code and text', async () => {
    const t = new MemoryTransport();
    const h = hooks(async () => undefined);
    const s = new Session(t, extendedRequest, h, { endpoint: 'fmc:8302', stallTimeoutMs: 60_000 });
    s.start();
    t.push(encodeError(19, 'No space'));
    await tick();
    t.end();
    const end = await s.done;
    assert.deepEqual(h.errors, ['19 No space']);
    assert.ok(end.error instanceof ClientError);
    assert.equal(end.error.kind, 'server-error');
    assert.equal(end.error.serverCode, 19);
    assert.match(end.error.message, /error 19: No space/);
  });

  it('a close before any byte is the host check, with the certificate host in the message', async () => {
    const t = new MemoryTransport();
    const s = new Session(t, extendedRequest, hooks(async () => undefined), { endpoint: 'fmc:8302', stallTimeoutMs: 60_000, clientHost: '10.9.9.9' });
    s.start();
    t.end();
    const end = await s.done;
    assert.equal(end.error?.kind, 'rejected');
    assert.match(end.error!.message, /right after the TLS handshake.*revoked.*10\.9\.9\.9.*System > Integration > eStreamer/);
  });

  it('no data and no keep-alive for the stall time is a stall; a slow consumer is not', async () => {
    const t = new MemoryTransport();
    let release!: () => void;
    const s = new Session(t, extendedRequest, hooks(() => new Promise<void>((r) => (release = r))), { endpoint: 'fmc:8302', stallTimeoutMs: 80 });
    s.start();
    t.push(encodeStreamingInformation([{ serviceId: 6667, flags: 0, initialTimestamp: 0, events: [] }]));
    t.push(encodeBundle(1, 1, [rawRecord(5, 1)]));
    await new Promise((r) => setTimeout(r, 200)); // consumer holds the bundle well past the stall time
    assert.equal(t.disposed, false, 'waiting on our own consumer is not a stall');
    release();
    const t0 = Date.now();
    const end = await s.done;
    assert.equal(end.error?.kind, 'stall');
    assert.ok(Date.now() - t0 >= 60, 'the stall clock restarts once we are ready for more');
    assert.match(end.error!.message, /No data and no keep-alive/);
  });

  it('bytes that are not eStreamer end the session with a protocol error', async () => {
    const t = new MemoryTransport();
    const s = new Session(t, extendedRequest, hooks(async () => undefined), { endpoint: 'fmc:8302', stallTimeoutMs: 60_000 });
    s.start();
    t.push(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const end = await s.done;
    assert.equal(end.error?.kind, 'protocol');
    assert.match(end.error!.message, /not eStreamer/);
  });
});
