/**
 * One decoded event record -> what the analysis keeps of it: when, which hosts, which lane, how
 * severe, a one-line summary with names resolved, its connection key, and whether (and for which
 * host) it is an indicator of compromise. Pure function of (record, names).
 *
 * The Analyzer stores a million of these, but shows the summaries of only the few hosts whose
 * timelines are opened; so the summary is not built here. observeEvent() returns the template's
 * inputs (`text`: a template number and its values, numbers and strings the metadata cache and
 * record already hold), and summaryText() builds the line from them when it is asked for. The
 * indicator descriptions are few and are built at once.
 */
import type { EStreamerRecord, Fields } from '../protocol/types';
import type { Lane, Severity } from '../common/timeline';
import { eventTimeMs, field, hex, ipReader, isInternal, macReader, numReader, strReader } from './fields';
import {
  DISPOSITION_NAMES,
  FILE_ACTION_NAMES,
  IMPACT_IOC_CLASSES,
  MALWARE_CLASSES,
  PROTOCOL_NAMES,
  ampTypeName,
  ampVerdictOf,
  fileActionBlocked,
  impactLevel,
  intrusionBlocked,
  iocClassOf,
  type IocClass,
} from './classes';

/** Field readers (see converting() in fields.ts), one per set of names and conversion. */
const I_destinationIpAddress = ipReader('destinationIpAddress');
const I_destinationIpAddress_destinationIp = ipReader('destinationIpAddress', 'destinationIp');
const I_destinationIpv6Address_destinationIp = ipReader('destinationIpv6Address', 'destinationIp');
const I_initiatorIpAddress_initiatorIp = ipReader('initiatorIpAddress', 'initiatorIp');
const I_ipv6Address_ipv4Address = ipReader('ipv6Address', 'ipv4Address');
const I_ipv6Address_legacyIpAddress_ipAddress = ipReader('ipv6Address', 'legacyIpAddress', 'ipAddress');
const I_ipv6Address_legacyIpAddress_ipAddress_ipv4Address = ipReader('ipv6Address', 'legacyIpAddress', 'ipAddress', 'ipv4Address');
const I_responderIpAddress_responderIp = ipReader('responderIpAddress', 'responderIp');
const I_sourceIpAddress = ipReader('sourceIpAddress');
const I_sourceIpAddress_sourceIp = ipReader('sourceIpAddress', 'sourceIp');
const I_sourceIpv6Address_sourceIp = ipReader('sourceIpv6Address', 'sourceIp');
const M_address = macReader('address');
const M_macAddress = macReader('macAddress');
const M_macAddress_address = macReader('macAddress', 'address');
const N_action = numReader('action');
const N_blocked = numReader('blocked');
const N_connectionCounter = numReader('connectionCounter');
const N_connectionEventTimestamp_connectionTimestamp = numReader('connectionEventTimestamp', 'connectionTimestamp');
const N_connectionInstanceId_connectionInstance = numReader('connectionInstanceId', 'connectionInstance');
const N_connectionInstance_connectionInstanceId = numReader('connectionInstance', 'connectionInstanceId');
const N_connectionTimestamp = numReader('connectionTimestamp');
const N_destinationPortOrIcmpType_destinationPort = numReader('destinationPortOrIcmpType', 'destinationPort');
const N_deviceId = numReader('deviceId');
const N_direction = numReader('direction');
const N_disposition = numReader('disposition');
const N_eventId = numReader('eventId');
const N_eventSubtypeId = numReader('eventSubtypeId');
const N_eventTypeId = numReader('eventTypeId');
const N_firstConnectionCounter = numReader('firstConnectionCounter');
const N_firstConnectionTime_firstConnectionTimestamp = numReader('firstConnectionTime', 'firstConnectionTimestamp');
const N_firstDeviceId = numReader('firstDeviceId');
const N_firstEventId = numReader('firstEventId');
const N_firstInstanceId = numReader('firstInstanceId');
const N_firstPacketTimestamp = numReader('firstPacketTimestamp');
const N_firstSeen = numReader('firstSeen');
const N_generatorId = numReader('generatorId');
const N_id = numReader('id');
const N_impact = numReader('impact');
const N_impactFlags = numReader('impactFlags');
const N_initiatorPort = numReader('initiatorPort');
const N_initiatorTransmittedBytes = numReader('initiatorTransmittedBytes');
const N_instanceId_connectionInstanceId = numReader('instanceId', 'connectionInstanceId');
const N_iocId_value_iocNumber_id = numReader('iocId', 'value', 'iocNumber', 'id');
const N_iocNumber = numReader('iocNumber');
const N_ipProtocolId = numReader('ipProtocolId');
const N_lastSeen = numReader('lastSeen');
const N_port = numReader('port');
const N_protocol = numReader('protocol');
const N_responderPort = numReader('responderPort');
const N_responderTransmittedBytes = numReader('responderTransmittedBytes');
const N_ruleAction = numReader('ruleAction');
const N_ruleId = numReader('ruleId');
const N_ruleReason = numReader('ruleReason');
const N_ruleRevision = numReader('ruleRevision');
const N_securityIntelligenceSourceDestination = numReader('securityIntelligenceSourceDestination');
const N_sourcePortOrIcmpType_sourcePort = numReader('sourcePortOrIcmpType', 'sourcePort');
const N_threatScore = numReader('threatScore');
const S_clientUrl = strReader('clientUrl');
const S_description = strReader('description');
const S_detectionName = strReader('detectionName');
const S_dnsQuery = strReader('dnsQuery');
const S_domain = strReader('domain');
const S_eventDescription = strReader('eventDescription');
const S_fileName = strReader('fileName');
const S_filePath = strReader('filePath');
const S_netbios = strReader('netbios');
const S_netbios_netbiosName_name_value = strReader('netbios', 'netbiosName', 'name', 'value');
const S_user = strReader('user');
const S_username = strReader('username');
const S_version = strReader('version');

