/**
 * EStreamerClient: one FMC, one stream that survives faults. Connects, streams into a RecordSink,
 * moves the bookmark only over what the sink stored, reconnects with backoff after drops and
 * stalls, stops (with a sentence saying why) when retrying cannot help.
 *
 * Everything it does is visible as events: state changes, stored records, counters, log lines.
 * No `vscode` here: the CLI and the extension drive the same class.
 */
import { Emitter, type Event } from '../common/events';
import { Disposable } from '../common/lifecycle';
import type { RecordAddress, RecordSink } from '../dump/types';
import { MetadataCache } from '../metadata';
import { TIMESTAMP_NOW, TIMESTAMP_OLDEST, eventsFor, flagsFor, isMetadataRecord, type EventFamilyName } from '../protocol';
import type { EStreamerRecord, RecordFamily } from '../protocol/types';
import { Backoff, type BackoffOptions } from './backoff';
import { BookmarkStore, ResumePoint, fmcStateDir } from './bookmark';
import type { ClientCredentials } from './credentials';
import { ClientError } from './errors';
import { StateDirLock } from './lock';
import { MetadataState } from './metadataState';
import { Session, type SessionRequest } from './session';
import { connectTls, type ITransport } from './transport';

/** Where the first request starts. Reconnects always resume from the bookmark. */
export type StartPosition = 'oldest' | 'now' | 'bookmark' | { time: Date };

export interface ClientOptions {
  host: string;
  /** Default 8302. */
  port?: number;
  credentials: ClientCredentials;
  /** Default 'bookmark' (oldest when there is none yet). */
  start?: StartPosition;
  /** Event families to request. */
  events: readonly EventFamilyName[];
  /** Extended requests (Streaming Information / Request, bundles). Default true. */
  extended?: boolean;
  /** Folder for the per-FMC bookmark and metadata cache; without it both live in memory only. */
  stateDir?: string;
  /** Check the FMC's certificate against the CA from the PKCS#12. Default true. */
  verifyServer?: boolean;
  connectTimeoutMs?: number;
  tcpKeepAliveMs?: number;
  /** No data and no keep-alive for this long is a stall. Default 120 s. */
  stallTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** Consecutive connections closed by the FMC before any data (host check) before giving up. Default 3. */
  maxRejections?: number;
  /** Stop cleanly once no record arrived for this long (scripts, CI). */
  stopWhenIdleMs?: number;
  /**
   * With an `ordered` sink: raw bytes of records handed on (and acknowledged) but not yet
   * reported stored, before the client waits for the sink. Default 2 MiB.
   */
  maxUnstoredBytes?: number;
  /** How often onDidUpdateCounters fires. Default 1000 ms. */
  countersIntervalMs?: number;
  /** Replaces TLS (tests, other transports). */
  transportFactory?: () => Promise<ITransport>;
}

export type ClientState =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'streaming'; since: number; transport: string }
  | { kind: 'stalled'; lastError: string }
  | { kind: 'reconnecting'; inMs: number; attempt: number; lastError: string }
  | { kind: 'stopped'; reason: string; error?: Error; idle?: boolean };

export interface ClientCounters {
  /** Records received (stored + duplicates dropped). */
  records: number;
  /** Records handed to the sink and stored. */
  stored: number;
  recordsByType: Record<number, number>;
  recordsByFamily: Partial<Record<RecordFamily, number>>;
  bytes: number;
  recordsPerSecond: number;
  /** Wall clock minus the newest archive timestamp seen (s); undefined before any. */
  lagSeconds?: number;
  unknown: number;
  malformed: number;
  /** Re-sent records of the resume second that were already stored. */
  duplicatesDropped: number;
  /** Metadata records byte-identical to one already stored (the FMC re-sends them per connection). */
  metadataRepeatsDropped: number;
  keepAlives: number;
  connections: number;
  reconnects: number;
  /** Failed connections and sessions, and Error messages from the FMC. */
  errors: number;
  lastError?: string;
  lastServerError?: { code: number; text: string };
  /** UNIX second the next connection resumes from. */
  bookmark?: number;
  lastRecordAt?: number;
}

