/**
 * bench:analyze — the compromise analysis over 1 M events read from .estreamer dumps.
 *
 *   npm run bench:analyze [-- --events N] [--dir DIR] [--keep] [--reuse]
 *
 * --dir keeps the dumps in DIR; --reuse reads the dumps already in DIR instead of writing them;
 * --baseline first reads the dumps twice without analysing them (the first pass warms the JIT and
 * the page cache, the second is measured), so the analysis' own CPU time can be told apart from
 * the reader's on a busy machine.
 *
 * 1. Writes N events (default 1 000 000) as dumps: connections, intrusion, file, malware, IOC,
 *    discovery and user records for 5 000 internal and 500 external hosts, a few dozen of them
 *    compromised. Each record type is encoded once by the codec; per event only the addresses,
 *    times and counter are patched into a copy of those bytes (found by sentinel values), so
 *    generation stays fast and every line still carries real record bytes.
 * 2. Reads them back with the dump reader (which re-decodes every raw= record) into an Analyzer,
 *    timing the reader and Analyzer.add separately.
 * 3. Computes every host's verdict and the timelines of all flagged hosts and the 100 busiest
 *    clean ones.
 * Prints the time of each phase and the peak RSS. Figures only; nothing is asserted.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { Analyzer } from '../src/analysis/analyzer';
import { readDumpBatches } from '../src/dump/reader';
import { formatHeader } from '../src/dump/format';
import { encodeRecord, familyOf } from '../src/protocol';
import type { Fields } from '../src/protocol/types';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const EVENTS = Number(arg('events') ?? 1_000_000);
const DIR = arg('dir') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'bench-analyze-'));
const KEEP = process.argv.includes('--keep');
const REUSE = process.argv.includes('--reuse');
const BASELINE = process.argv.includes('--baseline');
const LINES_PER_FILE = 250_000;
const START = Date.UTC(2026, 11, 1, 0, 0, 0) / 1000;
const SPAN = 3 * 24 * 3600;

// Sentinels: values that appear once in a template's bytes, so their offsets can be found.
const SRC = '10.201.202.203';
const DST = '10.211.212.213';
const TIME = 0x6a0000a1;
const CONN_TIME = 0x6a0000b2;
const COUNTER = 0xbeef;

interface Template {
  type: number;
  family: string;
  bytes: Buffer;
  src: number[];
  dst: number[];
  time: number[];
  connTime: number[];
  counter: number[];
}

function find(bytes: Buffer, needle: Buffer): number[] {
  const out: number[] = [];
  for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) out.push(at);
  return out;
}

function template(type: number, fields: Fields, blockType?: number): Template {
  const bytes = Buffer.from(encodeRecord({ recordType: type, archiveTimestamp: TIME, blockType, fields }));
  const ip = (text: string) => find(bytes, Buffer.from(text.split('.').map(Number))).map((at) => at); // IPv4 bytes (mapped or legacy)
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    return find(bytes, b);
  };
  const u16 = (v: number) => {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    return find(bytes, b);
  };
  return { type, family: familyOf(type), bytes, src: ip(SRC), dst: ip(DST), time: u32(TIME), connTime: u32(CONN_TIME), counter: u16(COUNTER) };
}

const dh = (eventType: number, subtype: number): Fields => ({ discoveryHeader: { deviceId: 1, legacyIpAddress: SRC, eventSecond: TIME, eventType, eventSubtype: subtype } });
const conn = { deviceId: 1 };
const TEMPLATES = {
  connection: template(71, {
    discoveryHeader: { deviceId: 1, hasIpv6: 1, eventType: 1003, eventSubtype: 1, ipv6Address: '::' },
    ...conn, initiatorIpAddress: SRC, responderIpAddress: DST, ruleAction: 2, initiatorPort: 50000, responderPort: 443, protocol: 6,
    instanceId: 1, connectionCounter: COUNTER, firstPacketTimestamp: CONN_TIME, lastPacketTimestamp: TIME, initiatorTransmittedBytes: 1200, responderTransmittedBytes: 48000,
    applicationId: 1122, clientUrl: 'https://www.example.com/',
  }),
  cncConnection: template(71, {
    discoveryHeader: { deviceId: 1, hasIpv6: 1, eventType: 1003, eventSubtype: 1, ipv6Address: '::' },
    ...conn, initiatorIpAddress: SRC, responderIpAddress: DST, ruleAction: 2, initiatorPort: 50000, responderPort: 443, protocol: 6,
    instanceId: 1, connectionCounter: COUNTER, firstPacketTimestamp: CONN_TIME, lastPacketTimestamp: TIME, securityIntelligenceSourceDestination: 2,
    securityIntelligenceList1: 11, policyRevision: '00000000-0000-0000-0000-00005fc6fa72',
  }),
  intrusion: template(400, {
    ...conn, eventId: 7, eventSecond: TIME, ruleId: 2024217, generatorId: 1, ruleRevision: 3, classificationId: 6, priorityId: 2,
    sourceIpAddress: SRC, destinationIpAddress: DST, destinationPortOrIcmpType: 445, ipProtocolId: 6, impact: 3,
    connectionTimestamp: CONN_TIME, connectionInstanceId: 1, connectionCounter: COUNTER,
  }),
  exploit: template(400, {
    ...conn, eventId: 8, eventSecond: TIME, ruleId: 2024217, generatorId: 1, ruleRevision: 3, classificationId: 1, priorityId: 1,
    sourceIpAddress: SRC, destinationIpAddress: DST, destinationPortOrIcmpType: 445, ipProtocolId: 6, impact: 1,
    connectionTimestamp: CONN_TIME, connectionInstanceId: 1, connectionCounter: COUNTER,
  }),
  file: template(500, {
    ...conn, connectionInstance: 1, connectionCounter: COUNTER, connectionTimestamp: CONN_TIME, fileEventTimestamp: TIME,
    sourceIpAddress: SRC, destinationIpAddress: DST, disposition: 1, action: 1, shaHash: 'ab'.repeat(32), fileTypeId: 9, fileName: 'report.pdf', direction: 1,
  }),
  malwareFile: template(502, {
    ...conn, connectionInstance: 1, connectionCounter: COUNTER, connectionTimestamp: CONN_TIME, fileEventTimestamp: TIME,
    sourceIpAddress: SRC, destinationIpAddress: DST, disposition: 3, action: 3, shaHash: 'cd'.repeat(32), fileTypeId: 21, fileName: 'invoice.exe', direction: 1,
  }),
  amp: template(125, {
    malwareEventTimestamp: TIME, eventTypeId: 1090519054, eventSubtypeId: 2, detectorId: 3, detectionName: 'W32.Emotet', fileName: 'invoice.exe',
    deviceId: 1, sourceIpAddress: SRC, destinationIpAddress: DST,
  }),
  ioc: template(160, { ...dh(1008, 1), iocId: 1 }),
  newHost: template(10, { ...dh(1000, 1), ipAddress: SRC, netbios: 'WS' }),
  login: template(95, { ...dh(1004, 2), timestamp: TIME, ipv4Address: SRC, username: 'alice', domain: 'CORP', ipv6Address: '::', locationIpv6Address: '::' }),
};

const METADATA: Array<[number, Fields]> = [
  [67, { id: 1, name: 'attempted-admin', description: 'Attempted Administrator Privilege Gain' }],
  [67, { id: 6, name: 'attempted-recon', description: 'Attempted Information Leak' }],
  [66, { generatorId: 1, ruleId: 2024217, ruleRevision: 3, renderedSignatureId: 2024217, message: 'ET EXPLOIT Possible ETERNALBLUE MS17-010 Echo Request' }],
  [161, { id: 1, category: 'Impact 1 Attack', eventType: 'Impact 1 Intrusion Event - attempted-admin' }],
  [280, { id: 11, accessControlPolicyUuid: '00000000-0000-0000-0000-00005fc6fa72', name: 'CnC' }],
  [281, { id: 2, name: 'Destination' }],
  [128, { id: 1090519054, name: 'Threat Detected' }],
  [129, { id: 2, name: 'Execute' }],
  [63, { id: 1122, name: 'HTTPS' }],
];

const INTERNAL = 5000;
const EXTERNAL = 500;
const COMPROMISED = 40;
const internal = (i: number): number[] => [10, 20 + Math.floor(i / 250), i % 250, 10];
const external = (i: number): number[] => [198, 51, Math.floor(i / 250), (i % 250) + 1];

/** Deterministic PRNG (mulberry32), so every run writes the same dumps. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function patch(t: Template, src: number[], dst: number[], time: number, connTime: number, counter: number): Buffer {
  const b = Buffer.from(t.bytes);
  for (const at of t.src) b.set(src, at);
  for (const at of t.dst) b.set(dst, at);
  for (const at of t.time) b.writeUInt32BE(time, at);
  for (const at of t.connTime) b.writeUInt32BE(connTime, at);
  for (const at of t.counter) b.writeUInt16BE(counter & 0xffff, at);
  return b;
}

function iso(sec: number): string {
  return new Date(sec * 1000).toISOString().replace('.000Z', '.000000Z');
}

function generate(): string[] {
  const random = rng(7);
  const files: string[] = [];
  let fd = -1;
  let lines = 0;
  let chunk: string[] = [];
  const flush = () => {
    if (chunk.length) fs.writeSync(fd, chunk.join(''));
    chunk = [];
  };
  const open = (n: number) => {
    if (fd >= 0) {
      flush();
      fs.closeSync(fd);
    }
    const file = path.join(DIR, `bench-${String(n).padStart(4, '0')}.estreamer`);
    files.push(file);
    fd = fs.openSync(file, 'w');
    fs.writeSync(fd, formatHeader({ version: 1, fmc: 'bench', start: 'oldest', created: new Date(START * 1000 + n * 1000).toISOString() }) + '\n');
  };
  open(0);
  for (const [type, fields] of METADATA) {
    const bytes = Buffer.from(encodeRecord({ recordType: type, fields }));
    chunk.push(`${iso(START)} ${type} metadata raw=${bytes.toString('base64')}\n`);
  }
  for (let i = 0; i < EVENTS; i++) {
    if (lines > 0 && lines % LINES_PER_FILE === 0) open(lines / LINES_PER_FILE);
    const time = START + Math.floor((i / EVENTS) * SPAN);
    const host = Math.floor(random() * INTERNAL);
    const peer = Math.floor(random() * EXTERNAL);
    const victim = host < COMPROMISED;
    const r = random();
    let t: Template;
    let src = internal(host);
    let dst = external(peer);
    if (victim && r < 0.02) t = TEMPLATES.cncConnection;
    else if (victim && r < 0.03) [t, src, dst] = [TEMPLATES.exploit, external(peer), internal(host)];
    else if (victim && r < 0.035) [t, src, dst] = [TEMPLATES.malwareFile, external(peer), internal(host)];
    else if (victim && r < 0.04) t = TEMPLATES.amp;
    else if (victim && r < 0.045) t = TEMPLATES.ioc;
    else if (r < 0.8) t = TEMPLATES.connection;
    else if (r < 0.9) [t, src, dst] = [TEMPLATES.intrusion, external(peer), internal(host)];
    else if (r < 0.95) [t, src, dst] = [TEMPLATES.file, external(peer), internal(host)];
    else if (r < 0.975) t = TEMPLATES.newHost;
    else t = TEMPLATES.login;
    const bytes = patch(t, src, dst, time, time - 1, i);
    chunk.push(`${iso(time)} ${t.type} ${t.family} raw=${bytes.toString('base64')}\n`);
    if (chunk.length >= 10_000) flush();
    lines++;
  }
  flush();
  fs.closeSync(fd);
  return files;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

async function main(): Promise<void> {
  fs.mkdirSync(DIR, { recursive: true });
  let t0 = performance.now();
  const existing = REUSE ? fs.readdirSync(DIR).filter((f) => f.endsWith('.estreamer')).map((f) => path.join(DIR, f)) : [];
  const files = existing.length ? existing : generate();
  const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  const genMs = performance.now() - t0;
  const rssAfterGenerate = process.resourceUsage().maxRSS * 1024;

  let readOnlyCpu: number | undefined;
  if (BASELINE) {
    for (let pass = 0; pass < 2; pass++) {
      const before = process.cpuUsage();
      let n = 0;
      for await (const batch of readDumpBatches([DIR])) for (const entry of batch) if (entry.line > 0) n++;
      const used = process.cpuUsage(before);
      readOnlyCpu = (used.user + used.system) / 1e6;
      console.log(`  baseline ${pass ? '(measured)' : '(warm-up) '}: read ${n.toLocaleString('en')} records without analysis, CPU ${readOnlyCpu.toFixed(2)} s`);
    }
  }

  // Garbage collection pauses by phase: the reader's garbage is collected during Analyzer.add too.
  const gc = { ms: 0 };
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gc.ms += e.duration;
  });
  gcObserver.observe({ entryTypes: ['gc'] });
  const gcTotal = async (): Promise<number> => {
    await new Promise((r) => setTimeout(r, 20)); // entries arrive asynchronously (outside the timed phases)
    return gc.ms;
  };
  const analyzer = new Analyzer();
  let addMs = 0;
  const cpuBefore = process.cpuUsage();
  t0 = performance.now();
  // Read as analyzeDumps() reads (batches); Analyzer.add timed per batch.
  for await (const batch of readDumpBatches([DIR])) {
    const a = performance.now();
    for (const entry of batch) analyzer.add(entry.record, entry.names, { file: entry.file, line: entry.line });
    addMs += performance.now() - a;
  }
  const readMs = performance.now() - t0 - addMs;
  const gcReadIndexMs = await gcTotal();

  const readIndexCpu = process.cpuUsage(cpuBefore);
  const cpuAfterIndex = process.cpuUsage();
  t0 = performance.now();
  const hosts = analyzer.hosts();
  const verdictMs = performance.now() - t0;
  t0 = performance.now();
  const flagged = hosts.filter((h) => h.verdict !== 'clean');
  const busiestClean = hosts.filter((h) => h.verdict === 'clean').sort((a, b) => b.eventCount - a.eventCount).slice(0, 100);
  let timelineEvents = 0;
  for (const h of [...flagged, ...busiestClean]) timelineEvents += analyzer.timeline(h.ip)?.events.length ?? 0;
  const timelineMs = performance.now() - t0;
  const gcAnalysisMs = (await gcTotal()) - gcReadIndexMs;
  gcObserver.disconnect();
  const peak = process.resourceUsage().maxRSS * 1024;
  const cpu = process.cpuUsage(cpuBefore);
  const afterIndex = process.cpuUsage(cpuAfterIndex);
  const verdictTimelineCpu = (afterIndex.user + afterIndex.system) / 1e6;

  const count = (v: string) => hosts.filter((h) => h.verdict === v).length;
  const analysisMs = addMs + verdictMs + timelineMs;
  const line = (label: string, ms: number, extra = '') => console.log(`  ${label.padEnd(34)} ${(ms / 1000).toFixed(2).padStart(7)} s${extra}`);
  const events = analyzer.recordsRead - analyzer.recordsSkipped;
  console.log(`bench:analyze — ${events.toLocaleString('en')} events (${analyzer.recordsRead.toLocaleString('en')} records) in ${files.length} dumps (${mb(bytes)}) under ${DIR}`);
  line(existing.length ? 'reuse dumps' : 'generate dumps', genMs);
  line('read dumps (reader, re-decode raw=)', readMs, `   ${Math.round(analyzer.recordsRead / (readMs / 1000)).toLocaleString('en')} records/s`);
  line('index (Analyzer.add)', addMs, `   ${Math.round(analyzer.recordsRead / (addMs / 1000)).toLocaleString('en')} records/s`);
  line(`verdicts (${hosts.length.toLocaleString('en')} hosts)`, verdictMs, `   ${count('compromised')} compromised, ${count('suspicious')} suspicious, ${count('clean')} clean`);
  line(`timelines (${flagged.length + busiestClean.length} hosts)`, timelineMs, `   ${timelineEvents.toLocaleString('en')} events`);
  line('analysis total (index+verdicts+timelines)', analysisMs, `   target ≤ 3 s`);
  line('end to end from dumps', readMs + analysisMs);
  console.log(`  peak RSS ${mb(peak)} (after generating: ${mb(rssAfterGenerate)}); target ≤ 1 GB`);
  // Wall times depend on what else runs; CPU time and load say how much of the machine we had.
  console.log(`  CPU time for read + analysis ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
  console.log(`  GC pauses: ${(gcReadIndexMs / 1000).toFixed(2)} s while reading + indexing (the reader's garbage is collected during Analyzer.add too, so the index time includes part of it), ${(gcAnalysisMs / 1000).toFixed(2)} s in verdicts + timelines`);
  console.log(`  CPU time for verdicts + timelines ${verdictTimelineCpu.toFixed(2)} s`);
  if (readOnlyCpu !== undefined) {
    const indexCpu = (readIndexCpu.user + readIndexCpu.system) / 1e6 - readOnlyCpu;
    const analysisCpu = indexCpu + verdictTimelineCpu;
    console.log(`  index CPU (read + index minus read alone): ${indexCpu.toFixed(2)} s; analysis CPU ${analysisCpu.toFixed(2)} s, ${((analysisCpu * 1e6) / analyzer.recordsRead).toFixed(1)} µs per record`);
  }
  if (!KEEP && !arg('dir')) fs.rmSync(DIR, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