export type Names = Readonly<Record<string, string>>;

/** How much an indicator weighs: ≥ 60 alone makes a host compromised (see verdicts in analyzer.ts). */
export const Strength = {
  iocTag: 100,
  ampExecuted: 90,
  intrusionImpact1: 80,
  siCnc: 75,
  fileMalware: 70,
  intrusionImpact2: 60,
  siMalware: 60,
  ampDetected: 50,
  malwareClassUnknownImpact: 40,
  siBlocked: 30,
} as const;

export interface Indicator {
  /** The host the indicator says is compromised. */
  host: string;
  kind: string;
  strength: number;
  /** What was seen, in an analyst's words (no time or record address: the caller adds them). */
  description: string;
}

export interface HostFacts {
  ip: string;
  mac?: string;
  netbios?: string;
  os?: string;
  user?: string;
}

/** Where the FMC says an IOC was first triggered (IOC state block 150), if the record carries it. */
export interface IocTrigger {
  firstSeenMs?: number;
  lastSeenMs?: number;
  connectionKey?: string;
  eventId?: number;
  deviceId?: number;
}

export interface Observation {
  timeMs: number;
  recordType: number;
  family: string;
  lane: Lane;
  severity: Severity;
  summary: string;
  /** For two-host events the initiator/source; for host events (discovery, user, IOC) the host. */
  src?: string;
  dst?: string;
  connectionKey?: string;
  indicator?: Indicator;
  /** True for attacks that were seen but stopped or did not matter (blocked, impact 3/4). */
  context?: boolean;
  /** What the record says about its hosts (MAC, NetBIOS, OS, user); consumed by the index. */
  facts?: HostFacts[];
  iocTrigger?: IocTrigger;
  /** (device, event id) of an intrusion event, so an IOC state pointer can find it. */
  eventKey?: string;
  /** The IOC an event triggered (its `iocNumber`), or the IOC a tag (160) sets. */
  iocNumber?: number;
  /** Kept for compatibility; the Analyzer no longer stores observations (always 0, '', 0). */
  seq: number;
  file: string;
  line: number;
}

/** A value a summary template takes. */
export type TextArg = string | number | boolean | undefined;

/** Which template builds an event's summary (see summaryText). */
export const Text = {
  intrusion: 0,
  impactAlert: 1,
  correlation: 2,
  connection: 3,
  file: 4,
  malware: 5,
  ioc: 6,
  user: 7,
  discovery: 8,
} as const;

/** How many values each template takes, by template number. */
export const TEXT_ARITY: readonly number[] = [12, 1, 3, 14, 9, 8, 3, 2, 2];

/**
 * What observeEvent() returns: an observation without its summary text and with its keys as
 * numbers, so that nothing of it needs to outlive the call (the Analyzer copies it into columns).
 */
export interface EventFacts {
  timeMs: number;
  recordType: number;
  family: string;
  lane: Lane;
  severity: Severity;
  src: string | undefined;
  dst: string | undefined;
  /** Summary template number and its values, TEXT_ARITY[text] of them. */
  text: number;
  args: TextArg[];
  indicator: Indicator | undefined;
  context: boolean;
  facts: HostFacts[] | undefined;
  iocTrigger: IocTrigger | undefined;
  iocNumber: number | undefined;
  /** Connection key parts (device, instance, second, counter) when `hasConnection`. */
  hasConnection: boolean;
  connDevice: number;
  connInstance: number;
  connSecond: number;
  connCounter: number;
  /** Intrusion event key parts (device, event id) when `hasEventKey`. */
  hasEventKey: boolean;
  eventDevice: number;
  eventId: number;
}

/** The connection key's text; the same as connectionKeyOf() gives for the record. */
export function connectionKeyText(device: number, instance: number, second: number, counter: number): string {
  return `${device}/${instance}/${second}/${counter}`;
}

export function eventKeyText(device: number, eventId: number): string {
  return `${device}/${eventId}`;
}

function addFact(obs: EventFacts, fact: HostFacts): void {
  (obs.facts ??= []).push(fact);
}

/** The first non-empty resolved name among `keys` (the metadata cache's key spellings vary). */
export function pick(names: Names, a: string, b?: string, c?: string): string | undefined {
  let v = names[a];
  if (v !== undefined && v !== '') return v;
  if (b !== undefined && (v = names[b]) !== undefined && v !== '') return v;
  if (c !== undefined && (v = names[c]) !== undefined && v !== '') return v;
  return undefined;
}

type Picker = (names: Names) => string | undefined;

/**
 * pick() for fixed keys, compiled once (like the field readers of fields.ts): its property loads see the
 * few shapes of the names objects that carry those keys, not every shape of every record type.
 */
function picker(a: string, b?: string, c?: string): Picker {
  const keys = [a, b, c].filter((k): k is string => k !== undefined);
  const body = keys.map((k) => `v = names[${JSON.stringify(k)}]; if (v !== undefined && v !== '') return v;`).join('\n');
  return new Function(`return function (names) {\nlet v;\n${body}\nreturn undefined;\n};`)() as Picker;
}

