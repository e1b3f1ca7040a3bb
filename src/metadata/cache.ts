/**
 * id → name resolution, fed by the metadata records the FMC sends just before the events that
 * need them (RECORDS.md §2.2, §4). Persisted per FMC by the client (toJSON/fromJSON).
 *
 * names(record) returns resolved names for an event record. Keys (values are display strings;
 * a key is absent when its id is 0/unknown or no metadata arrived for it):
 *
 *   every event  device                 managed device name (123) from deviceId / discoveryHeader.deviceId
 *   71, 400, 500/502, 125, 112
 *                ingressZone, egressZone             security zones (115) by uuid
 *                ingressInterface, egressInterface   interfaces (116) by uuid
 *                accessControlPolicy                 AC policy (145 by device+uuid, else 145/117 by uuid)
 *                accessControlRule                   AC rule (119) by (policy uuid, rule id)
 *                application, clientApplication, webApplication   63 / 55 / 109
 *                user                                user name (98) by userId
 *                protocol                            IP protocol name (built in: TCP, UDP, ICMP …)
 *                sourceCountry, destinationCountry   countries (520); for 71 from initiator/responderCountry
 *                iocCategory, iocEventType           IOC name (161) by iocNumber / iocId
 *                sslActualAction, sslFlowStatus      606 / 608
 *   71           ruleAction (120), urlCategory (121), urlReputation (122), dnsRecordType (320),
 *                dnsResponseType (321), sinkhole (322), securityIntelligenceSourceDestination (281),
 *                securityIntelligenceList1/2 (280), sslCipherSuite (602), sslVersion (604),
 *                sslServerCertificateStatus (605), sslExpectedAction (607), sslUrlCategory (613),
 *                networkAnalysisPolicy (700)
 *   400          message (66 by generator:rule), signature "gid:sid:rev" with the rendered SID,
 *                classification + classificationDescription (67), priority (4),
 *                intrusionPolicy (118), networkAnalysisPolicy (700), blocked (built in)
 *   500/502      fileType (510), detection (511 by SHA-256), disposition, speroDisposition,
 *                fileAction, direction (built in)
 *   125          malwareEventType (128), malwareEventSubtype (129), detector (130), fileType (131),
 *                cloud (127), disposition, retroDisposition, fileAction (built in)
 *   112          correlationPolicy (69), correlationRule (70), priority (4), message (66),
 *                sourceUser, destinationUser (98), intrusionPolicy (118), securityIntelligence (282),
 *                sourceOs, destinationOs (54), urlCategory, urlReputation
 *   110          extraDataType (111)
 *   101          os (54 by fingerprint uuid)
 *   94/95/170/171 realm (300 by realmId)
 */
import type { EStreamerRecord, FieldValue, Fields } from '../protocol/types';
import { familyOf } from '../protocol/recordTypes';

/** Keys are numbers for plain ids (no string building on the hot path), strings for uuids and pairs. */
type Key = number | string;
type Table = Map<Key, Fields>;

/** How each metadata record type is keyed (RECORDS.md §4 "Cache keys eNcore fills"). */
const KEYS: Record<number, (f: Fields) => Key[]> = {};
function keyed(types: number[], key: (f: Fields) => Key[]): void {
  for (const t of types) KEYS[t] = key;
}
const byId = (f: Fields) => [Number(f.id)];
const byUuid = (f: Fields) => [String(f.uuid)];
keyed([4, 55, 58, 59, 60, 61, 62, 63, 67, 69, 70, 90, 91, 96, 98, 109, 120, 121, 122, 123, 124, 128, 129, 130, 131, 161, 281, 300, 301, 302, 320, 321, 350, 510, 515, 516, 517, 518, 519, 602, 604, 605, 606, 607, 608, 613], byId);
keyed([54, 115, 116, 117, 118, 127, 132, 282, 322, 530, 600, 700], byUuid);
keyed([66], (f) => [`${f.generatorId}:${f.ruleId}`]);
keyed([111], (f) => [Number(f.type)]);
keyed([119], (f) => [`${f.uuid}:${f.id}`]);
keyed([145, 146, 147], (f) => [`${f.sensorId}:${f.uuid}`, `*:${f.uuid}`]);
keyed([140], (f) => [`${f.gid}:${f.sid}`]);
keyed([260], (f) => [`${f.protocol}:${f.type}`]);
keyed([270], (f) => [`${f.protocol}:${f.type}:${f.code}`]);
keyed([280], (f) => [`${f.id}:${f.accessControlPolicyUuid}`]);
keyed([511], (f) => [String(f.shaHash)]);
keyed([520], (f) => [Number(f.countryCode)]);
keyed([601], (f) => [`${f.revision}:${f.id}`]);
keyed([614], (f) => [String(f.fingerprintShaHash)]);

