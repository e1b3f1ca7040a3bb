/**
 * The ONE contract between the timeline panel's host side (src/extension/timeline) and its
 * browser side (src/webview/timeline). Both import only from here, so a message that one side
 * sends and the other does not understand is a compile error, not a silent no-op.
 *
 * Shape: every message has a literal `type`; requests carry `messageId`, replies carry
 * `inReplyTo` (and `error` when the other side failed), after vscode-hexeditor's shared/protocol.ts.
 */
import type { HostSummary, Lane, RecordRef, Severity, TimelineEvent } from './timeline';

export const enum MessageType {
  // webview → host
  Ready = 'ready',
  QueryEvents = 'queryEvents',
  LocateEvent = 'locateEvent',
  GetRecordDetails = 'getRecordDetails',
  OpenRecord = 'openRecord',
  ExportView = 'exportView',
  // host → webview
  Init = 'init',
  Updated = 'updated',
  Focus = 'focus',
  HostGone = 'hostGone',
  // both ways
  Reply = 'reply',
}

/** What the list shows: the webview's filters, evaluated by the host over the whole timeline. */
export interface EventQuery {
  lanes: Lane[];
  severities: Severity[];
  /** Case-insensitive substring over summary, peer, family and time. */
  text: string;
  /** Brushed range on the time axis, inclusive, epoch milliseconds. */
  fromMs?: number;
  toMs?: number;
  /** Only the events of one connection (the "group" action on a linked row). */
  connectionKey?: string;
}

/**
 * Per-event columns for drawing the time axis, index-aligned with the timeline's event order.
 * Exact-size ArrayBuffers: a Float64Array of times and Uint8Arrays of lane index (into LANES),
 * severity and flags; 14 bytes an event instead of the event objects.
 */
export interface TimelineMarks {
  count: number;
  timeMs: ArrayBuffer;
  lane: ArrayBuffer;
  severity: ArrayBuffer;
  flags: ArrayBuffer;
}

/** Bits of `TimelineMarks.flags`. */
export const enum MarkFlag {
  Indicator = 1,
  FirstIndicator = 2,
  Linked = 4,
}

/** Everything about the host except the events themselves (those are paged). */
export interface TimelineSnapshot {
  host: HostSummary;
  window: { from: string; to: string };
  /** Bumped on every change; pages from an older version are stale. */
  version: number;
  marks: TimelineMarks;
  /** Id of the first indicator's event when it is in the timeline. */
  firstIndicatorEventId?: string;
  /** The dump files the events come from, so a panel revived after a reload can re-read them. */
  dumpFiles: string[];
}

/** One decoded field of a record, with where its bytes sit in the raw record when known. */
export interface DetailField {
  name: string;
  value: string;
  offset?: number;
  length?: number;
}

export interface RecordDetails {
  ref: RecordRef;
  recordType: number;
  name: string;
  family: string;
  status: string;
  reason?: string;
  fields: DetailField[];
  /** The record's exact bytes (header + data), an exact-size buffer. */
  raw: ArrayBuffer;
  /** The dump line itself, shortened if very long. */
  line: string;
}

// ── webview → host ──────────────────────────────────────────────────────────────────────────

export interface ReadyMessage {
  type: MessageType.Ready;
}

export interface QueryEventsRequest {
  type: MessageType.QueryEvents;
  query: EventQuery;
  offset: number;
  count: number;
}

export interface EventsPage {
  version: number;
  /** Events matching the query in the whole timeline. */
  total: number;
  offset: number;
  events: TimelineEvent[];
}

/** Where an event sits in the list for a query (-1: filtered out or gone): by id, by record, or by its mark index. */
export interface LocateEventRequest {
  type: MessageType.LocateEvent;
  query: EventQuery;
  eventId?: string;
  ref?: RecordRef;
  /** Index in the snapshot's marks (a click on the time axis). */
  markIndex?: number;
}

export interface LocatedEvent {
  index: number;
  eventId?: string;
}

export interface RecordDetailsRequest {
  type: MessageType.GetRecordDetails;
  ref: RecordRef;
}

export interface OpenRecordMessage {
  type: MessageType.OpenRecord;
  ref: RecordRef;
}

export interface ExportViewRequest {
  type: MessageType.ExportView;
  query: EventQuery;
}

export interface ExportResult {
  /** The report as Markdown; the host also opens it in an editor. */
  markdown: string;
}

export type FromWebviewRequest = QueryEventsRequest | LocateEventRequest | RecordDetailsRequest | ExportViewRequest;
export type FromWebviewEvent = ReadyMessage | OpenRecordMessage;

