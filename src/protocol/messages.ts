/**
 * Message framing (PROTOCOL.md §2–§7): the 8-byte message header, the push-style decoder, and
 * the control messages (Null, Error, Event Stream Request, Message Bundle).
 */
import { view } from './bytes';
import { ProtocolError } from './errors';

export const enum MessageType {
  Null = 0,
  Error = 1,
  EventStreamRequest = 2,
  EventData = 4,
  HostRequest = 5,
  SingleHostData = 6,
  MultipleHostData = 7,
  StreamingRequest = 2049,
  StreamingInformation = 2051,
  MessageBundle = 4002,
}

export const MESSAGE_HEADER_LENGTH = 8;
/** First buffer for a message body split over chunks; it doubles up to the declared length. */
const INITIAL_BODY_BYTES = 64 * 1024;
/** Header version of every top-level message. */
export const MESSAGE_VERSION = 1;
/** Start of the stream at the oldest data the FMC has ("genesis"). */
export const TIMESTAMP_OLDEST = 0;
/** Start of the stream at the moment the client connects. */
export const TIMESTAMP_NOW = 0xffffffff;

const MESSAGE_TYPE_NAMES: Record<number, string> = {
  0: 'Null',
  1: 'Error',
  2: 'Event Stream Request',
  4: 'Event Data',
  5: 'Host Request',
  6: 'Single Host Data',
  7: 'Multiple Host Data',
  2049: 'Streaming Request',
  2051: 'Streaming Information',
  4002: 'Message Bundle',
};

export function messageTypeName(type: number): string {
  return MESSAGE_TYPE_NAMES[type] ?? `Message type ${type}`;
}

export interface Message {
  version: number;
  type: number;
  /** The message body: a view into the bytes given to the decoder (or its own buffer). */
  body: Uint8Array;
}

export interface MessageDecoderOptions {
  /** Largest body accepted; a bigger declared length means the stream is not eStreamer. Default 64 MiB. */
  maxMessageLength?: number;
}

/**
 * Push-style framing: give it chunks of any size, get back the complete messages. Bodies of
 * messages that arrived whole inside one chunk are views into that chunk (no copy); a message
 * split over chunks is assembled in one buffer of exactly its size, so the decoder never holds
 * more than the one incomplete message.
 */
export class MessageDecoder {
  private readonly maxMessageLength: number;
  private readonly header = new Uint8Array(MESSAGE_HEADER_LENGTH);
  private headerFill = 0;
  private pending: Uint8Array | undefined; // body of the incomplete message, once its header is known
  private pendingFill = 0;
  private pendingLength = 0; // declared body length; `pending` grows towards it as bytes arrive
  private pendingVersion = 0;
  private pendingType = 0;

  constructor(options: MessageDecoderOptions = {}) {
    this.maxMessageLength = options.maxMessageLength ?? 64 * 1024 * 1024;
  }

  /** Bytes held for the incomplete message (header bytes plus body bytes received so far). */
  get bufferedBytes(): number {
    return this.headerFill + this.pendingFill;
  }

