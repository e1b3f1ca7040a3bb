/**
 * The host side's view of one host timeline: axis marks, filtered pages, lookups and the
 * Markdown export. Pure (no `vscode`), so mocha and the Chromium test page run the same code the
 * panel does.
 */
import { LANES, type HostTimeline, type RecordRef, type TimelineEvent } from '../../common/timeline';
import { MarkFlag, type EventQuery, type EventsPage, type TimelineMarks, type TimelineSnapshot } from '../../common/webviewProtocol';

/** Largest page a webview may ask for; more would defeat paging. */
export const MAX_PAGE = 500;

const LANE_INDEX: Record<string, number> = Object.fromEntries(LANES.map((l, i) => [l, i]));

/** Dump files remembered for a revive; a host spanning more rotations than this is unusual. */
const MAX_DUMP_FILES = 500;

export class TimelineModel {
  private haystacks: string[] | undefined;
  private lastQueryKey: string | undefined;
  private lastMatches: Int32Array | undefined;

  constructor(
    readonly timeline: HostTimeline,
    readonly version: number,
  ) {}

  get events(): readonly TimelineEvent[] {
    return this.timeline.events;
  }

  snapshot(): TimelineSnapshot {
    const first = this.timeline.host.firstIndicator;
    const firstEvent = first ? this.indexOfRef(first) : -1;
    return {
      host: this.timeline.host,
      window: this.timeline.window,
      version: this.version,
      marks: this.marks(firstEvent),
      firstIndicatorEventId: firstEvent >= 0 ? this.events[firstEvent].id : undefined,
      dumpFiles: this.dumpFiles(),
    };
  }

  private dumpFiles(): string[] {
    const files = new Set<string>();
    for (const e of this.events) {
      files.add(e.ref.file);
      if (files.size >= MAX_DUMP_FILES) break;
    }
    return [...files];
  }

  private marks(firstEvent: number): TimelineMarks {
    const n = this.events.length;
    const timeMs = new Float64Array(n);
    const lane = new Uint8Array(n);
    const severity = new Uint8Array(n);
    const flags = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const e = this.events[i];
      timeMs[i] = e.timeMs;
      lane[i] = LANE_INDEX[e.lane] ?? 0;
      severity[i] = e.severity;
      flags[i] =
        (e.indicatorKind ? MarkFlag.Indicator : 0) |
        (i === firstEvent ? MarkFlag.FirstIndicator : 0) |
        (e.links.length > 0 ? MarkFlag.Linked : 0);
    }
    // Fresh typed arrays own exact-size buffers, so `.buffer` is safe to post (no pooled slab).
    return { count: n, timeMs: timeMs.buffer, lane: lane.buffer, severity: severity.buffer, flags: flags.buffer };
  }

  /** Indices of the events the query keeps, in timeline order; the last answer is cached. */
  matches(query: EventQuery): Int32Array {
    const key = queryKey(query);
    if (key === this.lastQueryKey && this.lastMatches) return this.lastMatches;
    const lanes = new Set(query.lanes);
    const severities = new Set(query.severities);
    const needle = query.text.trim().toLowerCase();
    const hay = needle ? this.haystack() : undefined;
    const out = new Int32Array(this.events.length);
    let n = 0;
    for (let i = 0; i < this.events.length; i++) {
      const e = this.events[i];
      if (!lanes.has(e.lane) || !severities.has(e.severity)) continue;
      if (query.fromMs !== undefined && e.timeMs < query.fromMs) continue;
      if (query.toMs !== undefined && e.timeMs > query.toMs) continue;
      if (query.connectionKey !== undefined && e.connectionKey !== query.connectionKey) continue;
      if (hay && !hay[i].includes(needle)) continue;
      out[n++] = i;
    }
    this.lastQueryKey = key;
    this.lastMatches = out.slice(0, n);
    return this.lastMatches;
  }

  page(query: EventQuery, offset: number, count: number): EventsPage {
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(count) || count < 0) {
      throw new Error(`Bad page request (offset ${offset}, count ${count}): both must be non-negative integers.`);
    }
    const m = this.matches(query);
    const end = Math.min(m.length, offset + Math.min(count, MAX_PAGE));
    const events: TimelineEvent[] = [];
    for (let i = offset; i < end; i++) events.push(this.events[m[i]]);
    return { version: this.version, total: m.length, offset, events };
  }

  /** Position of an event (by id or by its record) in the query's list; -1 when filtered out. */
  locate(query: EventQuery, target: { eventId?: string; ref?: RecordRef; markIndex?: number }): { index: number; eventId?: string } {
    const at =
      target.eventId !== undefined ? this.indexOfId(target.eventId)
      : target.ref ? this.indexOfRef(target.ref)
      : target.markIndex !== undefined && target.markIndex >= 0 && target.markIndex < this.events.length ? target.markIndex
      : -1;
    if (at < 0) return { index: -1 };
    const m = this.matches(query);
    return { index: binarySearch(m, at), eventId: this.events[at].id };
  }

  /** A scan, not a Map: a view asks for one or two ids per change, and a 100k-entry Map costs more to build. */
  indexOfId(id: string): number {
    return this.events.findIndex((e) => e.id === id);
  }

  indexOfRef(ref: RecordRef): number {
    return this.events.findIndex((e) => e.ref.line === ref.line && e.ref.file === ref.file);
  }

  private haystack(): string[] {
    this.haystacks ??= this.events.map((e) => `${e.time} ${e.family} ${e.summary} ${e.peer ?? ''}`.toLowerCase());
    return this.haystacks;
  }
}

