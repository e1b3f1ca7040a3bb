/**
 * `compromise`: a small network seen by two firewalls for a working day. Every host makes web
 * and DNS connections, logs in and is discovered; k hosts are compromised along a realistic chain
 * (recon → exploit → download → execution → callbacks, plus the FMC's own IOC tags), and some
 * clean hosts only look suspicious (blocked attacks, impact 3/4 events, malware blocked in
 * transfer). Everything is drawn from a seeded PRNG, and the ground truth says what happened.
 */
import type { Fields } from '../../protocol/types';
import { Prng } from '../prng';
import { MemoryStore, type SimRecord } from '../store';
import { truthTime, type ChainStep, type CompromisedHost, type Decoy, type GroundTruth } from '../truth';
import { DEFAULT_START_TIME, type Scenario, type ScenarioOptions } from './index';
import { countFullStream, eventRecord, metadataRecord } from './records';

// --- the network's fixed catalogue (metadata) ----------------------------------------------------

const DEVICES = [
  { id: 1, name: 'fw-edge-1' },
  { id: 2, name: 'fw-dc-1' },
];
const ZONES = { inside: 'a1c0e6f2-3444-11eb-a581-703a42c735fb', outside: 'b2d1f703-3444-11eb-a581-703a42c735fb' };
const INTERFACES = { inside: 'c3e20814-3444-11eb-a581-703a42c735fb', outside: 'd4f31925-3444-11eb-a581-703a42c735fb' };
const AC_POLICY = '00000000-0000-0000-0000-00005fc6fa72';
const INTRUSION_POLICY = 'e5042a36-3444-11eb-a581-703a42c735fb';
const AC_RULES = [
  { id: 268434433, name: 'allow-outbound' },
  { id: 268434434, name: 'block-inbound' },
  { id: 268434435, name: 'si-monitor' },
];
const ACTION = { block: 1, allow: 2 };
const PRIORITIES = [
  { id: 1, name: 'high' },
  { id: 2, name: 'medium' },
  { id: 3, name: 'low' },
];
/** Classifications; the first five are the IOC classes (ANALYSIS.md §5.1) every exploit uses. */
const CLASSES = {
  'attempted-admin': { id: 1, description: 'Attempted Administrator Privilege Gain' },
  'successful-admin': { id: 2, description: 'Successful Administrator Privilege Gain' },
  'attempted-user': { id: 3, description: 'Attempted User Privilege Gain' },
  'successful-user': { id: 4, description: 'Successful User Privilege Gain' },
  'web-application-attack': { id: 5, description: 'Web Application Attack' },
  'attempted-recon': { id: 6, description: 'Attempted Information Leak' },
  'malware-cnc': { id: 7, description: 'Known malware command and control traffic' },
  'policy-violation': { id: 8, description: 'Potential Corporate Privacy Violation' },
} as const;
type ClassName = keyof typeof CLASSES;

interface Rule {
  sid: number;
  rev: number;
  cls: ClassName;
  priority: number;
  msg: string;
  port: number;
}
const EXPLOITS: Rule[] = [
  { sid: 2024217, rev: 3, cls: 'attempted-admin', priority: 1, msg: 'ET EXPLOIT Possible ETERNALBLUE MS17-010 Echo Request', port: 445 },
  { sid: 2019401, rev: 4, cls: 'attempted-user', priority: 1, msg: 'ET EXPLOIT Possible Bash CVE-2014-6271 attempt', port: 80 },
  { sid: 2031144, rev: 2, cls: 'web-application-attack', priority: 1, msg: 'ET WEB_SERVER Apache Struts OGNL Injection', port: 8080 },
  { sid: 2027865, rev: 5, cls: 'successful-admin', priority: 1, msg: 'ET EXPLOIT RDP BlueKeep CVE-2019-0708 exploit', port: 3389 },
  { sid: 2033701, rev: 1, cls: 'successful-user', priority: 1, msg: 'ET EXPLOIT Log4j JNDI lookup attempt', port: 443 },
];
const RECON: Rule = { sid: 2009582, rev: 3, cls: 'attempted-recon', priority: 2, msg: 'ET SCAN NMAP -sS window 1024', port: 0 };
const CNC_RULE: Rule = { sid: 2030358, rev: 2, cls: 'malware-cnc', priority: 1, msg: 'ET MALWARE Emotet CnC Beacon', port: 443 };
const LOW_IMPACT_RULE: Rule = { sid: 2011768, rev: 6, cls: 'web-application-attack', priority: 2, msg: 'ET WEB_SERVER PHP tags in HTTP POST', port: 80 };
const POLICY_RULE: Rule = { sid: 2013031, rev: 4, cls: 'policy-violation', priority: 3, msg: 'ET POLICY Python-urllib/ Suspicious User Agent', port: 80 };

