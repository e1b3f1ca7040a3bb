/**
 * The incremental compromise analysis: feed it records one at a time (live stream or dumps, same
 * path), ask it at any moment for the hosts with their verdicts and for a host's timeline.
 *
 * Events are stored once, in arrival order, in typed-array columns; each host keeps the numbers of
 * the events that name it. Host summaries are recomputed lazily, only for hosts that changed since
 * the last call; an event's one-line summary is built only when a timeline shows it.
 */
import * as path from 'node:path';
import type { EStreamerRecord } from '../protocol/types';
import { Emitter, type Event } from '../common/events';
import { LANES, type AnalysisReport, type HostSummary, type HostTimeline, type IndicatorRef, type Lane, type RecordRef, type Severity, type TimelineEvent, type Verdict } from '../common/timeline';
import { breaksLines, flatten, isoMicro } from './fields';
import { TEXT_ARITY, connectionKeyText, eventKeyText, observeEvent, summaryText, type EventFacts, type Indicator, type IocTrigger, type Names, type TextArg } from './observe';

export const DEFAULT_BEFORE_MS = 24 * 3600 * 1000;

/** Indicators listed per host summary (all of them count for the verdict and the reasons). */
const MAX_LISTED_INDICATORS = 200;

/** Most events of one connection linked to each other. */
const MAX_LINKS = 32;

/** An indicator that on its own makes a host compromised. */
const COMPROMISE_STRENGTH = 60;
/** Several weaker indicators of different kinds that together make a host compromised. */
const COMPROMISE_SUM = 100;

export interface TimelineOptions {
  /** How far before the first indicator to show; default 24 h. */
  beforeMs?: number;
  /** How far after the first indicator to show; default everything. */
  afterMs?: number;
}

/** A growable list of int32 (event numbers): a million entries in 4 MB, nothing for the GC to trace. */
class IntList {
  private data = new Int32Array(8);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = v;
  }

  at(i: number): number {
    return this.data[i];
  }

  toArray(): number[] {
    return Array.from(this.data.subarray(0, this.length));
  }
}

/**
 * Host numbers by address. Most addresses are IPv4 in canonical dotted form, kept by value in an
 * open-addressing table of int32 (one probe, usually one cache line: a Map of strings costs
 * several cache misses per lookup while the reader churns through memory); anything else goes
 * through a Map.
 */
class HostNumbers {
  /** Pairs (address as int32, host number + 1); 0 in the second slot marks a free pair. */
  private slots = new Int32Array(2 * 4096);
  private used = 0;
  private readonly others = new Map<string, number>();

  get(ip: string): number | undefined {
    const v4 = ipv4Value(ip);
    if (v4 === undefined) return this.others.get(ip);
    const mask = (this.slots.length >> 1) - 1;
    for (let i = hash32(v4) & mask; ; i = (i + 1) & mask) {
      const id = this.slots[2 * i + 1];
      if (id === 0) return undefined;
      if (this.slots[2 * i] === v4) return id - 1;
    }
  }

  set(ip: string, id: number): void {
    const v4 = ipv4Value(ip);
    if (v4 === undefined) {
      this.others.set(ip, id);
      return;
    }
    if (2 * (this.used + 1) > this.slots.length >> 1) this.rehash();
    this.insert(v4, id);
    this.used++;
  }

  private insert(v4: number, id: number): void {
    const mask = (this.slots.length >> 1) - 1;
    let i = hash32(v4) & mask;
    while (this.slots[2 * i + 1] !== 0) i = (i + 1) & mask;
    this.slots[2 * i] = v4;
    this.slots[2 * i + 1] = id + 1;
  }

  private rehash(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    for (let i = 0; i < old.length; i += 2) if (old[i + 1] !== 0) this.insert(old[i], old[i + 1] - 1);
  }
}

function hash32(v: number): number {
  const h = Math.imul(v, 0x9e3779b1);
  return h ^ (h >>> 15);
}

/**
 * A canonical dotted quad ("10.1.2.3", no leading zeros) as an int32, else undefined: only
 * canonical text maps to a number, so two spellings never fall on one host by accident.
 */
function ipv4Value(ip: string): number | undefined {
  const n = ip.length;
  if (n < 7 || n > 15) return undefined;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part > 255 || dots === 3) return undefined;
      value = (value << 8) | part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && part === 0) return undefined; // leading zero
      part = part * 10 + (c - 48);
      digits++;
    } else return undefined;
  }
  if (dots !== 3 || digits === 0 || part > 255) return undefined;
  return (value << 8) | part;
}

interface HostState {
  /** Host number: index in the host list and in the per-host counters. */
  id: number;
  ip: string;
  macs: Set<string>;
  netbiosNames: Set<string>;
  os: Set<string>;
  users: Set<string>;
  /** Indicator event numbers (few; the host's other events are found through the event columns). */
  indicators: IntList;
  /** Sort key for equal scores: IPv4 numerically, then IPv6 as text. */
  order: string;
  cached?: HostSummary;
  /** Exact time of the first indicator (the summary's ISO string is for display). */
  firstIndicatorMs?: number;
}