/** Name pickers, one per set of keys read. */
const P_application = picker('application');
const P_blocked = picker('blocked');
const P_classificationDescription = picker('classificationDescription');
const P_classification_class_classificationDescription = picker('classification', 'class', 'classificationDescription');
const P_clientApplication = picker('clientApplication');
const P_correlationPolicy = picker('correlationPolicy');
const P_correlationRule = picker('correlationRule');
const P_detection = picker('detection');
const P_disposition = picker('disposition');
const P_fileAction = picker('fileAction');
const P_fileType = picker('fileType');
const P_iocCategory = picker('iocCategory');
const P_iocEventType = picker('iocEventType');
const P_malwareEventSubtype = picker('malwareEventSubtype');
const P_malwareEventType = picker('malwareEventType');
const P_message_msg_ruleMessage = picker('message', 'msg', 'ruleMessage');
const P_os = picker('os');
const P_protocol = picker('protocol');
const P_ruleAction = picker('ruleAction');
const P_securityIntelligenceList1_securityIntelligenceList2_securityIntelligenceCategory = picker('securityIntelligenceList1', 'securityIntelligenceList2', 'securityIntelligenceCategory');
const P_securityIntelligenceSourceDestination = picker('securityIntelligenceSourceDestination');
const P_signature = picker('signature');
const P_user = picker('user');
const P_webApplication = picker('webApplication');

/** User names that say "nobody": they are not a user of the host. */
const PLACEHOLDER_USERS = /^(no authentication required|unknown|not found|pending|n\/a|none|-)$/i;

function endpoint(address: string | undefined, port: number | undefined): string {
  if (!address) return '?';
  const a = address.includes(':') ? `[${address}]` : address;
  return port ? `${a}:${port}` : a;
}

