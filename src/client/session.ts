/**
 * One eStreamer conversation over one transport: request → (streaming information → extended
 * request) → bundles or event data, each acknowledged with a Null only after the records it
 * carried were handed to the consumer and the consumer's promise resolved.
 *
 * Messages are handled strictly one after another; while the consumer works the transport is
 * paused, so a slow consumer holds the FMC back through TCP instead of filling memory.
 */
import {
  ESTREAMER_SERVICE_ID,
  MessageDecoder,
  MessageType,
  ProtocolError,
  decodeBundle,
  decodeError,
  decodeRecord,
  decodeStreamingInformation,
  encodeEventStreamRequest,
  encodeNull,
  encodeStreamingRequest,
  messageTypeName,
  type Message,
  type StreamingEvent,
} from '../protocol';
import type { EStreamerRecord } from '../protocol/types';
import { ClientError, refusedWithoutReason } from './errors';
import type { ITransport } from './transport';

export interface SessionRequest {
  /** UNIX second, TIMESTAMP_OLDEST or TIMESTAMP_NOW. */
  initialTimestamp: number;
  flags: number;
  /** Extended mode: the (version, code) list sent for service 6667 after Streaming Information. */
  events?: StreamingEvent[];
}

export interface SessionHooks {
  /** Store the records durably; the Null ack is sent only after this resolves. */
  deliver(records: EStreamerRecord[]): Promise<void>;
  /** A bundle or message that could not be framed completely (counted as malformed). */
  malformed(reason: string): void;
  serverError(code: number, text: string): void;
  keepAlive(): void;
  bytes(n: number): void;
  log(message: string): void;
}

export interface SessionOptions {
  /** No data and no keep-alive for this long while waiting on the FMC is a stall. */
  stallTimeoutMs: number;
  /** Host in the client certificate, for the host-check message. */
  clientHost?: string;
  endpoint: string;
  /**
   * Answer the FMC's keep-alive Nulls with a Null, as the reference client does in plain mode.
   * Default: only in plain mode; in extended mode a Null means "bundle done" (G53 p61), so an
   * extra one would let the FMC send the next bundle before we stored the current one.
   */
  answerKeepAlives?: boolean;
}

export interface SessionEnd {
  /** Undefined when the session was stopped on purpose. */
  error?: ClientError;
  /** Whether any message at all arrived (false + clean close = the FMC's host check). */
  receivedMessages: number;
  receivedRecords: number;
}

const NULL = encodeNull();

export class Session {
  private readonly decoder = new MessageDecoder();
  private readonly queue: Message[] = [];
  /** Set while messages are being handled; resolves when the queue is empty. */
  private draining: Promise<void> | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private ended = false;
  private resolveEnd!: (end: SessionEnd) => void;
  private messages = 0;
  private records = 0;
  private lastSequence: number | undefined;
  private serverError: { code: number; text: string } | undefined;
  /** Resolves once the session is over; never rejects. */
  readonly done: Promise<SessionEnd>;

  constructor(
    private readonly transport: ITransport,
    private readonly request: SessionRequest,
    private readonly hooks: SessionHooks,
    private readonly options: SessionOptions,
  ) {
    this.done = new Promise((r) => (this.resolveEnd = r));
    transport.onData((chunk) => this.onData(chunk));
    transport.onClose((close) => {
      if (close.error) return this.finish(close.error);
      if (this.serverError) {
        return this.finish(
          new ClientError('server-error', `The FMC reported error ${this.serverError.code}: ${this.serverError.text}`, undefined, this.serverError.code),
        );
      }
      if (close.bytesReceived === 0) return this.finish(refusedWithoutReason(options.endpoint, 'right after', options.clientHost));
      this.finish(new ClientError('closed', `${options.endpoint} closed the connection.`));
    });
  }

  /** Sends the Event Stream Request and starts watching for stalls. */
  start(): void {
    this.transport.send(encodeEventStreamRequest(this.request.initialTimestamp, this.request.flags));
    this.armStallTimer();
  }

  /**
   * Ends the session on purpose: waits for the message being handled (so its records are stored
   * and acknowledged or not at all), then closes the transport.
   */
  async stop(): Promise<SessionEnd> {
    this.queue.length = 0;
    await this.draining;
    this.finish(undefined);
    return this.done;
  }

  /** Ends the session with an error found outside it (e.g. the sink failed after the ack). */
  fail(error: ClientError): void {
    this.finish(error);
  }

  private finish(error: ClientError | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    clearTimeout(this.stallTimer);
    this.transport.dispose();
    this.resolveEnd({ error, receivedMessages: this.messages, receivedRecords: this.records });
  }