/** No event ids (shared, never changed). */
const NO_IDS: readonly string[] = [];

/** Per-host counter slots: one per lane (LANES order), then these. */
const CONTEXT_SLOT = 6;
const STALE_SLOT = 7;
const HOST_STRIDE = 8;

/** Flags per event. */
const CONTEXT = 1;
const HAS_CONNECTION = 2;
const HAS_EVENT_KEY = 4;
const HAS_INDICATOR = 8;
const HAS_TRIGGER = 16;
/** Some value did not fit its column; see EventStore.odd. */
const HAS_ODD = 32;

const MAX_ARITY = Math.max(...TEXT_ARITY);

/** Tags of the stored summary values. */
const ARG_UNDEFINED = 0;
const ARG_INT = 1;
const ARG_STRING = 2;
const ARG_FALSE = 3;
const ARG_TRUE = 4;
const ARG_DOUBLE = 5;

/** Events per chunk (the first chunk starts small and grows to this). */
const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

/**
 * An event is one row of ROW 32-bit words: a timeline reads events scattered over the whole
 * store, and a row is two cache lines where a column per fact would be a dozen.
 */
const W_TIME = 0; // float64: words 0-1
const W_TYPE = 2;
const W_SRC = 3;
const W_DST = 4;
const W_FILE = 5;
const W_LINE = 6;
/** lane (bits 0-3), severity (4-7), family (8-15), flags (16-23), summary template (24-31). */
const W_PACKED = 7;
const W_IOC = 8;
const W_CONN = 9; // 4 words: device, instance, second, counter
const W_EVENT = 13; // 2 words: device, event id
const W_TAGS = 15; // 2 words: 3-bit tags of the summary values, 10 to a word
const W_ARGS = 17; // MAX_ARITY words: the summary values
const ROW = 32;
if (W_ARGS + MAX_ARITY > ROW) throw new Error('analysis: summary values do not fit an event row');

/** The rows of CHUNK events (or fewer, for the first chunk while it grows), three views of one buffer. */
class Chunk {
  readonly f64: Float64Array;
  readonly u32: Uint32Array;
  readonly i32: Int32Array;

  constructor(readonly size: number, from?: Chunk) {
    const buffer = new ArrayBuffer(size * ROW * 4);
    this.f64 = new Float64Array(buffer);
    this.u32 = new Uint32Array(buffer);
    this.i32 = new Int32Array(buffer);
    if (from) this.u32.set(from.u32);
  }
}

/** Values of an event that do not fit their place in the row (not uint32, a 257th family): kept as they are. */
interface OddValues {
  recordType?: number;
  line?: number;
  iocNumber?: number;
  connectionKey?: string;
  eventKey?: string;
  family?: string;
}

function isUint32(v: number): boolean {
  // 1 / -0 is -Infinity: -0 would come back as 0.
  return v >>> 0 === v && (v !== 0 || 1 / v > 0);
}

/**
 * Every event's facts in rows of 32-bit words in chunks of CHUNK events: a million events are a
 * few dozen buffers rather than a million objects with their strings, so storing them costs the
 * garbage collector next to nothing, and a new chunk copies nothing. A row is 128 bytes: fresh
 * memory costs page faults, so every byte per event counts at a million events. Strings (file
 * names, the names and record text a summary shows) are kept once each and referred to by
 * number; hosts are numbers the Analyzer gives. Indicators, IOC triggers and values too wide for
 * the row are few and kept by event number.
 */
class EventStore {
  length = 0;
  private readonly chunks: Chunk[] = [new Chunk(1024)];
  readonly indicators = new Map<number, Indicator>();
  readonly iocTriggers = new Map<number, IocTrigger>();
  private readonly odd = new Map<number, OddValues>();
  /** Interned strings: the summaries' names and record text, mostly a few hundred distinct ones. */
  readonly strings: string[] = [];
  /** Per interned string: whether it holds characters flatten() replaces (then the summary needs it). */
  private readonly stringBreaks: boolean[] = [];
  /** Whether the values args() last returned hold such a string. */
  argsBreakLines = false;
  private readonly argsOut: TextArg[] = [];
  private readonly stringIds = new Map<string, number>();
  private readonly lastString = new Array<string | undefined>(MAX_ARITY).fill(undefined);
  private readonly lastStringId = new Int32Array(MAX_ARITY);
  /** Summary values that are not int32 (byte counts beyond 2 GiB, fractions). */
  private readonly doubles: number[] = [];
  readonly families: string[] = [];
  private lastFamily = '';
  private lastFamilyId = -1;

