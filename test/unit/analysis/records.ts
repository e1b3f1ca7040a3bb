/**
 * Builders for the records the analysis reads. Each goes through the real codec (encodeRecord,
 * then decodeRecord), so the analysis sees exactly the field names and value forms the stream
 * delivers; a field the layouts do not know would be dropped and the test would notice.
 */
import { decodeRecord, encodeRecord } from '../../../src/protocol/records';
import type { EStreamerRecord, Fields } from '../../../src/protocol/types';
import type { RecordStore } from '../../../src/sim/store';

export const T0 = Date.UTC(2026, 11, 3, 10, 0, 0) / 1000; // 2026-12-03T10:00:00Z, in seconds

function record(recordType: number, fields: Fields, event = true): EStreamerRecord {
  const { blockType, ...rest } = fields;
  // Event records carry the archive timestamp header; metadata records never do (RECORDS.md §1.4).
  const archiveTimestamp = event ? T0 : undefined;
  const decoded = decodeRecord(encodeRecord({ recordType, archiveTimestamp, blockType: blockType as number | undefined, fields: rest }));
  if (decoded.status !== 'ok') throw new Error(`test record ${recordType} did not round-trip: ${decoded.reason}`);
  return decoded;
}

export interface Conn {
  device?: number;
  instance?: number;
  second?: number;
  counter?: number;
}

export function intrusion(o: {
  src: string;
  dst: string;
  at: number;
  impact: number;
  blocked?: number;
  eventId?: number;
  sid?: number;
  classificationId?: number;
  conn?: Conn;
  dport?: number;
}): EStreamerRecord {
  return record(400, {
    blockType: 85,
    deviceId: o.conn?.device ?? 1,
    eventId: o.eventId ?? 1,
    eventSecond: o.at,
    eventMicrosecond: 250000,
    ruleId: o.sid ?? 2001219,
    generatorId: 1,
    ruleRevision: 3,
    classificationId: o.classificationId ?? 5,
    priorityId: 1,
    sourceIpAddress: o.src,
    destinationIpAddress: o.dst,
    sourcePortOrIcmpType: 51234,
    destinationPortOrIcmpType: o.dport ?? 80,
    ipProtocolId: 6,
    impactFlags: 0,
    impact: o.impact,
    blocked: o.blocked ?? 0,
    connectionTimestamp: o.conn?.second ?? 0,
    connectionInstanceId: o.conn?.instance ?? 0,
    connectionCounter: o.conn?.counter ?? 0,
  });
}

export function connection(o: {
  src: string;
  dst: string;
  at: number;
  conn?: Conn;
  siSide?: number;
  action?: number;
  siList?: number;
  dport?: number;
  url?: string;
}): EStreamerRecord {
  return record(71, {
    blockType: 160,
    deviceId: o.conn?.device ?? 1,
    initiatorIpAddress: o.src,
    responderIpAddress: o.dst,
    ruleAction: o.action ?? 2,
    ruleReason: 0,
    initiatorPort: 49152,
    responderPort: o.dport ?? 443,
    protocol: 6,
    instanceId: o.conn?.instance ?? 3,
    connectionCounter: o.conn?.counter ?? 98,
    firstPacketTimestamp: o.conn?.second ?? o.at,
    lastPacketTimestamp: (o.conn?.second ?? o.at) + 5,
    initiatorTransmittedBytes: 1687n,
    responderTransmittedBytes: 4492n,
    clientUrl: o.url ?? '',
    securityIntelligenceSourceDestination: o.siSide ?? 0,
    securityIntelligenceList1: o.siList ?? 0,
    policyRevision: SI_POLICY,
  });
}

export function fileEvent(o: {
  src: string;
  dst: string;
  at: number;
  action: number;
  disposition?: number;
  recordType?: 500 | 502;
  name?: string;
  conn?: Conn;
}): EStreamerRecord {
  return record(o.recordType ?? 502, {
    blockType: 79,
    deviceId: o.conn?.device ?? 1,
    connectionInstance: o.conn?.instance ?? 0,
    connectionCounter: o.conn?.counter ?? 0,
    connectionTimestamp: o.conn?.second ?? 0,
    fileEventTimestamp: o.at,
    sourceIpAddress: o.src,
    destinationIpAddress: o.dst,
    disposition: o.disposition ?? 3,
    threatScore: 90,
    action: o.action,
    shaHash: '0611b40b3c6a1bd8e04c9c10ab1ee7ca2af1ec62bb2ec19e3f6f0a1db3dffc01',
    fileTypeId: 9,
    fileName: o.name ?? 'invoice.pdf.exe',
    direction: 1,
  });
}

