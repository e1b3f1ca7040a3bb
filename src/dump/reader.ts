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
  for (const { file, header } of await listDumpFilesWithHeaders(paths)) {
    let metadata = options.metadata ?? perFmc.get(header?.fmc ?? '');
    if (!metadata) perFmc.set(header?.fmc ?? '', (metadata = new MetadataCache()));
    yield* readDumpFile(file, { ...options, metadata });
  }
}

const SPACE = 0x20;
const NEWLINE = 0x0a;
const HASH = 0x23;
const RAW_MARKER = Buffer.from(' raw=');

/** Stream the records of one file. */
export async function* readDumpFile(file: string, options: ReadDumpOptions = {}): AsyncGenerator<DumpEntry> {
  const abs = path.resolve(file);
  const metadata = options.metadata ?? new MetadataCache();
  const report = (kind: DumpIssueKind, line: number, message: string): void =>
    options.onIssue?.({ kind, file: abs, line, message });
  const times = new TimeCache();
  let lineNo = 0;
  const chunkBytes = Math.max(64 * 1024, options.chunkBytes ?? 4 * 1024 * 1024);

  let handle: fs.FileHandle;
  try {
    handle = await fs.open(abs, 'r');
  } catch (err) {
    report('unreadable', 0, `Cannot open ${abs}: ${(err as Error).message}`);
    return;
  }
  try {
    let carry: Buffer = Buffer.alloc(0);
    let position = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(chunkBytes);
      const { bytesRead } = await handle.read(chunk, 0, chunkBytes, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const buf = chunk.subarray(0, bytesRead);
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
        const entry = lineToEntry(joined, 0, joined.length > 0 && joined[joined.length - 1] === 0x0d ? joined.length - 1 : joined.length);
        if (entry) yield entry;
        start = nl + 1;
      }
      for (let nl = buf.indexOf(NEWLINE, start); nl >= 0; nl = buf.indexOf(NEWLINE, start)) {
        lineNo++;
        const end = nl > start && buf[nl - 1] === 0x0d ? nl - 1 : nl;
        const entry = lineToEntry(buf, start, end);
        start = nl + 1;
        if (entry) yield entry;
      }
      // Copy the unfinished line: a slice would pin the whole chunk.
      carry = Buffer.from(buf.subarray(start));
    }
    if (carry.length > 0) {
      report(
        'partial-line',
        lineNo + 1,
        `Line ${lineNo + 1} of ${abs} is incomplete (${carry.length} bytes, no newline): the writer stopped mid-line, e.g. a crash. Skipped it; it was never acknowledged, so the FMC sends that record again on resume.`,
      );
    }
  } finally {
    await handle.close();
  }

  function lineToEntry(buf: Buffer, start: number, end: number): DumpEntry | undefined {
    if (end <= start) return undefined;
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
      return undefined; // header or comment
    }
    if (lineNo === 1) report('no-header', 1, `${abs} has no '#estreamer v1' header line; reading its records anyway.`);
    const s1 = buf.indexOf(SPACE, start);
    const s2 = s1 < 0 || s1 >= end ? -1 : buf.indexOf(SPACE, s1 + 1);
    const rawAt = buf.lastIndexOf(RAW_MARKER, end - RAW_MARKER.length);
    if (s2 < 0 || s2 >= end || rawAt < s2) {
      report('bad-line', lineNo, `Line ${lineNo} of ${abs} is not a record line ("<time> <type> <family> … raw=<base64>"); skipped it.`);
      return undefined;
    }
    const raw = Buffer.from(buf.toString('latin1', rawAt + RAW_MARKER.length, end), 'base64');
    const record = decodeRecord(raw);
    const names = metadata.add(record) ? {} : metadata.names(record);
    const time = buf.toString('latin1', start, s1);
    return { record, names, time, timeMs: times.parse(time), file: abs, line: lineNo };
  }
}

/** Date.parse per line is slow; records of one second share the parse. */
class TimeCache {
  private second = '';
  private secondMs = NaN;
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
