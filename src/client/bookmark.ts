/**
 * Where to resume, and how to recognise the records of the resume second that are already stored.
 *
 * The bookmark is the largest archive timestamp among records the sink has durably stored. On
 * resume the FMC re-sends everything from that second on, so the only overlap is that very second:
 * we keep the keys of its stored records (a hash of their exact bytes, which include the archive
 * timestamp) and drop re-sent records whose key we know.
 */
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import type { EStreamerRecord } from '../protocol/types';
import { readJsonFile, writeFileAtomic } from './atomicFile';

/** Identity of a record for de-duplication: record type, archive second and a hash of its bytes. */
export function recordKey(record: Pick<EStreamerRecord, 'recordType' | 'archiveTimestamp' | 'raw'>): string {
  const digest = sha1(record.raw).slice(0, 22);
  return `${record.recordType}:${record.archiveTimestamp ?? '-'}:${digest}`;
}

// The one-shot crypto.hash (Node ≥ 20.12) is about twice as fast as createHash for one record,
// and this runs for every record of the newest second; same digest either way.
const oneShot = (crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'base64url') => string }).hash;
function sha1(bytes: Uint8Array): string {
  return oneShot ? oneShot('sha1', bytes, 'base64url') : crypto.createHash('sha1').update(bytes).digest('base64url');
}

export interface BookmarkJson {
  version: 1;
  /** host:port of the FMC this bookmark belongs to. */
  fmc: string;
  /** UNIX second; the next request starts here. */
  archiveSecond: number;
  /** Keys of stored records whose archive second is `archiveSecond`. */
  boundaryKeys: string[];
  updated: string;
}

/** Bytes of not-yet-hashed boundary records kept before they are hashed anyway. */
const MAX_UNHASHED_BYTES = 4 * 1024 * 1024;

export class ResumePoint {
  private second: number | undefined;
  private boundary = new Set<string>();
  /**
   * Records of the boundary second not hashed yet, copied into one buffer. Most seconds are
   * overtaken by a newer one before anyone needs their keys (a save, a reconnect), so hashing
   * them at once would be wasted on nearly every record of a fast stream.
   */
  private unhashed = new Uint8Array(0);
  private unhashedFill = 0;
  private readonly unhashedTypes: number[] = [];
  private readonly unhashedEnds: number[] = [];
  /** What the current connection may re-send: the bookmark second and its keys when it was requested. */
  private resent: { second: number; keys: ReadonlySet<string> } | undefined;
  /** beginConnection() was called, so `resent` is authoritative (undefined: nothing can be re-sent). */
  private connected = false;

  constructor(saved?: { archiveSecond: number; boundaryKeys: readonly string[] }) {
    if (saved) {
      this.second = saved.archiveSecond;
      this.boundary = new Set(saved.boundaryKeys);
    }
  }

  /** The archive second to resume from; undefined before anything was stored. */
  get archiveSecond(): number | undefined {
    return this.second;
  }

  get boundarySize(): number {
    this.hashUnhashed();
    return this.boundary.size;
  }

  /**
   * Call when a connection requests from `archiveSecond`: only records of that second stored
   * before this moment can come again on it (the FMC does not repeat itself within a connection),
   * so isStored() need not hash records of later seconds.
   */
  beginConnection(): void {
    this.hashUnhashed();
    this.connected = true;
    this.resent = this.second === undefined ? undefined : { second: this.second, keys: new Set(this.boundary) };
  }

  /** True for a re-sent record of the requested second that was stored before (a duplicate). */
  isStored(record: EStreamerRecord): boolean {
    const t = record.archiveTimestamp;
    if (this.resent) return t === this.resent.second && this.resent.keys.has(recordKey(record));
    if (this.connected || this.second === undefined || t !== this.second) return false;
    this.hashUnhashed();
    return this.boundary.has(recordKey(record));
  }

