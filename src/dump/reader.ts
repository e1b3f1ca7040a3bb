/**
 * The .estreamer reader: streams files or folders of dumps back into records, each with its
 * address. `raw=` is decoded again with today's codec, so old dumps gain new fields; the text
 * fields in between are not parsed (that is what keeps it fast).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { MetadataCache } from '../metadata';
import { decodeRecord } from '../protocol';
import type { EStreamerRecord } from '../protocol/types';
import { FILE_EXTENSION, FORMAT_VERSION, parseHeader, parseTime, type DumpHeader } from './format';

export interface DumpEntry {
  record: EStreamerRecord;
  /** Names resolved from the metadata records read so far (empty for metadata records). */
  names: Record<string, string>;
  /** The line's time as written (ISO UTC, microseconds) and as milliseconds since the epoch. */
  time: string;
  timeMs: number;
  /** Absolute path and 1-based line number. */
  file: string;
  line: number;
}

export type DumpIssueKind = 'partial-line' | 'bad-line' | 'no-header' | 'newer-version' | 'unreadable';

export interface DumpIssue {
  kind: DumpIssueKind;
  file: string;
  line: number;
  message: string;
}

export interface ReadDumpOptions {
  /** Told about every skipped line or odd file; reading goes on. */
  onIssue?: (issue: DumpIssue) => void;
  /**
   * Cache to rebuild names into; every metadata record read is added. By default each FMC (the
   * header's fmc=) gets its own, so ids of one FMC never resolve to names of another.
   */
  metadata?: MetadataCache;
  /** Bytes read per chunk (default 4 MiB). */
  chunkBytes?: number;
}

/**
 * Dump files under the given paths (folders are searched recursively), in time order: by the
 * header's `created`, then by file name (which starts with the creation time), then by path.
 */
export async function listDumpFiles(paths: readonly string[]): Promise<string[]> {
  return (await listDumpFilesWithHeaders(paths)).map((f) => f.file);
}

async function listDumpFilesWithHeaders(paths: readonly string[]): Promise<Array<{ file: string; header?: DumpHeader }>> {
  const found = new Set<string>();
  const walk = async (p: string, explicit: boolean): Promise<void> => {
    const st = await fs.stat(p);
    if (st.isDirectory()) {
      const entries = await fs.readdir(p, { withFileTypes: true });
      for (const e of entries) {
        if (e.isDirectory() || e.name.endsWith(FILE_EXTENSION)) await walk(path.join(p, e.name), false);
      }
    } else if (explicit || p.endsWith(FILE_EXTENSION)) {
      found.add(path.resolve(p));
    }
  };
  for (const p of paths) {
    try {
      await walk(p, true);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' ? `No such dump file or folder: ${p}` : `Cannot read ${p}: ${(err as Error).message}`);
    }
  }
  const keyed = await Promise.all([...found].map(async (file) => ({ file, header: await readHeader(file).catch(() => undefined) })));
  keyed.sort(
    (a, b) =>
      cmp(a.header?.created ?? '', b.header?.created ?? '') || cmp(path.basename(a.file), path.basename(b.file)) || cmp(a.file, b.file),
  );
  return keyed;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The header of a dump file, or undefined if its first line is not one. */
export async function readHeader(file: string): Promise<DumpHeader | undefined> {
  const h = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await h.read(buf, 0, buf.length, 0);
    const nl = buf.subarray(0, bytesRead).indexOf(10);
    return parseHeader(buf.toString('utf8', 0, nl < 0 ? bytesRead : nl).replace(/\r$/, ''));
  } finally {
    await h.close();
  }
}

/** Stream every record of the given files and folders, in time order across rotations. */
export async function* readDumps(paths: readonly string[], options: ReadDumpOptions = {}): AsyncGenerator<DumpEntry> {
  const perFmc = new Map<string, MetadataCache>();
  const buffers = chunkBuffers(options);
  for (const { file, header } of await listDumpFilesWithHeaders(paths)) {
    yield* fileEntries(file, { ...options, metadata: cacheFor(header, options, perFmc) }, buffers);
  }
}

/**
 * readDumps, a batch of entries at a time (up to 64 consecutive records, in order): one await
 * per batch instead of one per record, for callers that go through many records. Issues are told
 * before the batch whose lines they concern.
 */
export async function* readDumpBatches(paths: readonly string[], options: ReadDumpOptions = {}): AsyncGenerator<DumpEntry[]> {
  const perFmc = new Map<string, MetadataCache>();
  const buffers = chunkBuffers(options);
  for (const { file, header } of await listDumpFilesWithHeaders(paths)) {
    yield* fileBatches(file, { ...options, metadata: cacheFor(header, options, perFmc) }, options.onIssue, undefined, buffers);
  }
}

