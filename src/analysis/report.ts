/**
 * The two renderings of an analysis: the JSON document tools read (`estreamer analyze --json`,
 * shape in docs/analysis.md) and the chronology text an analyst reads in a terminal.
 */
import * as path from 'node:path';
import type { AnalysisReport, HostSummary, HostTimeline, TimelineEvent } from '../common/timeline';
import type { Analyzer, TimelineOptions } from './analyzer';

export interface HostReport extends HostSummary {
  window?: HostTimeline['window'];
  timeline: TimelineEvent[];
}

export interface AnalysisJson extends Omit<AnalysisReport, 'hosts'> {
  /** The window each timeline covers around its host's first indicator. */
  window: { beforeHours: number; afterHours: number | null };
  hosts: HostReport[];
}

export function reportJson(analyzer: Analyzer, opts: TimelineOptions & { beforeMs: number }): AnalysisJson {
  const report = analyzer.report();
  return { ...reportHead(report, opts), hosts: report.hosts.map((h) => hostReport(analyzer, h, opts)) };
}

/**
 * The same document as reportJson, as text pieces: one per host, so a million events never sit
 * in memory as one JSON string. Joined, the pieces are exactly `JSON.stringify(reportJson(…))`.
 */
export function* reportJsonChunks(analyzer: Analyzer, opts: TimelineOptions & { beforeMs: number }): Generator<string> {
  const report = analyzer.report();
  const head = JSON.stringify(reportHead(report, opts));
  yield `${head.slice(0, -1)},"hosts":[`;
  let first = true;
  for (const h of report.hosts) {
    yield (first ? '' : ',') + JSON.stringify(hostReport(analyzer, h, opts));
    first = false;
  }
  yield ']}\n';
}

function reportHead(report: AnalysisReport, opts: TimelineOptions & { beforeMs: number }): Omit<AnalysisJson, 'hosts'> {
  return {
    generatedAt: report.generatedAt,
    recordsRead: report.recordsRead,
    window: { beforeHours: opts.beforeMs / 3_600_000, afterHours: opts.afterMs === undefined ? null : opts.afterMs / 3_600_000 },
  };
}

function hostReport(analyzer: Analyzer, h: HostSummary, opts: TimelineOptions): HostReport {
  const t = analyzer.timeline(h.ip, opts);
  return { ...h, window: t?.window, timeline: t?.events ?? [] };
}

export interface TextOptions extends TimelineOptions {
  /** Most timeline rows printed per host (0 = all). */
  limit: number;
  /** Also print a line per clean host. */
  all: boolean;
  color: boolean;
  /** Paths shown relative to this folder. */
  cwd: string;
}

const LANE_LABEL: Record<string, string> = {
  ioc: 'IOC',
  intrusion: 'intrusion',
  file: 'file/malware',
  connection: 'connection',
  user: 'user',
  discovery: 'discovery',
};

