/**
 * What a client asks for: request flag bits (PROTOCOL.md §4.2), the extended-request event list
 * (§5.5) and the Streaming Request / Streaming Information messages (§5.2–5.4).
 */
import { view } from './bytes';
import { ProtocolError } from './errors';
import { encodeMessage, MessageType } from './messages';

/** Named bits of the Event Stream Request flags (bit n = 1 << n). */
export const RequestFlag = {
  packets: 1 << 0,
  metadataV1: 1 << 1,
  intrusion: 1 << 2,
  discoveryV1: 1 << 3,
  correlationV1: 1 << 4,
  impactAlerts: 1 << 5,
  intrusionWithImpactFlag: 1 << 6,
  discoveryV2: 1 << 7,
  connectionV1: 1 << 8,
  correlationV2: 1 << 9,
  discoveryV3: 1 << 10,
  hostOnly: 1 << 11,
  connectionV3: 1 << 12,
  correlationV3: 1 << 13,
  metadataV2: 1 << 14,
  metadataV3: 1 << 15,
  waitForConfig: 1 << 16,
  discoveryV4: 1 << 17,
  connectionV4: 1 << 18,
  correlationV4: 1 << 19,
  metadata: 1 << 20,
  userActivity: 1 << 21,
  correlationV5: 1 << 22,
  archiveTimestamps: 1 << 23,
  discoveryV5: 1 << 24,
  discoveryV6: 1 << 25,
  connectionV5: 1 << 26,
  extraData: 1 << 27,
  discoveryV7: 1 << 28,
  correlationV6: 1 << 29,
  extended: 1 << 30,
} as const satisfies { readonly [name: string]: number };

/** Names of the bits set in `flags`, e.g. for a log line. */
export function flagNames(flags: number): string[] {
  const names: string[] = [];
  for (const [name, bit] of Object.entries(RequestFlag)) if ((flags & bit) !== 0) names.push(name);
  if (flags & 0x80000000) names.push('bit31');
  return names;
}

export type EventFamilyName =
  | 'intrusion'
  | 'connection'
  | 'file'
  | 'malware'
  | 'correlation'
  | 'impact'
  | 'discovery'
  | 'user'
  | 'packets'
  | 'extraData'
  | 'metadata'
  | 'ioc';

/**
 * Flag bits for a set of families. In extended mode the event list (eventsFor) carries the
 * streams; like eNcore we still set the bits that have no event code (packets, extra data) and
 * those eNcore keeps (impact, intrusion, metadata). eNcore's default request is
 * flagsFor(['packets','impact','intrusion','metadata','extraData'], {archiveTimestamps:true, extended:true}) = 0x48900061.
 */
export function flagsFor(families: readonly EventFamilyName[], opts: { archiveTimestamps: boolean; extended: boolean }): number {
  let flags = 0;
  const has = (f: EventFamilyName) => families.includes(f);
  if (has('packets')) flags |= RequestFlag.packets;
  if (has('impact')) flags |= RequestFlag.impactAlerts;
  if (has('intrusion')) flags |= RequestFlag.intrusionWithImpactFlag;
  if (has('metadata')) flags |= RequestFlag.metadata;
  if (has('extraData')) flags |= RequestFlag.extraData;
  if (!opts.extended) {
    // Legacy mode has no file/malware bits; newest legacy versions of the rest.
    if (has('connection')) flags |= RequestFlag.connectionV5;
    if (has('discovery') || has('ioc')) flags |= RequestFlag.discoveryV7;
    if (has('correlation')) flags |= RequestFlag.correlationV6;
    if (has('user')) flags |= RequestFlag.userActivity;
  }
  if (opts.archiveTimestamps) flags |= RequestFlag.archiveTimestamps;
  if (opts.extended) flags |= RequestFlag.extended;
  return flags >>> 0;
}

/** The eStreamer service in Streaming Information / Streaming Request. */
export const ESTREAMER_SERVICE_ID = 6667;

export interface StreamingEvent {
  version: number;
  code: number;
}

/** Extended-request event codes (PROTOCOL.md §5.5). */
export const EventCode = {
  intrusion: 12,
  metadata: 21,
  correlation: 31,
  discovery: 61,
  connection: 71,
  user: 91,
  malware: 101,
  file: 111,
  impact: 131,
} as const;

/**
 * Newest version of each event code that a released client (eNcore 5.2.11) asks for; the decoder
 * reads every block version these can produce.
 */
export const EVENT_VERSIONS: Readonly<Record<number, number>> = {
  12: 11,
  21: 4,
  31: 9,
  61: 11,
  71: 17,
  91: 7,
  101: 8,
  111: 7,
  131: 2,
};

const FAMILY_CODES: Record<EventFamilyName, number[]> = {
  intrusion: [EventCode.intrusion],
  connection: [EventCode.connection],
  file: [EventCode.file],
  malware: [EventCode.malware],
  correlation: [EventCode.correlation],
  impact: [EventCode.impact],
  discovery: [EventCode.discovery],
  ioc: [EventCode.discovery], // IOC set (160) is a discovery event (type 1008)
  user: [EventCode.user],
  metadata: [EventCode.metadata],
  packets: [], // flag bit only
  extraData: [], // flag bit only
};

