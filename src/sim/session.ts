/**
 * One client connection, spoken the way the real FMC does (PROTOCOL.md §4–7, RECORDS.md §6):
 * Event Stream Request → (extended) Streaming Information 5001/5000/6667 → Streaming Request →
 * Message Bundles, one in flight until the client's Null ack; or plain Event Data messages when
 * bit 30 is off. Metadata an event refers to goes just before it, once per id per connection;
 * archive timestamps only on event records and only when bit 23 was asked for.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import {
  ESTREAMER_SERVICE_ID,
  MessageDecoder,
  MessageType,
  ProtocolError,
  RequestFlag,
  TIMESTAMP_NOW,
  decodeEventStreamRequest,
  decodeStreamingRequest,
  encodeBundle,
  encodeError,
  encodeMessage,
  encodeNull,
  encodeStreamingInformation,
  type Message,
} from '../protocol';
import type { IDisposable } from '../common/lifecycle';
import type { Fault } from './faults';
import { selectionFromEvents, selectionFromFlags, wants, type Selection } from './selection';
import type { RecordStore, SimRecord } from './store';

/** Services the 2020 FMC advertised, in its order (5001, 5000, then eStreamer 6667). */
export const ADVERTISED_SERVICES = [5001, 5000, ESTREAMER_SERVICE_ID];

/**
 * Error codes this simulator sends. No public list of FMC server codes exists (PROTOCOL.md §7.1);
 * these are the simulator's own, documented so clients can show them.
 */
export const SimErrorCode = {
  unsupportedRequest: 100,
  unsupportedService: 101,
  malformedRequest: 102,
  unexpectedMessage: 103,
} as const;

export interface SessionOptions {
  store: RecordStore;
  connectionId: number;
  keepAliveMs: number;
  /** A bundle is closed once it holds at least this many bytes (the FMC's were 1.4–8.6 KB). */
  maxBundleBytes: number;
  faults: readonly Fault[];
  log: (line: string) => void;
}

type State = 'request' | 'streaming-request' | 'streaming' | 'closed';

/** Plain-mode records are written in slices so one connection cannot hog the event loop. */
const PLAIN_SLICE = 256;

export class SimSession implements IDisposable {
  private readonly decoder = new MessageDecoder({ maxMessageLength: 1 << 20 });
  private state: State = 'request';
  private extended = false;
  private archive = false;
  private selection: Selection = new Set();
  private records: Iterator<SimRecord> | undefined;
  /** Encoded records that did not fit in the last bundle; they open the next one. */
  private carry: Uint8Array[] | undefined;
  private readonly sentMetadata = new Set<string>();
  private sequence = 0;
  private inFlight = false;
  private waitingForAppend: IDisposable | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private stalledUntil = 0;
  private written = 0;
  private dataMessages = 0;
  private eventsSent = 0;
  private lastArchive = 0;
  private pumpScheduled = false;
  private drainWait = false;

  constructor(
    private readonly socket: Socket,
    private readonly opts: SessionOptions,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.dispose());
    socket.on('error', (err) => this.opts.log(`connection error: ${err.message}`));
    socket.on('drain', () => {
      if (this.drainWait) {
        this.drainWait = false;
        this.schedulePump();
      }
    });
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  dispose(): void {
    this.halt();
    this.socket.destroy();
  }

  /** Stops all activity (timers, waiting for appends); the socket is closed by the caller. */
  private halt(): void {
    this.state = 'closed';
    clearTimeout(this.keepAlive);
    clearTimeout(this.stallTimer);
    this.keepAlive = undefined;
    this.waitingForAppend?.dispose();
    this.waitingForAppend = undefined;
  }

  private fault<K extends Fault['kind']>(kind: K): Extract<Fault, { kind: K }> | undefined {
    return this.opts.faults.find((f): f is Extract<Fault, { kind: K }> => f.kind === kind);
  }