const IP_PROTOCOLS: Record<number, string> = { 1: 'ICMP', 2: 'IGMP', 6: 'TCP', 17: 'UDP', 41: 'IPv6', 47: 'GRE', 50: 'ESP', 51: 'AH', 58: 'IPv6-ICMP', 89: 'OSPF', 132: 'SCTP' };
const BLOCKED: Record<number, string> = { 0: 'No', 1: 'Yes', 2: 'Would', 3: 'Partially Dropped' };
const DISPOSITIONS: Record<number, string> = { 1: 'Clean', 2: 'Unknown', 3: 'Malware', 4: 'Unavailable', 5: 'Custom Signature' };
const FILE_ACTIONS: Record<number, string> = {
  1: 'Detect', 2: 'Block', 3: 'Malware Cloud Lookup', 4: 'Malware Block', 5: 'Malware Whitelist', 6: 'Cloud Lookup Timeout',
  7: 'Custom Detection', 8: 'Custom Detection Block', 9: 'Archive Block (Depth Exceeded)', 10: 'Archive Block (Encrypted)', 11: 'Archive Block (Failed to Inspect)',
};
const DIRECTIONS: Record<number, string> = { 1: 'Download', 2: 'Upload' };

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * One name to resolve: from metadata table `table` under the key built from the event's fields.
 * `key` is a JavaScript expression over `f` (the fields) and `device` giving the key or undefined;
 * the rules of a record type are compiled into one function (see compileNamer).
 */
interface Rule {
  name: string;
  table: number;
  key: string;
  value: string;
  /** Index of the (table, value field) → text map this rule reads. */
  slot: number;
  /** A later candidate for a name an earlier rule may already have found. */
  fallback: boolean;
}

/** (metadata record type, value field) pairs that names() reads, each kept as a Key → text map. */
const SLOTS = new Map<string, number>();
const SLOTS_BY_TYPE: Record<number, Array<[slot: number, field: string]>> = {};
function slotOf(table: number, value: string): number {
  const id = `${table}.${value}`;
  let slot = SLOTS.get(id);
  if (slot === undefined) {
    SLOTS.set(id, (slot = SLOTS.size));
    (SLOTS_BY_TYPE[table] ??= []).push([slot, value]);
  }
  return slot;
}
const DEVICE_SLOT = slotOf(123, 'name');

const F = (field: string) => `f[${JSON.stringify(field)}]`;
/** A non-zero numeric id. */
const id = (field: string) => `(typeof ${F(field)} === 'number' && ${F(field)} !== 0 ? ${F(field)} : undefined)`;
/** Like id, but 0 is looked up too (the FMC sends names for SSL/reputation id 0, e.g. "Unknown"). */
const idOrZero = (field: string) => `(typeof ${F(field)} === 'number' ? ${F(field)} : undefined)`;
/** A non-zero uuid. */
const uuid = (field: string) => `(typeof ${F(field)} === 'string' && ${F(field)} !== Z ? ${F(field)} : undefined)`;
/**
 * "a:b" when `when` (a key expression) is defined. Each pair rule remembers its last parts and
 * key: the same string object comes back while the parts repeat (uuids come memoized from the
 * codec), and Map.get then finds its hash cached instead of joining and hashing text again.
 */
let pairs = 0;
const pair = (when: string, a: string, b: string) => `(${when} !== undefined ? P[${pairs++}].key(${a}, ${b}) : undefined)`;

