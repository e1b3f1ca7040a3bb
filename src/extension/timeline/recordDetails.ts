/**
 * Record details for the panel's inspector: read one dump line, decode its raw= bytes with the
 * protocol codec, and list every decoded field with its byte offset where the layout pins it.
 * Plain Node (fs + codec), no `vscode`.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { decodeRecord, Kind, recordLayout, type FieldLayout } from '../../protocol';
import type { EStreamerRecord, FieldValue } from '../../protocol/types';
import { parseLine } from '../../dump/format';
import type { RecordRef } from '../../common/timeline';
import type { DetailField, RecordDetails } from '../../common/webviewProtocol';

const LINE_PREVIEW = 2000;
const VALUE_PREVIEW = 512;

/** Reads line `ref.line` (1-based) of `ref.file`; throws a message naming file and line when it is not there. */
export async function readDumpLine(ref: RecordRef): Promise<string> {
  const stream = createReadStream(ref.file, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      if (++n === ref.line) return line;
    }
  } catch (e) {
    throw new Error(`Cannot read ${ref.file}: ${(e as Error).message}. Was the dump moved or deleted?`);
  } finally {
    lines.close();
    stream.destroy();
  }
  throw new Error(`${ref.file} has ${n} lines, so line ${ref.line} is gone (was the dump rewritten?).`);
}

export async function readRecordDetails(ref: RecordRef): Promise<RecordDetails> {
  const line = await readDumpLine(ref);
  let parsed;
  try {
    parsed = parseLine(line);
  } catch (e) {
    throw new Error(`Line ${ref.line} of ${ref.file} is not a record line: ${(e as Error).message}.`);
  }
  const record = decodeRecord(parsed.raw);
  const fields = [...headerFields(record), ...decodedFields(record)];
  for (const [key, value] of parsed.pairs) fields.push({ name: `dump: ${key}`, value });
  return {
    ref,
    recordType: record.recordType,
    name: record.name,
    family: record.family,
    status: record.status,
    reason: record.reason,
    fields,
    raw: new Uint8Array(record.raw).buffer, // a copy with its own exact-size buffer, never a pooled slab
    line: line.length > LINE_PREVIEW ? `${line.slice(0, LINE_PREVIEW)}…` : line,
  };
}

function headerFields(r: EStreamerRecord): DetailField[] {
  const out: DetailField[] = [
    { name: 'header.recordType', value: `${r.recordType} (${r.name})${r.domainId ? `, domain ${r.domainId}` : ''}`, offset: 0, length: 4 },
    { name: 'header.recordLength', value: String(r.raw.length >= 8 ? new DataView(r.raw.buffer, r.raw.byteOffset, 8).getUint32(4) : '?'), offset: 4, length: 4 },
  ];
  if (r.archiveTimestamp !== undefined) {
    out.push({ name: 'header.archiveTimestamp', value: `${r.archiveTimestamp} (${new Date(r.archiveTimestamp * 1000).toISOString()})`, offset: 8, length: 4 });
    out.push({ name: 'header.reserved', value: '0', offset: 12, length: 4 });
  }
  return out;
}

/**
 * Decoded fields, flattened to dotted names. Offsets come from walking the layout's leading
 * fixed-width fields: exact up to the first variable-width or conditional field, absent after it.
 */
function decodedFields(r: EStreamerRecord): DetailField[] {
  const offsets = fixedOffsets(r);
  const out: DetailField[] = [];
  const walk = (prefix: string, value: FieldValue): void => {
    if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
      if (Array.isArray(value)) value.forEach((v, i) => walk(`${prefix}[${i}]`, v));
      else for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix}.${k}` : k, v);
      return;
    }
    const at = offsets.get(prefix);
    out.push({ name: prefix, value: formatValue(value), offset: at?.[0], length: at?.[1] });
  };
  walk('', r.fields);
  return out;
}

function fixedOffsets(r: EStreamerRecord): Map<string, [number, number]> {
  const map = new Map<string, [number, number]>();
  const layout = recordLayout(r.recordType);
  if (!layout || r.status !== 'ok' || layout.discoveryHeader) return map;
  let p = r.archiveTimestamp !== undefined ? 16 : 8;
  let fields: readonly FieldLayout[] | undefined = layout.fields;
  if (layout.blocks) {
    const block = layout.blocks.find((b) => b.type === r.blockType);
    if (!block) return map;
    p += 8; // block type + block length
    fields = block.fields;
  }
  for (const f of fields ?? []) {
    if (f.width <= 0 || f.when !== undefined || f.kind === Kind.block || f.kind === Kind.list) break;
    map.set(f.name, [p, f.width]);
    p += f.width;
  }
  return map;
}

function formatValue(v: FieldValue): string {
  if (v instanceof Uint8Array) {
    const shown = v.subarray(0, VALUE_PREVIEW);
    return Array.from(shown, (b) => b.toString(16).padStart(2, '0')).join('') + (v.length > shown.length ? `… (${v.length} bytes)` : '');
  }
  if (typeof v === 'string') return v.length > VALUE_PREVIEW * 4 ? `${v.slice(0, VALUE_PREVIEW * 4)}…` : v;
  return String(v);
}