export interface RecordsEvent {
  records: readonly EStreamerRecord[];
  addresses: readonly RecordAddress[];
}

export interface ClientLogEntry {
  level: 'info' | 'warn' | 'error';
  message: string;
}

const DEFAULT_PORT = 8302;
const DEFAULT_MAX_UNSTORED_BYTES = 2 * 1024 * 1024;
/** Bookmark file writes while streaming (each is a write, fsync and rename); stops always write it. */
const BOOKMARK_SAVE_INTERVAL_MS = 250;


export class EStreamerClient extends Disposable {
  /** "host:port", the FMC's identity for state and messages. */
  readonly fmc: string;
  private readonly cache: MetadataCache;
  /** Resolves ids to names with the client's metadata cache (hand it to the dump writer). */
  readonly names = {
    add: (record: EStreamerRecord): boolean => this.cache.add(record),
    names: (record: EStreamerRecord): Record<string, string> => this.cache.names(record),
  };

  private readonly stateEmitter = this._register(new Emitter<ClientState>());
  private readonly recordsEmitter = this._register(new Emitter<RecordsEvent>());
  private readonly countersEmitter = this._register(new Emitter<ClientCounters>());
  private readonly logEmitter = this._register(new Emitter<ClientLogEntry>());
  readonly onDidChangeState: Event<ClientState> = this.stateEmitter.event;
  readonly onRecords: Event<RecordsEvent> = this.recordsEmitter.event;
  readonly onDidUpdateCounters: Event<ClientCounters> = this.countersEmitter.event;
  readonly onLog: Event<ClientLogEntry> = this.logEmitter.event;

  private currentState: ClientState = { kind: 'stopped', reason: 'not started' };
  private readonly stats: ClientCounters = {
    records: 0, stored: 0, recordsByType: {}, recordsByFamily: {}, bytes: 0, recordsPerSecond: 0, unknown: 0, malformed: 0,
    duplicatesDropped: 0, metadataRepeatsDropped: 0, keepAlives: 0, connections: 0, reconnects: 0, errors: 0,
  };
  private readonly backoff: Backoff;
  private resume = new ResumePoint();
  private bookmarkStore: BookmarkStore | undefined;
  private readonly fmcDir: string | undefined;
  private lock: StateDirLock | undefined;
  private session: Session | undefined;
  private running: Promise<void> | undefined;
  private stopRequest: { reason: string; idle: boolean } | undefined;
  private wake: (() => void) | undefined;
  private firstConnectSecond: number | undefined;
  private bookmarkSaving: Promise<void> | undefined;
  private bookmarkDirty = false;
  private bookmarkTimer: NodeJS.Timeout | undefined;
  private lastBookmarkSave = 0;
  /** Sink writes in progress (a slow disk is not an idle stream). */
  private storing = 0;
  /** Writes handed to an ordered sink and not yet settled, oldest first, with their raw bytes. */
  private readonly unstored: Array<{ settled: Promise<void>; bytes: number }> = [];
  private unstoredBytes = 0;
  /** The sink failed: the stream stops with this, whatever the connection does. */
  private storeError: ClientError | undefined;
  private streamingSince: number | undefined;
  private readonly metadataState: MetadataState;
  private newestArchive: number | undefined;
  private rateSamples: Array<{ at: number; records: number }> = [];
  private ticker: NodeJS.Timeout | undefined;
  private readonly stoppedEmitter = this._register(new Emitter<ClientState & { kind: 'stopped' }>());

  constructor(
    private readonly options: ClientOptions,
    private readonly sink: RecordSink,
    metadata?: MetadataCache,
  ) {
    super();
    this.fmc = `${options.host}:${options.port ?? DEFAULT_PORT}`;
    this.cache = metadata ?? new MetadataCache();
    this.backoff = new Backoff(options.backoff);
    this.fmcDir = options.stateDir ? fmcStateDir(options.stateDir, options.host, options.port ?? DEFAULT_PORT) : undefined;
    this.metadataState = new MetadataState(this.fmc, this.cache, this.fmcDir, (m) => this.log('warn', m));
  }

