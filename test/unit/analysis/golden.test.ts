/**
 * The analysis builds an event's one-line summary only when a timeline shows it, from values it
 * stored in columns. This pins the text (and everything else a timeline and host summary say) to
 * what the analysis gave when it still built every summary as the record arrived: golden.json was
 * written by that analysis (commit ee94b11) for a simulator scenario and for hostile record text
 * through every summary template.
 *
 * To rewrite golden.json after a deliberate change of wording: ANALYSIS_GOLDEN=write npx mocha
 * test/unit/analysis/golden.test.ts (and review the diff).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Analyzer } from '../../../src/analysis/analyzer';
import { MetadataCache } from '../../../src/metadata';
import { decodeRecord, encodeRecord } from '../../../src/protocol';
import type { EStreamerRecord, Fields } from '../../../src/protocol/types';
import { compromiseScenario } from '../../../src/sim/scenarios/compromise';
import { HOSTILE } from '../hostile/corpus';
import { T0, connection, fileEvent, intrusion, iocSet, malware, meta, newHost, newOs, streamOrder, userLogin } from './records';

const GOLDEN = path.join(__dirname, 'golden.json');

function raw(recordType: number, fields: Fields): EStreamerRecord {
  const { blockType, ...rest } = fields;
  return decodeRecord(encodeRecord({ recordType, archiveTimestamp: T0, blockType: blockType as number | undefined, fields: rest }));
}

/** Every summary template, fed record text that must come out exactly as before (escapes, quotes, line breaks). */
function hostileRecords(): EStreamerRecord[] {
  const records: EStreamerRecord[] = [
    meta.classification(5, 'attempted-admin', 'Attempted Administrator Privilege Gain'),
    meta.iocName(3, 'CnC Connected', 'Impact 1 Attack'),
    meta.siList(7, '00000000-0000-0000-0000-00005fc6fa72', 'CnC'),
    meta.siSide(2, 'Destination'),
    meta.malwareType(1090519054, 'Threat Detected'),
    meta.malwareSubtype(2, 'Execute'),
    meta.os('5ce40d9c-0000-0000-0000-000000000000', 'Windows'),
    meta.ruleAction(1, 'Block'),
  ];
  Object.values(HOSTILE).forEach((text, i) => {
    if (text.length > 5000) return;
    const victim = i % 2 ? `10.9.0.${i + 1}` : `fd00::${i + 1}`;
    const at = T0 + i * 60;
    const sid = 3_000_000 + i;
    const conn = { device: 1, instance: 1, second: at + 2, counter: i };
    records.push(
      meta.rule(sid, text),
      newHost({ host: victim, at, netbios: text, mac: '00:11:22:33:44:55' }),
      newOs({ host: victim, at }),
      userLogin({ host: victim, at: at + 1, user: text }),
      connection({ src: victim, dst: '203.0.113.66', at: at + 2, url: text }),
      connection({ src: victim, dst: '185.220.101.9', at: at + 2, siSide: 2, siList: 7, conn }),
      connection({ src: victim, dst: '185.220.101.9', at: at + 2, siSide: 2, siList: 7, action: 1 }),
      intrusion({ src: '203.0.113.66', dst: victim, at: at + 3, impact: 1 + (i % 4), sid, eventId: i, conn }),
      fileEvent({ src: '203.0.113.66', dst: victim, at: at + 4, action: 1 + (i % 3), name: text, recordType: i % 2 ? 500 : 502 }),
      malware({ host: victim, at: at + 5, eventTypeId: 1090519054, detection: text, subtype: 1 + (i % 2) }),
      iocSet({ host: victim, at: at + 6, iocId: 3, firstSeen: i % 2 ? at - 10 : undefined }),
      raw(9, { blockType: 153, eventId: i, deviceId: 1, eventSecond: at + 7, impact: 1 + (i % 4), sourceIpAddress: '203.0.113.66', destinationIpAddress: victim, description: text }),
      raw(112, { blockType: 156, deviceId: 1, correlationEventSecond: at + 8, eventId: i, ruleId: 40 + i, eventDescription: text, sourceIp: '203.0.113.66', destinationIp: i % 2 ? victim : '10.9.0.200' }),
    );
  });
  return records;
}

function scenarioRecords(): EStreamerRecord[] {
  return streamOrder(compromiseScenario({ seed: 42, compromised: 1, hosts: 4 }).store);
}