  /** Stores an event; returns its number. */
  add(obs: EventFacts, src: number, dst: number, file: number, line: number, lane: number): number {
    const seq = this.length++;
    let c = this.chunks[seq >>> CHUNK_BITS];
    const i = seq & CHUNK_MASK;
    if (!c) this.chunks.push((c = new Chunk(CHUNK)));
    else if (i === c.size) this.chunks[seq >>> CHUNK_BITS] = c = new Chunk(c.size * 2, c); // the first chunk, growing
    const u = c.u32;
    const r = i * ROW;
    let odd: OddValues | undefined;
    c.f64[(r + W_TIME) >> 1] = obs.timeMs;
    if (isUint32(obs.recordType)) u[r + W_TYPE] = obs.recordType;
    else (odd ??= {}).recordType = obs.recordType;
    c.i32[r + W_SRC] = src;
    c.i32[r + W_DST] = dst;
    c.i32[r + W_FILE] = file;
    if (isUint32(line)) u[r + W_LINE] = line;
    else (odd ??= {}).line = line;
    if (obs.family !== this.lastFamily) {
      this.lastFamily = obs.family;
      this.lastFamilyId = this.families.indexOf(obs.family);
      if (this.lastFamilyId < 0) this.lastFamilyId = this.families.push(obs.family) - 1;
    }
    if (this.lastFamilyId > 255) (odd ??= {}).family = obs.family;
    const ioc = obs.iocNumber ?? 0;
    if (isUint32(ioc)) u[r + W_IOC] = ioc;
    else (odd ??= {}).iocNumber = ioc;
    if (obs.hasConnection) {
      const { connDevice: d, connInstance: n, connSecond: t, connCounter: k } = obs;
      if (isUint32(d) && isUint32(n) && isUint32(t) && isUint32(k)) {
        u[r + W_CONN] = d;
        u[r + W_CONN + 1] = n;
        u[r + W_CONN + 2] = t;
        u[r + W_CONN + 3] = k;
      } else (odd ??= {}).connectionKey = connectionKeyText(d, n, t, k);
    }
    if (obs.hasEventKey) {
      if (isUint32(obs.eventDevice) && isUint32(obs.eventId)) {
        u[r + W_EVENT] = obs.eventDevice;
        u[r + W_EVENT + 1] = obs.eventId;
      } else (odd ??= {}).eventKey = eventKeyText(obs.eventDevice, obs.eventId);
    }
    const flags =
      (obs.context ? CONTEXT : 0) |
      (obs.hasConnection ? HAS_CONNECTION : 0) |
      (obs.hasEventKey ? HAS_EVENT_KEY : 0) |
      (obs.indicator ? HAS_INDICATOR : 0) |
      (obs.iocTrigger ? HAS_TRIGGER : 0) |
      (odd ? HAS_ODD : 0);
    u[r + W_PACKED] = (lane | (obs.severity << 4) | ((this.lastFamilyId & 255) << 8) | (flags << 16) | (obs.text << 24)) >>> 0;
    if (odd) this.odd.set(seq, odd);
    const args = obs.args;
    let tags0 = 0;
    let tags1 = 0;
    for (let k = 0; k < args.length; k++) {
      const v = args[k];
      let tag: number;
      if (v === undefined) tag = ARG_UNDEFINED;
      else if (typeof v === 'number') {
        if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
          tag = ARG_INT;
          c.i32[r + W_ARGS + k] = v;
        } else {
          tag = ARG_DOUBLE;
          c.i32[r + W_ARGS + k] = this.doubles.push(v) - 1;
        }
      } else if (typeof v === 'string') {
        tag = ARG_STRING;
        // Names come from the metadata cache event after event, record text often repeats: a
        // comparison with the last string at this position mostly saves the lookup.
        if (v !== this.lastString[k]) {
          this.lastString[k] = v;
          this.lastStringId[k] = this.intern(v);
        }
        c.i32[r + W_ARGS + k] = this.lastStringId[k];
      } else tag = v ? ARG_TRUE : ARG_FALSE;
      if (k < 10) tags0 |= tag << (3 * k);
      else tags1 |= tag << (3 * (k - 10));
    }
    u[r + W_TAGS] = tags0;
    u[r + W_TAGS + 1] = tags1;
    if (obs.indicator) this.indicators.set(seq, obs.indicator);
    if (obs.iocTrigger) this.iocTriggers.set(seq, obs.iocTrigger);
    return seq;
  }

  private chunk(seq: number): Chunk {
    return this.chunks[seq >>> CHUNK_BITS];
  }

  private packed(seq: number): number {
    return this.chunk(seq).u32[(seq & CHUNK_MASK) * ROW + W_PACKED];
  }

  private oddOf(seq: number): OddValues | undefined {
    return this.flags(seq) & HAS_ODD ? this.odd.get(seq) : undefined;
  }

  timeMs(seq: number): number {
    return this.chunk(seq).f64[((seq & CHUNK_MASK) * ROW + W_TIME) >> 1];
  }

  recordType(seq: number): number {
    return this.oddOf(seq)?.recordType ?? this.chunk(seq).u32[(seq & CHUNK_MASK) * ROW + W_TYPE];
  }

  src(seq: number): number {
    return this.chunk(seq).i32[(seq & CHUNK_MASK) * ROW + W_SRC];
  }

  dst(seq: number): number {
    return this.chunk(seq).i32[(seq & CHUNK_MASK) * ROW + W_DST];
  }

  file(seq: number): number {
    return this.chunk(seq).i32[(seq & CHUNK_MASK) * ROW + W_FILE];
  }

  line(seq: number): number {
    return this.oddOf(seq)?.line ?? this.chunk(seq).u32[(seq & CHUNK_MASK) * ROW + W_LINE];
  }

  lane(seq: number): Lane {
    return LANES[this.packed(seq) & 15];
  }

  severity(seq: number): Severity {
    return ((this.packed(seq) >>> 4) & 15) as Severity;
  }

  family(seq: number): string {
    return this.oddOf(seq)?.family ?? this.families[(this.packed(seq) >>> 8) & 255];
  }

  flags(seq: number): number {
    return (this.packed(seq) >>> 16) & 255;
  }

  iocNumber(seq: number): number | undefined {
    return (this.oddOf(seq)?.iocNumber ?? this.chunk(seq).u32[(seq & CHUNK_MASK) * ROW + W_IOC]) || undefined;
  }

  connectionKey(seq: number): string | undefined {
    if (!(this.flags(seq) & HAS_CONNECTION)) return undefined;
    const odd = this.oddOf(seq)?.connectionKey;
    if (odd !== undefined) return odd;
    const u = this.chunk(seq).u32;
    const r = (seq & CHUNK_MASK) * ROW + W_CONN;
    return connectionKeyText(u[r], u[r + 1], u[r + 2], u[r + 3]);
  }

  eventKey(seq: number): string | undefined {
    if (!(this.flags(seq) & HAS_EVENT_KEY)) return undefined;
    const odd = this.oddOf(seq)?.eventKey;
    if (odd !== undefined) return odd;
    const u = this.chunk(seq).u32;
    const r = (seq & CHUNK_MASK) * ROW + W_EVENT;
    return eventKeyText(u[r], u[r + 1]);
  }

  /** The event's summary template number and values. */
  text(seq: number): number {
    return this.packed(seq) >>> 24;
  }

  /** The event's summary values, in an array reused by the next call (summaryText reads them at once). */
  args(seq: number): TextArg[] {
    const c = this.chunk(seq);
    const r = (seq & CHUNK_MASK) * ROW;
    const n = TEXT_ARITY[c.u32[r + W_PACKED] >>> 24];
    const tags0 = c.u32[r + W_TAGS];
    const tags1 = c.u32[r + W_TAGS + 1];
    const out = this.argsOut;
    out.length = n;
    let breaks = false;
    for (let k = 0; k < n; k++) {
      const tag = k < 10 ? (tags0 >>> (3 * k)) & 7 : (tags1 >>> (3 * (k - 10))) & 7;
      const v = c.i32[r + W_ARGS + k];
      if (tag === ARG_STRING) {
        out[k] = this.strings[v];
        breaks ||= this.stringBreaks[v];
      } else out[k] = tag === ARG_INT ? v : tag === ARG_DOUBLE ? this.doubles[v] : tag === ARG_UNDEFINED ? undefined : tag === ARG_TRUE;
    }
    this.argsBreakLines = breaks;
    return out;
  }

  intern(s: string): number {
    let id = this.stringIds.get(s);
    if (id === undefined) {
      id = this.strings.length;
      // The stored copy is flat: a rope would keep the pieces it was built from alive.
      void Number(s);
      this.strings.push(s);
      this.stringBreaks.push(breaksLines(s));
      this.stringIds.set(s, id);
    }
    return id;
  }
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