function cacheFor(header: DumpHeader | undefined, options: ReadDumpOptions, perFmc: Map<string, MetadataCache>): MetadataCache {
  let metadata = options.metadata ?? perFmc.get(header?.fmc ?? '');
  if (!metadata) perFmc.set(header?.fmc ?? '', (metadata = new MetadataCache()));
  return metadata;
}

/** Stream the records of one file. */
export function readDumpFile(file: string, options: ReadDumpOptions = {}): AsyncGenerator<DumpEntry> {
  return fileEntries(file, options, undefined);
}

async function* fileEntries(file: string, options: ReadDumpOptions, buffers: ChunkBuffers | undefined): AsyncGenerator<DumpEntry> {
  // Issues are held back to their place among the entries, as if each line were read on demand.
  const held: Array<{ before: number; issue: DumpIssue }> = [];
  const onIssue = options.onIssue;
  let made = 0;
  const batches = fileBatches(file, options, onIssue ? (issue) => held.push({ before: made, issue }) : undefined, (n) => (made = n), buffers);
  for await (const batch of batches) {
    let h = 0;
    for (let i = 0; i < batch.length; i++) {
      while (h < held.length && held[h].before <= i) onIssue!(held[h++].issue);
      yield batch[i];
    }
    while (h < held.length) onIssue!(held[h++].issue);
    held.length = 0;
  }
  for (const { issue } of held) onIssue!(issue);
}

/** readDumpFile, a batch of entries at a time (see readDumpBatches). */
export function readDumpFileBatches(file: string, options: ReadDumpOptions = {}): AsyncGenerator<DumpEntry[]> {
  return fileBatches(file, options, options.onIssue, undefined, undefined);
}

/**
 * The two read buffers a reader goes through all its files with: the next chunk is read (on
 * libuv's thread) while this one is decoded. Nothing made from a line points into them (raw bytes
 * are decoded into their own memory, texts are strings). Once per call, not per file: 8 MiB
 * that live as long as a file does get promoted and bring on full collections.
 */
interface ChunkBuffers {
  chunk: Buffer;
  spare: Buffer;
}

function chunkBuffers(options: ReadDumpOptions): ChunkBuffers {
  const bytes = Math.max(64 * 1024, options.chunkBytes ?? 4 * 1024 * 1024);
  return { chunk: Buffer.allocUnsafe(bytes), spare: Buffer.allocUnsafe(bytes) };
}

const SPACE = 0x20;
/** `2026-12-03T10:00:01.123456Z` */
const TIME_LENGTH = 27;
const NEWLINE = 0x0a;
const HASH = 0x23;
const RAW_MARKER = Buffer.from(' raw=');
/**
 * Entries per batch: enough that the await per batch costs little, few enough that a batch dies
 * young. Measured (bench/dump.ts, 1M records): a chunk's worth of entries per batch outlives
 * scavenges and costs full collections; 256 still caused 4-5x the mark-compacts of 64.
 */
const BATCH_ENTRIES = 64;
/** Base64 is decoded into shared slabs of this size, as Buffer.from does into its 8 KiB pool; bigger records get their own. */
const SLAB_BYTES = 16 * 1024;

/**
 * Buffer's own latin1/base64 primitives: Buffer.from(text, 'base64') and toString('latin1') end
 * in these after argument checks that cost more than the work for a few hundred bytes.
 */
interface BufferPrimitives {
  latin1Slice(start: number, end: number): string;
  base64Write(text: string, offset: number, length: number): number;
}
const primitives = Buffer.prototype as unknown as Partial<BufferPrimitives>;
const HAS_PRIMITIVES = typeof primitives.latin1Slice === 'function' && typeof primitives.base64Write === 'function';

function latin1(buf: Buffer, start: number, end: number): string {
  return HAS_PRIMITIVES ? (buf as unknown as BufferPrimitives).latin1Slice(start, end) : buf.toString('latin1', start, end);
}

/**
 * The records of one file, a chunk at a time. `report` is told about issues as lines are read;
 * `progress` (readDumpFile's) is told how many entries of the current batch were made so far.
 */