/** Application ids (63 app protocol, 55 client, 109 web app). */
const APP = { http: 676, https: 1122, dns: 617, smb: 779, rdp: 1093, ssh: 846 };
const CLIENT = { firefox: 1296, chrome: 1297, dnsClient: 1020, curl: 1362, sslClient: 1040 };
const WEB = { microsoft: 1423, google: 2048, github: 1612, office365: 2540, unknown: 3001 };
const COUNTRIES = [
  { code: 840, name: 'united states' },
  { code: 643, name: 'russia' },
  { code: 276, name: 'germany' },
  { code: 156, name: 'china' },
];
const SITES = [
  { ip: '52.114.128.70', host: 'v10.vortex-win.data.microsoft.com', web: WEB.microsoft, country: 840 },
  { ip: '142.250.74.110', host: 'www.google.com', web: WEB.google, country: 840 },
  { ip: '140.82.121.4', host: 'github.com', web: WEB.github, country: 840 },
  { ip: '52.97.150.2', host: 'outlook.office365.com', web: WEB.office365, country: 840 },
  { ip: '91.198.174.192', host: 'de.wikipedia.org', web: WEB.unknown, country: 276 },
];
const DNS_SERVER = '10.10.0.2';
const SI_CATEGORIES = [
  { id: 11, name: 'CnC' },
  { id: 12, name: 'Malware' },
  { id: 13, name: 'Spam' },
];
/** IOC ids and names as record 161 gives them (category, event type; ANALYSIS.md §5.1). */
const IOCS = {
  impact1: { id: 1, category: 'Impact 1 Attack', eventType: 'Impact 1 Intrusion Event' },
  impact2: { id: 2, category: 'Impact 2 Attack', eventType: 'Impact 2 Intrusion Event' },
  file: { id: 3, category: 'Malware Detected', eventType: 'Threat Detected in File Transfer' },
  amp: { id: 4, category: 'Malware Executed', eventType: 'Threat Detected by FireAMP - subtype is executed' },
  siCnc: { id: 5, category: 'CnC Connected', eventType: 'Security Intelligence Event - CnC' },
  idsCnc: { id: 6, category: 'CnC Connected', eventType: 'Intrusion Event - malware-CnC' },
};
const FILE_TYPES = [
  { id: 21, name: 'MSEXE' },
  { id: 9, name: 'PDF' },
  { id: 18, name: 'MSOLE2' },
];
const MALWARE = [
  { name: 'W32.Emotet.Trojan', file: 'invoice_2231.exe', type: 21 },
  { name: 'W32.Qakbot.Dropper', file: 'scan_0042.doc', type: 18 },
  { name: 'W32.TrickBot.Banker', file: 'statement.pdf.exe', type: 21 },
];
const MALWARE_EVENT_TYPE = { threatDetected: 1090519054, networkTransfer: 1 };
const MALWARE_SUBTYPE = { create: 1, execute: 2 };
const AMP_DETECTOR = 3;
const OS = [
  { uuid: '6ab3f62a-0000-4000-a000-000000000010', name: 'Windows', vendor: 'Microsoft', version: '10' },
  { uuid: '6ab3f62a-0000-4000-a000-000000000011', name: 'Linux', vendor: 'Ubuntu', version: '22.04' },
];
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar', 'peggy', 'trent', 'victor', 'walter'];
const ATTACKERS = ['203.0.113.7', '198.51.100.23', '203.0.113.66', '198.51.100.140'];
const CNC_SERVERS = ['185.220.101.9', '45.142.212.61', '91.219.236.18'];
const DOWNLOAD_SERVERS = [
  { ip: '194.36.189.177', host: 'cdn-update-check.net' },
  { ip: '5.188.206.14', host: 'docs-share-online.com' },
];

const k = (type: number, ...ids: Array<number | string>) => `${type}:${ids.join(':')}`;

