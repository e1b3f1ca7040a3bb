/**
 * The .estreamer writer: the client's RecordSink. A batch is written, flushed and fsync'd before
 * write() resolves, so the caller may then move its bookmark; files rotate at a size.
 *
 * Group commit: batches that arrive while one is being written wait, and are then written
 * together with one fsync. Writes are applied in call order and a failure fails every later
 * write (`ordered`), so the client may hand on bundles while earlier ones are still syncing.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { EStreamerRecord } from '../protocol/types';
import { FILE_EXTENSION, FORMAT_VERSION, formatHeader, formatLine, recordTime, type DumpHeader } from './format';
import type { RecordAddress, RecordSink } from './types';

/**
 * 16 MiB, not the 32 MiB first planned: VS Code turns syntax highlighting off for files over
 * 20 MiB (or 300k lines) and stops giving extensions (hover, outline) files over 50 MiB.
 */
export const DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024;

/** What resolves ids to names; MetadataCache fits. Optional: without it lines carry ids only. */
export interface NameResolver {
  add(record: EStreamerRecord): boolean;
  names(record: EStreamerRecord): Record<string, string>;
}

export interface DumpWriterOptions {
  /** Folder the files go into (created if missing). See dumpFolder() for the per-FMC layout. */
  dir: string;
  /** "host:port" of the FMC, or a label for converted captures. Written in every header. */
  fmc: string;
  flags?: number;
  /** How the stream was started: "bookmark:<unix seconds>", "oldest", "now". */
  start?: string;
  /** Rotate before a file would grow past this many bytes (default 16 MiB; keep it under 20 MiB). */
  maxFileBytes?: number;
  /** Feeds metadata records into it and writes resolved names on event lines. */
  names?: NameResolver;
  /** Write exactly this file (no rotation), replacing it if it exists. */
  file?: string;
  /** Clock in milliseconds, for file names, `created`, and untimed records before any timed one. */
  now?: () => number;
}

/** Rejected write: the stream must stop; what was acknowledged before is on disk. */
export class DumpWriteError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'DumpWriteError';
  }
}

/** `<root>/<host>_<port>`: one folder per FMC, safe on every file system. */
export function dumpFolder(root: string, fmc: string): string {
  return path.join(root, fmc.replace(/[^A-Za-z0-9.-]+/g, '_').replace(/^_+|_+$/g, '') || 'fmc');
}

const ROTATED_NAME = /^(\d{8}-\d{6})-(\d+)\.estreamer$/;

/** `YYYYMMDD-HHMMSS-NNNN.estreamer` (UTC creation time, then a sequence): names sort by time. */
export function rotatedFileName(ms: number, seq: number): string {
  const iso = new Date(ms).toISOString(); // 2026-12-03T10:00:00.000Z
  const stamp = iso.slice(0, 10).replace(/-/g, '') + '-' + iso.slice(11, 19).replace(/:/g, '');
  return `${stamp}-${String(seq).padStart(4, '0')}${FILE_EXTENSION}`;
}

interface WaitingBatch {
  /** The batch's lines, newline-terminated, as UTF-8. */
  data: Buffer;
  /** Where each line ends in `data`. */
  ends: number[];
  resolve(addresses: RecordAddress[]): void;
  reject(error: unknown): void;
}

/** Text buffered before it is written out (the fsync still comes once, at the end of the group). */
const WRITE_CHUNK_BYTES = 4 * 1024 * 1024;

interface OpenFile {
  handle: fs.FileHandle;
  path: string;
  bytes: number;
  lines: number;
  /** Bytes known to be on disk (fsync'd), or the header: where a failed group is cut back to. */
  synced: number;
}

export class DumpWriter implements RecordSink {
  private readonly maxFileBytes: number;
  private readonly now: () => number;
  private current: OpenFile | undefined;
  private seq = 0;
  readonly ordered = true;
  private queue: Promise<unknown> = Promise.resolve();
  /** Batches handed to write() that the next group will take. */
  private waiting: WaitingBatch[] = [];
  private failure: DumpWriteError | undefined;
  private closed = false;
  private readonly written: string[] = [];
  /** Time of the last timed record written, seconds. */
  private lastSeconds: number | undefined;