  /**
   * Move the bookmark over records the sink has durably stored. Returns true if the second moved
   * or records joined its boundary set. Records without an archive timestamp (metadata) do not
   * move it.
   */
  advance(stored: readonly EStreamerRecord[]): boolean {
    let changed = false;
    for (const record of stored) {
      const t = record.archiveTimestamp;
      if (t === undefined) continue;
      if (this.second === undefined || t > this.second) {
        this.second = t;
        this.boundary = new Set();
        this.unhashedFill = 0;
        this.unhashedTypes.length = 0;
        this.unhashedEnds.length = 0;
      }
      if (t === this.second) {
        this.keepUnhashed(record);
        changed = true;
      }
    }
    return changed;
  }

  toJSON(fmc: string): BookmarkJson | undefined {
    if (this.second === undefined) return undefined;
    this.hashUnhashed();
    return { version: 1, fmc, archiveSecond: this.second, boundaryKeys: [...this.boundary], updated: new Date().toISOString() };
  }

  private keepUnhashed(record: EStreamerRecord): void {
    const raw = record.raw;
    if (this.unhashedFill + raw.length > MAX_UNHASHED_BYTES) this.hashUnhashed();
    if (this.unhashedFill + raw.length > this.unhashed.length) {
      const grown = new Uint8Array(Math.max(64 * 1024, this.unhashed.length * 2, this.unhashedFill + raw.length));
      grown.set(this.unhashed.subarray(0, this.unhashedFill));
      this.unhashed = grown;
    }
    this.unhashed.set(raw, this.unhashedFill);
    this.unhashedFill += raw.length;
    this.unhashedTypes.push(record.recordType);
    this.unhashedEnds.push(this.unhashedFill);
  }

  private hashUnhashed(): void {
    let start = 0;
    for (let i = 0; i < this.unhashedEnds.length; i++) {
      const end = this.unhashedEnds[i];
      this.boundary.add(recordKey({ recordType: this.unhashedTypes[i], archiveTimestamp: this.second, raw: this.unhashed.subarray(start, end) }));
      start = end;
    }
    this.unhashedFill = 0;
    this.unhashedTypes.length = 0;
    this.unhashedEnds.length = 0;
  }
}

/** The per-FMC folder inside a state directory: one per host:port, so several FMCs never mix. */
export function fmcStateDir(stateDir: string, host: string, port: number): string {
  return path.join(stateDir, `${host.replace(/[^A-Za-z0-9._-]/g, '_')}-${port}`);
}

/** Reads and writes `bookmark.json` (atomically) in an FMC's state folder. */
export class BookmarkStore {
  readonly file: string;

  constructor(
    dir: string,
    private readonly fmc: string,
  ) {
    this.file = path.join(dir, 'bookmark.json');
  }

  async load(): Promise<ResumePoint> {
    let json: unknown;
    try {
      json = await readJsonFile(this.file);
    } catch (e) {
      throw new Error(`The bookmark ${this.file} cannot be read (${(e as Error).message}); delete it to start from --start again.`);
    }
    if (json === undefined) return new ResumePoint();
    const b = json as Partial<BookmarkJson>;
    if (b.version !== 1 || typeof b.archiveSecond !== 'number' || !Array.isArray(b.boundaryKeys)) {
      throw new Error(`The bookmark ${this.file} is not in a format this client knows; delete it to start from --start again.`);
    }
    if (b.fmc !== undefined && b.fmc !== this.fmc) {
      throw new Error(`The bookmark ${this.file} belongs to ${b.fmc}, not ${this.fmc}; use a separate state folder per FMC.`);
    }
    return new ResumePoint({ archiveSecond: b.archiveSecond, boundaryKeys: b.boundaryKeys.map(String) });
  }

  async save(point: ResumePoint): Promise<void> {
    const json = point.toJSON(this.fmc);
    if (json) await writeFileAtomic(this.file, JSON.stringify(json));
  }
}
