import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Disposable } from '../common/lifecycle';
import { EStreamerClient, type ClientCounters, type ClientState } from '../client/client';
import { loadPkcs12 } from '../client/credentials';
import { DumpWriter, dumpFolder } from '../dump/writer';
import { MetadataCache } from '../metadata';
import type { EStreamerRecord } from '../protocol/types';
import type { RecordAddress } from '../dump/types';
import type { FmcProfile, StreamSettings } from './settings';
import { parseStart } from './settings';
import { describeFailure, type ConnectionFailure } from './failures';
import type { Logger } from './logger';

/** What the view and the status bar show about one connection. */
export interface ConnectionStats {
  records: number;
  byFamily: Map<string, number>;
  /** Failed connections, FMC Error messages, unknown and malformed records. */
  errors: number;
  reconnects: number;
  /** UNIX second the next connection resumes from (the bookmark). */
  bookmarkSecond?: number;
  /** Wall clock minus the newest archive timestamp seen, in seconds. */
  lagSeconds?: number;
  eventsPerSecond: number;
  lastError?: ConnectionFailure;
}

export interface RecordBatch {
  records: readonly EStreamerRecord[];
  addresses: readonly RecordAddress[];
  names: (record: EStreamerRecord) => Record<string, string>;
}

/** Outcome of the first connection attempt, for the progress notification. */
export type FirstOutcome = { ok: true } | { ok: false; failure: ConnectionFailure } | { ok: false; cancelled: true };

const NOT_STARTED: ClientState = { kind: 'connecting', attempt: 0 };

/**
 * One FMC session in the extension: the core client streaming into a DumpWriter in the dump
 * folder. All protocol work, counting and reconnecting is the client's; this wires and reports.
 */