async function* fileBatches(
  file: string,
  options: ReadDumpOptions,
  onIssue: ((issue: DumpIssue) => void) | undefined,
  progress: ((made: number) => void) | undefined,
  /** Shared by the files of one readDumps/readDumpBatches call; made here for a single file. */
  buffers: ChunkBuffers | undefined,
): AsyncGenerator<DumpEntry[]> {
  const abs = path.resolve(file);
  const metadata = options.metadata ?? new MetadataCache();
  const report = (kind: DumpIssueKind, line: number, message: string): void => {
    if (!onIssue) return;
    progress?.(batch.length);
    onIssue({ kind, file: abs, line, message });
  };
  const times = new TimeCache();
  let lineNo = 0;
  let batch: DumpEntry[] = [];
  let slab = Buffer.allocUnsafe(0);
  let slabUsed = 0;

  let handle: fs.FileHandle;
  let reading: Promise<{ bytesRead: number }> | undefined;
  try {
    handle = await fs.open(abs, 'r');
  } catch (err) {
    report('unreadable', 0, `Cannot open ${abs}: ${(err as Error).message}`);
    return;
  }
  try {
    let carry: Buffer = Buffer.alloc(0);
    let position = 0;
    let { chunk, spare } = buffers ?? chunkBuffers(options);
    const chunkBytes = chunk.length;
    reading = handle.read(chunk, 0, chunkBytes, 0);
    for (;;) {
      const { bytesRead } = await reading;
      reading = undefined;
      if (bytesRead === 0) break;
      position += bytesRead;
      const buf = chunk.subarray(0, bytesRead);
      [chunk, spare] = [spare, chunk];
      reading = handle.read(chunk, 0, chunkBytes, position);
      let start = 0;
      if (carry.length) {
        // Only the line that spans two chunks is copied together, not the whole chunk.
        const nl = buf.indexOf(NEWLINE);
        if (nl < 0) {
          carry = Buffer.concat([carry, buf]);
          continue;
        }
        const joined = Buffer.concat([carry, buf.subarray(0, nl)]);
        lineNo++;
        lineToEntry(joined, 0, joined.length > 0 && joined[joined.length - 1] === 0x0d ? joined.length - 1 : joined.length);
        start = nl + 1;
      }
      for (let nl = buf.indexOf(NEWLINE, start); nl >= 0; nl = buf.indexOf(NEWLINE, start)) {
        lineNo++;
        lineToEntry(buf, start, nl > start && buf[nl - 1] === 0x0d ? nl - 1 : nl);
        start = nl + 1;
        if (batch.length >= BATCH_ENTRIES) {
          const full = batch;
          batch = [];
          yield full;
        }
      }
      // Copy the unfinished line: a slice would pin the whole chunk.
      carry = Buffer.from(buf.subarray(start));
    }
    if (batch.length) {
      const full = batch;
      batch = [];
      yield full;
    }
    if (carry.length > 0) {
      report(
        'partial-line',
        lineNo + 1,
        `Line ${lineNo + 1} of ${abs} is incomplete (${carry.length} bytes, no newline): the writer stopped mid-line, e.g. a crash. Skipped it; it was never acknowledged, so the FMC sends that record again on resume.`,
      );
    }
  } finally {
    // Stopped early (the caller broke off, or an error): let the read ahead finish before closing.
    if (reading) await reading.catch(() => undefined);
    await handle.close();
  }

  /** The record bytes of a raw= value (Buffer's lenient base64, as Buffer.from decodes it). */
  function rawBytes(buf: Buffer, start: number, end: number): Buffer {
    if (!HAS_PRIMITIVES) return Buffer.from(buf.toString('latin1', start, end), 'base64');
    const text = (buf as unknown as BufferPrimitives).latin1Slice(start, end);
    // The size Buffer.from gives the decoder: trailing '=' padding not counted.
    let chars = end - start;
    if (chars > 0 && buf[start + chars - 1] === 0x3d) chars--;
    if (chars > 1 && buf[start + chars - 1] === 0x3d) chars--;
    const most = (chars * 3) >>> 2;
    if (most > SLAB_BYTES >>> 2) {
      const own = Buffer.allocUnsafe(most);
      return own.subarray(0, (own as unknown as BufferPrimitives).base64Write(text, 0, most));
    }
    if (slabUsed + most > slab.length) {
      slab = Buffer.allocUnsafe(SLAB_BYTES);
      slabUsed = 0;
    }
    const at = slabUsed;
    const n = (slab as unknown as BufferPrimitives).base64Write(text, at, most);
    // Keep the next record 8-byte aligned, as Buffer's pool does.
    slabUsed = (at + n + 7) & ~7;
    return slab.subarray(at, at + n);
  }

  function lineToEntry(buf: Buffer, start: number, end: number): void {
    if (end <= start) return;
    if (buf[start] === HASH) {
      if (lineNo === 1) {
        let header: DumpHeader | undefined;
        try {
          header = parseHeader(buf.toString('utf8', start, end));
        } catch (err) {
          // A damaged header must not stop the reading of this file or of the others after it.
          report('bad-line', 1, `The header of ${abs} is damaged (${(err as Error).message}); reading its records anyway.`);
        }
        if (header && header.version > FORMAT_VERSION) {
          report('newer-version', 1, `${abs} is dump format v${header.version}; this version reads v${FORMAT_VERSION}. Reading what it can; update the extension to read it fully.`);
        }
      }
      return; // header or comment
    }
    if (lineNo === 1) report('no-header', 1, `${abs} has no '#estreamer v1' header line; reading its records anyway.`);
    // The time and type are short: a loop here is cheaper than two calls into indexOf. The time
    // is nearly always the 27 characters formatTime writes.
    const written = start + TIME_LENGTH < end && buf[start + TIME_LENGTH] === SPACE && isWrittenTime(buf, start);
    let s1 = written ? start + TIME_LENGTH : start;
    while (s1 < end && buf[s1] !== SPACE) s1++;
    let s2 = s1 + 1;
    while (s2 < end && buf[s2] !== SPACE) s2++;
    const rawAt = s2 < end ? buf.lastIndexOf(RAW_MARKER, end - RAW_MARKER.length) : -1;
    if (s2 >= end || rawAt < s2) {
      report('bad-line', lineNo, `Line ${lineNo} of ${abs} is not a record line ("<time> <type> <family> … raw=<base64>"); skipped it.`);
      return;
    }
    const record = decode(rawBytes(buf, rawAt + RAW_MARKER.length, end));
    const names = metadata.add(record) ? {} : metadata.names(record);
    const time = latin1(buf, start, s1);
    batch.push({ record, names, time, timeMs: written ? times.parseWritten(buf, start, time) : times.parse(time), file: abs, line: lineNo });
  }
}

