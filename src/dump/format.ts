/**
 * The .estreamer line format, version 1 (docs/dump-format.md): pure functions, no I/O.
 *
 *   #estreamer v1 fmc=10.0.0.1:8302 flags=0x48900061 start=bookmark:1733212800 created=…
 *   2026-12-03T10:00:01.123456Z 400 intrusion key=value … raw=<base64 of the record bytes>
 *
 * The `key=value` text is for people and grep; `raw=` is the truth the reader decodes again.
 */
import { DISCOVERY_HEADER_KEY } from '../protocol';
import type { EStreamerRecord, FieldValue, Fields } from '../protocol/types';

export const FORMAT_VERSION = 1;
export const HEADER_PREFIX = '#estreamer ';
export const FILE_EXTENSION = '.estreamer';

/** What the first line of every dump file says about how the stream was requested. */
export interface DumpHeader {
  version: number;
  /** "host:port" of the FMC (or a label such as "capture:<name>" for converted captures). */
  fmc: string;
  /** Request flags of the Event Stream Request, as sent. */
  flags?: number;
  /** Where the stream started, e.g. "bookmark:1733212800", "oldest", "now". */
  start?: string;
  /** When this file was created, ISO UTC. */
  created: string;
  /** Other key=value pairs (kept in order, round-tripped). */
  extra?: Array<[string, string]>;
}

/** One parsed record line, text only: `raw` is still bytes to decode. */
export interface ParsedLine {
  time: string;
  /** Milliseconds since the epoch, fractional (microseconds kept); NaN if the time is unreadable. */
  timeMs: number;
  recordType: number;
  family: string;
  /** The key=value pairs between the family and raw=, in line order, values unescaped. */
  pairs: Array<[string, string]>;
  raw: Uint8Array;
}

export class DumpFormatError extends Error {}

// ---------------------------------------------------------------------------------------------
// Values

/**
 * Characters written as `\u{…}` even inside quotes: they reorder or hide text in editors
 * ("Trojan Source" bidi controls, zero-width and invisible formatting characters), or an editor
 * may treat them as line breaks (U+0085, U+2028, U+2029).
 */
const INVISIBLE = /[\u0085\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb]/;

/** Quote and escape a string so it stays on one line and reads back exactly (any JS string). */
export function quoteString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c === 0x22) esc = '\\"';
    else if (c === 0x5c) esc = '\\\\';
    else if (c === 0x0a) esc = '\\n';
    else if (c === 0x0d) esc = '\\r';
    else if (c === 0x09) esc = '\\t';
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) esc = '\\x' + hex2(c);
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++; // a proper pair: an ordinary non-BMP character, written as is
        continue;
      }
      esc = `\\u{${c.toString(16)}}`; // lone surrogate: would not survive UTF-8
    } else if (c >= 0xdc00 && c <= 0xdfff) esc = `\\u{${c.toString(16)}}`;
    else if (c > 0x7f && INVISIBLE.test(s[i])) esc = `\\u{${c.toString(16)}}`;
    if (esc !== undefined) {
      out += s.slice(start, i) + esc;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}

function hex2(c: number): string {
  return (c < 16 ? '0' : '') + c.toString(16);
}

/**
 * A string as a value token: bare when that is unambiguous, quoted otherwise. A value needs quotes
 * unless it is non-empty printable ASCII without space, quote or backslash (/^[!#-[\]-~]+$/,
 * written as a loop: cheaper than the regular expression for the short texts of a record).
 */
export function formatString(s: string): string {
  const n = s.length;
  if (n === 0) return '""';
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x22 || c === 0x5c) return quoteString(s);
  }
  return s;
}

/**
 * Read one value token starting at `pos` (bare or quoted).
 * Returns the value and the index just after it.
 */
export function readValue(line: string, pos: number): { value: string; end: number } {
  if (line.charCodeAt(pos) !== 0x22) {
    let end = line.indexOf(' ', pos);
    if (end < 0) end = line.length;
    return { value: line.slice(pos, end), end };
  }
  let out = '';
  let i = pos + 1;
  let start = i;
  for (;;) {
    if (i >= line.length) throw new DumpFormatError(`unterminated quoted value starting at column ${pos + 1}`);
    const c = line.charCodeAt(i);
    if (c === 0x22) {
      out += line.slice(start, i);
      return { value: out, end: i + 1 };
    }
    if (c !== 0x5c) {
      i++;
      continue;
    }
    out += line.slice(start, i);
    const e = line[i + 1];
    const simple = e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === '"' || e === '\\' ? e : undefined;
    if (simple !== undefined) {
      out += simple;
      i += 2;
    } else if (e === 'x') {
      const h = line.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new DumpFormatError(`bad \\x escape at column ${i + 1}`);
      out += String.fromCharCode(parseInt(h, 16));
      i += 4;
    } else if (e === 'u' && line[i + 2] === '{') {
      const close = line.indexOf('}', i + 3);
      const h = close < 0 ? '' : line.slice(i + 3, close);
      if (!/^[0-9a-fA-F]{1,6}$/.test(h) || parseInt(h, 16) > 0x10ffff) {
        throw new DumpFormatError(`bad \\u{…} escape at column ${i + 1}`);
      }
      const cp = parseInt(h, 16);
      // Code units, not String.fromCodePoint: lone surrogates must come back as they were.
      out += cp > 0xffff ? String.fromCodePoint(cp) : String.fromCharCode(cp);
      i = close + 1;
    } else {
      throw new DumpFormatError(`unknown escape '\\${e ?? ''}' at column ${i + 1}`);
    }
    start = i;
  }
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => hex2(i));