  private onData(chunk: Uint8Array): void {
    if (this.ended) return;
    this.hooks.bytes(chunk.length);
    let messages: Message[];
    try {
      messages = this.decoder.push(chunk);
    } catch (e) {
      const text = e instanceof Error ? e.message : String(e);
      return this.finish(new ClientError('protocol', `${this.options.endpoint} sent bytes that are not eStreamer: ${text}`, e));
    }
    if (messages.length === 0) {
      this.armStallTimer();
      return;
    }
    for (const m of messages) this.queue.push(m);
    if (this.draining) return;
    const run = this.drain();
    this.draining = run;
    void run.then(() => {
      this.draining = undefined;
      if (!this.ended) {
        this.transport.resume();
        this.armStallTimer();
      }
    });
  }

  private async drain(): Promise<void> {
    clearTimeout(this.stallTimer);
    this.transport.pause();
    try {
      while (this.queue.length > 0 && !this.ended) {
        await this.handle(this.queue.shift()!);
      }
    } catch (e) {
      const error =
        e instanceof ClientError
          ? e
          : e instanceof ProtocolError
            ? new ClientError('protocol', `${this.options.endpoint}: ${e.message}`, e)
            : new ClientError('sink', `Storing records failed: ${e instanceof Error ? e.message : String(e)}`, e);
      this.finish(error);
    }
  }

  private async handle(m: Message): Promise<void> {
    this.messages++;
    switch (m.type) {
      case MessageType.Null:
        this.hooks.keepAlive();
        if (this.options.answerKeepAlives ?? !this.request.events) this.transport.send(NULL);
        return;
      case MessageType.Error: {
        const { code, text } = decodeError(m.body);
        this.serverError = { code, text };
        this.hooks.serverError(code, text);
        return;
      }
      case MessageType.StreamingInformation: {
        const services = decodeStreamingInformation(m.body);
        if (!services.some((s) => s.serviceId === ESTREAMER_SERVICE_ID)) {
          throw new ClientError(
            'protocol',
            `The FMC offered services ${services.map((s) => s.serviceId).join(', ') || '(none)'} but not eStreamer (${ESTREAMER_SERVICE_ID}).`,
          );
        }
        this.transport.send(
          encodeStreamingRequest([
            { serviceId: ESTREAMER_SERVICE_ID, flags: this.request.flags, initialTimestamp: this.request.initialTimestamp, events: this.request.events ?? [] },
          ]),
        );
        // The real FMC accepted (and eNcore always sends) a Null right after the request.
        this.transport.send(NULL);
        return;
      }
      case MessageType.MessageBundle: {
        const bundle = decodeBundle(m.body);
        if (this.lastSequence !== undefined && bundle.sequence !== this.lastSequence + 1) {
          this.hooks.log(`bundle sequence jumped from ${this.lastSequence} to ${bundle.sequence}`);
        }
        this.lastSequence = bundle.sequence;
        if (bundle.error) this.hooks.malformed(bundle.error);
        const records = bundle.records.map((r) => decodeRecord(r));
        await this.deliver(records);
        this.transport.send(NULL);
        return;
      }
      case MessageType.EventData: {
        // Plain (non-bundle) mode: take every event message already queued as one batch, store
        // them together, then acknowledge each one.
        const batch = [decodeRecord(m.body)];
        while (this.queue.length > 0 && this.queue[0].type === MessageType.EventData) {
          batch.push(decodeRecord(this.queue.shift()!.body));
          this.messages++;
        }
        await this.deliver(batch);
        const acks = new Uint8Array(NULL.length * batch.length);
        for (let i = 0; i < batch.length; i++) acks.set(NULL, i * NULL.length);
        this.transport.send(acks);
        return;
      }
      default:
        this.hooks.log(`ignored ${messageTypeName(m.type)} (${m.body.length} bytes)`);
    }
  }

  private async deliver(records: EStreamerRecord[]): Promise<void> {
    if (records.length === 0) return;
    this.records += records.length;
    await this.hooks.deliver(records);
  }

  private armStallTimer(): void {
    clearTimeout(this.stallTimer);
    if (this.ended || this.draining) return;
    this.stallTimer = setTimeout(() => {
      this.finish(
        new ClientError('stall', `No data and no keep-alive from ${this.options.endpoint} for ${Math.round(this.options.stallTimeoutMs / 1000)} s: the stream stalled.`),
      );
    }, this.options.stallTimeoutMs);
    this.stallTimer.unref?.();
  }
}
