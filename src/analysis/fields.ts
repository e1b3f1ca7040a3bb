/**
 * Reading decoded records defensively. The codec flattens a record's top-level block into
 * `fields` but may nest the discovery header or sub-blocks, and field names follow eNcore with a
 * few historic variants; the analysis must not break on any of that, so every read goes through
 * these helpers, which accept the known spellings and return `undefined` rather than throw.
 */
import type { EStreamerRecord, FieldValue, Fields } from '../protocol/types';
import { formatIp4, formatIp6, writeIp6 } from '../protocol/values';

function isPlainObject(v: FieldValue | undefined): v is { [name: string]: FieldValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/**
 * First of the names present at the top level (the record's block, flattened by the codec),
 * else in the discovery event header the codec nests under `discoveryHeader`. Fixed arity
 * rather than rest arguments: this runs a dozen times per record, a million records per run.
 */
export function field(fields: Fields, a: string, b?: string, c?: string, d?: string): FieldValue | undefined {
  let v = fields[a];
  if (v !== undefined && v !== null) return v;
  if (b !== undefined && (v = fields[b]) !== undefined && v !== null) return v;
  if (c !== undefined && (v = fields[c]) !== undefined && v !== null) return v;
  if (d !== undefined && (v = fields[d]) !== undefined && v !== null) return v;
  const header = fields.discoveryHeader;
  if (!isPlainObject(header)) return undefined;
  if ((v = header[a]) !== undefined && v !== null) return v;
  if (b !== undefined && (v = header[b]) !== undefined && v !== null) return v;
  if (c !== undefined && (v = header[c]) !== undefined && v !== null) return v;
  if (d !== undefined && (v = header[d]) !== undefined && v !== null) return v;
  return undefined;
}

type Converted<T> = (fields: Fields) => T | undefined;

/**
 * field() for fixed names, compiled once, converting what it finds: its property loads see the
 * few record layouts that carry those names and stay fast, where field()'s one load site sees
 * every name of every layout (about three times slower, and the analysis reads some twenty
 * fields of a million records). The conversion is compiled in too (no call through a module
 * binding per field).
 */
function converting<T>(names: string[], convert: (v: FieldValue) => T | undefined): Converted<T> {
  const at = (object: string) => names.map((n) => `if ((v = ${object}[${JSON.stringify(n)}]) !== undefined && v !== null) return convert(v);`).join('\n');
  const body = `return function (fields) {\nlet v;\n${at('fields')}\nconst header = fields.discoveryHeader;\nif (!isPlainObject(header)) return undefined;\n${at('header')}\nreturn undefined;\n};`;
  return new Function('isPlainObject', 'convert', body)(isPlainObject, convert) as Converted<T>;
}

/** num(fields, a, b, c, d) as a compiled function of the record's fields. */
export function numReader(a: string, b?: string, c?: string, d?: string): Converted<number> {
  return converting([a, b, c, d].filter((n): n is string => n !== undefined), numValue);
}

/** str(fields, a, b, c, d) as a compiled function of the record's fields. */
export function strReader(a: string, b?: string, c?: string, d?: string): Converted<string> {
  return converting([a, b, c, d].filter((n): n is string => n !== undefined), strValue);
}

/** mac(fields, a, b) as a compiled function of the record's fields. */
export function macReader(a: string, b?: string): Converted<string> {
  return converting([a, b].filter((n): n is string => n !== undefined), macValue);
}

/** ip(fields, a, b, c, d) as a compiled function: each name on its own, as ip() reads them. */
export function ipReader(a: string, b?: string, c?: string, d?: string): Converted<string> {
  const names = [a, b, c, d].filter((n): n is string => n !== undefined);
  const each = names
    .map((n) => `v = fields[${JSON.stringify(n)}];\nif (v === undefined || v === null) { v = h === undefined ? undefined : h[${JSON.stringify(n)}]; if (v === null) v = undefined; }\nif ((r = normalizeIp(v)) !== undefined) return r;`)
    .join('\n');
  const body = `return function (fields) {\nconst header = fields.discoveryHeader;\nconst h = isPlainObject(header) ? header : undefined;\nlet v, r;\n${each}\nreturn undefined;\n};`;
  return new Function('isPlainObject', 'normalizeIp', body)(isPlainObject, normalizeIp) as Converted<string>;
}

export function num(fields: Fields, a: string, b?: string, c?: string, d?: string): number | undefined {
  return numValue(field(fields, a, b, c, d));
}

function numValue(v: FieldValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return undefined;
}

export function str(fields: Fields, a: string, b?: string, c?: string, d?: string): string | undefined {
  return strValue(field(fields, a, b, c, d));
}

function strValue(v: FieldValue | undefined): string | undefined {
  if (typeof v === 'string') return v.length ? v : undefined;
  if (v instanceof Uint8Array) return v.length ? hex(v) : undefined;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return undefined;
}

export function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** An IP in display form: IPv4 and IPv4-mapped IPv6 as dotted quads, IPv6 compressed. */
export function ip(fields: Fields, a: string, b?: string, c?: string, d?: string): string | undefined {
  // Each name separately: an all-zero IPv6 field (IPv4 host) must not hide the IPv4 one.
  return (
    normalizeIp(field(fields, a)) ??
    (b === undefined ? undefined : normalizeIp(field(fields, b))) ??
    (c === undefined ? undefined : normalizeIp(field(fields, c))) ??
    (d === undefined ? undefined : normalizeIp(field(fields, d)))
  );
}

export function normalizeIp(v: FieldValue | undefined): string | undefined {
  if (v instanceof Uint8Array) return ipFromBytes(v);
  if (typeof v === 'number') return v === 0 ? undefined : ipv4FromNumber(v);
  if (typeof v !== 'string' || v.length === 0) return undefined;
  // Fast path: the codec already writes IPv4 (and IPv4-mapped) addresses as dotted quads.
  if (v.indexOf(':') < 0 && v.indexOf(' ') < 0) return v === '0.0.0.0' ? undefined : v;
  if (v === '::') return undefined;
  // Other spellings (leading zeros, upper case, ::ffff:a.b.c.d) go through the codec's own forms.
  const bytes = new Uint8Array(16);
  const text = v.trim().toLowerCase();
  return writeIp6(text, bytes, 0) ? ipFromBytes(bytes) : text;
}

function ipv4FromNumber(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function ipFromBytes(b: Uint8Array): string | undefined {
  if (b.length === 4) return b.every((x) => x === 0) ? undefined : formatIp4(b, 0);
  if (b.length !== 16 || b.every((x) => x === 0)) return undefined;
  const text = formatIp6(b, 0);
  return text === '0.0.0.0' ? undefined : text;
}

export function mac(fields: Fields, a: string, b?: string): string | undefined {
  return macValue(field(fields, a, b));
}

function macValue(v: FieldValue | undefined): string | undefined {
  if (v instanceof Uint8Array) {
    if (v.length !== 6 || v.every((x) => x === 0)) return undefined;
    return Array.from(v, (x) => x.toString(16).padStart(2, '0')).join(':');
  }
  if (typeof v === 'string') {
    const t = v.toLowerCase();
    return /^(00[:-]?){5}00$/.test(t) || t === '' ? undefined : t;
  }
  return undefined;
}

/** RFC 1918, loopback, link-local, CGNAT and IPv6 ULA/link-local: the side an FMC usually protects. */
export function isInternal(address: string): boolean {
  if (address.includes(':')) return /^f[cd]/.test(address) || address.startsWith('fe80') || address === '::1';
  const [a, b] = address.split('.').map(Number);
  return a === 10 || a === 127 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b < 128);
}

/** Readers for eventTimeMs(). */
const R_correlationEventSecond = numReader('correlationEventSecond');
const R_eventMicrosecond = numReader('eventMicrosecond');
const R_eventSecond = numReader('eventSecond');
const R_fileEventTimestamp = numReader('fileEventTimestamp');
const R_firstPacketTimestamp_lastPacketTimestamp = numReader('firstPacketTimestamp', 'lastPacketTimestamp');
const R_malwareEventTimestamp = numReader('malwareEventTimestamp');
const R_timestamp = numReader('timestamp');

/** The time an event happened, in ms since the epoch, from the record's own clock fields. */
export function eventTimeMs(record: EStreamerRecord): number {
  const f = record.fields;
  let s: number | undefined;
  switch (record.recordType) {
    case 71:
      s = R_firstPacketTimestamp_lastPacketTimestamp(f);
      break;
    case 500:
    case 502:
      s = R_fileEventTimestamp(f);
      break;
    case 125:
      s = R_malwareEventTimestamp(f);
      break;
    case 112:
      s = R_correlationEventSecond(f);
      break;
    case 95:
    case 170:
    case 171:
      s = R_timestamp(f);
      break;
  }
  if (s) return s * 1000;
  s = R_eventSecond(f);
  if (s) return s * 1000 + (R_eventMicrosecond(f) ?? 0) / 1000;
  return record.archiveTimestamp ? record.archiveTimestamp * 1000 : 0;
}

/** The day isoMicro() last formatted, and its "YYYY-MM-DDT". */
let isoDay = NaN;
let isoDayPrefix = '';
/** 9999-12-31T23:59:59.999Z + 1 ms: beyond it (and before 1970) Date's own formatting is used. */
const ISO_FAST_END = 253402300800000;

/** ISO 8601 UTC with microseconds (the dump's own time format). */
export function isoMicro(ms: number): string {
  const whole = Math.floor(ms);
  let micro = Math.round((ms - whole) * 1000);
  let base = whole;
  if (micro >= 1000) {
    base += 1;
    micro -= 1000;
  }
  if (base >= 0 && base < ISO_FAST_END) {
    // A timeline formats thousands of times, mostly of a few days: Date once per day, the
    // time of day by arithmetic (the same text as toISOString).
    const day = Math.floor(base / 86_400_000);
    if (day !== isoDay) {
      isoDay = day;
      isoDayPrefix = new Date(day * 86_400_000).toISOString().slice(0, 11);
    }
    let rest = base - day * 86_400_000;
    const hh = Math.floor(rest / 3_600_000);
    rest -= hh * 3_600_000;
    const mm = Math.floor(rest / 60_000);
    rest -= mm * 60_000;
    const ss = Math.floor(rest / 1000);
    return `${isoDayPrefix}${pad2(hh)}:${pad2(mm)}:${pad2(ss)}.${pad3(rest - ss * 1000)}${pad3(micro)}Z`;
  }
  const iso = new Date(base).toISOString(); // …T10:00:01.123Z
  return `${iso.slice(0, -1)}${String(micro).padStart(3, '0')}Z`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

function pad3(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`;
}

/** The key eStreamer uses to tie intrusion, file and malware events to their connection. */
export function connectionKeyOf(record: EStreamerRecord): string | undefined {
  const f = record.fields;
  const device = num(f, 'deviceId');
  let second: number | undefined;
  let instance: number | undefined;
  const counter = num(f, 'connectionCounter');
  switch (record.recordType) {
    case 71:
      second = num(f, 'firstPacketTimestamp');
      instance = num(f, 'instanceId', 'connectionInstanceId');
      break;
    case 400:
      second = num(f, 'connectionTimestamp');
      instance = num(f, 'connectionInstanceId', 'connectionInstance');
      break;
    case 500:
    case 502:
      second = num(f, 'connectionTimestamp');
      instance = num(f, 'connectionInstance', 'connectionInstanceId');
      break;
    case 125:
      second = num(f, 'connectionEventTimestamp', 'connectionTimestamp');
      instance = num(f, 'connectionInstance', 'connectionInstanceId');
      break;
    default:
      return undefined;
  }
  if (device === undefined || !second) return undefined;
  // join builds one flat string (a template would be a rope of five pieces, kept per event).
  return [device, instance ?? 0, second, counter ?? 0].join('/');
}

const LINE_BREAKING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;
const HAS_LINE_BREAKING = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Whether flatten() would change text made of `text` and characters it does not change. */
export function breaksLines(text: string): boolean {
  return HAS_LINE_BREAKING.test(text);
}

/**
 * A string built with + or a template is a rope that keeps every piece alive; a million stored
 * summaries would carry their pieces too. A numeric conversion makes V8 flatten it in place.
 * Summaries are one line: record text (signature messages, file names) may hold line breaks
 * and terminal escapes, which become a space.
 */
export function flatten(text: string): string {
  LINE_BREAKING.lastIndex = 0;
  if (LINE_BREAKING.test(text)) return text.replace(LINE_BREAKING, ' ');
  void Number(text);
  return text;
}