export function toHex(bytes: Uint8Array): string {
  if (bytes.length > 8) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
  return s;
}

/** Keys are the codec's camelCase names; anything else is made safe rather than refused. */
const SAFE_KEYS = new Map<string, string>();

function safeKey(k: string): string {
  let safe = SAFE_KEYS.get(k);
  if (safe === undefined) {
    safe = /^[A-Za-z0-9_@-]+$/.test(k) ? k : k.replace(/[^A-Za-z0-9_@-]/g, '_') || '_';
    if (SAFE_KEYS.size < 10000) SAFE_KEYS.set(k, safe); // keys are the codec's few hundred names
  }
  return safe;
}

/**
 * ` key=` per field key as written (a field name, or a dotted path into a nested block), so a
 * line is not built from three pieces per field; and `parent.child` paths per parent. Bounded
 * like SAFE_KEYS: the codec has a few hundred names.
 */
const PREFIXES = new Map<string, string>();
const CHILD_KEYS = new Map<string, Map<string, string>>();

/** ` key=` for a key that is already safe. */
function prefixOf(key: string): string {
  let prefix = PREFIXES.get(key);
  if (prefix === undefined) {
    prefix = ' ' + key + '=';
    if (PREFIXES.size < 10000) PREFIXES.set(key, prefix);
  }
  return prefix;
}

/** ` key=` for a field name as the codec gives it (safeKey applied). */
const TOP_PREFIXES = new Map<string, string>();
function topPrefixOf(k: string): string {
  let prefix = TOP_PREFIXES.get(k);
  if (prefix === undefined) {
    prefix = prefixOf(safeKey(k));
    if (TOP_PREFIXES.size < 10000) TOP_PREFIXES.set(k, prefix);
  }
  return prefix;
}

function childKey(parent: string, k: string): string {
  let children = CHILD_KEYS.get(parent);
  if (children === undefined) {
    children = new Map();
    if (CHILD_KEYS.size < 1000) CHILD_KEYS.set(parent, children);
  }
  let key = children.get(k);
  if (key === undefined) {
    key = parent + '.' + safeKey(k);
    if (children.size < 1000) children.set(k, key);
  }
  return key;
}

function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

/** The text after `key=` of a value that is not a list or nested block; undefined for those. */
function scalarText(v: FieldValue): string | undefined {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'string') return formatString(v);
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return '' + v;
  if (isBytes(v)) return v.length ? toHex(v) : '""';
  return undefined;
}

/** Append a field as ` key=value` tokens: nested blocks as `a.b`, lists as `a[0]`. `key` is safe. */
function appendField(line: string, key: string, v: FieldValue): string {
  const text = scalarText(v);
  if (text !== undefined) return line + prefixOf(key) + text;
  if (Array.isArray(v)) {
    if (v.length === 0) return line + prefixOf(key) + '[]';
    for (let i = 0; i < v.length; i++) line = appendField(line, `${key}[${i}]`, v[i]);
    return line;
  }
  const block = v as Fields;
  let any = false;
  for (const k in block) {
    line = appendField(line, childKey(key, k), block[k]);
    any = true;
  }
  return any ? line : line + prefixOf(key) + '{}';
}

/** appendField for a top-level field, named as the codec names it. */
function appendTopField(line: string, k: string, v: FieldValue): string {
  const text = scalarText(v);
  return text !== undefined ? line + topPrefixOf(k) + text : appendField(line, safeKey(k), v);
}

/** The `key=value` tokens of a record's decoded fields, in the codec's layout order (not the hot path). */
export function formatFields(fields: Fields): string[] {
  let line = '';
  for (const k in fields) line = appendTopField(line, k, fields[k]);
  return line ? splitTokens(line.slice(1)) : [];
}