class PairKey {
  private a: unknown = undefined;
  private b: unknown = undefined;
  private k = '';
  key(a: FieldValue | undefined, b: FieldValue | undefined): string {
    if (a !== this.a || b !== this.b || this.k === '') {
      this.a = a;
      this.b = b;
      this.k = `${String(a)}:${String(b)}`;
    }
    return this.k;
  }
}
const rule = (name: string, table: number, key: Rule['key'], value = 'name'): Rule => ({ name, table, key, value, slot: slotOf(table, value), fallback: false });

function zonesAndInterfaces(ingressZone: string, egressZone: string, ingressInterface: string, egressInterface: string): Rule[] {
  return [
    rule('ingressZone', 115, uuid(ingressZone)),
    rule('egressZone', 115, uuid(egressZone)),
    rule('ingressInterface', 116, uuid(ingressInterface)),
    rule('egressInterface', 116, uuid(egressInterface)),
  ];
}
function apps(): Rule[] {
  return [rule('application', 63, id('applicationId')), rule('clientApplication', 55, id('clientApplicationId')), rule('webApplication', 109, id('webApplicationId'))];
}
function accessControl(policyField: string, ruleField: string): Rule[] {
  const policy = uuid(policyField);
  return [
    rule('accessControlPolicy', 145, pair(policy, '(device === undefined ? 0 : device)', F(policyField))),
    { ...rule('accessControlPolicy', 145, pair(policy, "'*'", F(policyField))), fallback: true },
    { ...rule('accessControlPolicy', 117, policy), fallback: true },
    rule('accessControlRule', 119, pair(`(typeof ${F(ruleField)} === 'number' ? ${policy} : undefined)`, F(policyField), F(ruleField))),
  ];
}
function countries(source: string, destination: string): Rule[] {
  return [rule('sourceCountry', 520, id(source), 'country'), rule('destinationCountry', 520, id(destination), 'country')];
}
const ioc = (field: string): Rule[] => [rule('iocCategory', 161, id(field), 'category'), rule('iocEventType', 161, id(field), 'eventType')];
const ssl = (): Rule[] => [rule('sslActualAction', 606, id('sslActualAction')), rule('sslFlowStatus', 608, id('sslFlowStatus'))];