/** Every metadata record of the scenario, keyed as events refer to them. */
function catalogue(): Array<[string, SimRecord]> {
  const out: Array<[string, SimRecord]> = [];
  const add = (key: string, type: number, fields: Fields) => out.push([key, metadataRecord(type, fields)]);
  for (const d of DEVICES) {
    add(k(123, d.id), 123, { id: d.id, name: d.name });
    add(k(145, d.id, AC_POLICY), 145, { uuid: AC_POLICY, sensorId: d.id, name: 'corp-access-policy' });
  }
  for (const [name, uuid] of Object.entries(ZONES)) add(k(115, uuid), 115, { uuid, name });
  for (const [name, uuid] of Object.entries(INTERFACES)) add(k(116, uuid), 116, { uuid, name: `${name}-if` });
  add(k(118, INTRUSION_POLICY), 118, { uuid: INTRUSION_POLICY, name: 'Balanced Security and Connectivity' });
  for (const r of AC_RULES) add(k(119, AC_POLICY, r.id), 119, { uuid: AC_POLICY, id: r.id, name: r.name });
  add(k(120, ACTION.block), 120, { id: ACTION.block, name: 'Block' });
  add(k(120, ACTION.allow), 120, { id: ACTION.allow, name: 'Allow' });
  for (const p of PRIORITIES) add(k(4, p.id), 4, { id: p.id, name: p.name });
  for (const [name, c] of Object.entries(CLASSES)) add(k(67, c.id), 67, { id: c.id, name, description: c.description, uuid: `00000000-0000-4000-8000-0000000000${String(c.id).padStart(2, '0')}`, revisionUuid: '00000000-0000-0000-0000-000000000000' });
  for (const r of [...EXPLOITS, RECON, CNC_RULE, LOW_IMPACT_RULE, POLICY_RULE]) {
    add(k(66, 1, r.sid), 66, { generatorId: 1, ruleId: r.sid, ruleRevision: r.rev, renderedSignatureId: r.sid, message: r.msg, ruleUuid: '00000000-0000-0000-0000-000000000000', ruleRevisionUuid: '00000000-0000-0000-0000-000000000000' });
  }
  const named = (type: number, table: Record<string, number>, names: Record<string, string>) => {
    for (const [key, id] of Object.entries(table)) add(k(type, id), type, { id, name: names[key] ?? key });
  };
  named(63, APP, { http: 'HTTP', https: 'HTTPS', dns: 'DNS', smb: 'NetBIOS-ssn (SMB)', rdp: 'RDP', ssh: 'SSH' });
  named(55, CLIENT, { firefox: 'Firefox', chrome: 'Chrome', dnsClient: 'DNS client', curl: 'cURL', sslClient: 'SSL client' });
  named(109, WEB, { microsoft: 'Microsoft', google: 'Google', github: 'GitHub', office365: 'Office 365', unknown: 'Unknown' });
  USERS.forEach((u, i) => add(k(98, 1000 + i), 98, { id: 1000 + i, protocol: 710, username: u }));
  for (const c of COUNTRIES) add(k(520, c.code), 520, { countryCode: c.code, country: c.name });
  for (const s of SI_CATEGORIES) add(k(280, s.id, AC_POLICY), 280, { id: s.id, accessControlPolicyUuid: AC_POLICY, name: s.name });
  add(k(281, 1), 281, { id: 1, name: 'Source' });
  add(k(281, 2), 281, { id: 2, name: 'Destination' });
  for (const ioc of Object.values(IOCS)) add(k(161, ioc.id), 161, { id: ioc.id, category: ioc.category, eventType: ioc.eventType });
  for (const f of FILE_TYPES) {
    add(k(510, f.id), 510, { id: f.id, name: f.name });
    add(k(131, f.id), 131, { id: f.id, name: f.name });
  }
  add(k(128, MALWARE_EVENT_TYPE.threatDetected), 128, { id: MALWARE_EVENT_TYPE.threatDetected, name: 'Threat Detected' });
  add(k(129, MALWARE_SUBTYPE.execute), 129, { id: MALWARE_SUBTYPE.execute, name: 'Execute' });
  add(k(130, AMP_DETECTOR), 130, { id: AMP_DETECTOR, name: 'ClamAV' });
  add(k(320, 1), 320, { id: 1, name: 'A', description: 'a host address' });
  add(k(321, 0), 321, { id: 0, name: 'NOERROR', description: 'No error' });
  for (const o of OS) add(k(54, o.uuid), 54, { uuid: o.uuid, name: o.name, vendor: o.vendor, version: o.version });
  return out;
}

// --- event builders -----------------------------------------------------------------------------

interface Host {
  ip: string;
  device: number;
  user: number;
  os: (typeof OS)[number];
  server: boolean;
}

class Builder {
  readonly records: SimRecord[] = [];
  /** Metadata made up along the way (threat names per SHA-256, record 511). */
  readonly metadata: Array<[string, SimRecord]> = [];
  private readonly counters = new Map<number, number>();
  private readonly eventIds = new Map<number, number>();

  constructor(readonly rng: Prng) {}

  /** Archive time lags the event by 0–2 s, as a device's store-and-forward does. Returns the event time. */
  private push(type: number, eventTime: number, fields: Fields, refs: string[]): number {
    this.records.push(eventRecord(type, eventTime + this.rng.int(0, 2), fields, refs));
    return eventTime;
  }

  private nextCounter(device: number): number {
    const n = ((this.counters.get(device) ?? 0) % 65535) + 1;
    this.counters.set(device, n);
    return n;
  }

  private nextEventId(device: number): number {
    const n = (this.eventIds.get(device) ?? 100000) + 1;
    this.eventIds.set(device, n);
    return n;
  }