export class Analyzer {
  private readonly ev = new EventStore();
  private readonly hostMap = new Map<string, HostState>();
  /** Hosts by number (an event's src and dst columns hold these numbers). */
  private readonly hostList: HostState[] = [];
  private readonly hostNumbers = new HostNumbers();
  /** Per host number: whether the address text holds characters flatten() replaces (never, from the codec). */
  private readonly hostBreaks: boolean[] = [];
  /**
   * Per host, in one array (HOST_STRIDE slots each, one cache line): events per lane, context
   * events, and whether the summary is stale. The summary needs them for every host.
   */
  private hostCounts = new Int32Array(HOST_STRIDE * 1024);
  /** (host, event) pairs for indicators about a host that is neither source nor destination. */
  private readonly extraEvents = new IntList();
  /** Each host's event numbers, built from the columns when a timeline asks (see eventsOf). */
  private byHost?: { upTo: number; start: Int32Array; list: Int32Array };
  /** The last file name and summary strings seen, to skip their lookups (they repeat). */
  private lastFile = '';
  private lastFileId = -1;
  /** Interned file names: a million events share a handful of strings. */
  private readonly files: string[] = [];
  private readonly fileIds = new Map<string, number>();
  private readonly changeEmitter = new Emitter<void>();
  private changePending = false;
  private records = 0;
  private skipped = 0;

  /** Listeners of onDidChange: without any, adding a record schedules nothing. */
  private listeners = 0;
  /** Records were added while nobody listened. */
  private unannounced = false;