const RULES: Record<number, Rule[]> = {
  71: [
    ...zonesAndInterfaces('ingressZone', 'egressZone', 'ingressInterface', 'egressInterface'),
    ...accessControl('policyRevision', 'ruleId'),
    rule('ruleAction', 120, id('ruleAction')),
    ...apps(),
    rule('user', 98, id('userId'), 'username'),
    rule('urlCategory', 121, id('urlCategory')),
    rule('urlReputation', 122, idOrZero('urlReputation')),
    ...countries('initiatorCountry', 'responderCountry'),
    rule('dnsRecordType', 320, id('dnsRecordType')),
    rule('dnsResponseType', 321, id('dnsResponseType')),
    rule('sinkhole', 322, uuid('sinkholeUuid')),
    rule('securityIntelligenceSourceDestination', 281, id('securityIntelligenceSourceDestination')),
    rule('securityIntelligenceList1', 280, pair(id('securityIntelligenceList1'), F('securityIntelligenceList1'), F('policyRevision'))),
    rule('securityIntelligenceList2', 280, pair(id('securityIntelligenceList2'), F('securityIntelligenceList2'), F('policyRevision'))),
    ...ioc('iocNumber'),
    rule('sslCipherSuite', 602, idOrZero('sslCipherSuite')),
    rule('sslVersion', 604, idOrZero('sslVersion')),
    rule('sslServerCertificateStatus', 605, idOrZero('sslServerCertificateStatus')),
    rule('sslActualAction', 606, idOrZero('sslActualAction')),
    rule('sslExpectedAction', 607, idOrZero('sslExpectedAction')),
    rule('sslFlowStatus', 608, idOrZero('sslFlowStatus')),
    rule('sslUrlCategory', 613, id('sslUrlCategory')),
    rule('networkAnalysisPolicy', 700, uuid('networkAnalysisPolicyRevision')),
  ],
  400: [
    rule('message', 66, `P[${pairs++}].key(${F('generatorId')}, ${F('ruleId')})`, 'message'),
    rule('classification', 67, id('classificationId')),
    rule('classificationDescription', 67, id('classificationId'), 'description'),
    rule('priority', 4, id('priorityId')),
    rule('intrusionPolicy', 118, uuid('policyUuid')),
    rule('networkAnalysisPolicy', 700, uuid('networkAnalysisPolicyUuid')),
    ...accessControl('accessControlPolicyUuid', 'accessControlRuleId'),
    ...apps(),
    rule('user', 98, id('userId'), 'username'),
    ...zonesAndInterfaces('securityZoneIngressUuid', 'securityZoneEgressUuid', 'interfaceIngressUuid', 'interfaceEgressUuid'),
    ...countries('sourceCountry', 'destinationCountry'),
    ...ioc('iocNumber'),
    ...ssl(),
  ],
  500: [
    rule('fileType', 510, id('fileTypeId')),
    rule('detection', 511, `(typeof f.shaHash === 'string' ? f.shaHash : undefined)`, 'fileName'),
    ...accessControl('accessControlPolicyUuid', 'accessControlRuleId'),
    ...apps(),
    rule('user', 98, id('userId'), 'username'),
    ...countries('sourceCountry', 'destinationCountry'),
    ...ssl(),
  ],
  125: [
    rule('malwareEventType', 128, id('eventTypeId')),
    rule('malwareEventSubtype', 129, id('eventSubtypeId')),
    rule('detector', 130, id('detectorId')),
    rule('fileType', 131, id('fileType')),
    rule('cloud', 127, uuid('cloudUuid')),
    ...accessControl('accessControlPolicyUuid', 'accessControlRuleId'),
    ...apps(),
    rule('user', 98, id('userId'), 'username'),
    ...countries('sourceCountry', 'destinationCountry'),
    ...ioc('iocNumber'),
    ...ssl(),
  ],
  112: [
    rule('correlationPolicy', 69, id('policyId')),
    rule('correlationRule', 70, id('ruleId')),
    rule('priority', 4, id('priority')),
    rule('message', 66, pair(id('signatureId'), F('signatureGeneratorId'), F('signatureId')), 'message'),
    rule('sourceUser', 98, id('sourceUserId'), 'username'),
    rule('destinationUser', 98, id('destinationUserId'), 'username'),
    rule('intrusionPolicy', 118, uuid('intrusionPolicy')),
    rule('securityIntelligence', 282, uuid('securityIntelligenceUuid')),
    rule('sourceOs', 54, uuid('sourceOperatingSystemFingerprintUuid')),
    rule('destinationOs', 54, uuid('destinationOperatingSystemFingerprintUuid')),
    rule('urlCategory', 121, id('urlCategory')),
    rule('urlReputation', 122, id('urlReputation')),
    ...zonesAndInterfaces('ingressZoneUuid', 'egressZoneUuid', 'ingressIntefaceUuid', 'egressIntefaceUuid'),
    ...accessControl('accessControlPolicyRevision', 'accessControlRuleId'),
    ...countries('sourceCountry', 'destinationCountry'),
  ],
  160: ioc('iocId'),
  110: [rule('extraDataType', 111, idOrZero('type'))],
  101: [rule('os', 54, uuid('uuid'))],
  94: [rule('realm', 300, id('realmId'))],
};
RULES[502] = RULES[500];
const PAIRS = Array.from({ length: pairs }, () => new PairKey());
for (const t of [92, 93, 95, 170, 171]) RULES[t] = RULES[94];