/** What the analysis says about every host, with the timeline events of the first `timelines` hosts as compact rows. */
function analysisOf(records: EStreamerRecord[], file: string, timelines = Infinity): unknown {
  const analyzer = new Analyzer();
  const cache = new MetadataCache();
  records.forEach((record, i) => analyzer.add(record, cache.add(record) ? {} : cache.names(record), { file, line: i + 2 }));
  return analyzer.hosts().map((h, rank) => {
    const t = rank < timelines ? analyzer.timeline(h.ip) : undefined;
    return {
      ip: h.ip,
      verdict: h.verdict,
      score: h.score,
      reasons: h.reasons,
      indicators: h.indicators.map((i) => `${i.time} ${i.kind} ${i.line}: ${i.description}`),
      laneCounts: h.laneCounts,
      eventCount: h.eventCount,
      window: t?.window,
      events: t?.events.map((e) =>
        [e.id, e.time, e.lane, e.severity, e.recordType, e.family, e.ref.line, e.peer ?? '', e.indicatorKind ?? '', e.connectionKey ?? '', e.links.join(','), e.summary].join(' | '),
      ),
    };
  });
}

describe('analysis: summaries built on demand say exactly what the eager ones said', () => {
  // As JSON has it (absent, not undefined), like the golden file.
  const actual = JSON.parse(
    JSON.stringify({
      hostile: analysisOf(hostileRecords(), '/dumps/hostile.estreamer'),
      scenario: analysisOf(scenarioRecords(), '/dumps/seed-42.estreamer', 4),
    }),
  ) as Record<'hostile' | 'scenario', unknown>;
  if (process.env.ANALYSIS_GOLDEN === 'write') fs.writeFileSync(GOLDEN, JSON.stringify(actual, null, 1) + '\n');
  const golden = JSON.parse(fs.readFileSync(GOLDEN, 'utf8')) as typeof actual;

  it('for hostile record text through every summary template (intrusion, impact alert, correlation, connection, file, malware, IOC, user, discovery)', () => {
    assert.deepEqual(actual.hostile, golden.hostile);
  });

  it('for the simulator compromise scenario (seed 42): every host and reason, the timelines of the worst four', () => {
    assert.deepEqual(actual.scenario, golden.scenario);
  });
});

describe('analysis: values that do not fit the compact columns', () => {
  it('keeps line numbers beyond 32 bits and byte counts beyond 2 GiB exactly', () => {
    const analyzer = new Analyzer();
    const cache = new MetadataCache();
    const big = connection({ src: '10.1.1.5', dst: '198.51.100.7', at: T0 });
    big.fields.initiatorTransmittedBytes = 5_000_000_000n;
    big.fields.responderTransmittedBytes = 3;
    for (const [record, line] of [
      [big, 2 ** 40 + 3],
      [connection({ src: '10.1.1.5', dst: '198.51.100.8', at: T0 + 1 }), 7],
    ] as const) {
      analyzer.add(record, cache.names(record), { file: '/dumps/a.estreamer', line });
    }
    const events = analyzer.timeline('10.1.1.5')?.events ?? [];
    assert.deepEqual(events.map((e) => e.ref.line), [2 ** 40 + 3, 7]);
    assert.match(events[0].summary, /, 4768\.4 MiB out \/ 3 B in,/);
    assert.match(events[1].summary, /, 1\.6 KiB out \/ 4\.4 KiB in,/);
  });
});

describe('analysis: timelines while records keep arriving', () => {
  it('gives the same timelines as an analyzer fed everything at once, for old and new hosts, across index rebuilds', () => {
    const records = streamOrder(compromiseScenario({ seed: 7, compromised: 2, hosts: 10 }).store);
    // More than the index scans past before rebuilding (4096), some naming new hosts; then records
    // naming a host nobody named before, and an indicator about a third host.
    for (let i = 0; i < 4500; i++) records.push(connection({ src: `10.66.${i % 7}.1`, dst: '198.51.100.7', at: T0 + i, conn: { device: 1, instance: 1, second: T0 + i, counter: i } }));
    records.push(
      connection({ src: '10.77.0.1', dst: '198.51.100.77', at: T0 + 5000 }),
      intrusion({ src: '203.0.113.66', dst: '10.77.0.2', at: T0 + 5001, impact: 1 }),
    );
    const live = new Analyzer();
    const liveCache = new MetadataCache();
    const whole = new Analyzer();
    const wholeCache = new MetadataCache();
    const add = (a: Analyzer, cache: MetadataCache, i: number) => a.add(records[i], cache.add(records[i]) ? {} : cache.names(records[i]), { file: '/d.estreamer', line: i + 2 });
    records.forEach((_, i) => add(whole, wholeCache, i));
    const ips = whole.hosts().map((h) => h.ip);
    // Ask for timelines after every few records: the per-host index is built, extended by a
    // scan of the newest events, and rebuilt as they grow.
    records.forEach((_, i) => {
      add(live, liveCache, i);
      if (i % 97 === 0) for (const ip of [...ips.slice(0, 3), '10.66.3.1']) live.timeline(ip);
    });
    for (const ip of ips) assert.deepEqual(live.timeline(ip), whole.timeline(ip), ip);
    assert.ok(ips.includes('10.77.0.1') && ips.includes('10.77.0.2'));
  });
});
