/**
 * Deterministic HostTimeline data for the webview tests and the benchmark: a compromised host
 * with events in every lane, connections linking intrusion/file events, a first indicator, and
 * optionally events whose attacker-controlled text carries HTML/script payloads.
 * Pure TypeScript: runs in Node (to compute expectations) and in the test page (as the host).
 */
import { LANES, type HostTimeline, type Lane, type Severity, type TimelineEvent } from '../../src/common/timeline';
import type { DetailField, RecordDetails } from '../../src/common/webviewProtocol';
import { Prng } from '../../src/sim/prng';

export interface GenerateOptions {
  count: number;
  seed?: number;
  /** Put HTML/script payloads into a URL, a file name, a user name and a signature message. */
  payloads?: boolean;
  ip?: string;
  /** First event time. */
  startMs?: number;
}

/** Each payload sets a global if it ever runs; the tests assert the globals stay unset. */
export const PAYLOADS = {
  url: 'http://evil.test/x?q=<script>window.__xss_url=1</script>',
  fileName: '<img src=x onerror="window.__xss_file=1">invoice.exe',
  user: '<svg onload="window.__xss_user=1">admin',
  signature: 'ET EXPLOIT "><iframe srcdoc="<script>parent.__xss_sig=1</script>"></iframe>',
  peer: '<b onmouseover="window.__xss_peer=1">198.51.100.7</b>',
} as const;

export const XSS_GLOBALS = ['__xss_url', '__xss_file', '__xss_user', '__xss_sig', '__xss_peer'];

export const DUMP_FILE = '/dumps/fmc-lab/2026-12-03T10-00-00Z.estreamer';

const HOUR = 3_600_000;

const LANE_WEIGHTS: Array<[Lane, number]> = [
  ['connection', 0.5],
  ['intrusion', 0.16],
  ['discovery', 0.14],
  ['file', 0.08],
  ['user', 0.07],
  ['ioc', 0.05],
];

const RECORD_TYPES: Record<Lane, [number, string]> = {
  ioc: [160, 'ioc'],
  intrusion: [400, 'intrusion'],
  file: [500, 'file'],
  connection: [71, 'connection'],
  user: [95, 'user'],
  discovery: [1000, 'discovery'],
};

const PEERS = ['192.0.2.10', '198.51.100.23', '203.0.113.80', '10.1.1.1', '192.0.2.77'];
const SIGS = ['ET SCAN Nmap Scripting Engine', 'SERVER-WEBAPP PHP uri tag injection attempt', 'MALWARE-CNC Win.Trojan beacon', 'ET POLICY curl User-Agent'];

