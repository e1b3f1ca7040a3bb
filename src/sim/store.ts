/**
 * Where the simulator's records live. An FMC keeps events with their archive (server) timestamp
 * and streams from a requested second on; metadata has no archive time and is sent "just in time"
 * before the first event of a connection that refers to it (RECORDS.md §4).
 */
import { Emitter, type Event } from '../common/events';

/** One record the simulator can send, encoded on demand (with or without the archive header). */
export interface SimRecord {
  recordType: number;
  /** Archive second: set on event records, absent on metadata. */
  archiveTimestamp?: number;
  /** Metadata keys this event refers to; the session sends those records first, once per connection. */
  refs?: readonly string[];
  /** When the record is itself metadata sent in line (the `real` scenario), its key. */
  metadataKey?: string;
  /** Close the current bundle after this record (to reproduce the real FMC's bundle boundaries). */
  bundleEnd?: boolean;
  /** Record header + data; `archive` asks for the 16-byte header with the archive timestamp. */
  encode(archive: boolean): Uint8Array;
}

export interface RecordStore {
  /** Records from archive second `from` on (the boundary second included), oldest first, lazily. */
  recordsFrom(from: number): Iterator<SimRecord>;
  /** A metadata record by key (e.g. `123:1` for device 1). */
  metadata(key: string): SimRecord | undefined;
  /** The archive second a "now" request starts from: only records appended later are sent. */
  now(): number;
  /** Fires when records are appended, so sessions that caught up can go on. */
  readonly onDidAppend: Event<void>;
}

/** Records kept in memory, sorted by archive second; new ones can be appended while serving. */
export class MemoryStore implements RecordStore {
  private readonly records: SimRecord[] = [];
  private readonly meta = new Map<string, SimRecord>();
  private readonly appended = new Emitter<void>();
  readonly onDidAppend = this.appended.event;

  constructor(records: Iterable<SimRecord> = [], metadata: Iterable<[string, SimRecord]> = []) {
    for (const [k, r] of metadata) this.meta.set(k, r);
    for (const r of records) this.records.push(r);
    // Stable sort keeps the generator's order inside one second; inline metadata (no time) stays
    // where it was by taking the time of the record before it.
    let last = 0;
    const keyed = this.records.map((r, i) => {
      if (r.archiveTimestamp !== undefined) last = r.archiveTimestamp;
      return { r, t: r.archiveTimestamp ?? last, i };
    });
    keyed.sort((a, b) => a.t - b.t || a.i - b.i);
    this.times = keyed.map((k) => k.t);
    this.records.splice(0, this.records.length, ...keyed.map((k) => k.r));
  }

  private times: number[];

  get size(): number {
    return this.records.length;
  }

  addMetadata(key: string, record: SimRecord): void {
    this.meta.set(key, record);
  }

  metadata(key: string): SimRecord | undefined {
    return this.meta.get(key);
  }

  /** Appends live records (their archive seconds must not go backwards). */
  append(records: readonly SimRecord[]): void {
    for (const r of records) {
      const t = r.archiveTimestamp ?? this.times[this.times.length - 1] ?? 0;
      if (this.times.length > 0 && t < this.times[this.times.length - 1]) {
        throw new Error(`Appended record has archive time ${t}, before the newest stored one (${this.times[this.times.length - 1]}).`);
      }
      this.records.push(r);
      this.times.push(t);
    }
    this.appended.fire();
  }

  now(): number {
    const newest = this.times[this.times.length - 1] ?? 0;
    return Math.max(newest + 1, Math.floor(Date.now() / 1000));
  }

  recordsFrom(from: number): Iterator<SimRecord> {
    // First index whose time is >= from (binary search); the iterator sees later appends.
    let lo = 0;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid] < from) lo = mid + 1;
      else hi = mid;
    }
    let i = lo;
    const records = this.records;
    return {
      next: (): IteratorResult<SimRecord> => (i < records.length ? { value: records[i++], done: false } : { value: undefined, done: true }),
    };
  }
}