/** What each request resolves with. */
export interface ReplyTypes {
  [MessageType.QueryEvents]: EventsPage;
  [MessageType.LocateEvent]: LocatedEvent;
  [MessageType.GetRecordDetails]: RecordDetails;
  [MessageType.ExportView]: ExportResult;
}

// ── host → webview ──────────────────────────────────────────────────────────────────────────

export interface InitMessage {
  type: MessageType.Init;
  snapshot: TimelineSnapshot;
  /** Open on this record (from "Show timeline for <host>" in a dump). */
  focus?: RecordRef;
}

/** The timeline changed while streaming; at most one a second. The webview keeps its view. */
export interface UpdatedMessage {
  type: MessageType.Updated;
  snapshot: TimelineSnapshot;
}

export interface FocusMessage {
  type: MessageType.Focus;
  ref: RecordRef;
}

export interface HostGoneMessage {
  type: MessageType.HostGone;
  ip: string;
  reason: string;
}

export type ToWebviewEvent = InitMessage | UpdatedMessage | FocusMessage | HostGoneMessage;

// ── envelopes ───────────────────────────────────────────────────────────────────────────────

export interface ReplyMessage {
  type: MessageType.Reply;
  inReplyTo: number;
  body?: unknown;
  /** Set when the handler failed; the requester's promise rejects with it. */
  error?: string;
}

export type FromWebviewMessage = (FromWebviewRequest & { messageId: number }) | FromWebviewEvent | ReplyMessage;
export type ToWebviewMessage = ToWebviewEvent | ReplyMessage;

/** What the webview persists with setState, so a reload restores the same view. */
export interface TimelineViewState {
  ip: string;
  query: EventQuery;
  selectedEventId?: string;
  /** Id of the top visible row, so the scroll position survives new events arriving above it. */
  topEventId?: string;
  scrollTop: number;
  /** Visible time range of the axis; absent = the whole window. */
  axis?: { fromMs: number; toMs: number };
  /** From the snapshot: what to re-read when the window comes back without this host analysed. */
  dumpFiles?: string[];
}

export function isTimelineViewState(value: unknown): value is TimelineViewState {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<TimelineViewState>;
  return typeof v.ip === 'string' && typeof v.scrollTop === 'number' && typeof v.query === 'object' && v.query !== null;
}

export function defaultQuery(): EventQuery {
  return { lanes: ['ioc', 'intrusion', 'file', 'connection', 'user', 'discovery'], severities: [1, 2, 3, 4, 5], text: '' };
}

/**
 * One small RPC helper for both sides. `send` is the raw postMessage; incoming messages go to
 * `handleMessage`, which settles pending requests and hands everything else to `onEvent` /
 * `onRequest`. A request handler that throws becomes an error reply, so the requester's promise
 * rejects instead of waiting forever.
 */
export class MessageHandler<TOut extends { type: MessageType }, TIn extends { type: MessageType }> {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly send: (message: TOut | ReplyMessage | (TOut & { messageId: number })) => void,
    private readonly onRequest: (message: TIn) => Promise<unknown> | unknown,
    private readonly onEvent: (message: TIn) => void,
  ) {}

  /** Fire and forget. */
  sendEvent(message: TOut): void {
    this.send(message);
  }

  /** Send and wait for the matching reply. */
  sendRequest<R>(message: TOut): Promise<R> {
    const messageId = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(messageId, { resolve: resolve as (v: unknown) => void, reject });
      this.send({ ...message, messageId });
    });
  }

  async handleMessage(message: TIn | ReplyMessage | (TIn & { messageId?: number })): Promise<void> {
    if (message.type === MessageType.Reply) {
      const reply = message as ReplyMessage;
      const waiter = this.pending.get(reply.inReplyTo);
      if (!waiter) return;
      this.pending.delete(reply.inReplyTo);
      if (reply.error !== undefined) waiter.reject(new Error(reply.error));
      else waiter.resolve(reply.body);
      return;
    }
    const messageId = (message as { messageId?: number }).messageId;
    if (typeof messageId !== 'number') {
      this.onEvent(message as TIn);
      return;
    }
    try {
      const body = await this.onRequest(message as TIn);
      this.send({ type: MessageType.Reply, inReplyTo: messageId, body });
    } catch (e) {
      this.send({ type: MessageType.Reply, inReplyTo: messageId, error: e instanceof Error ? e.message : String(e) });
    }
  }

  /** Reject everything still waiting (the panel closed). */
  dispose(): void {
    for (const w of this.pending.values()) w.reject(new Error('The timeline panel was closed.'));
    this.pending.clear();
  }
}