export function malware(o: { host: string; at: number; eventTypeId: number; subtype?: number; detection?: string }): EStreamerRecord {
  return record(125, {
    blockType: 80,
    malwareEventTimestamp: o.at,
    eventTypeId: o.eventTypeId,
    eventSubtypeId: o.subtype ?? 1,
    detectorId: 1,
    detectionName: o.detection ?? 'W32.Zbot:Gen',
    user: 'alice',
    fileName: 'dropper.exe',
    filePath: 'C:\\Users\\alice\\Downloads',
    fileShaHash: 'aa'.repeat(32),
    deviceId: 0,
    sourceIpAddress: '::',
    destinationIpAddress: o.host,
  });
}

export function discoveryHeader(ip: string, at: number, type: number, subtype: number, mac = '00:00:00:00:00:00'): Fields {
  const v6 = ip.includes(':');
  return {
    discoveryHeader: {
      deviceId: 1,
      legacyIpAddress: v6 ? '0.0.0.0' : ip,
      macAddress: mac,
      hasIpv6: v6 ? 1 : 0,
      eventSecond: at,
      eventMicrosecond: 0,
      eventType: type,
      eventSubtype: subtype,
      ...(v6 ? { ipv6Address: ip } : {}),
    },
  };
}

export function iocSet(o: { host: string; at: number; iocId: number; firstSeen?: number }): EStreamerRecord {
  const fields: Fields = { ...discoveryHeader(o.host, o.at, 1008, 1), blockType: 7, iocId: o.iocId };
  if (o.firstSeen) Object.assign(fields, { blockType: 150, firstSeen: o.firstSeen, firstDeviceId: 1, firstEventId: 7 });
  return record(160, fields);
}

export function newHost(o: { host: string; at: number; mac?: string; netbios?: string }): EStreamerRecord {
  return record(10, {
    ...discoveryHeader(o.host, o.at, 1000, 1, o.mac),
    blockType: 139,
    ipAddress: o.host,
    netbios: o.netbios ?? '',
  });
}

export function newOs(o: { host: string; at: number }): EStreamerRecord {
  return record(101, { ...discoveryHeader(o.host, o.at, 1000, 8), blockType: 130, uuid: OS_UUID });
}

export function userLogin(o: { host: string; at: number; user: string }): EStreamerRecord {
  return record(95, {
    ...discoveryHeader(o.host, o.at, 1004, 2),
    blockType: 167,
    timestamp: o.at,
    ipv4Address: o.host.includes(':') ? '0.0.0.0' : o.host,
    username: o.user,
    domain: 'CORP',
    ipv6Address: o.host.includes(':') ? o.host : '::',
  });
}

/** Metadata records, as the FMC sends them just before the events that need them. */
export const meta = {
  rule: (ruleId: number, message: string): EStreamerRecord =>
    record(66, { generatorId: 1, ruleId, ruleRevision: 3, renderedSignatureId: ruleId, message }, false),
  classification: (id: number, name: string, description: string): EStreamerRecord => record(67, { id, name, description }, false),
  iocName: (id: number, category: string, eventType: string): EStreamerRecord => record(161, { blockType: 39, id, category, eventType }, false),
  siList: (id: number, policy: string, name: string): EStreamerRecord => record(280, { blockType: 22, id, accessControlPolicyUuid: policy, name }, false),
  siSide: (id: number, name: string): EStreamerRecord => record(281, { id, name }, false),
  ruleAction: (id: number, name: string): EStreamerRecord => record(120, { id, name }, false),
  malwareType: (id: number, name: string): EStreamerRecord => record(128, { id, name }, false),
  malwareSubtype: (id: number, name: string): EStreamerRecord => record(129, { id, name }, false),
  os: (uuid: string, name: string): EStreamerRecord => record(54, { uuid, name, vendor: 'Microsoft', version: '10' }, false),
};

export const SI_POLICY = '00000000-0000-0000-0000-00005fc6fa72';
export const OS_UUID = '5ce40d9c-0000-0000-0000-000000000000';

/** A simulator store's records as its session streams them (each metadata record once, before its first use), decoded. */
export function streamOrder(store: RecordStore): EStreamerRecord[] {
  const out: EStreamerRecord[] = [];
  const sent = new Set<string>();
  const it = store.recordsFrom(0);
  for (let r = it.next(); !r.done; r = it.next()) {
    for (const key of r.value.refs ?? []) {
      if (sent.has(key)) continue;
      sent.add(key);
      const m = store.metadata(key);
      if (m) out.push(decodeRecord(m.encode(false)));
    }
    out.push(decodeRecord(r.value.encode(r.value.archiveTimestamp !== undefined)));
  }
  return out;
}