// A local binding: an import used per line is a getter call under tsx's CommonJS transform.
const decode = decodeRecord;

const DIGIT0 = 0x30;

/** The line times share their date and hour with the line before them: only those go through Date.UTC. */
class TimeCache {
  private second = '';
  private secondMs = NaN;
  private hourKey = -1;
  private hourMs = NaN;

  /** A time in formatTime's shape (isWrittenTime) at b[start], `time` as text. */
  parseWritten(b: Buffer, start: number, time: string): number {
    const key = digits(b, start, 4) * 1000000 + digits(b, start + 5, 2) * 10000 + digits(b, start + 8, 2) * 100 + digits(b, start + 11, 2);
    if (key !== this.hourKey) {
      this.hourKey = key;
      this.hourMs = parseTime(time.slice(0, 13) + ':00:00Z');
    }
    // Same arithmetic as parseTime (Date.UTC is linear in minutes and seconds), the same number.
    return this.hourMs + digits(b, start + 14, 2) * 60000 + digits(b, start + 17, 2) * 1000 + digits(b, start + 20, 6) / 1000;
  }

  /** Any other time text. */
  parse(time: string): number {
    const sec = time.slice(0, 19);
    if (sec !== this.second) {
      this.second = sec;
      this.secondMs = parseTime(sec + 'Z');
    }
    if (time.length <= 21) return time.length === 20 ? this.secondMs : parseTime(time);
    return this.secondMs + Number(time.slice(20, time.length - 1)) / 10 ** (time.length - 24);
  }
}

/** The decimal number of n digit bytes at b[p]. */
function digits(b: Buffer, p: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 10 + (b[p + i] - DIGIT0);
  return v;
}

/** `YYYY-MM-DDTHH:MM:SS.ffffffZ` at b[start]: the shape formatTime writes. */
function isWrittenTime(b: Buffer, p: number): boolean {
  if (b[p + 4] !== 0x2d || b[p + 7] !== 0x2d || b[p + 10] !== 0x54 || b[p + 13] !== 0x3a || b[p + 16] !== 0x3a || b[p + 19] !== 0x2e || b[p + 26] !== 0x5a) return false;
  for (let i = 0; i < 26; i++) {
    if (i === 4 || i === 7 || i === 10 || i === 13 || i === 16 || i === 19) continue;
    const c = b[p + i];
    if (c < DIGIT0 || c > DIGIT0 + 9) return false;
  }
  return true;
}