  /** The id → name maps learnt from this FMC (the one passed in, or its own); refilled from the state folder on start. */
  get metadata(): MetadataCache {
    return this.cache;
  }

  get state(): ClientState {
    return this.currentState;
  }

  /** A snapshot of the counters. */
  get counters(): ClientCounters {
    return { ...this.stats, recordsByType: { ...this.stats.recordsByType }, recordsByFamily: { ...this.stats.recordsByFamily } };
  }

  /** Starts streaming in the background; watch onDidChangeState. Calling it twice does nothing. */
  start(): void {
    if (this.running) return;
    this.running = this.run().catch((e) => {
      // run() handles its own failures; this is a last guard so the stream never crashes the host.
      this.setState({ kind: 'stopped', reason: `Internal error: ${e instanceof Error ? e.message : String(e)}`, error: e as Error });
    });
  }

  /** Resolves with the final state once the client has stopped for any reason. */
  whenStopped(): Promise<ClientState & { kind: 'stopped' }> {
    if (this.currentState.kind === 'stopped' && this.running === undefined) return Promise.resolve(this.currentState);
    return new Promise((resolve) => {
      const sub = this.stoppedEmitter.event((s) => {
        sub.dispose();
        resolve(s);
      });
    });
  }

  /**
   * Stops cleanly: the bundle being stored is finished (stored, acknowledged, bookmarked) or
   * not started, the bookmark and metadata cache are saved, the connection closed.
   */
  async stop(reason = 'stopped by the user'): Promise<void> {
    this.requestStop(reason, false);
    await this.running;
  }

  override dispose(): void {
    void this.stop('disposed');
    super.dispose();
  }

  private requestStop(reason: string, idle: boolean): void {
    this.stopRequest ??= { reason, idle };
    this.wake?.();
    void this.session?.stop();
  }

  private get stopping(): boolean {
    return this.stopRequest !== undefined;
  }

  // --- the connection loop ---------------------------------------------------------------------

  private async run(): Promise<void> {
    let finalError: ClientError | undefined;
    let lastError: ClientError | undefined;
    try {
      await this.loadState();
      this.startTicker();
      let rejections = 0;
      let attempt = 0;
      while (!this.stopping) {
        attempt++;
        this.setState({ kind: 'connecting', attempt });
        let error: ClientError | undefined;
        let spoke = false; // the FMC sent at least one message (so it is not refusing us)
        let delivered = false; // and records came (so the connection was worth keeping)
        try {
          const transport = await this.unlessStopped(this.connect());
          if (!transport) break;
          this.stats.connections++;
          if (this.stats.connections > 1) this.stats.reconnects++;
          const request = this.buildRequest();
          this.log('info', `connected to ${transport.description}; requesting from ${describeTimestamp(request.initialTimestamp)}`);
          const session = new Session(transport, request, this.sessionHooks(), {
            endpoint: this.fmc,
            stallTimeoutMs: this.options.stallTimeoutMs ?? 120_000,
            clientHost: this.options.credentials.clientHost,
          });
          this.session = session;
          session.start();
          this.streamingSince = Date.now();
          this.setState({ kind: 'streaming', since: this.streamingSince, transport: transport.description });
          const end = await session.done;
          this.session = undefined;
          // The bookmark must cover every write handed on before the next request is built.
          await this.settleStores();
          spoke = end.receivedMessages > 0;
          delivered = end.receivedRecords > 0;
          error = this.storeError ?? end.error;
        } catch (e) {
          error = e instanceof ClientError ? e : new ClientError('network', e instanceof Error ? e.message : String(e), e);
        }
        if (this.stopping || !error) break;
        lastError = error;
        this.stats.errors++;
        this.stats.lastError = error.message;
        this.log(error.retryable ? 'warn' : 'error', error.message);
        if (spoke) rejections = 0;
        // Only a connection that carried records resets the delay: an FMC that answers every
        // request with an Error is retried at a growing interval, not once a second forever.
        if (delivered) {
          this.backoff.reset();
          attempt = 0;
        }
        if (error.kind === 'rejected') rejections++;
        if (!error.retryable || rejections >= (this.options.maxRejections ?? 3)) {
          finalError = error;
          break;
        }
        if (error.kind === 'stall') this.setState({ kind: 'stalled', lastError: error.message });
        const delay = this.backoff.next();
        this.setState({ kind: 'reconnecting', inMs: delay, attempt: this.backoff.attempts, lastError: error.message });
        await this.sleep(delay);
      }
    } catch (e) {
      finalError = e instanceof ClientError ? e : new ClientError('config', e instanceof Error ? e.message : String(e), e);
    }
    await this.settleStores();
    await this.saveState();
    this.stopTicker();
    this.lock?.release();
    this.lock = undefined;
    this.running = undefined;
    const stopped: ClientState & { kind: 'stopped' } = finalError
      ? { kind: 'stopped', reason: finalError.message, error: finalError }
      : {
          kind: 'stopped',
          reason: this.stopRequest?.reason ?? 'stopped',
          idle: this.stopRequest?.idle,
          error: this.stopRequest?.idle && this.stats.stored === 0 ? lastError : undefined,
        };
    this.setState(stopped);
    this.stoppedEmitter.fire(stopped);
  }