  private common(device: number, ruleId: number): string[] {
    return [k(123, device), k(145, device, AC_POLICY), k(119, AC_POLICY, ruleId), k(115, ZONES.inside), k(115, ZONES.outside), k(116, INTERFACES.inside), k(116, INTERFACES.outside)];
  }

  connection(c: {
    t: number;
    host: Host;
    peer: string;
    outbound: boolean;
    port: number;
    protocol?: number;
    app: number;
    client?: number;
    web?: number;
    url?: string;
    dns?: string;
    country?: number;
    blocked?: boolean;
    siCategory?: number;
    ruleId?: number;
    ioc?: number;
    files?: number;
    intrusions?: number;
  }): { time: number; instance: number; counter: number } {
    const counter = this.nextCounter(c.host.device);
    const instance = 1;
    const duration = this.rng.int(1, 120);
    const ruleId = c.ruleId ?? (c.blocked ? AC_RULES[1].id : c.siCategory ? AC_RULES[2].id : AC_RULES[0].id);
    const action = c.blocked ? ACTION.block : ACTION.allow;
    const [initiator, responder] = c.outbound ? [c.host.ip, c.peer] : [c.peer, c.host.ip];
    const refs = [...this.common(c.host.device, ruleId), k(120, action), k(63, c.app)];
    if (c.client) refs.push(k(55, c.client));
    if (c.web) refs.push(k(109, c.web));
    if (c.host.user && c.outbound) refs.push(k(98, c.host.user));
    if (c.country) refs.push(k(520, c.country));
    if (c.dns) refs.push(k(320, 1), k(321, 0));
    if (c.siCategory) refs.push(k(280, c.siCategory, AC_POLICY), k(281, 2));
    if (c.ioc) refs.push(k(161, c.ioc));
    const fields: Fields = {
      // As the real FMC sends it: IPv6 flag set, event second 0, type 1003/1 (RECORDS.md §6).
      discoveryHeader: { deviceId: c.host.device, hasIpv6: 1, eventType: 1003, eventSubtype: 1, ipv6Address: '::' },
      deviceId: c.host.device,
      ingressZone: c.outbound ? ZONES.inside : ZONES.outside,
      egressZone: c.outbound ? ZONES.outside : ZONES.inside,
      ingressInterface: c.outbound ? INTERFACES.inside : INTERFACES.outside,
      egressInterface: c.outbound ? INTERFACES.outside : INTERFACES.inside,
      initiatorIpAddress: initiator,
      responderIpAddress: responder,
      policyRevision: AC_POLICY,
      ruleId,
      ruleAction: action,
      initiatorPort: this.rng.int(49152, 65535),
      responderPort: c.port,
      protocol: c.protocol ?? 6,
      instanceId: instance,
      connectionCounter: counter,
      firstPacketTimestamp: c.t,
      lastPacketTimestamp: c.blocked ? c.t : c.t + duration,
      initiatorTransmittedPackets: c.blocked ? 1 : this.rng.int(3, 40),
      responderTransmittedPackets: c.blocked ? 0 : this.rng.int(2, 60),
      initiatorTransmittedBytes: c.blocked ? 60 : this.rng.int(300, 20_000),
      responderTransmittedBytes: c.blocked ? 0 : this.rng.int(500, 900_000),
      userId: c.outbound ? c.host.user : 0,
      applicationId: c.app,
      clientApplicationId: c.client ?? 0,
      webApplicationId: c.web ?? 0,
      clientUrl: c.url ?? '',
      securityIntelligenceSourceDestination: c.siCategory ? 2 : 0,
      securityIntelligenceLayer: c.siCategory ? 1 : 0,
      securityIntelligenceList1: c.siCategory ?? 0,
      initiatorCountry: c.outbound ? 0 : (c.country ?? 0),
      responderCountry: c.outbound ? (c.country ?? 0) : 0,
      iocNumber: c.ioc ?? 0,
      fileEventCount: c.files ?? 0,
      intrusionEventCount: c.intrusions ?? 0,
      dnsQuery: c.dns ?? '',
      dnsRecordType: c.dns ? 1 : 0,
      dnsResponseType: 0,
      dnsTtl: c.dns ? 300 : 0,
      httpResponse: c.app === APP.http && !c.blocked ? 200 : 0,
      referencedHost: c.url ? new URL(c.url).host : '',
    };
    // The FMC logs a connection when it ends; the record's time is its last packet.
    this.push(71, fields.lastPacketTimestamp as number, fields, refs);
    return { time: c.t, instance, counter };
  }

