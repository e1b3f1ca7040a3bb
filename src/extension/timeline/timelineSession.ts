/**
 * One open timeline panel, host side, without `vscode`: answers the webview's requests from a
 * TimelineModel, waits for the webview's `ready` before posting anything, and forwards live
 * changes at most once per throttle interval. The panel (timelinePanel.ts) supplies the I/O.
 */
import { Disposable, toDisposable } from '../../common/lifecycle';
import type { Event } from '../../common/events';
import type { HostTimeline, RecordRef } from '../../common/timeline';
import {
  MessageHandler,
  MessageType,
  type FromWebviewMessage,
  type RecordDetails,
  type ToWebviewEvent,
  type ToWebviewMessage,
} from '../../common/webviewProtocol';
import { exportMarkdown, TimelineModel } from './timelineModel';

/** Where timelines come from: the Analyzer (src/analysis) satisfies this. */
export interface TimelineSource {
  timeline(ip: string): HostTimeline | undefined;
  readonly onDidChange: Event<void>;
}

/** What the session needs from its surroundings (the VS Code panel, or a test page). */
export interface TimelineSessionHost {
  post(message: ToWebviewMessage): void;
  recordDetails(ref: RecordRef): Promise<RecordDetails>;
  openRecord(ref: RecordRef): Promise<void>;
  exportDocument(markdown: string): Promise<void>;
  /** The host is no longer in the analysis (e.g. dumps removed): the panel should close. */
  hostGone(reason: string): void;
}

export interface TimelineSessionOptions {
  /** Minimum time between live updates; the issue asks for at most one a second. */
  throttleMs?: number;
  /**
   * A panel revived after a window reload may come back before the analysis has re-read its
   * dumps: wait this long for the host to appear before declaring it gone.
   */
  waitForHostMs?: number;
}

export class TimelineSession extends Disposable {
  private readonly rpc: MessageHandler<ToWebviewEvent, FromWebviewMessage>;
  private model: TimelineModel | undefined;
  private version = 0;
  private ready = false;
  private pendingFocus: RecordRef | undefined;
  private dirty = false;
  private lastUpdateAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly throttleMs: number;
  private hostDeadline: number;
  private awaitingHost = false;

  constructor(
    readonly ip: string,
    private readonly source: TimelineSource,
    private readonly host: TimelineSessionHost,
    options: TimelineSessionOptions = {},
  ) {
    super();
    this.throttleMs = options.throttleMs ?? 1000;
    this.hostDeadline = Date.now() + (options.waitForHostMs ?? 0);
    this.rpc = new MessageHandler<ToWebviewEvent, FromWebviewMessage>(
      (m) => host.post(m as ToWebviewMessage),
      (m) => this.onRequest(m),
      (m) => this.onEvent(m),
    );
    this._register(this.rpc);
    this._register(source.onDidChange(() => this.scheduleUpdate()));
    this._register(toDisposable(() => this.timer !== undefined && clearTimeout(this.timer)));
  }

  /** Feed every message the webview posts here. */
  handleMessage(message: FromWebviewMessage): Promise<void> {
    return this.rpc.handleMessage(message);
  }

  /** Scroll to and select the event of this record (now if ready, else right after init). */
  focus(ref: RecordRef): void {
    if (this.ready) this.rpc.sendEvent({ type: MessageType.Focus, ref });
    else this.pendingFocus = ref;
  }

  private onEvent(message: FromWebviewMessage): void {
    switch (message.type) {
      case MessageType.Ready:
        // A reloaded webview says ready again: answer with a fresh init every time.
        this.ready = true;
        this.sendSnapshot(MessageType.Init);
        return;
      case MessageType.OpenRecord:
        // Only records of this timeline: the webview never names arbitrary files for the host to open.
        if (this.model && this.model.indexOfRef(message.ref) >= 0) void this.host.openRecord(message.ref).catch(() => undefined);
        return;
    }
  }

  private async onRequest(message: FromWebviewMessage): Promise<unknown> {
    const model = this.requireModel();
    switch (message.type) {
      case MessageType.QueryEvents:
        return model.page(message.query, message.offset, message.count);
      case MessageType.LocateEvent:
        return model.locate(message.query, message);
      case MessageType.GetRecordDetails:
        if (model.indexOfRef(message.ref) < 0) throw new Error(`${message.ref.file}:${message.ref.line} is not a record of ${this.ip}'s timeline.`);
        return this.host.recordDetails(message.ref);
      case MessageType.ExportView: {
        const markdown = exportMarkdown(model, message.query);
        await this.host.exportDocument(markdown);
        return { markdown };
      }
      default:
        throw new Error(`The timeline host does not handle '${message.type}' requests.`);
    }
  }

  private requireModel(): TimelineModel {
    if (!this.model) throw new Error(`No timeline loaded for ${this.ip} yet.`);
    return this.model;
  }

  private sendSnapshot(type: MessageType.Init | MessageType.Updated): void {
    const timeline = this.source.timeline(this.ip);
    if (!timeline && type === MessageType.Init && Date.now() < this.hostDeadline) {
      // Try again on the next change, and give up at the deadline.
      this.awaitingHost = true;
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.hostDeadline = 0;
        if (this.awaitingHost && !this.isDisposed) this.sendSnapshot(MessageType.Init);
      }, this.hostDeadline - Date.now());
      return;
    }
    this.awaitingHost = false;
    if (!timeline) {
      const reason = `Host ${this.ip} is no longer in the analysed dumps.`;
      this.rpc.sendEvent({ type: MessageType.HostGone, ip: this.ip, reason });
      this.host.hostGone(reason);
      return;
    }
    this.model = new TimelineModel(timeline, ++this.version);
    this.lastUpdateAt = Date.now();
    this.dirty = false;
    const snapshot = this.model.snapshot();
    if (type === MessageType.Init) {
      this.rpc.sendEvent({ type: MessageType.Init, snapshot, focus: this.pendingFocus });
      this.pendingFocus = undefined;
    } else {
      this.rpc.sendEvent({ type: MessageType.Updated, snapshot });
    }
  }

  private scheduleUpdate(): void {
    if (this.isDisposed) return;
    if (this.awaitingHost) {
      if (this.source.timeline(this.ip)) {
        if (this.timer !== undefined) clearTimeout(this.timer);
        this.timer = undefined;
        this.sendSnapshot(MessageType.Init);
      }
      return;
    }
    this.dirty = true;
    if (!this.ready || this.timer !== undefined) return;
    const wait = Math.max(0, this.lastUpdateAt + this.throttleMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.dirty && !this.isDisposed) this.sendSnapshot(MessageType.Updated);
    }, wait);
  }
}