  /**
   * Fires (at most once per microtask) after records were added; a listener that subscribes after
   * records were added unheard gets one change too. (A microtask per record costs a dump reader
   * that awaits between records a third of a microsecond each, for nobody.)
   */
  readonly onDidChange: Event<void> = (listener) => {
    const subscription = this.changeEmitter.event(listener);
    this.listeners++;
    if (this.unannounced) {
      this.unannounced = false;
      this.scheduleChange();
    }
    let disposed = false;
    return {
      dispose: () => {
        if (disposed) return;
        disposed = true;
        this.listeners--;
        subscription.dispose();
      },
    };
  };

  get recordsRead(): number {
    return this.records;
  }

  /** Records that carried nothing for the analysis (metadata, packets, unknown or malformed). */
  get recordsSkipped(): number {
    return this.skipped;
  }

  add(record: EStreamerRecord, names: Names, ref: RecordRef): void {
    this.records++;
    let obs: EventFacts | undefined;
    try {
      obs = record.family === 'metadata' || record.status === 'malformed' ? undefined : observeEvent(record, names);
    } catch {
      obs = undefined; // a record the codec half-decoded must never stop the analysis
    }
    if (!obs || (!obs.src && !obs.dst)) {
      this.skipped++;
      return;
    }
    let file = this.lastFileId;
    if (ref.file !== this.lastFile) {
      let id = this.fileIds.get(ref.file);
      if (id === undefined) {
        id = this.files.push(ref.file) - 1;
        this.fileIds.set(ref.file, id);
      }
      this.lastFile = ref.file;
      this.lastFileId = file = id;
    }
    const a = obs.src ? this.hostId(obs.src) : -1;
    const b = obs.dst && obs.dst !== obs.src ? this.hostId(obs.dst) : -1;
    const laneIndex = LANES.indexOf(obs.lane);
    // Indicators are few, and every host summary lists them: the description is built once, here.
    if (obs.indicator) obs.indicator.description = flatten(obs.indicator.description);
    const seq = this.ev.add(obs, a, obs.dst ? (b >= 0 ? b : a) : -1, file, ref.line, laneIndex);
    const counts = this.hostCounts;
    if (a >= 0) {
      counts[a * HOST_STRIDE + laneIndex]++;
      if (obs.context) counts[a * HOST_STRIDE + CONTEXT_SLOT]++;
      counts[a * HOST_STRIDE + STALE_SLOT] = 1;
    }
    if (b >= 0) {
      counts[b * HOST_STRIDE + laneIndex]++;
      if (obs.context) counts[b * HOST_STRIDE + CONTEXT_SLOT]++;
      counts[b * HOST_STRIDE + STALE_SLOT] = 1;
    }
    if (obs.indicator) {
      const victim = this.host(obs.indicator.host);
      if (victim.id !== a && victim.id !== b) {
        this.extraEvents.push(victim.id);
        this.extraEvents.push(seq);
        this.hostCounts[victim.id * HOST_STRIDE + laneIndex]++;
      }
      victim.indicators.push(seq);
      victim.cached = undefined;
    }
    if (obs.facts) {
      for (const fact of obs.facts) {
        const h = this.host(fact.ip);
        if (fact.mac) h.macs.add(fact.mac);
        if (fact.netbios) h.netbiosNames.add(fact.netbios);
        if (fact.os) h.os.add(fact.os);
        if (fact.user) h.users.add(fact.user);
        h.cached = undefined;
      }
    }
    if (this.listeners > 0) this.scheduleChange();
    else this.unannounced = true;
  }

  /** All hosts, worst first (score, then address). */
  hosts(): HostSummary[] {
    const states = [...this.hostMap.values()];
    const scored = states.map((h) => ({ h, s: this.summary(h) }));
    scored.sort((a, b) => b.s.score - a.s.score || (a.h.order < b.h.order ? -1 : a.h.order > b.h.order ? 1 : 0));
    return scored.map((x) => x.s);
  }

  private host(ip: string): HostState {
    return this.hostList[this.hostId(ip)];
  }

  /** The host's number, creating the host on first sight. */
  private hostId(ip: string): number {
    let id = this.hostNumbers.get(ip);
    if (id === undefined) {
      id = this.hostList.length;
      const h: HostState = { id, ip, macs: new Set(), netbiosNames: new Set(), os: new Set(), users: new Set(), indicators: new IntList(), order: ipOrder(ip) };
      this.hostList.push(h);
      this.hostBreaks.push(breaksLines(ip));
      this.hostMap.set(ip, h);
      this.hostNumbers.set(ip, id);
      if ((id + 1) * HOST_STRIDE > this.hostCounts.length) this.hostCounts = grow(this.hostCounts, this.hostCounts.length * 2);
    }
    return id;
  }