/** Split `k=v k=v …` into tokens; values are read as values, so a quoted one may hold spaces. */
function splitTokens(text: string): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < text.length) {
    const eq = text.indexOf('=', pos);
    const { end } = readValue(text, eq + 1);
    out.push(text.slice(pos, end));
    pos = end + 1;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Time

/** Time fields in the order they are looked for, each with its microseconds field ('' for none). */
const SECOND_FIELDS = ['eventSecond', 'fileEventTimestamp', 'malwareEventTimestamp', 'correlationEventSecond', 'triggerEventSecond', 'timestamp'];
const MICRO_FIELDS = ['eventMicrosecond', '', '', 'correlationEventMicrosecond', 'triggerEventMicrosecond', ''];

function positive(v: FieldValue | undefined): number | undefined {
  const n = typeof v === 'bigint' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

function timeIn(fields: Fields): { sec: number; usec: number } | undefined {
  for (let i = 0; i < SECOND_FIELDS.length; i++) {
    const sec = positive(fields[SECOND_FIELDS[i]]);
    if (sec !== undefined) {
      const u = MICRO_FIELDS[i];
      const usec = u ? (positive(fields[u]) ?? 0) : 0;
      return { sec, usec: usec < 1e6 ? usec : 0 };
    }
  }
  return undefined;
}

/**
 * A record's own time: its event time field (looked for at the top level, then in the discovery
 * header), else the archive timestamp. Undefined for records with neither
 * (metadata): the writer then uses the time it received them.
 */
export function recordTime(record: EStreamerRecord): { sec: number; usec: number } | undefined {
  const top = timeIn(record.fields);
  if (top) return top;
  const header = record.fields[DISCOVERY_HEADER_KEY];
  if (header && typeof header === 'object' && !Array.isArray(header) && !isBytes(header)) {
    const t = timeIn(header);
    if (t) return t;
  }
  const archive = positive(record.archiveTimestamp);
  return archive !== undefined ? { sec: archive, usec: 0 } : undefined;
}

let lastSecond = NaN;
let lastSecondText = '';
let lastDay = NaN;
let lastDayText = '';
const TWO_DIGITS: string[] = Array.from({ length: 60 }, (_, i) => (i < 10 ? '0' : '') + i);
/** 9999-12-31T23:59:59Z: up to here toISOString has the plain four-digit-year shape. */
const LAST_PLAIN_SECOND = 253402300799;

/** ISO 8601 UTC with microseconds: 2026-12-03T10:00:01.123456Z. */
export function formatTime(sec: number, usec: number): string {
  const whole = Math.floor(sec);
  if (whole !== lastSecond) {
    if (whole >= 0 && whole <= LAST_PLAIN_SECOND) {
      // Records of a batch jump between seconds: only a new day goes through Date.
      const day = Math.floor(whole / 86400);
      if (day !== lastDay) {
        lastDayText = new Date(day * 86400000).toISOString().slice(0, 11);
        lastDay = day;
      }
      const inDay = whole - day * 86400;
      const minutes = Math.floor(inDay / 60);
      lastSecondText = lastDayText + TWO_DIGITS[Math.floor(minutes / 60)] + ':' + TWO_DIGITS[minutes % 60] + ':' + TWO_DIGITS[inDay % 60];
    } else {
      const d = new Date(whole * 1000);
      lastSecondText = Number.isNaN(d.getTime()) ? '1970-01-01T00:00:00' : d.toISOString().slice(0, 19);
    }
    lastSecond = whole;
  }
  const micro = Math.min(999999, Math.max(0, Math.floor(usec)));
  return lastSecondText + '.' + (micro >= 100000 ? '' : SIX_ZEROS.slice(String(micro).length)) + micro + 'Z';
}
const SIX_ZEROS = '000000';

/** Milliseconds since the epoch, microseconds as the fraction; NaN if not our time format. */
export function parseTime(text: string): number {
  // Fast path for the shape we write (Date.parse costs a lot per line).
  const ms = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(text)
    ? Date.UTC(+text.slice(0, 4), +text.slice(5, 7) - 1, +text.slice(8, 10), +text.slice(11, 13), +text.slice(14, 16), +text.slice(17, 19))
    : NaN;
  if (Number.isNaN(ms) || text.length < 20) return NaN;
  if (text[19] === 'Z') return ms;
  const frac = text.slice(20, text.length - 1);
  return ms + Number('0.' + frac) * 1000;
}

// ---------------------------------------------------------------------------------------------
// Lines

export interface FormatOptions {
  /** Names resolved from metadata (MetadataCache.names), written before the decoded fields. */
  names?: Record<string, string>;
  /** Time for records without their own (received time), seconds since the epoch. */
  fallbackSeconds?: number;
  /** Leave out `raw=` (display only: such a line cannot be read back). */
  omitRaw?: boolean;
}

const NAME_KEYS = new Map<string, string>();
function nameKey(key: string): string {
  let named = NAME_KEYS.get(key);
  if (named === undefined) {
    named = key + 'Name';
    if (NAME_KEYS.size < 1000) NAME_KEYS.set(key, named);
  }
  return named;
}

/** One record as one line, without the newline. Never throws on record content. */
export function formatLine(record: EStreamerRecord, opts: FormatOptions = {}): string {
  const t = recordTime(record);
  const fallback = opts.fallbackSeconds ?? Date.now() / 1000;
  const time = t ? formatTime(t.sec, t.usec) : formatTime(fallback, (fallback % 1) * 1e6);
  let line = time + ' ' + record.recordType + ' ' + (record.family || 'unknown');
  if (record.status !== 'ok') {
    line += ' status=' + formatString(record.status);
    if (record.reason !== undefined) line += ' reason=' + formatString(record.reason);
    if (record.errorOffset !== undefined) line += ' errorOffset=' + record.errorOffset;
  }
  if (opts.names) {
    // A resolved name whose key is also a field (ingressZone: uuid vs name) gets a Name suffix,
    // so no key appears twice on a line.
    for (const k in opts.names) {
      const key = safeKey(k);
      line += prefixOf(key in record.fields ? nameKey(key) : key) + formatString(String(opts.names[k]));
    }
  }
  for (const k in record.fields) line = appendTopField(line, k, record.fields[k]);
  if (!opts.omitRaw) line += ' raw=' + Buffer.from(record.raw.buffer, record.raw.byteOffset, record.raw.byteLength).toString('base64');
  return line;
}

/** Parse a record line (no trailing newline). Throws DumpFormatError saying what is wrong. */
export function parseLine(line: string): ParsedLine {
  const s1 = line.indexOf(' ');
  const s2 = s1 < 0 ? -1 : line.indexOf(' ', s1 + 1);
  const s3 = s2 < 0 ? -1 : line.indexOf(' ', s2 + 1);
  if (s2 < 0) throw new DumpFormatError('not a record line: expected "<time> <record type> <family> … raw=<base64>"');
  const time = line.slice(0, s1);
  const recordType = Number(line.slice(s1 + 1, s2));
  if (!Number.isInteger(recordType)) throw new DumpFormatError(`bad record type '${line.slice(s1 + 1, s2)}'`);
  const family = line.slice(s2 + 1, s3 < 0 ? line.length : s3);
  const pairs: Array<[string, string]> = [];
  let raw: Uint8Array | undefined;
  let pos = s3 < 0 ? line.length : s3 + 1;
  while (pos < line.length) {
    const eq = line.indexOf('=', pos);
    if (eq < 0) throw new DumpFormatError(`expected key=value at column ${pos + 1}`);
    const key = line.slice(pos, eq);
    if (key.includes(' ')) throw new DumpFormatError(`expected key=value at column ${pos + 1}`);
    const { value, end } = readValue(line, eq + 1);
    if (key === 'raw' && end >= line.length) raw = decodeBase64(value);
    else pairs.push([key, value]);
    if (end < line.length && line.charCodeAt(end) !== 0x20) throw new DumpFormatError(`expected a space at column ${end + 1}`);
    pos = end + 1;
  }
  if (!raw) throw new DumpFormatError('the line has no raw= bytes at its end');
  return { time, timeMs: parseTime(time), recordType, family, pairs, raw };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function decodeBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0 || !BASE64.test(text)) throw new DumpFormatError('raw= is not valid base64');
  return Buffer.from(text, 'base64');
}

export function formatHeader(h: DumpHeader): string {
  const parts = [`#estreamer v${h.version}`, 'fmc=' + formatString(h.fmc)];
  if (h.flags !== undefined) parts.push('flags=0x' + (h.flags >>> 0).toString(16).padStart(8, '0'));
  if (h.start !== undefined) parts.push('start=' + formatString(h.start));
  parts.push('created=' + formatString(h.created));
  for (const [k, v] of h.extra ?? []) parts.push(safeKey(k) + '=' + formatString(v));
  return parts.join(' ');
}

/** Parse a header line; undefined if the line is not one. */
export function parseHeader(line: string): DumpHeader | undefined {
  const m = /^#estreamer v(\d+)(?: |$)/.exec(line);
  if (!m) return undefined;
  const h: DumpHeader = { version: Number(m[1]), fmc: '', created: '' };
  let pos = m[0].length;
  while (pos < line.length) {
    const eq = line.indexOf('=', pos);
    if (eq < 0) break;
    const key = line.slice(pos, eq);
    const { value, end } = readValue(line, eq + 1);
    if (key === 'fmc') h.fmc = value;
    else if (key === 'flags') h.flags = Number(value);
    else if (key === 'start') h.start = value;
    else if (key === 'created') h.created = value;
    else (h.extra ??= []).push([key, value]);
    pos = end + 1;
  }
  return h;
}