  // --- input ----------------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    let messages: Message[];
    try {
      messages = this.decoder.push(chunk);
    } catch (err) {
      // Not eStreamer framing. On the first message the FMC just closes (PROTOCOL.md §1.7).
      this.opts.log(`closing: ${(err as Error).message}`);
      if (this.state === 'request') this.dispose();
      else this.failWith(SimErrorCode.malformedRequest, (err as Error).message);
      return;
    }
    for (const m of messages) {
      if (this.closed) return;
      this.onMessage(m);
    }
  }

  private onMessage(m: Message): void {
    switch (this.state) {
      case 'request':
        return this.onFirstMessage(m);
      case 'streaming-request':
        if (m.type === MessageType.Null) return; // eNcore acks the 2051 too; the FMC tolerated it
        if (m.type !== MessageType.StreamingRequest) {
          return this.failWith(SimErrorCode.unexpectedMessage, `Expected a Streaming Request (2049) after Streaming Information, got message type ${m.type}.`);
        }
        return this.onStreamingRequest(m.body);
      case 'streaming':
        if (m.type === MessageType.Null) {
          if (this.inFlight) {
            this.inFlight = false;
            this.schedulePump();
          }
          return;
        }
        if (m.type === MessageType.Error) {
          this.opts.log('client sent an Error message');
          return;
        }
        if (m.type === MessageType.HostRequest) {
          return this.failWith(SimErrorCode.unsupportedRequest, 'Host data requests (message type 5) are not served by this FMC simulator.');
        }
        return this.failWith(SimErrorCode.unexpectedMessage, `Unexpected message type ${m.type} while streaming.`);
    }
  }

  private onFirstMessage(m: Message): void {
    // A malformed first message gets no Error: the FMC closes at once (PROTOCOL.md §1.7).
    if (m.version !== 1 || m.type !== MessageType.EventStreamRequest || m.body.length < 8) {
      this.opts.log(`closing: first message is type ${m.type} version ${m.version} length ${m.body.length}, not an Event Stream Request`);
      return this.dispose();
    }
    if (m.body.length > 8) {
      return this.failWith(SimErrorCode.unsupportedRequest, 'Fully-qualified (JSON) event requests are not served by this FMC simulator.');
    }
    const { initialTimestamp, flags } = decodeEventStreamRequest(m.body);
    this.opts.log(`request: timestamp ${initialTimestamp === TIMESTAMP_NOW ? 'now' : initialTimestamp}, flags 0x${flags.toString(16).padStart(8, '0')}`);
    const serverError = this.fault('server-error');
    if (serverError) return this.failWith(serverError.code, serverError.text);
    if (flags & RequestFlag.extended) {
      this.extended = true;
      this.state = 'streaming-request';
      this.write(encodeStreamingInformation(ADVERTISED_SERVICES.map((serviceId) => ({ serviceId, flags: 0, initialTimestamp: 0, events: [] }))));
      return;
    }
    this.begin(initialTimestamp, flags, selectionFromFlags(flags));
  }

  private onStreamingRequest(body: Uint8Array): void {
    let services;
    try {
      services = decodeStreamingRequest(body);
    } catch (err) {
      return this.failWith(SimErrorCode.malformedRequest, err instanceof ProtocolError ? err.message : String(err));
    }
    const service = services.find((s) => s.serviceId === ESTREAMER_SERVICE_ID);
    if (!service) {
      const asked = services.map((s) => s.serviceId).join(', ') || 'none';
      return this.failWith(SimErrorCode.unsupportedService, `Streaming Request asks for service(s) ${asked}; only eStreamer (6667) is served.`);
    }
    const { selection, unknownCodes } = selectionFromEvents(service.events, service.flags);
    if (selection.size === 0 && service.events.length > 0) {
      return this.failWith(SimErrorCode.unsupportedRequest, `Streaming Request lists only unknown event codes (${unknownCodes.join(', ')}).`);
    }
    if (unknownCodes.length) this.opts.log(`ignoring unknown event codes ${unknownCodes.join(', ')}`);
    this.begin(service.initialTimestamp, service.flags, selection);
  }

  private begin(initialTimestamp: number, flags: number, selection: Selection): void {
    this.archive = (flags & RequestFlag.archiveTimestamps) !== 0;
    this.selection = selection;
    const from = initialTimestamp === TIMESTAMP_NOW ? this.opts.store.now() : initialTimestamp;
    this.records = this.opts.store.recordsFrom(from);
    this.state = 'streaming';
    this.schedulePump();
  }

  // --- output ---------------------------------------------------------------------------------

  private failWith(code: number, text: string): void {
    // "attempts to send an error message before closing" (G53 p22)
    this.opts.log(`error ${code}: ${text}`);
    this.write(encodeError(code, text));
    this.halt();
    this.socket.end();
  }

  /** Writes eStreamer bytes, honouring drop-after-bytes. Returns false when the socket is full. */
  private write(bytes: Uint8Array): boolean {
    if (this.socket.destroyed) return false;
    const drop = this.fault('drop-after-bytes');
    if (drop && this.written + bytes.length >= drop.bytes) {
      const part = bytes.subarray(0, Math.max(0, drop.bytes - this.written));
      this.written += part.length;
      this.opts.log(`fault drop-after-bytes: closing after ${this.written} bytes`);
      this.halt();
      this.socket.end(part);
      return false;
    }
    this.written += bytes.length;
    if (this.keepAlive) this.armKeepAlive();
    return this.socket.write(bytes);
  }

  /**
   * Keep-alives go out "when no data is being transmitted" (G53 p25): only once the session has
   * caught up with the store, so a Null from the server always means "nothing more for now".
   */
  private armKeepAlive(): void {
    clearTimeout(this.keepAlive);
    this.keepAlive = undefined;
    if (this.state === 'closed' || this.opts.keepAliveMs <= 0) return;
    this.keepAlive = setTimeout(() => {
      if (this.state === 'closed' || this.isStalled()) return this.armKeepAlive();
      this.write(encodeNull());
    }, this.opts.keepAliveMs);
  }

  private isStalled(): boolean {
    return Date.now() < this.stalledUntil;
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.state !== 'streaming') return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.state !== 'streaming' || this.isStalled() || this.drainWait) return;
    if (this.extended) this.pumpBundle();
    else this.pumpPlain();
  }

  /** Next record the request selected, or undefined when the store has nothing more (for now). */
  private nextRecord(): SimRecord | undefined {
    for (;;) {
      const r = this.records?.next();
      if (!r || r.done) return undefined;
      if (wants(this.selection, r.value.recordType)) return r.value;
    }
  }

  /** Encoded records for one stored record: its missing metadata first, then itself. */
  private encodeWithMetadata(record: SimRecord): Uint8Array[] {
    const out: Uint8Array[] = [];
    const metadataWanted = this.selection.has('metadata');
    if (record.metadataKey !== undefined) {
      if (!metadataWanted || this.sentMetadata.has(record.metadataKey)) return out;
      this.sentMetadata.add(record.metadataKey);
    }
    if (metadataWanted) {
      for (const key of record.refs ?? []) {
        if (this.sentMetadata.has(key)) continue;
        this.sentMetadata.add(key);
        const meta = this.opts.store.metadata(key);
        if (meta) out.push(meta.encode(false));
        else this.opts.log(`no metadata record for ${key}`);
      }
    }
    const isEvent = record.archiveTimestamp !== undefined;
    out.push(record.encode(this.archive && isEvent));
    if (isEvent) {
      this.lastArchive = record.archiveTimestamp!;
      if (this.eventsSent++ === 0) out.push(...this.injectedRecords(out[out.length - 1]));
    }
    return out;
  }

  private pumpBundle(): void {
    if (this.inFlight) return;
    const items: Uint8Array[] = this.carry ?? [];
    this.carry = undefined;
    let size = items.reduce((n, r) => n + 8 + r.length, 0);
    while (size < this.opts.maxBundleBytes) {
      const record = this.nextRecord();
      if (!record) break;
      const encoded = this.encodeWithMetadata(record);
      const add = encoded.reduce((n, r) => n + 8 + r.length, 0);
      if (items.length > 0 && size + add > this.opts.maxBundleBytes) {
        // Too big for this bundle: the record (with its metadata) opens the next one.
        this.carry = encoded;
        break;
      }
      items.push(...encoded);
      size += add;
      if (record.bundleEnd) break;
    }
    if (items.length === 0) return this.waitForAppend();
    this.inFlight = true;
    this.sendData(encodeBundle(this.opts.connectionId, ++this.sequence, items, 0));
  }

  private pumpPlain(): void {
    for (let n = 0; n < PLAIN_SLICE; n++) {
      const record = this.nextRecord();
      if (!record) return this.waitForAppend();
      for (const r of this.encodeWithMetadata(record)) {
        if (!this.sendData(encodeMessage(MessageType.EventData, r))) {
          if (this.state === 'streaming') this.drainWait = true;
          return;
        }
        if (this.state !== 'streaming' || this.isStalled()) return;
      }
    }
    this.schedulePump();
  }

  /** Writes one data message (bundle or event) and applies the faults tied to data messages. */
  private sendData(message: Uint8Array): boolean {
    const ok = this.write(message);
    if (this.dataMessages++ === 0 && this.state === 'streaming') {
      const garbage = this.fault('garbage');
      if (garbage) {
        const junk = randomBytes(garbage.bytes ?? 64);
        junk[0] = 0xff; // never a valid header version
        this.opts.log(`fault garbage: ${junk.length} bytes`);
        this.write(junk);
      }
      const stall = this.fault('stall');
      if (stall) {
        this.opts.log(`fault stall: silent for ${stall.seconds} s`);
        this.stalledUntil = Date.now() + stall.seconds * 1000;
        this.stallTimer = setTimeout(() => {
          this.stalledUntil = 0;
          this.schedulePump();
        }, stall.seconds * 1000);
      }
    }
    return ok;
  }

  /**
   * Records a real FMC would never send, placed right after the first event so a client has to
   * skip them and go on. Their bytes are hand-made on purpose: the codec only writes valid records.
   */
  private injectedRecords(firstEvent: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    const unknown = this.fault('unknown-record');
    if (unknown) out.push(rawRecord(unknown.recordType ?? 9999, this.archive ? this.lastArchive : undefined, new TextEncoder().encode('not a real record type')));
    const unknownBlock = this.fault('unknown-block-version');
    if (unknownBlock) {
      const block = new Uint8Array(24);
      const v = new DataView(block.buffer);
      v.setUint32(0, unknownBlock.blockType ?? 999);
      v.setUint32(4, block.length);
      out.push(rawRecord(400, this.archive ? this.lastArchive : undefined, block));
    }
    if (this.fault('lying-length')) {
      const lie = firstEvent.slice();
      const v = new DataView(lie.buffer);
      v.setUint32(4, v.getUint32(4) + 1000);
      out.push(lie);
    }
    if (out.length) this.opts.log(`fault: injected ${out.length} bad record(s)`);
    return out;
  }

  private waitForAppend(): void {
    if (this.waitingForAppend) return;
    this.armKeepAlive();
    this.waitingForAppend = this.opts.store.onDidAppend(() => {
      this.waitingForAppend?.dispose();
      this.waitingForAppend = undefined;
      clearTimeout(this.keepAlive);
      this.keepAlive = undefined;
      this.schedulePump();
    });
  }
}

/** A record header (8 bytes, or 16 with the archive timestamp) in front of arbitrary data. */
function rawRecord(recordType: number, archiveTimestamp: number | undefined, data: Uint8Array): Uint8Array {
  const headerLength = archiveTimestamp === undefined ? 8 : 16;
  const out = new Uint8Array(headerLength + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, recordType);
  v.setUint32(4, data.length);
  if (archiveTimestamp !== undefined) v.setUint32(8, archiveTimestamp);
  out.set(data, headerLength);
  return out;
}