function bytesText(n: number | undefined): string {
  if (n === undefined) return '0 B';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** "TCP" → "tcp", once per name rather than once per event. */
const LOWER_PROTOCOLS = new Map<string, string>();

function protoName(fields: EStreamerRecord['fields'], names: Names, key: (fields: Fields) => number | undefined): string | undefined {
  const resolved = P_protocol(names);
  if (resolved) {
    let lower = LOWER_PROTOCOLS.get(resolved);
    if (lower === undefined) LOWER_PROTOCOLS.set(resolved, (lower = resolved.toLowerCase()));
    return lower;
  }
  const n = key(fields);
  return n === undefined ? undefined : PROTOCOL_NAMES[n] ?? `proto ${n}`;
}

/**
 * A test on a resolved name, once per distinct name: names come from the metadata cache, a few
 * hundred of them for a million events. Bounded, in case a stream sends endless distinct names.
 */
function memoTest(cache: Map<string, boolean>, re: RegExp, text: string): boolean {
  let v = cache.get(text);
  if (v === undefined) {
    if (cache.size > 10_000) cache.clear();
    cache.set(text, (v = re.test(text)));
  }
  return v;
}

const IOC_CLASSES = new Map<string, IocClass | null>();

function memoIocClass(name: string | undefined): IocClass | undefined {
  if (!name) return undefined;
  let v = IOC_CLASSES.get(name);
  if (v === undefined) {
    if (IOC_CLASSES.size > 10_000) IOC_CLASSES.clear();
    IOC_CLASSES.set(name, (v = iocClassOf(name) ?? null));
  }
  return v ?? undefined;
}

function isoSecond(unix: number): string {
  return new Date(unix * 1000).toISOString().slice(0, 19) + 'Z';
}

function quote(text: string): string {
  return `"${text.replace(/[\u0000-\u001f]/g, ' ')}"`;
}

/**
 * The first 12 hex digits of a SHA-256, as stored: a number (6 bytes fit a double exactly) when
 * the record carries bytes, so no string is made per event; the text otherwise.
 */
function shaPrefixOf(record: EStreamerRecord, name: string): number | string | undefined {
  const v = field(record.fields, name);
  if (v instanceof Uint8Array) {
    if (v.every((b) => b === 0)) return undefined;
    if (v.length < 6) return `${hex(v)}...`;
    return v[0] * 2 ** 40 + v[1] * 2 ** 32 + v[2] * 2 ** 24 + v[3] * 2 ** 16 + v[4] * 2 ** 8 + v[5];
  }
  return typeof v === 'string' && v ? `${v.toLowerCase().slice(0, 12)}...` : undefined;
}

/** "0611b40b3c6a..." from what shaPrefixOf() kept. */
function shortSha(sha: TextArg): string | undefined {
  if (typeof sha === 'number') return `${sha.toString(16).padStart(12, '0')}...`;
  return typeof sha === 'string' ? sha : undefined;
}

/** Chooses the host an indicator is about when the record does not say: the internal side, else `fallback`. */
function victimOf(a: string | undefined, b: string | undefined, fallback: 'a' | 'b'): string | undefined {
  if (a && b) {
    const ai = isInternal(a);
    const bi = isInternal(b);
    if (ai !== bi) return ai ? a : b;
    return fallback === 'a' ? a : b;
  }
  return a ?? b;
}

/** The observation with its summary: what observeEvent() says, with the text built. */
export function observe(record: EStreamerRecord, names: Names): Observation | undefined {
  const e = observeEvent(record, names);
  if (!e) return undefined;
  return {
    timeMs: e.timeMs,
    recordType: e.recordType,
    family: e.family,
    lane: e.lane,
    severity: e.severity,
    summary: summaryText(e.text, e.args, e.src, e.dst, e.recordType),
    src: e.src,
    dst: e.dst,
    connectionKey: e.hasConnection ? connectionKeyText(e.connDevice, e.connInstance, e.connSecond, e.connCounter) : undefined,
    indicator: e.indicator,
    context: e.context || undefined,
    facts: e.facts,
    iocTrigger: e.iocTrigger,
    eventKey: e.hasEventKey ? eventKeyText(e.eventDevice, e.eventId) : undefined,
    iocNumber: e.iocNumber,
    seq: 0,
    file: '',
    line: 0,
  };
}

export function observeEvent(record: EStreamerRecord, names: Names): EventFacts | undefined {
  if (record.status === 'unknown' && Object.keys(record.fields).length === 0) return undefined;
  switch (record.recordType) {
    case 400:
      return observeIntrusion(record, names);
    case 9:
      return observeImpactAlert(record);
    case 112:
      return observeCorrelation(record, names);
    case 71:
      return observeConnection(record, names);
    case 500:
    case 502:
      return observeFile(record, names);
    case 125:
      return observeMalware(record, names);
    case 160:
      return observeIoc(record, names);
    case 92:
    case 93:
    case 94:
    case 95:
    case 170:
    case 171:
      return observeUser(record, names);
  }
  if (record.family === 'discovery') return observeDiscovery(record, names);
  return undefined;
}

function base(record: EStreamerRecord, lane: Lane, severity: Severity, text: number, args: TextArg[], src?: string, dst?: string): EventFacts {
  // Every property set up front: one object shape for all observations keeps V8's access fast.
  return {
    timeMs: eventTimeMs(record),
    recordType: record.recordType,
    family: record.family,
    lane,
    severity,
    src,
    dst,
    text,
    args,
    indicator: undefined,
    context: false,
    facts: undefined,
    iocTrigger: undefined,
    iocNumber: undefined,
    hasConnection: false,
    connDevice: 0,
    connInstance: 0,
    connSecond: 0,
    connCounter: 0,
    hasEventKey: false,
    eventDevice: 0,
    eventId: 0,
  };
}

/** The key eStreamer ties intrusion, file and malware events to their connection by (connectionKeyOf, as numbers). */
function setConnection(obs: EventFacts, record: EStreamerRecord): void {
  const f = record.fields;
  const device = N_deviceId(f);
  let second: number | undefined;
  let instance: number | undefined;
  const counter = N_connectionCounter(f);
  switch (record.recordType) {
    case 71:
      second = N_firstPacketTimestamp(f);
      instance = N_instanceId_connectionInstanceId(f);
      break;
    case 400:
      second = N_connectionTimestamp(f);
      instance = N_connectionInstanceId_connectionInstance(f);
      break;
    case 500:
    case 502:
      second = N_connectionTimestamp(f);
      instance = N_connectionInstance_connectionInstanceId(f);
      break;
    case 125:
      second = N_connectionEventTimestamp_connectionTimestamp(f);
      instance = N_connectionInstance_connectionInstanceId(f);
      break;
    default:
      return;
  }
  if (device === undefined || !second) return;
  obs.hasConnection = true;
  obs.connDevice = device;
  obs.connInstance = instance ?? 0;
  obs.connSecond = second;
  obs.connCounter = counter ?? 0;
}

/** Builds an event's one-line summary from its template and values (flattened by the caller). */
export function summaryText(text: number, a: readonly TextArg[], src: string | undefined, dst: string | undefined, recordType: number): string {
  switch (text) {
    case Text.intrusion: {
      const [impact, sigName, gid, ruleId, rev, msgName, classText, sport, dport, proto, blocked, iocName] = a as [
        number, string | undefined, number, number | undefined, number | undefined, string | undefined, string | undefined,
        number | undefined, number | undefined, string | undefined, boolean, string | undefined,
      ];
      const signature = signatureText(sigName, gid, ruleId, rev);
      const message = msgName ?? `rule ${signature}`;
      return (
        `${impact ? `[impact ${impact}] ` : ''}${message} (${signature})${classText ? ` ${classText}` : ''}` +
        ` ${endpoint(src, sport)} -> ${endpoint(dst, dport)}${proto ? ` ${proto}` : ''}${blocked ? ', blocked' : ''}${iocName ? ` [IOC: ${iocName}]` : ''}`
      );
    }
    case Text.impactAlert:
      return `Impact alert: ${a[0] as string} ${src ?? '?'} -> ${dst ?? '?'}`;
    case Text.correlation: {
      const [rule, policy, desc] = a as [string, string | undefined, string | undefined];
      return `Correlation: ${rule}${policy ? ` (policy ${policy})` : ''}${desc ? ` - ${desc}` : ''} ${src ?? '?'} -> ${dst ?? '?'}`;
    }
    case Text.connection: {
      const [sport, dport, proto, app, client, webApp, url, dns, sent, received, action, isSi, siCategory, blocked] = a as [
        number | undefined, number | undefined, string | undefined, string | undefined, string | undefined, string | undefined, string | undefined,
        string | undefined, number | undefined, number | undefined, string | undefined, boolean, string | undefined, boolean,
      ];
      // The distinct application names, joined by " / " (a timeline builds thousands of these).
      let what = app || '';
      if (client && client !== app) what = what ? `${what} / ${client}` : client;
      if (webApp && webApp !== app && webApp !== client) what = what ? `${what} / ${webApp}` : webApp;
      let text = `${endpoint(src, sport)} -> ${endpoint(dst, dport)}${proto ? ` ${proto}` : ''}`;
      if (what) text += `, ${what}`;
      if (url) text += `, ${url}`;
      if (dns) text += `, dns ${dns}`;
      text += `, ${bytesText(sent)} out / ${bytesText(received)} in`;
      if (action) text += `, ${action}`;
      if (isSi) text += `, SI ${siCategory ?? 'match'}${blocked ? ' (blocked)' : ''}`;
      return text;
    }
    case Text.file: {
      const [isMalware, name, fileType, threat, sha, upload, disposition, action, score] = a as [
        boolean, string, string | undefined, string | undefined, TextArg, boolean, string | undefined, string | undefined, number | undefined,
      ];
      const short = shortSha(sha);
      return (
        `${isMalware ? 'Malware ' : ''}file ${quote(name)}${fileType ? ` (${fileType})` : ''}${threat && threat !== name ? ` ${threat}` : ''}` +
        `${short ? ` sha256 ${short}` : ''}, ${upload ? 'upload' : 'download'} ${src ?? '?'} -> ${dst ?? '?'}` +
        `${disposition ? `, ${disposition}` : ''}${action ? `, ${action}` : ''}${score ? `, threat score ${score}` : ''}`
      );
    }
    case Text.malware: {
      const [typeName, typeId, subtypeName, detection, filePath, fileName, sha, agentUser] = a as [
        string | undefined, number | undefined, string | undefined, string | undefined, string | undefined, string | undefined, TextArg, string | undefined,
      ];
      const where = whereText(filePath, fileName);
      const short = shortSha(sha);
      return (
        `AMP: ${typeName ?? `event type ${typeId ?? '?'}`}${subtypeName ? ` (${subtypeName})` : ''}` +
        `${detection ? ` ${detection}` : ''}${where ? ` in ${quote(where)}` : ''}${short ? ` sha256 ${short}` : ''}` +
        `${src && dst ? ` ${src} -> ${dst}` : src || dst ? ` on ${src ?? dst}` : ''}${agentUser ? `, user ${agentUser}` : ''}`
      );
    }
    case Text.ioc: {
      const [iocName, firstSeen, lastSeen] = a as [string, number | undefined, number | undefined];
      const seen = firstSeen ? ` (first seen ${isoSecond(firstSeen)}${lastSeen && lastSeen !== firstSeen ? `, last seen ${isoSecond(lastSeen)}` : ''})` : '';
      return `IOC set: ${iocName}${seen}`;
    }
    case Text.user: {
      const [user, domain] = a as [string | undefined, string | undefined];
      const who = `${user ?? 'unknown user'}${domain ? ` (${domain})` : ''}`;
      return `${USER_VERBS[recordType] ?? 'User event'}: ${who}${src ? ` on ${src}` : ''}`;
    }
    case Text.discovery: {
      const [what, details] = a as [string, string | undefined];
      return `${what}${details !== undefined ? `: ${details}` : ''} (${src})`;
    }
  }
  return '';
}

function signatureText(sigName: string | undefined, gid: number, ruleId: number | undefined, rev: number | undefined): string {
  return sigName ?? `${gid}:${ruleId ?? '?'}${rev !== undefined ? `:${rev}` : ''}`;
}

function whereText(filePath: string | undefined, fileName: string | undefined): string | undefined {
  return filePath ? `${filePath}${fileName && !filePath.endsWith(fileName) ? `/${fileName}` : ''}` : fileName;
}

const BLOCKED_NAMES = new Map<string, boolean>();

function observeIntrusion(record: EStreamerRecord, names: Names): EventFacts {
  const f = record.fields;
  const src = I_sourceIpAddress_sourceIp(f);
  const dst = I_destinationIpAddress_destinationIp(f);
  const gid = N_generatorId(f) ?? 1;
  const rev = N_ruleRevision(f);
  const ruleId = N_ruleId(f);
  const sigName = P_signature(names);
  const msgName = P_message_msg_ruleMessage(names);
  const className = P_classification_class_classificationDescription(names);
  const classDesc = P_classificationDescription(names);
  const iocClass = memoIocClass(className) ?? memoIocClass(classDesc);
  const impact = impactLevel(N_impact(f), N_impactFlags(f));
  const blockedName = P_blocked(names);
  let blocked = blockedName === undefined ? intrusionBlocked(N_blocked(f), undefined) : BLOCKED_NAMES.get(blockedName);
  if (blocked === undefined) {
    if (BLOCKED_NAMES.size > 10_000) BLOCKED_NAMES.clear();
    BLOCKED_NAMES.set(blockedName as string, (blocked = intrusionBlocked(undefined, blockedName)));
  }
  const sport = N_sourcePortOrIcmpType_sourcePort(f);
  const dport = N_destinationPortOrIcmpType_destinationPort(f);
  const proto = protoName(f, names, N_ipProtocolId);
  const severity = (impact >= 1 && impact <= 4 ? impact : 5) as Severity;
  const classText = className ?? iocClass;
  const iocName = P_iocEventType(names);
  const args: TextArg[] = [impact, sigName, gid, ruleId, rev, msgName, classText, sport, dport, proto, blocked, iocName];
  const obs = base(record, 'intrusion', severity, Text.intrusion, args, src, dst);
  setConnection(obs, record);
  obs.iocNumber = N_iocNumber(f) || undefined;
  const device = N_deviceId(f);
  const eventId = N_eventId(f);
  if (device !== undefined && eventId !== undefined) {
    obs.hasEventKey = true;
    obs.eventDevice = device;
    obs.eventId = eventId;
  }
  const user = P_user(names);
  if (src && user && !PLACEHOLDER_USERS.test(user)) addFact(obs, { ip: src, user });

  const qualifies = iocClass && (IMPACT_IOC_CLASSES.has(iocClass) || MALWARE_CLASSES.has(iocClass));
  if (!qualifies) return obs;
  if (blocked || impact === 3 || impact === 4) {
    obs.context = true;
    return obs;
  }
  const attackOnTarget = IMPACT_IOC_CLASSES.has(iocClass) || iocClass === 'exploit-kit';
  // Attacks land on the destination; exploit kits are served to the browsing (internal) host;
  // backdoor and CnC traffic comes from the infected host, which is the internal side.
  const host = attackOnTarget
    ? iocClass === 'exploit-kit'
      ? victimOf(dst, src, 'a')
      : dst ?? src
    : victimOf(src, dst, 'a');
  if (!host) return obs;
  let strength: number;
  if (impact === 1) strength = Strength.intrusionImpact1;
  else if (impact === 2) strength = Strength.intrusionImpact2;
  else if (MALWARE_CLASSES.has(iocClass)) strength = Strength.malwareClassUnknownImpact;
  else {
    obs.context = true; // impact 0: the FMC does not know the target, so no IOC rule fires
    return obs;
  }
  const signature = signatureText(sigName, gid, ruleId, rev);
  const message = msgName ?? `rule ${signature}`;
  obs.indicator = {
    host,
    kind: 'intrusion-impact',
    strength,
    description: `intrusion '${message}' (${signature}, ${iocClass}${impact ? `, impact ${impact}` : ''}) ${endpoint(src, sport)} -> ${endpoint(dst, dport)}, not blocked`,
  };
  return obs;
}

function observeImpactAlert(record: EStreamerRecord): EventFacts {
  const f = record.fields;
  const impact = impactLevel(N_impact(f), undefined);
  const src = I_sourceIpAddress(f);
  const dst = I_destinationIpAddress(f);
  const desc = S_description(f) ?? 'impact alert';
  return base(record, 'intrusion', (impact >= 1 && impact <= 4 ? impact : 5) as Severity, Text.impactAlert, [desc], src, dst);
}

function observeCorrelation(record: EStreamerRecord, names: Names): EventFacts {
  const f = record.fields;
  const src = I_sourceIpv6Address_sourceIp(f);
  const dst = I_destinationIpv6Address_destinationIp(f);
  const rule = P_correlationRule(names) ?? `rule ${N_ruleId(f) ?? '?'}`;
  const policy = P_correlationPolicy(names);
  const desc = S_eventDescription(f);
  return base(record, 'intrusion', 4, Text.correlation, [rule, policy, desc], src, dst);
}

/** AC rule actions when metadata 120 is missing (values as the FMC sends them). */
const ACTION_NAMES: Record<number, string> = { 1: 'Block', 2: 'Allow', 3: 'Trust', 4: 'Monitor', 5: 'Block with reset', 6: 'Interactive Block', 7: 'Interactive Block with reset' };

function actionName(action: number | undefined): string | undefined {
  return action === undefined ? undefined : ACTION_NAMES[action];
}

const BLOCKING_ACTIONS = new Map<string, boolean>();
const CNC_LISTS = new Map<string, boolean>();
const MALWARE_LISTS = new Map<string, boolean>();
const DEST_SIDES = new Map<string, boolean>();
const SOURCE_SIDES = new Map<string, boolean>();

function observeConnection(record: EStreamerRecord, names: Names): EventFacts {
  const f = record.fields;
  const src = I_initiatorIpAddress_initiatorIp(f);
  const dst = I_responderIpAddress_responderIp(f);
  const sport = N_initiatorPort(f);
  const dport = N_responderPort(f);
  const proto = protoName(f, names, N_protocol);
  const app = P_application(names);
  const client = P_clientApplication(names);
  const webApp = P_webApplication(names);
  const url = S_clientUrl(f);
  const dns = S_dnsQuery(f);
  const action = P_ruleAction(names) ?? actionName(N_ruleAction(f));
  const sent = N_initiatorTransmittedBytes(f);
  const received = N_responderTransmittedBytes(f);
  const siSide = N_securityIntelligenceSourceDestination(f) ?? 0;
  const siCategory = P_securityIntelligenceList1_securityIntelligenceList2_securityIntelligenceCategory(names);
  const ruleReason = N_ruleReason(f) ?? 0;
  const blocked = memoTest(BLOCKING_ACTIONS, /block|reset|drop|deny/i, action ?? '') || (ruleReason & 1) !== 0;
  const siSideName = P_securityIntelligenceSourceDestination(names);
  const isSi = siSide !== 0 || !!siCategory;
  const cnc = isSi && memoTest(CNC_LISTS, /\b(cnc|c&c|c2|command.?and.?control|bot)/i, siCategory ?? '');
  const malware = isSi && !cnc && memoTest(MALWARE_LISTS, /malware|exploit|phishing|dga/i, siCategory ?? '');
  const args: TextArg[] = [sport, dport, proto, app, client, webApp, url, dns, sent, received, action, isSi, siCategory, blocked];
  const obs = base(record, 'connection', cnc || malware ? (blocked ? 3 : 1) : isSi ? 4 : 5, Text.connection, args, src, dst);
  setConnection(obs, record);
  obs.iocNumber = N_iocNumber(f) || undefined;
  const user = P_user(names);
  if (src && user && !PLACEHOLDER_USERS.test(user)) addFact(obs, { ip: src, user });
  const netbios = S_netbios(f);
  if (src && netbios) addFact(obs, { ip: src, netbios });
  if (!cnc && !malware) return obs;
  // The side on the list is the CnC / malware server; the other side is the infected host.
  // 281 names the listed side; when unresolved, fall back to the internal host, then the initiator.
  let host: string | undefined;
  if (siSideName && memoTest(DEST_SIDES, /^dest|responder/i, siSideName)) host = src;
  else if (siSideName && memoTest(SOURCE_SIDES, /^source|initiator/i, siSideName)) host = dst;
  host ??= victimOf(src, dst, 'a');
  if (!host) return obs;
  const peer = host === src ? dst : src;
  if (blocked) {
    obs.indicator = {
      host,
      kind: cnc ? 'si-cnc-blocked' : 'si-malware-blocked',
      strength: Strength.siBlocked,
      description: `blocked connection to ${peer ?? '?'} on Security Intelligence list '${siCategory}'`,
    };
    return obs;
  }
  obs.indicator = {
    host,
    kind: cnc ? 'si-cnc' : 'si-malware',
    strength: cnc ? Strength.siCnc : Strength.siMalware,
    description: `allowed connection ${endpoint(src, sport)} -> ${endpoint(dst, dport)} matching Security Intelligence list '${siCategory}'${url ? ` (${url})` : dns ? ` (dns ${dns})` : ''}`,
  };
  return obs;
}

const MALWARE_DISPOSITIONS = new Map<string, boolean>();

function observeFile(record: EStreamerRecord, names: Names): EventFacts {
  const f = record.fields;
  const src = I_sourceIpAddress(f);
  const dst = I_destinationIpAddress(f);
  const name = S_fileName(f) ?? '(unnamed)';
  const sha = shaPrefixOf(record, 'shaHash');
  const dispositionId = N_disposition(f);
  const disposition = P_disposition(names) ?? (dispositionId !== undefined ? DISPOSITION_NAMES[dispositionId] : undefined);
  const actionId = N_action(f);
  const action = P_fileAction(names) ?? (actionId !== undefined ? FILE_ACTION_NAMES[actionId] : undefined);
  const fileType = P_fileType(names);
  const threat = P_detection(names);
  const direction = N_direction(f);
  const score = N_threatScore(f);
  const isMalware = record.recordType === 502 || dispositionId === 3 || dispositionId === 5 || memoTest(MALWARE_DISPOSITIONS, /malware|custom/i, disposition ?? '');
  const blocked = fileActionBlocked(actionId, action);
  const args: TextArg[] = [isMalware, name, fileType, threat, sha, direction === 2, disposition, action, score];
  const obs = base(record, 'file', isMalware ? (blocked ? 3 : 1) : 5, Text.file, args, src, dst);
  setConnection(obs, record);
  if (!isMalware) return obs;
  if (blocked) {
    obs.context = true;
    return obs;
  }
  // The receiver of a download is the destination; an upload is sent by the infected source.
  const host = direction === 2 ? src ?? dst : victimOf(dst, src, 'a');
  if (!host) return obs;
  const short = shortSha(sha);
  obs.indicator = {
    host,
    kind: 'file-malware',
    strength: Strength.fileMalware,
    description: `malware file ${quote(name)}${threat && threat !== name ? ` (${threat})` : ''}${short ? ` sha256 ${short}` : ''} transferred ${src ?? '?'} -> ${dst ?? '?'} with action ${action ?? 'unknown'} (not blocked)`,
  };
  return obs;
}

function observeMalware(record: EStreamerRecord, names: Names): EventFacts {
  const f = record.fields;
  const src = I_sourceIpAddress(f);
  const dst = I_destinationIpAddress(f);
  const typeId = N_eventTypeId(f);
  const typeName = ampTypeName(typeId, P_malwareEventType(names));
  const subtypeName = P_malwareEventSubtype(names);
  const verdict = ampVerdictOf(typeName, subtypeName, N_eventSubtypeId(f));
  const detection = S_detectionName(f) ?? P_detection(names);
  const fileName = S_fileName(f);
  const filePath = S_filePath(f);
  const sha = shaPrefixOf(record, 'fileShaHash');
  const agentUser = S_user(f);
  const actionId = N_action(f);
  const action = P_fileAction(names) ?? (actionId !== undefined ? FILE_ACTION_NAMES[actionId] : undefined);
  const strong = verdict === 'executed' || verdict === 'dropper' || verdict === 'botnet' || verdict === 'compromise';
  const networkTransfer = typeId === 1 || typeId === 2 || /network file transfer/i.test(typeName ?? '');
  const blocked = networkTransfer && fileActionBlocked(actionId, action);
  const args: TextArg[] = [typeName, typeId, subtypeName, detection, filePath, fileName, sha, agentUser];
  const obs = base(record, 'file', strong ? 1 : verdict === 'detected' && !blocked ? 2 : 3, Text.malware, args, src, dst);
  setConnection(obs, record);
  obs.iocNumber = N_iocNumber(f) || undefined;
  // An endpoint event names one host (usually in the destination field); a network transfer
  // lands on its receiver.
  const host = src && dst ? victimOf(dst, src, 'a') : dst ?? src;
  if (host && agentUser && !PLACEHOLDER_USERS.test(agentUser)) addFact(obs, { ip: host, user: agentUser });
  if (!host || verdict === 'contained' || verdict === 'other' || blocked) {
    if (verdict === 'contained' || blocked) obs.context = true;
    return obs;
  }
  const where = whereText(filePath, fileName);
  const short = shortSha(sha);
  obs.indicator = {
    host,
    kind: strong ? `amp-${verdict}` : 'amp-malware',
    strength: strong ? Strength.ampExecuted : Strength.ampDetected,
    description: `AMP '${typeName}'${detection ? ` ${detection}` : ''}${where ? ` in ${quote(where)}` : ''}${short ? ` sha256 ${short}` : ''}`,
  };
  return obs;
}

/** The host a discovery-shaped record is about: its discovery header's address first. */
function discoveryHost(record: EStreamerRecord): string | undefined {
  const header = record.fields.discoveryHeader;
  if (header && typeof header === 'object' && !Array.isArray(header) && !(header instanceof Uint8Array)) {
    const fromHeader = I_ipv6Address_legacyIpAddress_ipAddress(header);
    if (fromHeader) return fromHeader;
  }
  return I_ipv6Address_legacyIpAddress_ipAddress_ipv4Address(record.fields);
}

/** MAC addresses a discovery record names: the header's, a MAC block's, a host profile's list. */
function discoveryMacs(record: EStreamerRecord): string[] {
  const out: string[] = [];
  const header = record.fields.discoveryHeader;
  if (header && typeof header === 'object' && !Array.isArray(header) && !(header instanceof Uint8Array)) {
    const m = M_macAddress(header);
    if (m) out.push(m);
  }
  const own = M_macAddress_address(record.fields);
  if (own && !out.includes(own)) out.push(own);
  const list = record.fields.hostMacAddress;
  if (Array.isArray(list)) {
    for (const item of list) {
      if (!item || typeof item !== 'object' || Array.isArray(item) || item instanceof Uint8Array) continue;
      const m = M_address(item as Fields);
      if (m && !out.includes(m)) out.push(m);
    }
  }
  return out;
}

function observeIoc(record: EStreamerRecord, names: Names): EventFacts {
  const f = record.fields;
  const host = discoveryHost(record);
  const iocId = N_iocId_value_iocNumber_id(f);
  const category = P_iocCategory(names);
  const eventType = P_iocEventType(names);
  const iocName = [eventType, category ? `(${category})` : undefined].filter(Boolean).join(' ') || `IOC ${iocId ?? '?'}`;
  const firstSeen = N_firstSeen(f);
  const lastSeen = N_lastSeen(f);
  const obs = base(record, 'ioc', 1, Text.ioc, [iocName, firstSeen, lastSeen]);
  obs.src = host;
  obs.iocNumber = iocId || undefined;
  if (host) for (const m of discoveryMacs(record)) addFact(obs, { ip: host, mac: m });
  if (firstSeen) {
    const device = N_firstDeviceId(f);
    const connSecond = N_firstConnectionTime_firstConnectionTimestamp(f);
    const trigger: IocTrigger = {
      firstSeenMs: firstSeen * 1000,
      lastSeenMs: lastSeen ? lastSeen * 1000 : undefined,
      eventId: N_firstEventId(f),
      deviceId: device,
    };
    if (device !== undefined && connSecond) {
      trigger.connectionKey = `${device}/${N_firstInstanceId(f) ?? 0}/${connSecond}/${N_firstConnectionCounter(f) ?? 0}`;
    }
    obs.iocTrigger = trigger;
  }
  if (host) {
    obs.indicator = { host, kind: 'ioc-tag', strength: Strength.iocTag, description: `IOC '${iocName}' set by the FMC` };
  }
  return obs;
}

const USER_VERBS: Record<number, string> = { 92: 'User dropped', 93: 'User removed', 94: 'New user', 95: 'User login', 170: 'VPN login', 171: 'VPN logoff' };

function observeUser(record: EStreamerRecord, names: Names): EventFacts {
  const f = record.fields;
  const host = I_ipv6Address_ipv4Address(f) ?? discoveryHost(record);
  const user = S_username(f) ?? P_user(names);
  const domain = S_domain(f);
  const obs = base(record, 'user', 5, Text.user, [user, domain]);
  obs.src = host;
  if (host && user && !PLACEHOLDER_USERS.test(user) && record.recordType !== 92 && record.recordType !== 93) addFact(obs, { ip: host, user });
  return obs;
}

/** Discovery event names for the (type, subtype) pairs an analyst cares about (RECORDS.md §1.8). */
const DISCOVERY_NAMES: Record<number, string> = {
  10: 'New host',
  11: 'New TCP server',
  12: 'New UDP server',
  13: 'New network protocol',
  14: 'New transport protocol',
  15: 'New client application',
  16: 'TCP server update',
  17: 'UDP server update',
  18: 'OS update',
  19: 'Host timeout',
  20: 'IP reused',
  21: 'Host deleted',
  22: 'Hops change',
  27: 'MAC change',
  28: 'Additional MAC',
  29: 'Host IP changed',
  35: 'Client application timeout',
  42: 'NetBIOS name change',
  45: 'Banner update',
  101: 'New OS',
  107: 'Client application update',
};

function observeDiscovery(record: EStreamerRecord, names: Names): EventFacts | undefined {
  const f = record.fields;
  const host = discoveryHost(record);
  if (!host) return undefined;
  const macs: string[] = [];
  const what = DISCOVERY_NAMES[record.recordType] ?? record.name ?? `discovery ${record.recordType}`;
  const facts: HostFacts = { ip: host };
  for (const m of discoveryMacs(record)) macs.push(m);
  const details: string[] = [];
  const netbios = record.recordType === 10 || record.recordType === 42 ? S_netbios_netbiosName_name_value(f) : undefined;
  if (netbios) {
    facts.netbios = netbios;
    details.push(`NetBIOS ${netbios}`);
  }
  if (record.recordType === 101 || record.recordType === 18) {
    const os = P_os(names);
    if (os) {
      facts.os = os;
      details.push(os);
    }
  }
  if (record.recordType === 11 || record.recordType === 12 || record.recordType === 16 || record.recordType === 17) {
    const port = N_port(f);
    const app = P_application(names);
    details.push([port !== undefined ? `port ${port}` : undefined, app].filter(Boolean).join(' '));
  }
  if (record.recordType === 15 || record.recordType === 107) {
    const client = P_clientApplication(names);
    const version = S_version(f);
    details.push(`${client ?? `client application ${N_id(f) ?? '?'}`}${version ? `, version ${version}` : ''}`);
  }
  const obs = base(record, 'discovery', 5, Text.discovery, [what, details.length ? details.filter(Boolean).join(', ') : undefined]);
  obs.src = host;
  addFact(obs, facts);
  for (const m of macs) addFact(obs, { ip: host, mac: m });
  return obs;
}
