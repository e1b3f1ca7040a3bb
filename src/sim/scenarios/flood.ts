/**
 * `flood`: N events as fast as the client takes them, for benchmarks. Records are generated on
 * demand from their index (never all in memory); one metadata set covers them all.
 */
import { Emitter } from '../../common/events';
import type { Fields } from '../../protocol/types';
import type { RecordStore, SimRecord } from '../store';
import { truthTime } from '../truth';
import { DEFAULT_START_TIME, type Scenario, type ScenarioOptions } from './index';
import { eventRecord, metadataRecord } from './records';

/** Events per archive second (so a bookmark in the middle of a flood lands on a real boundary). */
const EVENTS_PER_SECOND = 1000;
const REFS = ['123:1', '63:1122', '55:1296', '120:2', '520:840'];
const PEERS = ['52.114.128.70', '142.250.74.110', '140.82.121.4'];

function floodRecord(index: number, start: number, seed: number): SimRecord {
  const second = start + Math.floor(index / EVENTS_PER_SECOND);
  const fields: Fields = {
    discoveryHeader: { deviceId: 1, hasIpv6: 1, eventType: 1003, eventSubtype: 1, ipv6Address: '::' },
    deviceId: 1,
    initiatorIpAddress: `10.20.${(index >>> 8) & 0xff}.${index & 0xff}`,
    responderIpAddress: PEERS[(index + seed) % PEERS.length],
    ruleAction: 2,
    initiatorPort: 49152 + (index % 16000),
    responderPort: 443,
    protocol: 6,
    instanceId: 1,
    connectionCounter: (index % 65535) + 1,
    firstPacketTimestamp: second,
    lastPacketTimestamp: second,
    initiatorTransmittedPackets: 10,
    responderTransmittedPackets: 8,
    initiatorTransmittedBytes: 1687,
    responderTransmittedBytes: 4492,
    applicationId: 1122,
    clientApplicationId: 1296,
    responderCountry: 840,
    clientUrl: `https://example.com/${index}`,
  };
  return eventRecord(71, second, fields, REFS);
}

export function floodScenario(opts: ScenarioOptions): Scenario {
  const total = Math.max(0, Math.floor(opts.floodEvents ?? 100_000));
  const start = opts.startTime ?? DEFAULT_START_TIME;
  const seed = opts.seed ?? 1;
  const metadata = new Map<string, SimRecord>([
    ['123:1', metadataRecord(123, { id: 1, name: 'fw-flood-1' })],
    ['63:1122', metadataRecord(63, { id: 1122, name: 'HTTPS' })],
    ['55:1296', metadataRecord(55, { id: 1296, name: 'SSL client' })],
    ['120:2', metadataRecord(120, { id: 2, name: 'Allow' })],
    ['520:840', metadataRecord(520, { countryCode: 840, country: 'united states' })],
  ]);
  const store: RecordStore = {
    recordsFrom(from) {
      let i = Math.max(0, (from - start) * EVENTS_PER_SECOND);
      return { next: () => (i < total ? { value: floodRecord(i++, start, seed), done: false } : { value: undefined, done: true }) };
    },
    metadata: (key) => metadata.get(key),
    now: () => Math.max(start + Math.ceil(total / EVENTS_PER_SECOND), Math.floor(Date.now() / 1000)),
    onDidAppend: new Emitter<void>().event,
  };
  const counts: Record<string, number> = { '71': total };
  if (total > 0) for (const m of metadata.values()) counts[String(m.recordType)] = (counts[String(m.recordType)] ?? 0) + 1;
  return {
    store,
    truth: {
      scenario: 'flood',
      seed,
      hosts: Math.min(total, 65536),
      start: truthTime(start),
      end: truthTime(start + Math.floor(Math.max(0, total - 1) / EVENTS_PER_SECOND)),
      compromised: [],
      decoys: [],
      records_by_type: counts,
    },
  };
}