  /**
   * Feeds bytes; returns every message they complete. Throws ProtocolError when the stream cannot be
   * eStreamer (bad header version, absurd length); framing is lost then and the connection must close.
   */
  push(chunk: Uint8Array): Message[] {
    const out: Message[] = [];
    let at = 0;
    const end = chunk.length;
    while (at < end) {
      if (this.pending) {
        const take = Math.min(this.pendingLength - this.pendingFill, end - at);
        if (this.pendingFill + take > this.pending.length) this.growPending(this.pendingFill + take);
        this.pending.set(chunk.subarray(at, at + take), this.pendingFill);
        this.pendingFill += take;
        at += take;
        if (this.pendingFill === this.pendingLength) {
          out.push({ version: this.pendingVersion, type: this.pendingType, body: this.pending });
          this.pending = undefined;
          this.pendingFill = 0;
          this.headerFill = 0;
        }
        continue;
      }
      if (this.headerFill === 0 && end - at >= MESSAGE_HEADER_LENGTH) {
        // Fast path: the header is inside this chunk.
        const version = (chunk[at] << 8) | chunk[at + 1];
        const type = (chunk[at + 2] << 8) | chunk[at + 3];
        const length = ((chunk[at + 4] << 24) | (chunk[at + 5] << 16) | (chunk[at + 6] << 8) | chunk[at + 7]) >>> 0;
        this.check(version, type, length);
        const bodyStart = at + MESSAGE_HEADER_LENGTH;
        if (end - bodyStart >= length) {
          out.push({ version, type, body: chunk.subarray(bodyStart, bodyStart + length) });
          at = bodyStart + length;
          continue;
        }
        this.header.set(chunk.subarray(at, bodyStart));
        this.headerFill = MESSAGE_HEADER_LENGTH;
        this.startBody(version, type, length);
        at = bodyStart;
        continue;
      }
      const take = Math.min(MESSAGE_HEADER_LENGTH - this.headerFill, end - at);
      this.header.set(chunk.subarray(at, at + take), this.headerFill);
      this.headerFill += take;
      at += take;
      if (this.headerFill === MESSAGE_HEADER_LENGTH) {
        const h = view(this.header);
        const version = h.getUint16(0);
        const type = h.getUint16(2);
        const length = h.getUint32(4);
        this.check(version, type, length);
        if (length === 0) {
          out.push({ version, type, body: new Uint8Array(0) });
          this.headerFill = 0;
        } else {
          this.startBody(version, type, length);
        }
      }
    }
    return out;
  }

  private startBody(version: number, type: number, length: number): void {
    // Allocate as bytes arrive (doubling), not the declared length: a header that lies about a
    // huge length must not cost memory the peer never sent.
    this.pending = new Uint8Array(Math.min(length, INITIAL_BODY_BYTES));
    this.pendingLength = length;
    this.pendingFill = 0;
    this.pendingVersion = version;
    this.pendingType = type;
  }

  private growPending(needed: number): void {
    const grown = new Uint8Array(Math.min(this.pendingLength, Math.max(needed, this.pending!.length * 2)));
    grown.set(this.pending!.subarray(0, this.pendingFill));
    this.pending = grown;
  }

  private check(version: number, type: number, length: number): void {
    if (version !== MESSAGE_VERSION && version !== 0) {
      this.headerFill = 0;
      throw new ProtocolError(
        `Message header version ${version} (type ${type}, length ${length}) is not 1: the peer is not speaking eStreamer, or the stream lost its framing. Reconnect.`,
      );
    }
    if (length > this.maxMessageLength) {
      this.headerFill = 0;
      throw new ProtocolError(
        `${messageTypeName(type)} declares ${length} bytes, more than the ${this.maxMessageLength}-byte limit: the stream lost its framing. Reconnect.`,
      );
    }
  }
}

/** A whole message: 8-byte header plus body. */
export function encodeMessage(type: number, body: Uint8Array = new Uint8Array(0), version: number = MESSAGE_VERSION): Uint8Array {
  const out = new Uint8Array(MESSAGE_HEADER_LENGTH + body.length);
  const v = view(out);
  v.setUint16(0, version);
  v.setUint16(2, type);
  v.setUint32(4, body.length);
  out.set(body, MESSAGE_HEADER_LENGTH);
  return out;
}

/** The Null message: the client's "ready for more" acknowledgement and the server's keep-alive. */
export function encodeNull(): Uint8Array {
  return encodeMessage(MessageType.Null);
}

export function encodeEventStreamRequest(initialTimestamp: number, flags: number): Uint8Array {
  const body = new Uint8Array(8);
  const v = view(body);
  v.setUint32(0, initialTimestamp >>> 0);
  v.setUint32(4, flags >>> 0);
  return encodeMessage(MessageType.EventStreamRequest, body);
}

/** Reads an Event Stream Request body; extra bytes (the FQE JSON document) are ignored. */
export function decodeEventStreamRequest(body: Uint8Array): { initialTimestamp: number; flags: number } {
  if (body.length < 8) {
    throw new ProtocolError(`Event Stream Request body is ${body.length} bytes; it needs 8 (initial timestamp, flags).`);
  }
  const v = view(body);
  return { initialTimestamp: v.getUint32(0), flags: v.getUint32(4) };
}