/** The (version, code) list for service 6667, in code order, without the (0,0) terminator. */
export function eventsFor(families: readonly EventFamilyName[], versions: Readonly<Record<number, number>> = EVENT_VERSIONS): StreamingEvent[] {
  const codes = new Set<number>();
  for (const f of families) for (const c of FAMILY_CODES[f] ?? []) codes.add(c);
  return [...codes].sort((a, b) => a - b).map((code) => ({ version: versions[code] ?? EVENT_VERSIONS[code], code }));
}

export interface StreamingService {
  serviceId: number;
  flags: number;
  initialTimestamp: number;
  events: StreamingEvent[];
}

/**
 * How the per-service length field is counted. 'entry': bytes after the length field (the guide's
 * samples). 'message': the whole entry including id and length (what eNcore sends and a real FMC
 * accepted; for one service it equals the message length).
 */
export type ServiceLengthConvention = 'entry' | 'message';

function encodeServices(services: readonly StreamingService[], withEvents: boolean, convention: ServiceLengthConvention): Uint8Array {
  let total = 0;
  const sizes = services.map((s) => 16 + (withEvents ? (s.events.length + 1) * 4 : 0));
  for (const n of sizes) total += n;
  const body = new Uint8Array(total);
  const v = view(body);
  let at = 0;
  services.forEach((s, i) => {
    v.setUint32(at, s.serviceId >>> 0);
    v.setUint32(at + 4, convention === 'message' ? sizes[i] : sizes[i] - 8);
    v.setUint32(at + 8, s.flags >>> 0);
    v.setUint32(at + 12, s.initialTimestamp >>> 0);
    let p = at + 16;
    if (withEvents) {
      for (const e of s.events) {
        v.setUint16(p, e.version);
        v.setUint16(p + 2, e.code);
        p += 4;
      }
      p += 4; // (0,0) terminator, already zero
    }
    at = p;
  });
  return body;
}

export function encodeStreamingRequest(services: StreamingService[], lengthConvention: ServiceLengthConvention = 'message'): Uint8Array {
  return encodeMessage(MessageType.StreamingRequest, encodeServices(services, true, lengthConvention));
}

/** Streaming Information as the FMC sends it: entries of length 8 (flags and timestamp, no event list). */
export function encodeStreamingInformation(services: StreamingService[]): Uint8Array {
  return encodeMessage(MessageType.StreamingInformation, encodeServices(services, false, 'entry'));
}

/** (version, code) pairs from `from` up to the (0,0) terminator or `to`; returns them and the offset after the terminator. */
function readEvents(v: DataView, from: number, to: number): [StreamingEvent[], number] {
  const events: StreamingEvent[] = [];
  let p = from;
  while (p + 4 <= to) {
    const version = v.getUint16(p);
    const code = v.getUint16(p + 2);
    p += 4;
    if (version === 0 && code === 0) break;
    events.push({ version, code });
  }
  return [events, p];
}

/**
 * Reads Streaming Request service entries. The event list runs to the (0,0) terminator (or the
 * end of the body), so both length conventions are accepted; the length field is only checked
 * for plausibility.
 */
export function decodeStreamingRequest(body: Uint8Array): StreamingService[] {
  const v = view(body);
  const services: StreamingService[] = [];
  let at = 0;
  while (at < body.length) {
    if (body.length - at < 16) {
      throw new ProtocolError(`Streaming Request: service entry at offset ${at} is ${body.length - at} bytes; it needs at least 16.`, at);
    }
    const declared = v.getUint32(at + 4);
    const [events, p] = readEvents(v, at + 16, body.length);
    const service: StreamingService = { serviceId: v.getUint32(at), flags: v.getUint32(at + 8), initialTimestamp: v.getUint32(at + 12), events };
    const used = p - at;
    if (declared !== used && declared !== used - 8 && declared !== body.length && declared !== body.length + 8) {
      throw new ProtocolError(
        `Streaming Request: service ${service.serviceId} declares length ${declared} but its entry is ${used} bytes (or ${used - 8} after the length field).`,
        at + 4,
      );
    }
    services.push(service);
    at = p;
  }
  return services;
}

/**
 * Reads Streaming Information entries. The length is normally counted after the length field
 * (`offset += 8 + length`); if that walk does not end exactly at the end of the body, lengths
 * counted from the entry start are tried.
 */
export function decodeStreamingInformation(body: Uint8Array): StreamingService[] {
  const services = walkServices(body, 8) ?? walkServices(body, 0);
  if (!services) {
    throw new ProtocolError(`Streaming Information: the ${body.length}-byte body does not split into service entries (id, length, flags, timestamp) under either length convention.`);
  }
  return services;
}

function walkServices(body: Uint8Array, lengthBase: 0 | 8): StreamingService[] | undefined {
  const v = view(body);
  const services: StreamingService[] = [];
  let at = 0;
  while (at < body.length) {
    if (body.length - at < 16) return undefined;
    const size = v.getUint32(at + 4) + lengthBase;
    if (size < 16 || at + size > body.length) return undefined;
    services.push({ serviceId: v.getUint32(at), flags: v.getUint32(at + 8), initialTimestamp: v.getUint32(at + 12), events: readEvents(v, at + 16, at + size)[0] });
    at += size;
  }
  return services;
}