  /** Resolves undefined as soon as a stop is requested (a late transport is closed). */
  private unlessStopped(connecting: Promise<ITransport>): Promise<ITransport | undefined> {
    return new Promise((resolve, reject) => {
      const previousWake = this.wake;
      this.wake = () => {
        previousWake?.();
        resolve(undefined);
      };
      connecting.then(
        (t) => {
          this.wake = previousWake;
          if (this.stopping) {
            t.dispose();
            resolve(undefined);
          } else resolve(t);
        },
        (e) => {
          this.wake = previousWake;
          if (this.stopping) resolve(undefined);
          else reject(e);
        },
      );
    });
  }

  private connect(): Promise<ITransport> {
    if (this.options.transportFactory) return this.options.transportFactory();
    return connectTls({
      host: this.options.host,
      port: this.options.port ?? DEFAULT_PORT,
      credentials: this.options.credentials,
      verifyServer: this.options.verifyServer,
      connectTimeoutMs: this.options.connectTimeoutMs,
      tcpKeepAliveMs: this.options.tcpKeepAliveMs,
    });
  }

  private buildRequest(): SessionRequest {
    this.resume.beginConnection();
    const extended = this.options.extended ?? true;
    const families = this.options.events;
    const flags = flagsFor(families, { archiveTimestamps: true, extended });
    return { initialTimestamp: this.initialTimestamp(), flags, events: extended ? eventsFor(families) : undefined };
  }

  private initialTimestamp(): number {
    if (this.resume.archiveSecond !== undefined) return this.resume.archiveSecond;
    const start = this.options.start ?? 'bookmark';
    if (start === 'oldest' || start === 'bookmark') return TIMESTAMP_OLDEST;
    if (start === 'now') {
      // Later connections that stored nothing yet ask from the second of the first one, not "now" again.
      if (this.firstConnectSecond === undefined) {
        this.firstConnectSecond = Math.floor(Date.now() / 1000);
        return TIMESTAMP_NOW;
      }
      return this.firstConnectSecond;
    }
    return Math.max(0, Math.floor(start.time.getTime() / 1000));
  }

  private sessionHooks() {
    return {
      deliver: (records: EStreamerRecord[]) => this.deliver(records),
      malformed: (reason: string) => {
        this.stats.malformed++;
        this.log('warn', reason);
      },
      serverError: (code: number, text: string) => {
        this.stats.lastServerError = { code, text };
        this.log('error', `the FMC sent Error ${code}: ${text}`);
      },
      keepAlive: () => void this.stats.keepAlives++,
      bytes: (n: number) => void (this.stats.bytes += n),
      log: (message: string) => this.log('info', message),
    };
  }