  intrusion(i: {
    t: number;
    host: Host;
    attacker: string;
    inbound: boolean;
    rule: Rule;
    impact: number;
    blocked: boolean;
    conn: { time: number; instance: number; counter: number };
    ioc?: number;
    country?: number;
  }): number {
    const cls = CLASSES[i.rule.cls];
    const [src, dst] = i.inbound ? [i.attacker, i.host.ip] : [i.host.ip, i.attacker];
    const refs = [...this.common(i.host.device, AC_RULES[0].id), k(66, 1, i.rule.sid), k(67, cls.id), k(4, i.rule.priority), k(118, INTRUSION_POLICY)];
    if (i.ioc) refs.push(k(161, i.ioc));
    if (i.country) refs.push(k(520, i.country));
    // Impact flag bits (ANALYSIS.md §5.1): 1 → host, port, OS vulnerability; 2 → host and port.
    const impactFlags = { 1: 0x01 | 0x02 | 0x04 | 0x08, 2: 0x01 | 0x02 | 0x04, 3: 0x01 | 0x02, 4: 0x01 }[i.impact] ?? 0;
    const fields: Fields = {
      deviceId: i.host.device,
      eventId: this.nextEventId(i.host.device),
      eventSecond: i.t,
      eventMicrosecond: this.rng.int(0, 999_999),
      ruleId: i.rule.sid,
      generatorId: 1,
      ruleRevision: i.rule.rev,
      classificationId: cls.id,
      priorityId: i.rule.priority,
      sourceIpAddress: src,
      destinationIpAddress: dst,
      sourcePortOrIcmpType: i.inbound ? this.rng.int(1024, 65535) : this.rng.int(49152, 65535),
      destinationPortOrIcmpType: i.rule.port || this.rng.pick([22, 80, 443, 445, 3389]),
      ipProtocolId: 6,
      impactFlags: impactFlags | (i.blocked ? 0x20 : 0),
      impact: i.impact,
      blocked: i.blocked ? 1 : 0,
      policyUuid: INTRUSION_POLICY,
      accessControlRuleId: AC_RULES[0].id,
      accessControlPolicyUuid: AC_POLICY,
      interfaceIngressUuid: i.inbound ? INTERFACES.outside : INTERFACES.inside,
      interfaceEgressUuid: i.inbound ? INTERFACES.inside : INTERFACES.outside,
      securityZoneIngressUuid: i.inbound ? ZONES.outside : ZONES.inside,
      securityZoneEgressUuid: i.inbound ? ZONES.inside : ZONES.outside,
      connectionTimestamp: i.conn.time,
      connectionInstanceId: i.conn.instance,
      connectionCounter: i.conn.counter,
      sourceCountry: i.inbound ? (i.country ?? 0) : 0,
      destinationCountry: i.inbound ? 0 : (i.country ?? 0),
      iocNumber: i.ioc ?? 0,
      networkAnalysisPolicyUuid: INTRUSION_POLICY,
    };
    return this.push(400, i.t, fields, refs);
  }

  file(f: {
    t: number;
    host: Host;
    server: { ip: string; host: string };
    malware: (typeof MALWARE)[number];
    sha: string;
    blocked: boolean;
    conn: { time: number; instance: number; counter: number };
  }): number[] {
    const shaKey = k(511, f.sha);
    if (!this.metadata.some(([key]) => key === shaKey)) {
      // The FMC names a malware SHA through record 511 (eNcore shows it as "detection").
      this.metadata.push([shaKey, metadataRecord(511, { shaHash: f.sha, fileName: f.malware.name, disposition: 3, userDefined: 0 })]);
    }
    const refs = [...this.common(f.host.device, AC_RULES[0].id), k(510, f.malware.type), k(63, APP.http), k(98, f.host.user), shaKey];
    const fields: Fields = {
      deviceId: f.host.device,
      connectionInstance: f.conn.instance,
      connectionCounter: f.conn.counter,
      connectionTimestamp: f.conn.time,
      fileEventTimestamp: f.t,
      sourceIpAddress: f.server.ip,
      destinationIpAddress: f.host.ip,
      disposition: 3, // Malware
      speroDisposition: 4,
      fileStorageStatus: 1,
      fileAnalysisStatus: 0,
      threatScore: this.rng.int(70, 100),
      action: f.blocked ? 4 : 3, // Malware Block / Malware Cloud Lookup
      shaHash: f.sha,
      fileTypeId: f.malware.type,
      fileName: f.malware.file,
      fileSize: this.rng.int(40_000, 900_000),
      direction: 1, // download
      applicationId: APP.http,
      userId: f.host.user,
      uri: `http://${f.server.host}/${f.malware.file}`,
      sourcePort: 80,
      destinationPort: this.rng.int(49152, 65535),
      protocol: 6,
      accessControlPolicyUuid: AC_POLICY,
      clientApplicationId: CLIENT.firefox,
      httpResponse: 200,
    };
    // 500 (file event) and 502 (file malware event) share the layout (RECORDS.md §3.5).
    return [this.push(500, f.t, fields, refs), this.push(502, f.t, fields, refs)];
  }