/** Error message: i32 code, u16 text length, text. The text is sent with a trailing NUL, as the FMC does. */
export function encodeError(code: number, text: string): Uint8Array {
  const textBytes = new TextEncoder().encode(text + '\0');
  const body = new Uint8Array(6 + textBytes.length);
  const v = view(body);
  v.setInt32(0, code | 0);
  v.setUint16(4, textBytes.length);
  body.set(textBytes, 6);
  return encodeMessage(MessageType.Error, body);
}

export function decodeError(body: Uint8Array): { code: number; text: string } {
  if (body.length < 6) {
    throw new ProtocolError(`Error message body is ${body.length} bytes; it needs at least 6 (code, text length).`);
  }
  const v = view(body);
  const code = v.getInt32(0);
  const textLength = v.getUint16(4);
  if (6 + textLength !== body.length) {
    throw new ProtocolError(
      `Error message (code ${code}) says its text is ${textLength} bytes but ${body.length - 6} follow: the message is malformed.`,
      4,
    );
  }
  const text = new TextDecoder().decode(body.subarray(6)).replace(/\0+$/, '');
  return { code, text };
}

export interface Bundle {
  connectionId: number;
  sequence: number;
  /** Each inner Event Data body (record header + record data), as views into the bundle body. */
  records: Uint8Array[];
  /** Set when an inner message could not be framed; the records before it are still returned. */
  error?: string;
  /** Offset into the bundle body where framing failed. */
  errorOffset?: number;
}

/**
 * Splits a Message Bundle body. Inner headers are `u16 version (0 on real FMCs, 1 per the guide),
 * u16 type (4), u32 length`. Throws only when the body is too short to be a bundle at all; a bad
 * inner item stops the walk and is reported in `error`, keeping what came before it.
 */
export function decodeBundle(body: Uint8Array): Bundle {
  if (body.length < 8) {
    throw new ProtocolError(`Message Bundle body is ${body.length} bytes; it needs at least 8 (connection id, sequence).`);
  }
  const v = view(body);
  const bundle: Bundle = { connectionId: v.getUint32(0), sequence: v.getUint32(4), records: [] };
  let at = 8;
  while (at < body.length) {
    if (body.length - at < 8) {
      bundle.error = `Message Bundle ${bundle.sequence}: ${body.length - at} stray bytes after the last inner message.`;
      bundle.errorOffset = at;
      break;
    }
    const version = v.getUint16(at);
    const type = v.getUint16(at + 2);
    const length = v.getUint32(at + 4);
    if ((version !== 0 && version !== 1) || type !== MessageType.EventData) {
      bundle.error = `Message Bundle ${bundle.sequence}: inner message at offset ${at} has version ${version} type ${type}; only Event Data (version 0 or 1, type 4) belongs in a bundle.`;
      bundle.errorOffset = at;
      break;
    }
    if (length > body.length - at - 8) {
      bundle.error = `Message Bundle ${bundle.sequence}: inner message at offset ${at} declares ${length} bytes but only ${body.length - at - 8} remain.`;
      bundle.errorOffset = at;
      break;
    }
    bundle.records.push(body.subarray(at + 8, at + 8 + length));
    at += 8 + length;
  }
  return bundle;
}

/** Builds a whole Message Bundle message (header included). Real FMCs write inner version 0. */
export function encodeBundle(connectionId: number, sequence: number, records: Uint8Array[], innerVersion: 0 | 1 = 0): Uint8Array {
  let length = 8;
  for (const r of records) length += 8 + r.length;
  const body = new Uint8Array(length);
  const v = view(body);
  v.setUint32(0, connectionId >>> 0);
  v.setUint32(4, sequence >>> 0);
  let at = 8;
  for (const r of records) {
    v.setUint16(at, innerVersion);
    v.setUint16(at + 2, MessageType.EventData);
    v.setUint32(at + 4, r.length);
    body.set(r, at + 8);
    at += 8 + r.length;
  }
  return encodeMessage(MessageType.MessageBundle, body);
}