/** The chronology, compromised hosts first: what the DevNet script printed, plus window, links and reasons. */
export function renderText(analyzer: Analyzer, opts: TextOptions): string {
  const paint = (code: string, s: string): string => (opts.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const hosts = analyzer.hosts();
  const count = (v: string): number => hosts.filter((h) => h.verdict === v).length;
  const out: string[] = [];
  out.push(
    `${analyzer.recordsRead} records, ${hosts.length} hosts: ` +
      `${paint('1;31', `${count('compromised')} compromised`)}, ${paint('33', `${count('suspicious')} suspicious`)}, ${count('clean')} clean`,
  );
  const shown = hosts.filter((h) => h.verdict !== 'clean');
  if (!shown.length) out.push('', 'No host shows an indicator of compromise.');
  for (const h of shown) {
    out.push('');
    const label = h.verdict === 'compromised' ? paint('1;31', 'COMPROMISED') : paint('1;33', 'SUSPICIOUS');
    const identity = [...h.netbiosNames, ...h.macs, ...h.os, ...(h.users.length ? [`user ${h.users.join(', ')}`] : [])];
    out.push(`${label} ${paint('1', h.ip)}${identity.length ? `  (${identity.join('; ')})` : ''}  score ${h.score}`);
    if (h.firstIndicator) {
      const fi = h.firstIndicator;
      out.push(`  First sign ${fi.time.slice(0, 19).replace('T', ' ')}Z: ${fi.description}  [${rel(fi.file, opts.cwd)}:${fi.line}]`);
    }
    out.push('  Why:');
    for (const r of h.reasons) out.push(`    - ${r}`);
    const t = analyzer.timeline(h.ip, opts);
    if (!t) continue;
    const before = (opts.beforeMs ?? 24 * 3_600_000) / 3_600_000;
    out.push(`  Timeline ${t.window.from.slice(0, 19)}Z … ${t.window.to.slice(0, 19)}Z (${before} h before the first sign; ${t.events.length} events):`);
    out.push(...timelineRows(t, opts, paint));
  }
  if (opts.all) {
    const clean = hosts.filter((h) => h.verdict === 'clean');
    if (clean.length) out.push('', 'Clean hosts:');
    for (const h of clean) out.push(`  ${h.ip.padEnd(16)} ${h.eventCount} event${h.eventCount === 1 ? '' : 's'}${h.reasons.length > 1 ? `; ${h.reasons.slice(1).join('; ')}` : ''}`);
  }
  return out.join('\n') + '\n';
}

function timelineRows(t: HostTimeline, opts: TextOptions, paint: (code: string, s: string) => string): string[] {
  const refOf = new Map(t.events.map((e) => [e.id, e.ref]));
  const rows = opts.limit > 0 ? collapseRepeats(t.events) : t.events.map((event) => ({ event, repeats: 0, lastTime: event.time }));
  const shown = opts.limit > 0 && rows.length > opts.limit ? pickRows(rows, opts.limit) : rows;
  const out: string[] = [];
  for (const { event: e, repeats, lastTime } of shown) {
    const mark = e.indicatorKind ? paint('1;31', '!') : ' ';
    const text = e.severity <= 2 ? paint(e.severity === 1 ? '31' : '33', e.summary) : e.summary;
    const again = repeats ? paint('2', `  (+${repeats} like it until ${lastTime.slice(11, 19)})`) : '';
    const links = e.links.length
      ? paint('2', `  ↔ ${e.links.map((l) => refOf.get(l)).filter((r): r is NonNullable<typeof r> => !!r).map((r) => `:${r.line}`).join(' ')}`)
      : '';
    out.push(`    ${mark} ${e.time.slice(0, 19).replace('T', ' ')} ${LANE_LABEL[e.lane].padEnd(12)} ${text}${again}  [${rel(e.ref.file, opts.cwd)}:${e.ref.line}]${links}`);
  }
  const hidden = t.events.length - shown.reduce((n, r) => n + 1 + r.repeats, 0);
  if (hidden > 0) out.push(paint('2', `      (${hidden} quieter events not shown; --limit 0 prints every event)`));
  return out;
}

interface Row {
  event: TimelineEvent;
  /** Later events of the same kind folded into this row. */
  repeats: number;
  lastTime: string;
}

/**
 * Folds repeats (same lane, record type, peer and wording once numbers are ignored: beacons,
 * periodic DNS) into their first occurrence, so the story reads as steps, not as traffic.
 */
function collapseRepeats(events: readonly TimelineEvent[]): Row[] {
  const rows: Row[] = [];
  const byKey = new Map<string, Row>();
  for (const e of events) {
    const key = `${e.lane}|${e.recordType}|${e.peer ?? ''}|${e.indicatorKind ?? ''}|${e.summary.replace(/[\d.]+/g, '#')}`;
    const row = byKey.get(key);
    if (row && e.lane !== 'ioc') {
      row.repeats++;
      row.lastTime = e.time;
      continue;
    }
    const fresh = { event: e, repeats: 0, lastTime: e.time };
    byKey.set(key, fresh);
    rows.push(fresh);
  }
  return rows;
}

/** Keeps every indicator row, then the rows nearest the first indicator, up to `limit`. */
function pickRows(rows: Row[], limit: number): Row[] {
  const keep = new Set<Row>(rows.filter((r) => r.event.indicatorKind).slice(0, limit));
  const firstIdx = Math.max(0, rows.findIndex((r) => r.event.indicatorKind));
  for (let d = 0; keep.size < limit && d < rows.length; d++) {
    if (rows[firstIdx - d] && d > 0) keep.add(rows[firstIdx - d]);
    if (keep.size < limit && rows[firstIdx + d]) keep.add(rows[firstIdx + d]);
  }
  return rows.filter((r) => keep.has(r));
}

function rel(file: string, cwd: string): string {
  const r = path.relative(cwd, file);
  return r && !r.startsWith('..') && r.length < file.length ? r : file;
}
