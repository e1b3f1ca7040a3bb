/**
 * The analysis result model: what `estreamer analyze --json` prints, what the extension's tree and
 * quick picks list, and what the timeline webview renders. Plain JSON-serialisable data only.
 */

export type Verdict = 'compromised' | 'suspicious' | 'clean';

export type Lane = 'ioc' | 'intrusion' | 'file' | 'connection' | 'user' | 'discovery';

export const LANES: readonly Lane[] = ['ioc', 'intrusion', 'file', 'connection', 'user', 'discovery'];

/** 1 = most severe (red), 5 = informational. Intrusion impact 1..4 maps straight onto it. */
export type Severity = 1 | 2 | 3 | 4 | 5;

/** A record in a dump file: absolute path and 1-based line. */
export interface RecordRef {
  file: string;
  line: number;
}

export interface IndicatorRef extends RecordRef {
  /** e.g. "ioc-tag", "intrusion-impact", "si-cnc", "file-malware", "amp-malware". */
  kind: string;
  /** ISO 8601 UTC, to the microsecond. */
  time: string;
  recordType: number;
  /** What this indicator says, in an analyst's words. */
  description: string;
}

export interface HostSummary {
  ip: string;
  macs: string[];
  netbiosNames: string[];
  os: string[];
  users: string[];
  verdict: Verdict;
  /** Sort key: higher is worse. */
  score: number;
  /** Each reason names what was seen and where, e.g. "IOC 'Impact 1 Intrusion Event — attempted-admin' set by the FMC (line 812)". */
  reasons: string[];
  firstIndicator?: IndicatorRef;
  indicators: IndicatorRef[];
  /** Number of events in the host's timeline per lane. */
  laneCounts: Record<Lane, number>;
  eventCount: number;
}

export interface TimelineEvent {
  /** Stable id within the host's timeline. */
  id: string;
  /** ISO 8601 UTC with microseconds. */
  time: string;
  /** Milliseconds since the epoch (fractional), for positioning. */
  timeMs: number;
  lane: Lane;
  severity: Severity;
  recordType: number;
  family: string;
  /** One line, names resolved. Attacker-controlled text: render as text only. */
  summary: string;
  /** The other host of the event, if any. */
  peer?: string;
  /** Set when this event is itself an indicator of compromise. */
  indicatorKind?: string;
  /** (device, instance, connection second, counter) — events sharing it belong to one connection. */
  connectionKey?: string;
  /** Ids of other events in this timeline tied to this one (same connection). */
  links: string[];
  ref: RecordRef;
}

export interface HostTimeline {
  host: HostSummary;
  /** The window shown: ISO UTC bounds. */
  window: { from: string; to: string };
  events: TimelineEvent[];
}

export interface AnalysisReport {
  generatedAt: string;
  recordsRead: number;
  hosts: HostSummary[];
}