export class FmcConnection extends Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  /** State or counters changed (fires often while streaming; listeners throttle). */
  readonly onDidChange = this.changed.event;
  private readonly recordsEmitter = this._register(new vscode.EventEmitter<RecordBatch>());
  readonly onRecords = this.recordsEmitter.event;
  private readonly failedEmitter = this._register(new vscode.EventEmitter<ConnectionFailure>());
  /** The client gave up after having streamed (e.g. the certificate was revoked meanwhile). */
  readonly onDidFail = this.failedEmitter.event;

  private client: EStreamerClient | undefined;
  private writer: DumpWriter | undefined;
  private readonly names = new MetadataCache();
  private localState: ClientState | undefined = NOT_STARTED;
  private lastFailure: ConnectionFailure | undefined;
  private lastCounters: ClientCounters | undefined;
  private clientReported = false;

  constructor(
    readonly profile: FmcProfile,
    /** Root dump folder; this FMC's files go into a sub-folder named after host and port. */
    private readonly dumpRoot: string,
    private readonly settings: StreamSettings,
    private readonly log: Logger,
  ) {
    super();
  }

  private get failureTarget() {
    return { host: this.profile.host, port: this.profile.port, pkcs12: this.profile.pkcs12, dumpFolder: this.dumpRoot };
  }

  get endpoint(): string {
    return `${this.profile.host}:${this.profile.port}`;
  }

  /** Folder this connection's .estreamer files go into. */
  get dumpDir(): string {
    return dumpFolder(this.dumpRoot, this.endpoint);
  }

  get state(): ClientState {
    return this.localState ?? this.client?.state ?? { kind: 'stopped', reason: 'not started' };
  }

  get isActive(): boolean {
    return this.state.kind !== 'stopped';
  }

  /** Dump files written by this connection so far (absolute paths). */
  get files(): readonly string[] {
    return this.writer?.files ?? [];
  }

  snapshot(): ConnectionStats {
    const c = this.client?.counters ?? this.lastCounters;
    return {
      records: c?.stored ?? 0,
      byFamily: new Map(Object.entries(c?.recordsByFamily ?? {}).map(([k, v]): [string, number] => [k, v ?? 0])),
      errors: (c?.errors ?? 0) + (c?.unknown ?? 0) + (c?.malformed ?? 0) + (this.lastFailure && !c ? 1 : 0),
      reconnects: c?.reconnects ?? 0,
      bookmarkSecond: c?.bookmark,
      lagSeconds: this.state.kind === 'streaming' ? c?.lagSeconds : undefined,
      eventsPerSecond: this.isActive ? (c?.recordsPerSecond ?? 0) : 0,
      lastError: this.lastFailure,
    };
  }

  /**
   * Reads the .pkcs12 with the password (in memory only), then starts the client. Resolves with
   * the outcome of the first attempt: streaming, a failure (the client is then stopped: the user
   * should see why rather than watch retries), or cancellation.
   */
  async start(password: string, token?: vscode.CancellationToken): Promise<FirstOutcome> {
    let credentials;
    try {
      const bytes = await fs.readFile(this.profile.pkcs12);
      credentials = loadPkcs12(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), password);
    } catch (error) {
      return this.fail(error);
    }
    if (token?.isCancellationRequested) return this.cancelled();
    const start = parseStart(this.profile.start);
    if (typeof start !== 'string' && 'error' in start) return this.fail(new Error(start.error));

    this.writer = new DumpWriter({
      dir: this.dumpDir,
      fmc: this.endpoint,
      maxFileBytes: this.settings.rotateBytes,
      names: this.names,
      start: typeof start === 'string' ? start : `time:${Math.floor(start.time.getTime() / 1000)}`,
    });
    const client = this._register(
      new EStreamerClient(
        {
          host: this.profile.host,
          port: this.profile.port,
          credentials,
          events: this.profile.families,
          start,
          // The bookmark describes this dump folder, so it lives (hidden) beside the dumps.
          stateDir: path.join(this.dumpRoot, '.state'),
          verifyServer: this.settings.verifyServer,
          stallTimeoutMs: this.settings.stallTimeoutMs,
          backoff: { initialMs: this.settings.reconnectMinMs, maxMs: this.settings.reconnectMaxMs },
        },
        this.writer,
        this.names,
      ),
    );
    this.client = client;
    this.localState = undefined;
    this._register(client.onDidChangeState((s) => this.onClientState(s)));
    this._register(client.onDidUpdateCounters(() => this.changed.fire()));
    this._register(client.onLog((e) => this.log[e.level](`${this.profile.name}: ${e.message}`)));
    this._register(client.onRecords((e) => this.recordsEmitter.fire({ records: e.records, addresses: e.addresses, names: (r) => this.names.names(r) })));
    this.log.info(`${this.profile.name}: connecting to ${this.endpoint} (${this.profile.families.join(', ')}; start ${this.profile.start}); dumps in ${this.dumpDir}`);
    client.start();

    return new Promise<FirstOutcome>((resolve) => {
      let settled = false;
      const done = (outcome: () => FirstOutcome | Promise<FirstOutcome>) => {
        if (settled) return;
        settled = true;
        listener.dispose();
        cancel?.dispose();
        resolve(outcome());
      };
      const check = () => {
        // Until the client reports its first state it still reads "stopped: not started".
        if (!this.clientReported) return;
        const s = this.state;
        if (s.kind === 'streaming') done(() => ({ ok: true }));
        else if (s.kind === 'stopped' || s.kind === 'reconnecting' || s.kind === 'stalled') {
          const error = s.kind === 'stopped' ? (s.error ?? new Error(s.reason)) : new Error(s.lastError);
          // Stopped before resolving, so callers see an inactive connection with its failure.
          done(async () => {
            const outcome = this.fail(error);
            await this.stop('the first connection failed');
            return outcome;
          });
        }
      };
      const listener = this.onDidChange(check);
      const cancel = token?.onCancellationRequested(() => done(() => this.cancelled()));
      check();
    });
  }

  private fail(error: unknown): FirstOutcome {
    const failure = describeFailure(error, this.failureTarget);
    this.lastFailure = failure;
    this.log.error(`${this.profile.name}: ${failure.detail}`);
    if (!this.client) this.setLocalState({ kind: 'stopped', reason: failure.message, error: error instanceof Error ? error : undefined });
    return { ok: false, failure };
  }

  private async cancelled(): Promise<FirstOutcome> {
    await this.stop('cancelled');
    return { ok: false, cancelled: true };
  }

  /** Stops the stream and closes the dump (what was acknowledged is on disk). */
  async stop(reason = 'disconnected'): Promise<void> {
    const client = this.client;
    if (!client) {
      if (this.isActive) this.setLocalState({ kind: 'stopped', reason });
      return;
    }
    await client.stop(reason);
    await this.writer?.close();
  }

  private onClientState(state: ClientState): void {
    this.clientReported = true;
    if (state.kind === 'stopped') {
      this.lastCounters = this.client?.counters;
      if (state.error && !this.lastFailure) {
        this.lastFailure = describeFailure(state.error, this.failureTarget);
        this.failedEmitter.fire(this.lastFailure);
      }
      void this.writer?.close();
    } else if (state.kind === 'streaming') {
      this.lastFailure = undefined;
    }
    this.changed.fire();
  }

  private setLocalState(state: ClientState): void {
    this.localState = state;
    this.changed.fire();
  }

  override dispose(): void {
    void this.stop('window closed');
    super.dispose();
  }
}
