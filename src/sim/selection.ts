/**
 * Which records a request asks for: by request-flag bits in a plain Event Stream Request, by
 * (version, event code) list in an extended Streaming Request (PROTOCOL.md §4.2, §5.5).
 */
import { EventCode, RequestFlag, familyOf, type StreamingEvent } from '../protocol';
import type { RecordFamily } from '../protocol/types';

export type Selection = ReadonlySet<RecordFamily>;

const bits = (...n: number[]) => n.reduce((m, b) => m | (1 << b), 0) >>> 0;

/** Legacy flag bits per family (every version bit of a family selects it). */
const FLAG_FAMILIES: ReadonlyArray<[number, RecordFamily[]]> = [
  [RequestFlag.packets, ['packet']],
  [bits(2, 6), ['intrusion']],
  [RequestFlag.impactAlerts, ['impact']],
  [bits(1, 14, 15, 20), ['metadata']],
  [bits(3, 7, 10, 17, 24, 25, 28), ['discovery', 'ioc']],
  [bits(8, 12, 18, 26), ['connection']],
  [bits(4, 9, 13, 19, 22, 29), ['correlation']],
  [RequestFlag.userActivity, ['user']],
  [RequestFlag.extraData, ['extra-data']],
];

/** Families an extended request's event codes select (file and malware exist only here). */
const CODE_FAMILIES: Readonly<Record<number, RecordFamily[]>> = {
  [EventCode.intrusion]: ['intrusion'],
  [EventCode.metadata]: ['metadata'],
  [EventCode.correlation]: ['correlation'],
  [EventCode.discovery]: ['discovery', 'ioc'],
  [EventCode.connection]: ['connection'],
  [EventCode.user]: ['user'],
  [EventCode.malware]: ['malware'],
  [EventCode.file]: ['file', 'file-malware'],
  [EventCode.impact]: ['impact'],
};

export function selectionFromFlags(flags: number): Set<RecordFamily> {
  const out = new Set<RecordFamily>();
  for (const [mask, families] of FLAG_FAMILIES) if ((flags & mask) !== 0) families.forEach((f) => out.add(f));
  return out;
}

/** The families of an extended request; flag-only kinds (packets, extra data) still come from flags. */
export function selectionFromEvents(events: readonly StreamingEvent[], flags: number): { selection: Set<RecordFamily>; unknownCodes: number[] } {
  const out = new Set<RecordFamily>();
  const unknownCodes: number[] = [];
  for (const e of events) {
    const families = CODE_FAMILIES[e.code];
    if (families) families.forEach((f) => out.add(f));
    else unknownCodes.push(e.code);
  }
  if (flags & RequestFlag.packets) out.add('packet');
  if (flags & RequestFlag.extraData) out.add('extra-data');
  return { selection: out, unknownCodes };
}

export function wants(selection: Selection, recordType: number): boolean {
  const family = familyOf(recordType);
  // Records we cannot classify are sent anyway: clients must cope with them.
  return family === 'unknown' || selection.has(family);
}
