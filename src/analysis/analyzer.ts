/**
 * The incremental compromise analysis: feed it records one at a time (live stream or dumps, same
 * path), ask it at any moment for the hosts with their verdicts and for a host's timeline.
 *
 * Events are stored once, in arrival order; each host keeps the positions of the events that name
 * it. Summaries are recomputed lazily, only for hosts that changed since the last call.
 */
import * as path from 'node:path';
import type { EStreamerRecord } from '../protocol/types';
import { Emitter, type Event } from '../common/events';
import { LANES, type AnalysisReport, type HostSummary, type HostTimeline, type IndicatorRef, type Lane, type RecordRef, type TimelineEvent, type Verdict } from '../common/timeline';
import { flatten, isoMicro } from './fields';
import { observe, type Indicator, type IocTrigger, type Names, type Observation } from './observe';

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

/** An observation as stored: the object observe() made, numbered and addressed (no copy). */
type StoredEvent = Observation;

interface HostState {
  ip: string;
  macs: Set<string>;
  netbiosNames: Set<string>;
  os: Set<string>;
  users: Set<string>;
  events: number[];
  indicators: number[];
  contextCount: number;
  /** Events per lane, kept as events arrive (the summary needs them for every host). */
  laneCounts: Record<Lane, number>;
  /** Sort key for equal scores: IPv4 numerically, then IPv6 as text. */
  order: string;
  cached?: HostSummary;
  /** Exact time of the first indicator (the summary's ISO string is for display). */
  firstIndicatorMs?: number;
}

export class Analyzer {
  private readonly events: StoredEvent[] = [];
  private readonly hostMap = new Map<string, HostState>();
  /** Interned file names: a million events share a handful of strings. */
  private readonly files = new Map<string, string>();
  private readonly changeEmitter = new Emitter<void>();
  private changePending = false;
  private records = 0;
  private skipped = 0;

  /** Fires (at most once per microtask) after records were added. */
  readonly onDidChange: Event<void> = this.changeEmitter.event;

  get recordsRead(): number {
    return this.records;
  }

  /** Records that carried nothing for the analysis (metadata, packets, unknown or malformed). */
  get recordsSkipped(): number {
    return this.skipped;
  }

  add(record: EStreamerRecord, names: Names, ref: RecordRef): void {
    this.records++;
    let obs;
    try {
      obs = record.family === 'metadata' || record.status === 'malformed' ? undefined : observe(record, names);
    } catch {
      obs = undefined; // a record the codec half-decoded must never stop the analysis
    }
    if (!obs || (!obs.src && !obs.dst)) {
      this.skipped++;
      return;
    }
    let file = this.files.get(ref.file);
    if (file === undefined) {
      file = ref.file;
      this.files.set(file, file);
    }
    const ev: StoredEvent = obs;
    ev.summary = flatten(ev.summary);
    if (ev.indicator) ev.indicator.description = flatten(ev.indicator.description);
    ev.seq = this.events.length;
    ev.file = file;
    ev.line = ref.line;
    this.events.push(ev);
    const hostA = obs.src ? this.host(obs.src) : undefined;
    const hostB = obs.dst && obs.dst !== obs.src ? this.host(obs.dst) : undefined;
    for (const h of [hostA, hostB]) {
      if (!h) continue;
      h.events.push(ev.seq);
      h.laneCounts[ev.lane]++;
      if (ev.context) h.contextCount++;
      h.cached = undefined;
    }
    if (obs.indicator) {
      const victim = this.host(obs.indicator.host);
      if (victim !== hostA && victim !== hostB) {
        victim.events.push(ev.seq);
        victim.laneCounts[ev.lane]++;
      }
      victim.indicators.push(ev.seq);
      victim.cached = undefined;
    }
    for (const fact of obs.facts ?? []) {
      const h = this.host(fact.ip);
      if (fact.mac) h.macs.add(fact.mac);
      if (fact.netbios) h.netbiosNames.add(fact.netbios);
      if (fact.os) h.os.add(fact.os);
      if (fact.user) h.users.add(fact.user);
      h.cached = undefined;
    }
    ev.facts = undefined; // folded into the hosts; not kept per event
    this.scheduleChange();
  }

  /** All hosts, worst first (score, then address). */
  hosts(): HostSummary[] {
    const states = [...this.hostMap.values()];
    const scored = states.map((h) => ({ h, s: this.summary(h) }));
    scored.sort((a, b) => b.s.score - a.s.score || (a.h.order < b.h.order ? -1 : a.h.order > b.h.order ? 1 : 0));
    return scored.map((x) => x.s);
  }