  constructor(private readonly options: DumpWriterOptions) {
    this.maxFileBytes = options.file ? Infinity : Math.max(1024, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
    this.now = options.now ?? Date.now;
  }

  /** Files this writer created, in order (absolute paths). */
  get files(): readonly string[] {
    return this.written;
  }

  /** Set once a write failed: every later write() rejects with it. */
  get error(): DumpWriteError | undefined {
    return this.failure;
  }

  write(records: readonly EStreamerRecord[]): Promise<RecordAddress[]> {
    if (this.failure) return Promise.reject(this.failure);
    // Formatted now, in call order (names, times of untimed records), so the CPU work of the
    // next batches overlaps the write and fsync of the group before them.
    const lines: string[] = new Array(records.length);
    const ends: number[] = new Array(records.length);
    const untimed = this.timesForUntimed(records);
    let chars = 0;
    let longest = 0;
    for (let i = 0; i < records.length; i++) {
      const line = this.lineFor(records[i], untimed[i]) + '\n';
      lines[i] = line;
      chars += line.length;
      if (line.length > longest) longest = line.length;
    }
    // Each line is encoded straight into one buffer, which gives its size in bytes on the way
    // (lines are nearly always ASCII: the buffer is sized for that, and grows when text is not;
    // the room for 3 bytes per unit of the longest line keeps an all-ASCII batch from growing).
    let data = Buffer.allocUnsafe(chars + 2 * longest);
    let at = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (data.length - at < line.length * 3) {
        const grown = Buffer.allocUnsafe(Math.max(data.length * 2, at + line.length * 3));
        data.copy(grown, 0, 0, at);
        data = grown;
      }
      ends[i] = at += data.write(line, at, 'utf8');
    }
    data = data.subarray(0, at);
    return new Promise<RecordAddress[]>((resolve, reject) => {
      this.waiting.push({ data, ends, resolve, reject });
      // The first batch waiting schedules a group; later ones join it until it starts.
      if (this.waiting.length === 1) this.queue = this.queue.then(() => this.writeGroup());
    });
  }

