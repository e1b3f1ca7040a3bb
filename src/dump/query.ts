/** Filters and JSON output over read dump entries (used by `estreamer dump` and the extension). */
import type { FieldValue, Fields } from '../protocol/types';
import { toHex } from './format';
import type { DumpEntry } from './reader';

export interface DumpFilter {
  /** Families to keep (e.g. intrusion, malware); empty keeps all. */
  families?: readonly string[];
  /** Keep records with this IP in any field (IPv4-mapped IPv6 matches its IPv4). */
  host?: string;
  /** Keep records at or after / before this time, ms since the epoch. */
  sinceMs?: number;
  untilMs?: number;
}

export function normalizeIp(ip: string): string {
  const lower = ip.trim().toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
}

function containsString(v: FieldValue, wanted: string): boolean {
  if (typeof v === 'string') return normalizeIp(v) === wanted;
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return false;
  if (Array.isArray(v)) return v.some((x) => containsString(x, wanted));
  return Object.values(v).some((x) => containsString(x, wanted));
}

/** True if any field of the record holds this IP. */
export function recordMentionsHost(fields: Fields, ip: string): boolean {
  return containsString(fields, normalizeIp(ip));
}

export function matchesFilter(entry: DumpEntry, filter: DumpFilter): boolean {
  if (filter.families && filter.families.length && !filter.families.includes(entry.record.family)) return false;
  if (filter.sinceMs !== undefined && !(entry.timeMs >= filter.sinceMs)) return false;
  if (filter.untilMs !== undefined && !(entry.timeMs < filter.untilMs)) return false;
  if (filter.host && !recordMentionsHost(entry.record.fields, filter.host)) return false;
  return true;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** JSON-safe field values: 64-bit numbers as decimal strings, bytes as lowercase hex. */
export function toJsonValue(v: FieldValue): JsonValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Uint8Array) return toHex(v);
  if (Array.isArray(v)) return v.map(toJsonValue);
  const out: { [k: string]: JsonValue } = {};
  for (const [k, x] of Object.entries(v)) out[k] = toJsonValue(x);
  return out;
}

/** One JSON Lines object per record: what `estreamer dump --json` prints. */
export function entryToJson(entry: DumpEntry): { [k: string]: JsonValue } {
  const r = entry.record;
  const out: { [k: string]: JsonValue } = {
    recordType: r.recordType,
    family: r.family,
    name: r.name,
    time: entry.time,
    status: r.status,
  };
  if (r.reason !== undefined) out.reason = r.reason;
  out.names = { ...entry.names };
  out.fields = toJsonValue(r.fields);
  out.file = entry.file;
  out.line = entry.line;
  return out;
}