  /**
   * Counts, de-duplicates and hands the records to the sink; the session acks after this
   * resolves. The bookmark moves when the sink reports them stored. A plain sink is awaited
   * here; an ordered one only once more than maxUnstoredBytes are waiting to be stored, so the
   * disk's fsync overlaps the network instead of stopping it once per bundle.
   */
  private async deliver(records: EStreamerRecord[]): Promise<void> {
    if (this.storeError) throw this.storeError;
    const fresh: EStreamerRecord[] = [];
    const newMetadata: string[] = [];
    for (const r of records) {
      this.stats.records++;
      this.stats.recordsByType[r.recordType] = (this.stats.recordsByType[r.recordType] ?? 0) + 1;
      this.stats.recordsByFamily[r.family] = (this.stats.recordsByFamily[r.family] ?? 0) + 1;
      if (r.status === 'unknown') this.stats.unknown++;
      else if (r.status === 'malformed') this.stats.malformed++;
      if (r.archiveTimestamp !== undefined && (this.newestArchive === undefined || r.archiveTimestamp > this.newestArchive)) {
        this.newestArchive = r.archiveTimestamp;
      }
      if (r.archiveTimestamp === undefined && isMetadataRecord(r.recordType)) {
        const key = this.metadataState.receive(r);
        if (key === undefined) {
          this.stats.metadataRepeatsDropped++;
          continue;
        }
        newMetadata.push(key);
      } else if (this.resume.isStored(r)) {
        this.stats.duplicatesDropped++;
        continue;
      }
      fresh.push(r);
    }
    this.stats.lastRecordAt = Date.now();
    if (fresh.length === 0) return;
    this.storing++;
    let writing: Promise<RecordAddress[]>;
    try {
      writing = this.sink.write(fresh);
    } catch (e) {
      writing = Promise.reject(e); // a sink that throws instead of rejecting
    }
    const written = writing.then(
      (addresses) => {
        try {
          this.stored(fresh, newMetadata, addresses);
        } catch (e) {
          // A listener's bug must not turn stored records into a failed write.
          this.log('error', `a records listener failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      },
      (e: unknown) => {
        this.storeError ??= new ClientError('sink', `Storing records failed: ${e instanceof Error ? e.message : String(e)}`, e);
        this.session?.fail(this.storeError);
      },
    );
    const settled = written.finally(() => {
      this.storing--;
      this.stats.lastRecordAt = Date.now();
    });
    if (!this.sink.ordered) {
      await settled;
      if (this.storeError) throw this.storeError;
      return;
    }
    let bytes = 0;
    for (const r of fresh) bytes += r.raw.length;
    const entry = { settled, bytes };
    this.unstored.push(entry);
    this.unstoredBytes += bytes;
    void settled.then(() => {
      this.unstoredBytes -= bytes;
      if (this.unstored[0] === entry) this.unstored.shift();
      else this.unstored.splice(this.unstored.indexOf(entry), 1);
    });
    const limit = this.options.maxUnstoredBytes ?? DEFAULT_MAX_UNSTORED_BYTES;
    while (this.unstoredBytes > limit && this.unstored.length > 0) await this.unstored[0].settled;
    if (this.storeError) throw this.storeError;
  }

  /** The sink stored these: count them, move the bookmark, tell listeners. */
  private stored(records: EStreamerRecord[], newMetadata: string[], addresses: RecordAddress[]): void {
    this.stats.stored += records.length;
    this.metadataState.markStored(newMetadata);
    if (this.resume.advance(records)) {
      this.stats.bookmark = this.resume.archiveSecond;
      this.saveBookmarkBehind();
    }
    this.recordsEmitter.fire({ records, addresses });
  }

  /** Waits until every write handed to the sink has been stored or has failed. */
  private async settleStores(): Promise<void> {
    while (this.unstored.length > 0) await this.unstored[this.unstored.length - 1].settled;
  }

  // --- state on disk -------------------------------------------------------------------------

  private async loadState(): Promise<void> {
    if (!this.fmcDir) return;
    this.lock = await StateDirLock.acquire(this.fmcDir, this.fmc);
    this.bookmarkStore = new BookmarkStore(this.fmcDir, this.fmc);
    const savedBookmark = await this.bookmarkStore.load();
    // An explicit start wins over a stored bookmark; the bookmark is then rebuilt from this stream.
    const resumed = (this.options.start ?? 'bookmark') === 'bookmark';
    if (resumed) this.resume = savedBookmark;
    this.stats.bookmark = this.resume.archiveSecond;
    await this.metadataState.load(resumed);
  }

  /**
   * Writes the bookmark behind the stream, one write at a time, at most every
   * BOOKMARK_SAVE_INTERVAL_MS, always the newest state. Not awaited before the ack: the records
   * are already durable in the sink, and a bookmark on disk that lags (a crash before its write)
   * can only make the FMC re-send, never skip, records. Reconnects use the bookmark in memory.
   */
  private saveBookmarkBehind(): void {
    this.bookmarkDirty = true;
    if (!this.bookmarkStore || this.bookmarkSaving || this.bookmarkTimer) return;
    const wait = Math.max(0, this.lastBookmarkSave + BOOKMARK_SAVE_INTERVAL_MS - Date.now());
    this.bookmarkTimer = setTimeout(() => {
      this.bookmarkTimer = undefined;
      this.writeBookmark();
    }, wait);
    this.bookmarkTimer.unref?.();
  }

  private writeBookmark(): void {
    const store = this.bookmarkStore;
    if (!store || this.bookmarkSaving || !this.bookmarkDirty) return;
    this.bookmarkDirty = false;
    this.bookmarkSaving = store
      .save(this.resume)
      .catch((e: unknown) => this.log('error', `could not save the bookmark ${store.file}: ${(e as Error).message}`))
      .finally(() => {
        this.bookmarkSaving = undefined;
        this.lastBookmarkSave = Date.now();
        if (this.bookmarkDirty) this.saveBookmarkBehind();
      });
  }

  private async saveState(): Promise<void> {
    await this.bookmarkSaving;
    clearTimeout(this.bookmarkTimer);
    this.bookmarkTimer = undefined;
    this.bookmarkDirty = false;
    try {
      await this.bookmarkStore?.save(this.resume);
    } catch (e) {
      this.log('error', `could not save the bookmark: ${(e as Error).message}`);
    }
    await this.metadataState.save();
  }

  // --- counters, idle, log ---------------------------------------------------------------------

  private startTicker(): void {
    const interval = this.options.countersIntervalMs ?? 1000;
    const startedAt = Date.now();
    let lastMetadataSave = Date.now();
    this.ticker = setInterval(() => {
      const now = Date.now();
      this.rateSamples.push({ at: now, records: this.stats.records });
      while (this.rateSamples.length > 2 && now - this.rateSamples[0].at > 5000) this.rateSamples.shift();
      const first = this.rateSamples[0];
      this.stats.recordsPerSecond = now > first.at ? Math.round(((this.stats.records - first.records) * 1000) / (now - first.at)) : 0;
      this.stats.lagSeconds = this.newestArchive === undefined ? undefined : Math.max(0, Math.round(now / 1000 - this.newestArchive));
      this.countersEmitter.fire(this.counters);
      if (now - lastMetadataSave > 5000) {
        lastMetadataSave = now;
        void this.metadataState.save();
      }
      const idleMs = this.options.stopWhenIdleMs;
      // Idle = no record since the later of the last record and the current connection's start,
      // never counted during a handshake or while the sink is still storing.
      const since = Math.max(this.stats.lastRecordAt ?? startedAt, this.streamingSince ?? 0);
      if (idleMs !== undefined && this.currentState.kind !== 'connecting' && this.storing === 0 && now - since >= idleMs) {
        this.requestStop(`idle: no records for ${Math.round(idleMs / 1000)} s`, true);
      }
    }, Math.min(interval, this.options.stopWhenIdleMs ?? interval));
    this.ticker.unref?.();
  }

  private stopTicker(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
    this.countersEmitter.fire(this.counters);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).then(() => void (this.wake = undefined));
  }

  private setState(state: ClientState): void {
    this.currentState = state;
    this.stateEmitter.fire(state);
  }

  private log(level: ClientLogEntry['level'], message: string): void {
    this.logEmitter.fire({ level, message });
  }
}

function describeTimestamp(t: number): string {
  if (t === TIMESTAMP_OLDEST) return 'the oldest record';
  if (t === TIMESTAMP_NOW) return 'now';
  return new Date(t * 1000).toISOString();
}