  malware(m: { t: number; host: Host; malware: (typeof MALWARE)[number]; sha: string; ioc: number }): number {
    const refs = [k(123, m.host.device), k(128, MALWARE_EVENT_TYPE.threatDetected), k(129, MALWARE_SUBTYPE.execute), k(130, AMP_DETECTOR), k(131, m.malware.type), k(161, m.ioc), k(98, m.host.user)];
    const fields: Fields = {
      agentUuid: this.rng.uuid(),
      cloudUuid: '00000000-0000-0000-0000-000000000001',
      malwareEventTimestamp: m.t,
      eventTypeId: MALWARE_EVENT_TYPE.threatDetected,
      eventSubtypeId: MALWARE_SUBTYPE.execute,
      detectorId: AMP_DETECTOR,
      detectionName: m.malware.name,
      user: USERS[(m.host.user - 1000) % USERS.length],
      fileName: m.malware.file,
      filePath: `C:\\Users\\${USERS[(m.host.user - 1000) % USERS.length]}\\Downloads\\${m.malware.file}`,
      fileShaHash: m.sha,
      fileSize: this.rng.int(40_000, 900_000),
      fileType: m.malware.type,
      eventDescription: 'Threat detected on execution',
      deviceId: m.host.device,
      sourceIpAddress: m.host.ip,
      userId: m.host.user,
      disposition: 3,
      action: 0,
      threatScore: this.rng.int(80, 100),
      iocNumber: m.ioc,
    };
    return this.push(125, m.t, fields, refs);
  }

  iocSet(t: number, host: Host, ioc: number): number {
    const fields: Fields = {
      discoveryHeader: { deviceId: host.device, legacyIpAddress: host.ip, hasIpv6: 0, eventSecond: t, eventType: 1008, eventSubtype: 1 },
      iocId: ioc,
    };
    return this.push(160, t, fields, [k(123, host.device), k(161, ioc)]);
  }

  discovery(t: number, host: Host): void {
    const header = (type: number, subtype: number): Fields => ({ deviceId: host.device, legacyIpAddress: host.ip, hasIpv6: 0, eventSecond: t, eventType: type, eventSubtype: subtype });
    const refs = [k(123, host.device)];
    this.push(10, t, { discoveryHeader: header(1000, 1), ipAddress: host.ip, hops: 0, primarySecondary: 0, hostLastSeen: t, hostType: 0 }, refs);
    this.push(101, t, { discoveryHeader: header(1000, 8), uuid: host.os.uuid, type: 0, sourceType: 0, sourceId: 0, lastSeen: t, ttlDifference: 0 }, [...refs, k(54, host.os.uuid)]);
    this.push(15, t + 1, { discoveryHeader: header(1000, 7), hits: 1, lastUsed: t + 1, id: CLIENT.firefox, applicationProto: APP.http, version: '120.0' }, [...refs, k(55, CLIENT.firefox), k(63, APP.http)]);
    if (host.server) {
      this.push(11, t + 2, {
        discoveryHeader: header(1000, 2),
        port: 445,
        hits: 1,
        lastUsed: t + 2,
        serverInformation: [{ applicationId: APP.smb, vendor: 'Microsoft', version: '3.1.1', lastUsed: t + 2, sourceType: 0, sourceId: 0, subServers: [] }],
        confidence: 100,
      }, [...refs, k(63, APP.smb)]);
    }
  }

  login(t: number, host: Host): void {
    const name = USERS[(host.user - 1000) % USERS.length];
    this.push(95, t, {
      discoveryHeader: { deviceId: host.device, legacyIpAddress: host.ip, hasIpv6: 0, eventSecond: t, eventType: 1004, eventSubtype: 2 },
      timestamp: t,
      ipv4Address: host.ip,
      username: name,
      domain: 'CORP',
      userId: host.user,
      protocol: 710,
      email: `${name}@corp.example`,
      ipv6Address: '::',
      locationIpv6Address: '::',
      loginType: 0,
      authType: 1,
      reportedBy: 'ISE',
      description: '',
    }, [k(123, host.device), k(98, host.user)]);
  }
}

// --- the story ----------------------------------------------------------------------------------

const HOUR = 3600;

