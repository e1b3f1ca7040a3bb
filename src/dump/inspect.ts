/**
 * Looking inside a dump line: where each field of a record sits in its raw bytes, a hex dump,
 * the IP addresses a line mentions, and its outline entry. Pure code for the extension's hover,
 * outline and CodeLens (which only add `vscode` glue).
 */
import { decodeRecord, recordLayout, DISCOVERY_HEADER_KEY } from '../protocol';
import { DecodeStop, Kind, readBlockHeader, readFields, type FieldLayout } from '../protocol/layout';
import { DISCOVERY_HEADER } from '../protocol/layouts';
import type { EStreamerRecord, FieldValue, Fields } from '../protocol/types';
import { toHex } from './format';

export interface FieldSpan {
  /** Dotted name, e.g. "recordHeader.recordType", "discoveryHeader.deviceId", "initiatorIpAddress". */
  name: string;
  /** Byte offset into the record's raw bytes, and length. */
  offset: number;
  length: number;
  value: FieldValue;
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

/**
 * Every top-level field of a record with its byte offset and length, found by walking the codec's
 * own layouts one field at a time (nested blocks and lists are one span each). Stops quietly
 * where the record stops making sense: the hover then shows what it has plus the hex dump.
 */
export function fieldSpans(raw: Uint8Array, record: EStreamerRecord = decodeRecord(raw)): FieldSpan[] {
  const spans: FieldSpan[] = [];
  if (raw.length < 8) return spans;
  spans.push({ name: 'recordHeader.typeWord', offset: 0, length: 4, value: u32(raw, 0) });
  spans.push({ name: 'recordHeader.recordLength', offset: 4, length: 4, value: u32(raw, 4) });
  let p = 8;
  if (record.archiveTimestamp !== undefined && raw.length >= 16) {
    spans.push({ name: 'recordHeader.archiveTimestamp', offset: 8, length: 4, value: u32(raw, 8) });
    spans.push({ name: 'recordHeader.reserved', offset: 12, length: 4, value: u32(raw, 12) });
    p = 16;
  }
  const layout = recordLayout(record.recordType);
  if (!layout || record.status === 'unknown') return spans;
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const end = raw.length;
  try {
    if (layout.discoveryHeader) {
      p = walk(raw, dv, p, end, DISCOVERY_HEADER.fields, DISCOVERY_HEADER_KEY + '.', spans);
    }
    if (layout.blocks) {
      const length = readBlockHeader(raw, dv, p, end, 'record block');
      const type = u32(raw, p);
      const block = layout.blocks.find((b) => b.type === type);
      spans.push({ name: 'block.type', offset: p, length: 4, value: type });
      spans.push({ name: 'block.length', offset: p + 4, length: 4, value: length });
      if (block) walk(raw, dv, p + 8, p + length, block.fields, '', spans);
    } else if (layout.fields) {
      walk(raw, dv, p, end, layout.fields, '', spans);
    }
  } catch (e) {
    if (!(e instanceof DecodeStop)) throw e;
  }
  return spans;
}

function walk(b: Uint8Array, dv: DataView, p: number, end: number, fields: readonly FieldLayout[], prefix: string, spans: FieldSpan[]): number {
  const out: Fields = {};
  for (let i = 0; i < fields.length; i++) {
    // A length prefix and the text it measures are read together (the codec pairs them per call).
    const group = fields[i].kind === Kind.len16 && i + 1 < fields.length ? [fields[i], fields[++i]] : [fields[i]];
    const start = p;
    p = readFields(b, dv, p, end, group, out);
    const last = group[group.length - 1];
    if (p === start && last.width === 0 && !(last.name in out)) continue; // absent (a `when` field)
    if (last.when !== undefined && !(last.name in out)) continue;
    spans.push({ name: prefix + last.name, offset: start, length: p - start, value: out[last.name] ?? null });
  }
  return p;
}

/** Classic hex dump: offset, 16 bytes in hex, printable ASCII. */
export function hexDump(bytes: Uint8Array, maxBytes = 4096): string {
  const rows: string[] = [];
  const n = Math.min(bytes.length, maxBytes);
  for (let off = 0; off < n; off += 16) {
    const row = bytes.subarray(off, Math.min(off + 16, n));
    const hex = toHex(row).replace(/(..)/g, '$1 ').trimEnd().padEnd(47, ' ');
    const ascii = Array.from(row, (c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.')).join('');
    rows.push(`${off.toString(16).padStart(6, '0')}  ${hex}  ${ascii}`);
  }
  if (bytes.length > n) rows.push(`… ${bytes.length - n} more bytes`);
  return rows.join('\n');
}

export interface IpMention {
  ip: string;
  /** Column range of the address in the line. */
  start: number;
  end: number;
  key: string;
}

const IP_VALUE = /(?<=\s)([A-Za-z0-9_@.[\]-]+)=(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7})(?=\s|$)/g;

/** The distinct host IPs a record line mentions (unspecified 0.0.0.0 / :: and MACs left out). */
export function ipsInLine(line: string): IpMention[] {
  const rawAt = line.lastIndexOf(' raw=');
  const text = rawAt >= 0 ? line.slice(0, rawAt) : line;
  const seen = new Set<string>();
  const out: IpMention[] = [];
  for (const m of text.matchAll(IP_VALUE)) {
    const ip = m[2].toLowerCase();
    if (seen.has(ip) || isUnspecified(ip) || /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(ip)) continue;
    if (ip.includes('.') && ip.split('.').some((o) => Number(o) > 255)) continue;
    if (ip.includes(':') && !ip.includes('::') && ip.split(':').length !== 8) continue;
    seen.add(ip);
    const start = (m.index ?? 0) + m[1].length + 1;
    out.push({ ip, start, end: start + m[2].length, key: m[1] });
  }
  return out;
}

function isUnspecified(ip: string): boolean {
  return ip === '0.0.0.0' || /^[0:]+$/.test(ip);
}

export interface OutlineLine {
  line: number; // 0-based
  time: string;
  recordType: number;
  family: string;
}

/** The first three tokens of a record line, cheaply (no value parsing); undefined for other lines. */
export function outlineLine(text: string, line: number): OutlineLine | undefined {
  if (!text || text.charCodeAt(0) === 0x23) return undefined;
  const s1 = text.indexOf(' ');
  const s2 = s1 < 0 ? -1 : text.indexOf(' ', s1 + 1);
  if (s2 < 0) return undefined;
  let s3 = text.indexOf(' ', s2 + 1);
  if (s3 < 0) s3 = text.length;
  const recordType = Number(text.slice(s1 + 1, s2));
  if (!Number.isInteger(recordType)) return undefined;
  return { line, time: text.slice(0, s1), recordType, family: text.slice(s2 + 1, s3) };
}