  close(): Promise<void> {
    const run = this.queue.then(async () => {
      if (this.closed) return;
      this.closed = true;
      const f = this.current;
      this.current = undefined;
      if (f) await f.handle.close().catch(() => undefined);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Writes every waiting batch with one fsync per file; never rejects (each batch is told). */
  private async writeGroup(): Promise<void> {
    const group = this.waiting;
    this.waiting = [];
    const addresses: RecordAddress[][] = group.map(() => []);
    const progress = { durable: 0 };
    try {
      await this.writeNow(group, addresses, progress);
      group.forEach((b, i) => b.resolve(addresses[i]));
    } catch (err) {
      // Batches that reached a file synced before the failure are stored; the rest are not.
      group.forEach((b, i) => (i < progress.durable ? b.resolve(addresses[i]) : b.reject(err)));
    }
  }

  /** Fills `result` with each batch's addresses; `progress.durable` counts the batches already synced. */
  private async writeNow(batches: readonly WaitingBatch[], result: RecordAddress[][], progress: { durable: number }): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.closed) throw new DumpWriteError('The dump writer is closed: reconnect to start a new dump.');
    if (batches.every((batch) => batch.ends.length === 0)) return; // no file with a header and nothing else
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    let pendingLines = 0;
    let f: OpenFile | undefined;
    try {
      f = this.current ?? (await this.openNext());
      for (let b = 0; b < batches.length; b++) {
        const { data, ends } = batches[b];
        const addresses = result[b];
        let taken = 0; // bytes of `data` already in `pending`
        for (let i = 0; i < ends.length; i++) {
          const start = i === 0 ? 0 : ends[i - 1];
          const lineBytes = ends[i] - start;
          // Rotate only between records, and never leave a file with no record in it.
          const rotate = f.bytes + pendingBytes + lineBytes > this.maxFileBytes && f.lines + pendingLines > 1;
          if (rotate || pendingBytes >= WRITE_CHUNK_BYTES) {
            if (start > taken) pending.push(data.subarray(taken, start));
            taken = start;
            // A large group is written in chunks (bounded memory) and synced once, at the end.
            await this.flush(f, pending, pendingLines, rotate);
            pending = [];
            pendingBytes = pendingLines = 0;
            if (rotate) {
              progress.durable = b; // every earlier batch is now in synced files
              await f.handle.close();
              f = await this.openNext();
            }
          }
          pendingBytes += lineBytes;
          pendingLines++;
          addresses.push({ file: f.path, line: f.lines + pendingLines });
        }
        if (data.length > taken) pending.push(data.subarray(taken));
      }
      await this.flush(f, pending, pendingLines);
    } catch (err) {
      throw this.fail(err);
    }
  }

  /**
   * Seconds to write for records without a time of their own (metadata): the FMC sends metadata
   * just before the first event that needs it, so each takes the time of the next timed record
   * in the batch, else of the last one written, else the clock (received time). Keeps a dump in
   * time order and metadata next to its events.
   */
  private timesForUntimed(records: readonly EStreamerRecord[]): number[] {
    const out = new Array<number>(records.length);
    let next: number | undefined;
    for (let i = records.length - 1; i >= 0; i--) {
      const t = recordTime(records[i]);
      if (t) next = t.sec + t.usec / 1e6;
      out[i] = next ?? NaN;
    }
    for (let i = 0; i < records.length; i++) {
      const t = recordTime(records[i]);
      if (t) this.lastSeconds = t.sec + t.usec / 1e6;
      if (Number.isNaN(out[i])) out[i] = this.lastSeconds ?? this.now() / 1000;
    }
    return out;
  }

  private lineFor(record: EStreamerRecord, untimedSeconds: number): string {
    const resolver = this.options.names;
    let names: Record<string, string> | undefined;
    if (resolver) {
      // Metadata first, so an event in the same batch already sees the names it refers to.
      if (!resolver.add(record)) names = resolver.names(record);
    }
    return formatLine(record, { names, fallbackSeconds: untimedSeconds });
  }

  /** Write and fsync; on failure cut the file back so no partial line is left behind. */
  private async flush(f: OpenFile, parts: readonly Uint8Array[], lines: number, sync = true): Promise<void> {
    if (parts.length === 0 && !(sync && f.bytes > f.synced)) return;
    const data = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    try {
      let off = 0;
      while (off < data.length) {
        const { bytesWritten } = await f.handle.write(data, off, data.length - off, f.bytes + off);
        off += bytesWritten;
      }
      if (sync) await f.handle.datasync();
    } catch (err) {
      // Cut back to the last synced point: unsynced text of this group belongs to batches that fail.
      await f.handle.truncate(f.synced).catch(() => undefined);
      throw err;
    }
    f.bytes += data.length;
    f.lines += lines;
    if (sync) f.synced = f.bytes;
  }

  private async openNext(): Promise<OpenFile> {
    const { dir, file } = this.options;
    const folder = file ? path.dirname(path.resolve(file)) : path.resolve(dir);
    await fs.mkdir(folder, { recursive: true });
    let handle: fs.FileHandle | undefined;
    let target = '';
    if (file) {
      target = path.resolve(file);
      handle = await fs.open(target, 'w');
    } else {
      if (this.seq === 0) this.seq = await highestSequence(folder);
      // 'wx': never append to someone else's file; on a clash take the next number.
      for (let attempt = 0; !handle; attempt++) {
        this.seq++;
        target = path.join(folder, rotatedFileName(this.now(), this.seq));
        try {
          handle = await fs.open(target, 'wx');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 1000) throw err;
        }
      }
    }
    const header: DumpHeader = {
      version: FORMAT_VERSION,
      fmc: this.options.fmc,
      flags: this.options.flags,
      start: this.options.start,
      created: new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    const f: OpenFile = { handle, path: target, bytes: 0, lines: 0, synced: 0 };
    this.current = f;
    this.written.push(target);
    // No fsync of its own: the header becomes durable with the first batch's fsync.
    await this.flush(f, [Buffer.from(formatHeader(header) + '\n', 'utf8')], 1, false);
    f.synced = f.bytes;
    await syncFolder(folder);
    return f;
  }

  private fail(err: unknown): DumpWriteError {
    if (err instanceof DumpWriteError) return (this.failure = err);
    const e = err as NodeJS.ErrnoException;
    const where = this.options.file ? path.dirname(path.resolve(this.options.file)) : path.resolve(this.options.dir);
    const message =
      e.code === 'ENOSPC' || e.code === 'EDQUOT'
        ? `The disk holding ${where} is full: free space and reconnect; nothing acknowledged was lost.`
        : `Could not write the dump in ${where} (${e.code ?? e.message}): fix the folder (permissions, space, path) and reconnect; nothing acknowledged was lost.`;
    this.failure = new DumpWriteError(message, e.code);
    const f = this.current;
    this.current = undefined;
    if (f) void f.handle.close().catch(() => undefined);
    return this.failure;
  }
}

async function highestSequence(folder: string): Promise<number> {
  let max = 0;
  for (const name of await fs.readdir(folder)) {
    const m = ROTATED_NAME.exec(name);
    if (m) max = Math.max(max, Number(m[2]));
  }
  return max;
}

/** Make a new file's directory entry durable too (Linux/macOS; not possible on Windows). */
async function syncFolder(folder: string): Promise<void> {
  if (process.platform === 'win32') return;
  const h = await fs.open(folder, 'r').catch(() => undefined);
  if (!h) return;
  await h.sync().catch(() => undefined);
  await h.close().catch(() => undefined);
}