  /**
   * The host's event numbers in arrival order. Built for all hosts at once from the event columns
   * (two passes over them) when a timeline first asks; events that arrive later are found by a
   * scan of the columns until they are many enough to rebuild.
   */
  private eventsOf(h: HostState): number[] {
    const n = this.ev.length;
    let index = this.byHost;
    if (!index || n - index.upTo > Math.max(4096, index.upTo >> 3)) index = this.byHost = this.buildByHost();
    // A host first seen after the index was built is only in the events since.
    const out = h.id + 1 < index.start.length ? Array.from(index.list.subarray(index.start[h.id], index.start[h.id + 1])) : [];
    if (index.upTo < n) {
      const ev = this.ev;
      const extra = this.extraAfter(index.upTo);
      for (let s = index.upTo; s < n; s++) {
        if (ev.src(s) === h.id || ev.dst(s) === h.id) out.push(s);
        else
          for (let i = extra.from; i < extra.to; i += 2) {
            if (this.extraEvents.at(i + 1) === s && this.extraEvents.at(i) === h.id) out.push(s);
          }
      }
    }
    return out;
  }

  /** The range of extraEvents pairs whose event number is ≥ `seq`. */
  private extraAfter(seq: number): { from: number; to: number } {
    let from = this.extraEvents.length;
    while (from > 0 && this.extraEvents.at(from - 1) >= seq) from -= 2;
    return { from, to: this.extraEvents.length };
  }

  private buildByHost(): { upTo: number; start: Int32Array; list: Int32Array } {
    const n = this.ev.length;
    const hosts = this.hostList.length;
    const ev = this.ev;
    const extra = this.extraEvents;
    const start = new Int32Array(hosts + 1);
    for (let s = 0; s < n; s++) {
      const src = ev.src(s);
      const dst = ev.dst(s);
      if (src >= 0) start[src + 1]++;
      if (dst >= 0 && dst !== src) start[dst + 1]++;
    }
    for (let i = 0; i < extra.length; i += 2) start[extra.at(i) + 1]++;
    for (let h = 0; h < hosts; h++) start[h + 1] += start[h];
    const fill = start.slice(0, hosts);
    const list = new Int32Array(start[hosts]);
    let e = 0;
    for (let s = 0; s < n; s++) {
      const src = ev.src(s);
      const dst = ev.dst(s);
      if (src >= 0) list[fill[src]++] = s;
      if (dst >= 0 && dst !== src) list[fill[dst]++] = s;
      // An indicator's host that is neither side: its pair was pushed with the event.
      for (; e < extra.length && extra.at(e + 1) === s; e += 2) list[fill[extra.at(e)]++] = s;
    }
    return { upTo: n, start, list };
  }

  summaryOf(ip: string): HostSummary | undefined {
    const h = this.hostMap.get(ip);
    return h ? this.summary(h) : undefined;
  }

  /**
   * The host's events in time order within the window around its first indicator (everything,
   * for a host without one), with connection links resolved.
   */
  timeline(ip: string, opts: TimelineOptions = {}): HostTimeline | undefined {
    const h = this.hostMap.get(ip);
    if (!h) return undefined;
    const summary = this.summary(h);
    const ev = this.ev;
    const sorted = this.byTime(this.eventsOf(h));
    let from = sorted.length ? ev.timeMs(sorted[0]) : 0;
    let to = sorted.length ? ev.timeMs(sorted[sorted.length - 1]) : 0;
    const anchor = h.firstIndicatorMs;
    if (anchor !== undefined) {
      from = anchor - (opts.beforeMs ?? DEFAULT_BEFORE_MS);
      if (opts.afterMs !== undefined) to = anchor + opts.afterMs;
      else to = Math.max(to, anchor);
    }
    const inWindow: number[] = [];
    for (const s of sorted) {
      const t = ev.timeMs(s);
      if (t >= from && t <= to + 1) inWindow.push(s);
    }
    const n = inWindow.length;
    // Ids and keys as text only for the events shown.
    const ids = new Array<string>(n);
    const keys = new Array<string | undefined>(n);
    const byConnection = new Map<string, string[]>();
    const byEventKey = new Map<string, string>();
    for (let i = 0; i < n; i++) {
      const s = inWindow[i];
      const id = (ids[i] = `e${s}`);
      const key = (keys[i] = ev.connectionKey(s));
      if (key !== undefined) {
        let group = byConnection.get(key);
        if (!group) byConnection.set(key, (group = []));
        // A connection has a handful of events; a key shared by thousands is broken data, and
        // linking all of them to each other would be quadratic.
        if (group.length < MAX_LINKS) group.push(id);
      }
      const eventKey = ev.eventKey(s);
      if (eventKey !== undefined) byEventKey.set(eventKey, id);
    }
    // The latest event so far that carries each IOC number: what an IOC tag that follows it set.
    const lastWithIoc = new Map<number, string>();
    const events = new Array<TimelineEvent>(n);
    let linked = false;
    for (let i = 0; i < n; i++) {
      const s = inWindow[i];
      const id = ids[i];
      const key = keys[i];
      const flags = ev.flags(s);
      const lane = ev.lane(s);
      const links: string[] = [];
      if (key !== undefined) for (const x of byConnection.get(key) as string[]) if (x !== id) links.push(x);
      const iocTrigger = flags & HAS_TRIGGER ? ev.iocTriggers.get(s) : undefined;
      let trigger = iocTrigger ? triggerIds(iocTrigger, byConnection, byEventKey) : NO_IDS;
      const iocNumber = ev.iocNumber(s);
      if (iocNumber !== undefined) {
        if (lane !== 'ioc') lastWithIoc.set(iocNumber, id);
        else if (!trigger.length && lastWithIoc.has(iocNumber)) trigger = [lastWithIoc.get(iocNumber) as string];
      }
      for (const x of trigger) if (x !== id && !links.includes(x)) links.push(x);
      if (links.length) linked = true;
      const src = this.ipOf(ev.src(s));
      const dst = this.ipOf(ev.dst(s));
      const recordType = ev.recordType(s);
      const time = ev.timeMs(s);
      const e: TimelineEvent = {
        id,
        time: isoMicro(time),
        timeMs: time,
        lane,
        severity: ev.severity(s),
        recordType,
        family: ev.family(s),
        summary: this.summaryLine(s, src, dst, recordType),
        links,
        ref: { file: this.files[ev.file(s)], line: ev.line(s) },
      };
      const peer = src === ip ? dst : src;
      if (peer && peer !== ip) e.peer = peer;
      if (flags & HAS_INDICATOR) {
        const indicator = ev.indicators.get(s) as Indicator;
        if (indicator.host === ip) e.indicatorKind = indicator.kind;
      }
      if (key !== undefined) e.connectionKey = key;
      events[i] = e;
    }
    // An IOC tag points at its trigger; make the link visible from the trigger's side too.
    if (linked) {
      const byId = new Map<string, TimelineEvent>();
      for (const e of events) byId.set(e.id, e);
      for (const e of events) for (const l of e.links) {
        const other = byId.get(l);
        if (other && other.links.length < MAX_LINKS && !other.links.includes(e.id)) other.links.push(e.id);
      }
    }
    return { host: summary, window: { from: isoMicro(from), to: isoMicro(to) }, events };
  }