/** Built-in names that never come over the wire, per record type: [name key, field, table]. */
const BUILT_IN: Record<number, Array<[string, string, Record<number, string>]>> = {
  71: [['protocol', 'protocol', IP_PROTOCOLS]],
  400: [['protocol', 'ipProtocolId', IP_PROTOCOLS], ['blocked', 'blocked', BLOCKED]],
  500: [['protocol', 'protocol', IP_PROTOCOLS], ['disposition', 'disposition', DISPOSITIONS], ['speroDisposition', 'speroDisposition', DISPOSITIONS], ['fileAction', 'action', FILE_ACTIONS], ['direction', 'direction', DIRECTIONS]],
  125: [['protocol', 'protocol', IP_PROTOCOLS], ['disposition', 'disposition', DISPOSITIONS], ['retroDisposition', 'retroDisposition', DISPOSITIONS], ['fileAction', 'action', FILE_ACTIONS]],
  112: [['protocol', 'ipProtocol', IP_PROTOCOLS], ['blocked', 'blocked', BLOCKED]],
};
BUILT_IN[502] = BUILT_IN[500];

type Namer = (f: Fields, device: number | undefined, slots: ReadonlyArray<Map<Key, string> | undefined>) => Record<string, string>;

/**
 * One straight-line function per record type from its rules: constant property names keep the
 * result a fast object, and no closure runs per rule.
 */
function compileNamer(rules: readonly Rule[], builtIn: ReadonlyArray<[string, string, Record<number, string>]> = []): Namer {
  const lines = [
    'const out = {};',
    'let m, k, v;',
    `if (device !== undefined) { m = S[${DEVICE_SLOT}]; if (m !== undefined) { v = m.get(device); if (v !== undefined) out.device = v; } }`,
  ];
  for (const r of rules) {
    const n = JSON.stringify(r.name);
    lines.push(`m = S[${r.slot}]; if (m !== undefined${r.fallback ? ` && out[${n}] === undefined` : ''}) { k = ${r.key}; if (k !== undefined) { v = m.get(k); if (v !== undefined) out[${n}] = v; } }`);
  }
  builtIn.forEach(([name, field], i) => {
    const n = JSON.stringify(name);
    lines.push(`v = ${F(field)}; if (typeof v === 'number' && out[${n}] === undefined) { v = B[${i}][v]; if (v !== undefined) out[${n}] = v; }`);
  });
  lines.push('return out;');
  const tables = builtIn.map(([, , table]) => table);
  return new Function('Z', 'B', 'P', `return function names(f, device, S) {\n${lines.join('\n')}\n};`)(ZERO_UUID, tables, PAIRS) as Namer;
}

const NAMERS = new Map<number, Namer>();
function namerFor(recordType: number): Namer {
  let namer = NAMERS.get(recordType);
  if (!namer) NAMERS.set(recordType, (namer = compileNamer(RULES[recordType] ?? [], BUILT_IN[recordType])));
  return namer;
}

function deviceOf(f: Fields): number | undefined {
  if (typeof f.deviceId === 'number') return f.deviceId;
  const header = f.discoveryHeader;
  if (header && typeof header === 'object' && !Array.isArray(header) && !(header instanceof Uint8Array)) {
    const d = (header as Fields).deviceId;
    if (typeof d === 'number') return d;
  }
  return undefined;
}

const JSON_VERSION = 1;
// A local binding: add() runs for every record, and an import is a getter call under tsx/mocha.
const family = familyOf;

export class MetadataCache {
  private readonly tables = new Map<number, Table>();
  /** Per slot (see SLOTS): key → the text names() returns, so lookups touch no record objects. */
  private readonly values: Array<Map<Key, string> | undefined> = [];

  /** Number of stored entries (all tables). */
  get size(): number {
    let n = 0;
    for (const t of this.tables.values()) n += t.size;
    return n;
  }

  /** Stores a metadata record; returns true if it was one (and was decoded), false for anything else. */
  add(record: EStreamerRecord): boolean {
    if (record.status !== 'ok' || family(record.recordType) !== 'metadata') return false;
    const keyOf = KEYS[record.recordType];
    if (!keyOf) return false;
    let table = this.tables.get(record.recordType);
    if (!table) this.tables.set(record.recordType, (table = new Map()));
    const keys = keyOf(record.fields);
    // The FMC sends the same metadata again and again (before each event that needs it): keep
    // what is stored then, rather than a fresh copy that only lives long enough to be old garbage.
    const stored = table.get(keys[0]);
    if (stored !== undefined && samePlain(stored, record.fields) && keys.every((k) => table!.get(k) === stored)) return true;
    const value = plain(record.fields);
    for (const key of keys) table.set(key, value);
    this.index(record.recordType, keys, value);
    if (record.recordType === 117) {
      // eNcore's rule 0 of a legacy AC policy: the default action.
      this.rule119(`${record.fields.uuid}:0`, 'Default Action');
    }
    return true;
  }