function queryKey(q: EventQuery): string {
  return JSON.stringify([q.lanes, q.severities, q.text.trim().toLowerCase(), q.fromMs, q.toMs, q.connectionKey]);
}

function binarySearch(sorted: Int32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] === value) return mid;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Cap on exported rows: a case report wants the story, not a 100k-line table. */
export const EXPORT_ROW_LIMIT = 5000;

/** The current view as Markdown for a case report. Event text is escaped so it cannot form links or HTML. */
export function exportMarkdown(model: TimelineModel, query: EventQuery, now = new Date()): string {
  const { host, window } = model.timeline;
  const m = model.matches(query);
  const lines: string[] = [];
  lines.push(`# Host timeline: ${md(host.ip)}`, '');
  lines.push(`- Verdict: **${host.verdict}** (score ${host.score})`);
  for (const r of host.reasons) lines.push(`  - ${md(r)}`);
  if (host.netbiosNames.length) lines.push(`- Names: ${host.netbiosNames.map(md).join(', ')}`);
  if (host.macs.length) lines.push(`- MAC: ${host.macs.map(md).join(', ')}`);
  if (host.os.length) lines.push(`- OS: ${host.os.map(md).join(', ')}`);
  if (host.users.length) lines.push(`- Users: ${host.users.map(md).join(', ')}`);
  if (host.firstIndicator) {
    lines.push(`- First indicator: ${host.firstIndicator.time} — ${md(host.firstIndicator.description)} (${md(host.firstIndicator.file)}:${host.firstIndicator.line})`);
  }
  lines.push(`- Window: ${window.from} → ${window.to}`);
  lines.push(`- Filter: lanes ${query.lanes.join(', ')}; severity ${query.severities.join(', ')}` +
    (query.text ? `; text "${md(query.text)}"` : '') +
    (query.fromMs !== undefined && query.toMs !== undefined ? `; range ${new Date(query.fromMs).toISOString()} → ${new Date(query.toMs).toISOString()}` : '') +
    (query.connectionKey ? `; connection ${md(query.connectionKey)}` : ''));
  lines.push(`- Events shown: ${m.length} of ${model.events.length}; exported ${now.toISOString()}`, '');
  lines.push('| Time (UTC) | Lane | Sev | Summary | Peer | Record |', '|---|---|---|---|---|---|');
  const shown = Math.min(m.length, EXPORT_ROW_LIMIT);
  for (let i = 0; i < shown; i++) {
    const e = model.events[m[i]];
    const mark = e.indicatorKind ? ' ⚑' : '';
    lines.push(`| ${e.time} | ${e.lane}${mark} | ${e.severity} | ${md(e.summary)} | ${md(e.peer ?? '')} | ${md(baseName(e.ref.file))}:${e.ref.line} |`);
  }
  if (m.length > shown) lines.push('', `… ${m.length - shown} more events not exported (narrow the filter).`);
  return lines.join('\n') + '\n';
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

/** Escape Markdown and HTML metacharacters and flatten newlines, so event text stays text in a table. */
export function md(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_{}[\]()#+!|~]/g, (c) => `\\${c}`);
}