  report(): AnalysisReport {
    return { generatedAt: new Date().toISOString(), recordsRead: this.records, hosts: this.hosts() };
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }

  /**
   * The event's one-line summary. Templates and numbers never hold line-breaking characters, so
   * flatten() (a regular expression over the whole line) only runs when a value might.
   */
  private summaryLine(s: number, src: string | undefined, dst: string | undefined, recordType: number): string {
    const ev = this.ev;
    const text = summaryText(ev.text(s), ev.args(s), src, dst, recordType);
    const a = ev.src(s);
    const b = ev.dst(s);
    return ev.argsBreakLines || (a >= 0 && this.hostBreaks[a]) || (b >= 0 && this.hostBreaks[b]) ? flatten(text) : text;
  }

  private ipOf(host: number): string | undefined {
    return host < 0 ? undefined : this.hostList[host].ip;
  }

  /** Event numbers in time order; equal times keep arrival order. */
  private byTime(seqs: number[]): number[] {
    const ev = this.ev;
    return seqs.sort((a, b) => ev.timeMs(a) - ev.timeMs(b) || a - b);
  }

  private scheduleChange(): void {
    if (this.changePending) return;
    this.changePending = true;
    queueMicrotask(this.fireChange);
  }

  /** One function for every microtask (a reader that awaits per record schedules one per record). */
  private readonly fireChange = (): void => {
    this.changePending = false;
    this.changeEmitter.fire();
  };

  private summary(h: HostState): HostSummary {
    const counts = this.hostCounts;
    const at = h.id * HOST_STRIDE;
    if (h.cached && counts[at + STALE_SLOT] === 0) return h.cached;
    counts[at + STALE_SLOT] = 0;
    const laneCounts = emptyLaneCounts();
    let eventCount = 0;
    LANES.forEach((lane, i) => {
      laneCounts[lane] = counts[at + i];
      eventCount += counts[at + i];
    });
    const contextCount = counts[at + CONTEXT_SLOT];
    const indicatorEvents = this.byTime(h.indicators.toArray());
    // Stable sort: equal times keep arrival order.
    const indicators = indicatorEvents.map((s) => this.indicatorRef(s)).sort((a, b) => a.time.localeCompare(b.time));
    // A loop, not Math.min(...): a beaconing host can carry more indicators than a call has arguments.
    h.firstIndicatorMs = indicatorEvents.reduce<number | undefined>((min, s) => Math.min(min ?? Infinity, this.indicatorTimeMs(s)), undefined);
    const { verdict, score } = judge(indicatorEvents.map((s) => this.ev.indicators.get(s) as Indicator), contextCount);
    const first = indicators[0];
    const summary: HostSummary = {
      ip: h.ip,
      macs: [...h.macs],
      netbiosNames: [...h.netbiosNames],
      os: [...h.os],
      users: [...h.users],
      verdict,
      score,
      reasons: reasonsFor(verdict, indicators, contextCount, eventCount),
      // The reasons count them all; the list keeps the first ones (a beacon every minute for a
      // month would otherwise put 40 000 entries in every tree refresh).
      indicators: indicators.length > MAX_LISTED_INDICATORS ? indicators.slice(0, MAX_LISTED_INDICATORS) : indicators,
      laneCounts,
      eventCount,
    };
    if (first) summary.firstIndicator = first;
    h.cached = summary;
    return summary;
  }