  private host(ip: string): HostState {
    let h = this.hostMap.get(ip);
    if (!h) {
      h = { ip, macs: new Set(), netbiosNames: new Set(), os: new Set(), users: new Set(), events: [], indicators: [], contextCount: 0, laneCounts: emptyLaneCounts(), order: ipOrder(ip) };
      this.hostMap.set(ip, h);
    }
    return h;
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
    const sorted = h.events.map((s) => this.events[s]).sort(byTime);
    let from = sorted.length ? sorted[0].timeMs : 0;
    let to = sorted.length ? sorted[sorted.length - 1].timeMs : 0;
    const anchor = h.firstIndicatorMs;
    if (anchor !== undefined) {
      from = anchor - (opts.beforeMs ?? DEFAULT_BEFORE_MS);
      if (opts.afterMs !== undefined) to = anchor + opts.afterMs;
      else to = Math.max(to, anchor);
    }
    const inWindow = sorted.filter((e) => e.timeMs >= from && e.timeMs <= to + 1);
    const byConnection = new Map<string, string[]>();
    const byEventKey = new Map<string, string>();
    for (const e of inWindow) {
      if (e.connectionKey) {
        const ids = byConnection.get(e.connectionKey) ?? [];
        // A connection has a handful of events; a key shared by thousands is broken data, and
        // linking all of them to each other would be quadratic.
        if (ids.length < MAX_LINKS) ids.push(`e${e.seq}`);
        byConnection.set(e.connectionKey, ids);
      }
      if (e.eventKey) byEventKey.set(e.eventKey, `e${e.seq}`);
    }
    // The latest event so far that carries each IOC number: what an IOC tag that follows it set.
    const lastWithIoc = new Map<number, string>();
    const events: TimelineEvent[] = inWindow.map((e) => {
      const id = `e${e.seq}`;
      const links = e.connectionKey ? (byConnection.get(e.connectionKey) ?? []).filter((x) => x !== id) : [];
      const trigger = e.iocTrigger ? triggerIds(e.iocTrigger, byConnection, byEventKey) : [];
      if (e.iocNumber !== undefined) {
        if (e.lane !== 'ioc') lastWithIoc.set(e.iocNumber, id);
        else if (!trigger.length && lastWithIoc.has(e.iocNumber)) trigger.push(lastWithIoc.get(e.iocNumber) as string);
      }
      for (const t of trigger) if (t !== id && !links.includes(t)) links.push(t);
      const ev: TimelineEvent = {
        id,
        time: isoMicro(e.timeMs),
        timeMs: e.timeMs,
        lane: e.lane,
        severity: e.severity,
        recordType: e.recordType,
        family: e.family,
        summary: e.summary,
        links,
        ref: { file: e.file, line: e.line },
      };
      const peer = e.src === ip ? e.dst : e.src;
      if (peer && peer !== ip) ev.peer = peer;
      if (e.indicator && e.indicator.host === ip) ev.indicatorKind = e.indicator.kind;
      if (e.connectionKey) ev.connectionKey = e.connectionKey;
      return ev;
    });
    // An IOC tag points at its trigger; make the link visible from the trigger's side too.
    const byId = new Map(events.map((e) => [e.id, e]));
    for (const e of events) for (const l of e.links) {
      const other = byId.get(l);
      if (other && other.links.length < MAX_LINKS && !other.links.includes(e.id)) other.links.push(e.id);
    }
    return { host: summary, window: { from: isoMicro(from), to: isoMicro(to) }, events };
  }

  report(): AnalysisReport {
    return { generatedAt: new Date().toISOString(), recordsRead: this.records, hosts: this.hosts() };
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }

  private scheduleChange(): void {
    if (this.changePending) return;
    this.changePending = true;
    queueMicrotask(() => {
      this.changePending = false;
      this.changeEmitter.fire();
    });
  }

  private summary(h: HostState): HostSummary {
    if (h.cached) return h.cached;
    const indicatorEvents = h.indicators.map((s) => this.events[s]).sort(byTime);
    // Stable sort: equal times keep arrival order.
    const indicators = indicatorEvents.map((e) => this.indicatorRef(e)).sort((a, b) => a.time.localeCompare(b.time));
    // A loop, not Math.min(...): a beaconing host can carry more indicators than a call has arguments.
    h.firstIndicatorMs = indicatorEvents.reduce<number | undefined>((min, e) => Math.min(min ?? Infinity, indicatorTimeMs(e)), undefined);
    const { verdict, score } = judge(indicatorEvents.map((e) => e.indicator as Indicator), h.contextCount);
    const first = indicators[0];
    const summary: HostSummary = {
      ip: h.ip,
      macs: [...h.macs],
      netbiosNames: [...h.netbiosNames],
      os: [...h.os],
      users: [...h.users],
      verdict,
      score,
      reasons: reasonsFor(verdict, indicators, h.contextCount, h.events.length),
      // The reasons count them all; the list keeps the first ones (a beacon every minute for a
      // month would otherwise put 40 000 entries in every tree refresh).
      indicators: indicators.length > MAX_LISTED_INDICATORS ? indicators.slice(0, MAX_LISTED_INDICATORS) : indicators,
      laneCounts: { ...h.laneCounts },
      eventCount: h.events.length,
    };
    if (first) summary.firstIndicator = first;
    h.cached = summary;
    return summary;
  }

  private indicatorRef(e: StoredEvent): IndicatorRef {
    const ind = e.indicator as Indicator;
    const time = indicatorTimeMs(e);
    const description = time < e.timeMs ? `${ind.description}, first triggered ${isoMicro(time).slice(0, 19)}Z` : ind.description;
    return { kind: ind.kind, time: isoMicro(time), recordType: e.recordType, file: e.file, line: e.line, description };
  }
}

/** The FMC's IOC state says when a tag was first triggered, which can precede the tag record. */
function indicatorTimeMs(e: StoredEvent): number {
  const firstSeen = e.iocTrigger?.firstSeenMs;
  return firstSeen && firstSeen < e.timeMs ? firstSeen : e.timeMs;
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

function byTime(a: StoredEvent, b: StoredEvent): number {
  return a.timeMs - b.timeMs || a.seq - b.seq;
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