export function compromiseScenario(opts: ScenarioOptions): Scenario {
  const seed = opts.seed ?? 1;
  const hostCount = Math.max(1, Math.floor(opts.hosts ?? 20));
  const compromisedCount = Math.min(hostCount, Math.max(0, Math.floor(opts.compromised ?? 2)));
  const start = opts.startTime ?? DEFAULT_START_TIME;
  const span = 8 * HOUR;
  const rng = new Prng(seed);
  const b = new Builder(rng);

  const hosts: Host[] = Array.from({ length: hostCount }, (_, i) => ({
    ip: `10.10.${1 + Math.floor(i / 200)}.${10 + (i % 200)}`,
    device: DEVICES[i % DEVICES.length].id,
    user: 1000 + (i % USERS.length),
    os: i % 5 === 4 ? OS[1] : OS[0],
    server: i % 4 === 0,
  }));

  // Background: discovery, a login, then web and DNS traffic all day long.
  for (const host of hosts) {
    const first = start + rng.int(0, 15 * 60);
    b.discovery(first, host);
    b.login(first + rng.int(5, 60), host);
    for (let t = first + rng.int(60, 600); t < start + span; t += rng.int(8 * 60, 40 * 60)) {
      const site = rng.pick(SITES);
      b.connection({ t, host, peer: DNS_SERVER, outbound: true, port: 53, protocol: 17, app: APP.dns, client: CLIENT.dnsClient, dns: site.host });
      b.connection({ t: t + 1, host, peer: site.ip, outbound: true, port: 443, app: APP.https, client: rng.pick([CLIENT.firefox, CLIENT.chrome]), web: site.web, url: `https://${site.host}/`, country: site.country });
      if (rng.chance(0.05)) {
        // A spam-listed address blocked by Security Intelligence: an SI verdict that is not CnC.
        b.connection({ t: t + 5, host, peer: '192.0.2.' + rng.int(10, 250), outbound: true, port: 25, app: APP.http, blocked: true, siCategory: SI_CATEGORIES[2].id, country: 156 });
      }
      if (rng.chance(0.03)) {
        const conn = b.connection({ t: t + 7, host, peer: site.ip, outbound: true, port: 80, app: APP.http, client: CLIENT.curl, url: `http://${site.host}/api`, country: site.country, intrusions: 1 });
        b.intrusion({ t: t + 7, host, attacker: site.ip, inbound: false, rule: POLICY_RULE, impact: 4, blocked: false, conn, country: site.country });
      }
    }
  }

  // Fisher-Yates with the seeded PRNG: victims and decoys are distinct hosts.
  const order = hosts.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const victims = order.slice(0, compromisedCount).map((i) => hosts[i]);
  const decoyHosts = order.slice(compromisedCount, compromisedCount + Math.max(3, compromisedCount)).map((i) => hosts[i]);

  const compromised: CompromisedHost[] = victims.map((host, n) => {
    const chain: ChainStep[] = [];
    const step = (kind: ChainStep['step'], unix: number, recordType: number, description: string) => chain.push({ step: kind, ...truthTime(unix), record_type: recordType, description });
    const attacker = ATTACKERS[n % ATTACKERS.length];
    const country = 643;
    // Recon: a port scan from outside, blocked or not, at impact 3 — not yet an indicator.
    let t = start + rng.int(HOUR, 3 * HOUR);
    for (const port of [22, 80, 443, 445, 3389]) {
      b.connection({ t: t + port % 7, host, peer: attacker, outbound: false, port, app: APP.http, blocked: port !== 445, country });
    }
    const scanConn = b.connection({ t: t + 8, host, peer: attacker, outbound: false, port: 445, app: APP.smb, country, intrusions: 1 });
    const reconAt = b.intrusion({ t: t + 8, host, attacker, inbound: true, rule: RECON, impact: 3, blocked: false, conn: scanConn, country });
    step('recon', reconAt, 400, `${RECON.msg} from ${attacker} (attempted-recon, impact 3)`);

    // Exploit: an IOC-class intrusion of impact 1 or 2 that got through: the first indicator.
    t += rng.int(2 * 60, 10 * 60);
    const rule = EXPLOITS[(seed + n) % EXPLOITS.length];
    const impact = rng.pick([1, 2]);
    const ioc = impact === 1 ? IOCS.impact1 : IOCS.impact2;
    const exploitConn = b.connection({ t, host, peer: attacker, outbound: false, port: rule.port, app: rule.port === 445 ? APP.smb : APP.http, country, intrusions: 1, ioc: ioc.id });
    const exploitAt = b.intrusion({ t, host, attacker, inbound: true, rule, impact, blocked: false, conn: exploitConn, ioc: ioc.id, country });
    step('exploit', exploitAt, 400, `${rule.msg} (${rule.cls}, impact ${impact}, not blocked)`);
    step('ioc', b.iocSet(t + 30, host, ioc.id), 160, `IOC set: ${ioc.eventType}`);

    // Download: the implant comes over HTTP; file and file-malware events, not blocked.
    t += rng.int(60, 5 * 60);
    const malware = MALWARE[(seed + n) % MALWARE.length];
    const sha = rng.hex(32);
    const server = DOWNLOAD_SERVERS[n % DOWNLOAD_SERVERS.length];
    const dlConn = b.connection({ t, host, peer: server.ip, outbound: true, port: 80, app: APP.http, client: CLIENT.firefox, url: `http://${server.host}/${malware.file}`, country, files: 1, ioc: IOCS.file.id });
    const [fileAt] = b.file({ t: t + 2, host, server, malware, sha, blocked: false, conn: dlConn });
    step('download', fileAt, 502, `${malware.file} (${malware.name}) downloaded from ${server.host}, action Malware Cloud Lookup`);
    step('ioc', b.iocSet(t + 40, host, IOCS.file.id), 160, `IOC set: ${IOCS.file.eventType}`);

    // Execution: the endpoint (AMP) sees it run.
    t += rng.int(60, 20 * 60);
    step('execution', b.malware({ t, host, malware, sha, ioc: IOCS.amp.id }), 125, `${malware.name} executed (${malware.file})`);
    step('ioc', b.iocSet(t + 20, host, IOCS.amp.id), 160, `IOC set: ${IOCS.amp.eventType}`);

    // Callbacks: beacons to a CnC address on the SI block list (monitored) and a CnC signature.
    const cnc = CNC_SERVERS[n % CNC_SERVERS.length];
    t += rng.int(5 * 60, 10 * 60);
    let firstCallback = true;
    while (t < start + span) {
      const conn = b.connection({ t, host, peer: cnc, outbound: true, port: 443, app: APP.https, client: CLIENT.sslClient, country, siCategory: SI_CATEGORIES[0].id, intrusions: 1, ioc: IOCS.siCnc.id });
      const at = b.intrusion({ t, host, attacker: cnc, inbound: false, rule: CNC_RULE, impact: rng.pick([1, 2]), blocked: false, conn, ioc: IOCS.idsCnc.id, country });
      if (firstCallback) {
        step('callback', at, 400, `beacon to ${cnc}:443, Security Intelligence CnC verdict, and ${CNC_RULE.msg}`);
        step('ioc', b.iocSet(t + 15, host, IOCS.siCnc.id), 160, `IOC set: ${IOCS.siCnc.eventType}`);
        step('ioc', b.iocSet(t + 16, host, IOCS.idsCnc.id), 160, `IOC set: ${IOCS.idsCnc.eventType}`);
        firstCallback = false;
      }
      t += rng.int(10 * 60, 30 * 60);
    }
    chain.sort((a, c) => a.unix - c.unix);
    const exploit = chain.find((s) => s.step === 'exploit')!;
    return { ip: host.ip, first_indicator: { time: exploit.time, unix: exploit.unix, record_type: exploit.record_type, description: exploit.description }, chain };
  });

  const decoys: Decoy[] = decoyHosts.map((host, n) => {
    const t = start + rng.int(HOUR, span - HOUR);
    const attacker = ATTACKERS[(n + 1) % ATTACKERS.length];
    const kind = (['blocked-attack', 'low-impact', 'malware-blocked'] as const)[n % 3];
    if (kind === 'blocked-attack') {
      const rule = EXPLOITS[n % EXPLOITS.length];
      const conn = b.connection({ t, host, peer: attacker, outbound: false, port: rule.port, app: APP.http, blocked: true, country: 643, intrusions: 1 });
      b.intrusion({ t, host, attacker, inbound: true, rule, impact: 2, blocked: true, conn, country: 643 });
      return { ip: host.ip, kind, description: `${rule.msg} (${rule.cls}, impact 2) blocked inline`, record_types: [71, 400] };
    }
    if (kind === 'low-impact') {
      const conn = b.connection({ t, host, peer: attacker, outbound: false, port: 80, app: APP.http, country: 643, intrusions: 1 });
      b.intrusion({ t, host, attacker, inbound: true, rule: LOW_IMPACT_RULE, impact: rng.pick([3, 4]), blocked: false, conn, country: 643 });
      return { ip: host.ip, kind, description: `${LOW_IMPACT_RULE.msg} at impact 3/4 (host not vulnerable)`, record_types: [71, 400] };
    }
    const malware = MALWARE[n % MALWARE.length];
    const server = DOWNLOAD_SERVERS[n % DOWNLOAD_SERVERS.length];
    const conn = b.connection({ t, host, peer: server.ip, outbound: true, port: 80, app: APP.http, client: CLIENT.firefox, url: `http://${server.host}/${malware.file}`, country: 643, files: 1 });
    b.file({ t: t + 2, host, server, malware, sha: rng.hex(32), blocked: true, conn });
    return { ip: host.ip, kind, description: `${malware.file} (${malware.name}) blocked in transfer (Malware Block)`, record_types: [71, 500, 502] };
  });

  const store = new MemoryStore(b.records, [...catalogue(), ...b.metadata]);
  let first = Infinity;
  let last = -Infinity;
  for (const r of b.records) {
    first = Math.min(first, r.archiveTimestamp ?? start);
    last = Math.max(last, r.archiveTimestamp ?? start);
  }
  const truth: GroundTruth = {
    scenario: 'compromise',
    seed,
    hosts: hostCount,
    start: truthTime(first),
    end: truthTime(last),
    compromised,
    decoys,
    records_by_type: countFullStream(store),
  };
  return { store, truth };
}