  private indicatorRef(s: number): IndicatorRef {
    const ind = this.ev.indicators.get(s) as Indicator;
    const time = this.indicatorTimeMs(s);
    const description = time < this.ev.timeMs(s) ? `${ind.description}, first triggered ${isoMicro(time).slice(0, 19)}Z` : ind.description;
    return { kind: ind.kind, time: isoMicro(time), recordType: this.ev.recordType(s), file: this.files[this.ev.file(s)], line: this.ev.line(s), description };
  }

  /** The FMC's IOC state says when a tag was first triggered, which can precede the tag record. */
  private indicatorTimeMs(s: number): number {
    const t = this.ev.timeMs(s);
    const firstSeen = this.ev.iocTriggers.get(s)?.firstSeenMs;
    return firstSeen && firstSeen < t ? firstSeen : t;
  }
}

function emptyLaneCounts(): Record<Lane, number> {
  return Object.fromEntries(LANES.map((l) => [l, 0])) as Record<Lane, number>;
}

function triggerIds(t: IocTrigger, byConnection: Map<string, string[]>, byEventKey: Map<string, string>): string[] {
  const out: string[] = [];
  if (t.connectionKey) out.push(...(byConnection.get(t.connectionKey) ?? []));
  if (t.deviceId !== undefined && t.eventId !== undefined) {
    const id = byEventKey.get(`${t.deviceId}/${t.eventId}`);
    if (id) out.push(id);
  }
  return out;
}

export function judge(indicators: readonly Indicator[], contextCount: number): { verdict: Verdict; score: number } {
  if (indicators.length === 0) return { verdict: 'clean', score: Math.min(contextCount, 10) };
  const strongestByKind = new Map<string, number>();
  for (const i of indicators) strongestByKind.set(i.kind, Math.max(strongestByKind.get(i.kind) ?? 0, i.strength));
  const max = Math.max(...strongestByKind.values());
  const sum = [...strongestByKind.values()].reduce((a, b) => a + b, 0);
  const compromised = max >= COMPROMISE_STRENGTH || (strongestByKind.size >= 2 && sum >= COMPROMISE_SUM);
  const verdict: Verdict = compromised ? 'compromised' : 'suspicious';
  // Verdict first, then the strongest evidence, then breadth and volume of evidence.
  const score = (compromised ? 200 : 100) + max + 5 * (strongestByKind.size - 1) + Math.min(indicators.length, 20);
  return { verdict, score };
}

function where(ref: RecordRef): string {
  return `${path.basename(ref.file)}:${ref.line}`;
}

/** One reason per kind of indicator, in the order they first appeared, each with its record. */
function reasonsFor(verdict: Verdict, indicators: IndicatorRef[], contextCount: number, eventCount: number): string[] {
  const reasons: string[] = [];
  const byKind = new Map<string, IndicatorRef[]>();
  for (const i of indicators) {
    const list = byKind.get(i.kind) ?? [];
    list.push(i);
    byKind.set(i.kind, list);
  }
  for (const [kind, list] of byKind) {
    const first = list[0];
    const more = list.length > 1 ? ` — and ${list.length - 1} more ${KIND_NOUNS[kind] ?? `'${kind}' indicators`} until ${list[list.length - 1].time.slice(0, 19)}Z` : '';
    reasons.push(`${capitalize(first.description)} at ${first.time.slice(0, 19)}Z (${where(first)})${more}`);
  }
  if (verdict === 'suspicious') reasons.push('Not enough for a compromise verdict: no IOC tag, no unblocked impact 1/2 attack, no malware that ran or got through');
  if (verdict === 'clean') reasons.push(`No indicator of compromise in ${eventCount} event${eventCount === 1 ? '' : 's'}`);
  if (contextCount) reasons.push(`${contextCount} blocked or low-impact attack${contextCount === 1 ? '' : 's'} seen (context, not compromise)`);
  return reasons;
}

const KIND_NOUNS: Record<string, string> = {
  'ioc-tag': 'IOC tags',
  'intrusion-impact': 'intrusion events',
  'si-cnc': 'CnC connections',
  'si-malware': 'connections to malware sites',
  'si-cnc-blocked': 'blocked CnC connections',
  'si-malware-blocked': 'blocked connections to malware sites',
  'file-malware': 'malware file events',
  'amp-malware': 'AMP detections',
  'amp-executed': 'AMP executions',
  'amp-dropper': 'AMP dropper detections',
  'amp-botnet': 'AMP botnet detections',
  'amp-compromise': 'AMP compromise detections',
};

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function ipOrder(ip: string): string {
  const parts = ip.split('.');
  if (parts.length === 4) return '4' + parts.map((p) => p.padStart(3, '0')).join('.');
  return '6' + ip;
}