  private rule119(key: string, name: string): void {
    let table = this.tables.get(119);
    if (!table) this.tables.set(119, (table = new Map()));
    if (!table.has(key)) {
      table.set(key, { name });
      this.index(119, [key], { name });
    }
  }

  private index(recordType: number, keys: readonly Key[], value: Fields): void {
    const slots = SLOTS_BY_TYPE[recordType];
    if (!slots) return;
    for (const [slot, field] of slots) {
      const text = value[field];
      if (typeof text !== 'string') continue;
      let map = this.values[slot];
      if (!map) this.values[slot] = map = new Map();
      for (const key of keys) map.set(key, text);
    }
  }

  /** The stored fields of a metadata record, e.g. lookup(123, 1) → { id: 1, name: 'fw-1' }; uuids and pairs are text keys. */
  lookup(recordType: number, key: Key): Fields | undefined {
    return this.tables.get(recordType)?.get(key);
  }

  /** Resolved names for an event record's ids; see the key list at the top of this file. */
  names(record: EStreamerRecord): Record<string, string> {
    const f = record.fields;
    const out = namerFor(record.recordType)(f, deviceOf(f), this.values);
    if (record.recordType === 400) {
      const rm = this.tables.get(66)?.get(`${f.generatorId}:${f.ruleId}`);
      const sid = rm && typeof rm.renderedSignatureId === 'number' ? rm.renderedSignatureId : f.ruleId;
      out.signature = `${f.generatorId}:${sid}:${f.ruleRevision}`;
    }
    return out;
  }

  toJSON(): unknown {
    const tables: Record<string, Array<[Key, Fields]>> = {};
    for (const [type, table] of this.tables) tables[type] = [...table];
    return { version: JSON_VERSION, tables };
  }

  /** Restores a cache saved with toJSON(); throws a TypeError that says what is wrong with the data. */
  static fromJSON(json: unknown): MetadataCache {
    const cache = new MetadataCache();
    if (!json || typeof json !== 'object') throw new TypeError('metadata cache: expected an object from MetadataCache.toJSON()');
    const { version, tables } = json as { version?: unknown; tables?: unknown };
    if (version !== JSON_VERSION) throw new TypeError(`metadata cache: version ${String(version)} is not ${JSON_VERSION}; delete the cache file to rebuild it`);
    if (!tables || typeof tables !== 'object') throw new TypeError('metadata cache: missing tables');
    for (const [type, entries] of Object.entries(tables as Record<string, unknown>)) {
      if (!Array.isArray(entries)) throw new TypeError(`metadata cache: table ${type} is not a list`);
      const table: Table = new Map();
      for (const entry of entries) {
        if (!Array.isArray(entry) || (typeof entry[0] !== 'string' && typeof entry[0] !== 'number') || !entry[1] || typeof entry[1] !== 'object') {
          throw new TypeError(`metadata cache: bad entry in table ${type}`);
        }
        table.set(entry[0] as Key, entry[1] as Fields);
        cache.index(Number(type), [entry[0] as Key], entry[1] as Fields);
      }
      cache.tables.set(Number(type), table);
    }
    return cache;
  }
}

/** True if plain(fields) would equal `stored` (same keys, same values). */
function samePlain(stored: Fields, fields: Fields): boolean {
  let n = 0;
  for (const k in fields) {
    const v: FieldValue = fields[k];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      if (stored[k] !== v) return false;
      n++;
    }
  }
  for (const k in stored) if (--n < 0 || !(k in fields)) return false;
  return n === 0;
}

/** Metadata fields are scalars; drop anything that would not survive JSON (never expected). */
function plain(fields: Fields): Fields {
  const out: Fields = {};
  for (const k in fields) {
    const v: FieldValue = fields[k];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}