export function generateTimeline(o: GenerateOptions): HostTimeline {
  const prng = new Prng(o.seed ?? 1);
  const rand = (): number => prng.next();
  const ip = o.ip ?? '10.1.1.5';
  const start = o.startMs ?? Date.parse('2026-12-02T10:00:00Z');
  const span = 30 * HOUR;
  const events: TimelineEvent[] = [];
  const times = Array.from({ length: o.count }, () => start + rand() * span).sort((a, b) => a - b);
  let lastConnection: string | undefined;
  let counter = 0;
  for (let i = 0; i < o.count; i++) {
    const timeMs = Math.round(times[i] * 1000) / 1000;
    let r = rand();
    let lane: Lane = 'connection';
    for (const [l, w] of LANE_WEIGHTS) {
      if (r < w) {
        lane = l;
        break;
      }
      r -= w;
    }
    const peer = PEERS[Math.floor(rand() * PEERS.length)];
    let severity: Severity = 5;
    let summary: string;
    let connectionKey: string | undefined;
    let indicatorKind: string | undefined;
    switch (lane) {
      case 'connection':
        connectionKey = `1:0:${Math.floor(timeMs / 1000)}:${counter++}`;
        lastConnection = connectionKey;
        severity = rand() < 0.05 ? 2 : rand() < 0.5 ? 4 : 5;
        summary = `${severity === 2 ? 'SI CnC block' : 'Allow'} tcp ${ip}:${40000 + (i % 20000)} → ${peer}:443 ${Math.floor(rand() * 90000)} B`;
        break;
      case 'intrusion':
        severity = (1 + Math.floor(rand() * 4)) as Severity;
        connectionKey = lastConnection;
        summary = `[1:${2000000 + (i % 5000)}:3] ${SIGS[i % SIGS.length]} (impact ${severity})`;
        if (severity <= 2) indicatorKind = 'intrusion-impact';
        break;
      case 'file':
        severity = rand() < 0.3 ? 2 : 3;
        connectionKey = lastConnection;
        summary = `File ${severity === 2 ? 'malware' : 'clean'} download report-${i}.pdf sha256=${(i * 2654435761 >>> 0).toString(16)}`;
        if (severity === 2) indicatorKind = 'file-malware';
        break;
      case 'user':
        summary = `User login user${i % 7}@corp via LDAP`;
        break;
      case 'discovery':
        summary = i % 3 ? `New client application curl/${i % 9}` : `OS change to Windows 10`;
        break;
      case 'ioc':
        severity = 1;
        indicatorKind = 'ioc-tag';
        summary = `IOC set: Impact 1 Intrusion Event — attempted-admin`;
        break;
    }
    const [recordType, family] = RECORD_TYPES[lane];
    events.push({
      id: `e${i}`,
      time: new Date(timeMs).toISOString().replace('Z', `${String(Math.round((timeMs % 1) * 1000)).padStart(3, '0')}Z`),
      timeMs,
      lane,
      severity,
      recordType,
      family,
      summary,
      peer,
      indicatorKind,
      connectionKey,
      links: [],
      ref: { file: DUMP_FILE, line: i + 2 },
    });
  }
  if (o.payloads && events.length >= 8) {
    const at = (k: number): TimelineEvent => events[Math.floor((events.length * k) / 8)];
    Object.assign(at(1), { lane: 'connection', summary: `HTTP GET ${PAYLOADS.url}`, peer: PAYLOADS.peer });
    Object.assign(at(2), { lane: 'file', summary: `File malware download ${PAYLOADS.fileName}` });
    Object.assign(at(3), { lane: 'user', summary: `User login ${PAYLOADS.user}` });
    Object.assign(at(4), { lane: 'intrusion', summary: `[1:2019999:1] ${PAYLOADS.signature}` });
  }
  linkConnections(events);
  const indicators = events.filter((e) => e.indicatorKind);
  const first = indicators.length ? indicators[Math.min(indicators.length - 1, Math.floor(indicators.length / 5))] : undefined;
  // Everything before the chosen first indicator is "before" context, so clear earlier indicators.
  if (first) for (const e of events) if (e.timeMs < first.timeMs) e.indicatorKind = undefined;
  const laneCounts = Object.fromEntries(LANES.map((l) => [l, 0])) as Record<Lane, number>;
  for (const e of events) laneCounts[e.lane]++;
  return {
    host: {
      ip,
      macs: ['00:50:56:aa:bb:cc'],
      netbiosNames: ['WS-FIN-07'],
      os: ['Microsoft Windows 10'],
      users: o.payloads ? ['jdoe', PAYLOADS.user] : ['jdoe'],
      verdict: 'compromised',
      score: 97,
      reasons: [
        first ? `First indicator ${first.indicatorKind} at ${first.time} (line ${first.ref.line})` : 'No indicator',
        `${indicators.length} indicator events after it`,
        ...(o.payloads ? [`Signature ${PAYLOADS.signature} seen`] : []),
      ],
      firstIndicator: first && {
        file: first.ref.file,
        line: first.ref.line,
        kind: first.indicatorKind!,
        time: first.time,
        recordType: first.recordType,
        description: first.summary,
      },
      indicators: [],
      laneCounts,
      eventCount: events.length,
    },
    window: { from: new Date(start).toISOString(), to: new Date(start + span).toISOString() },
    events,
  };
}

/** Ties events sharing a connection key together, as the analysis does. */
export function linkConnections(events: TimelineEvent[]): void {
  const groups = new Map<string, TimelineEvent[]>();
  for (const e of events) {
    if (!e.connectionKey) continue;
    const g = groups.get(e.connectionKey) ?? [];
    g.push(e);
    groups.set(e.connectionKey, g);
  }
  for (const g of groups.values()) for (const e of g) e.links = g.filter((x) => x !== e).map((x) => x.id);
}

/** A record for an event: 16-byte header, then u32 fields and length-prefixed strings, with offsets. */
export function generateDetails(event: TimelineEvent): RecordDetails {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const fields: DetailField[] = [];
  let offset = 16;
  const u32 = (name: string, v: number): void => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0);
    parts.push(b);
    fields.push({ name, value: String(v >>> 0), offset, length: 4 });
    offset += 4;
  };
  const text = (name: string, v: string): void => {
    const t = enc.encode(v);
    const b = new Uint8Array(4 + t.length);
    new DataView(b.buffer).setUint32(0, t.length);
    b.set(t, 4);
    parts.push(b);
    fields.push({ name, value: v, offset: offset + 4, length: t.length });
    offset += b.length;
  };
  u32('eventSecond', Math.floor(event.timeMs / 1000));
  u32('eventMicrosecond', Math.round((event.timeMs % 1000) * 1000));
  u32('severity', event.severity);
  text('summary', event.summary);
  text('peer', event.peer ?? '');
  const body = new Uint8Array(offset - 16);
  let p = 0;
  for (const part of parts) {
    body.set(part, p);
    p += part.length;
  }
  const raw = new Uint8Array(16 + body.length);
  const dv = new DataView(raw.buffer);
  dv.setUint32(0, event.recordType);
  dv.setUint32(4, body.length);
  dv.setUint32(8, Math.floor(event.timeMs / 1000));
  raw.set(body, 16);
  return {
    ref: event.ref,
    recordType: event.recordType,
    name: `${event.family} record`,
    family: event.family,
    status: 'ok',
    fields: [
      { name: 'header.recordType', value: String(event.recordType), offset: 0, length: 4 },
      { name: 'header.recordLength', value: String(body.length), offset: 4, length: 4 },
      ...fields,
    ],
    raw: raw.buffer,
    line: `${event.time} ${event.recordType} ${event.family} …`,
  };
}
