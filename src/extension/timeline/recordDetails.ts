/**
 * Record details for the panel's inspector: read one dump line, decode its raw= bytes with the
 * protocol codec, and list every decoded field with the byte span the dump inspector finds for it.
 * Plain Node (fs + codec), no `vscode`.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { decodeRecord } from '../../protocol';
import type { EStreamerRecord, FieldValue, Fields } from '../../protocol/types';
import { parseLine } from '../../dump/format';
import { fieldSpans, type FieldSpan } from '../../dump/inspect';
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
  const fields = decodedFields(record);
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

/** Display text for the header words, which read better with their meaning beside the number. */
function headerValue(r: EStreamerRecord, span: FieldSpan): string {
  if (span.name === 'recordHeader.typeWord') return `${r.recordType} (${r.name})${r.domainId ? `, domain ${r.domainId}` : ''}`;
  if (span.name === 'recordHeader.archiveTimestamp' && typeof span.value === 'number') {
    return `${span.value} (${new Date(span.value * 1000).toISOString()})`;
  }
  return formatValue(span.value);
}

/**
 * Every field, flattened to dotted names. Offsets come from the dump inspector's fieldSpans (the
 * hover's walk over the codec's layouts): each top-level field gets its exact span, a nested block
 * or list one span for the whole, and its inner fields follow it without offsets. Fields the walk
 * did not reach (a malformed record stops it) are still listed, just without offsets.
 */
function decodedFields(r: EStreamerRecord): DetailField[] {
  const out: DetailField[] = [];
  const listed = new Set<string>();
  const walk = (prefix: string, value: FieldValue): void => {
    if (isNested(value)) {
      if (Array.isArray(value)) value.forEach((v, i) => walk(`${prefix}[${i}]`, v));
      else for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix}.${k}` : k, v);
      return;
    }
    if (listed.has(prefix)) return;
    listed.add(prefix);
    out.push({ name: prefix, value: formatValue(value) });
  };
  for (const span of fieldSpans(r.raw, r)) {
    listed.add(span.name);
    const nested = isNested(span.value);
    const value = span.name.startsWith('recordHeader.') ? headerValue(r, span) : nested ? nestedSummary(span.value) : formatValue(span.value);
    out.push({ name: span.name, value, offset: span.offset, length: span.length });
    if (nested) walk(span.name, span.value);
  }
  walk('', r.fields);
  return out;
}

function isNested(v: FieldValue): v is FieldValue[] | Fields {
  return v !== null && typeof v === 'object' && !(v instanceof Uint8Array);
}

function nestedSummary(v: FieldValue): string {
  if (Array.isArray(v)) return `list of ${v.length}`;
  return `block of ${Object.keys(v as Fields).length} fields`;
}

function formatValue(v: FieldValue): string {
  if (v instanceof Uint8Array) {
    const shown = v.subarray(0, VALUE_PREVIEW);
    return Array.from(shown, (b) => b.toString(16).padStart(2, '0')).join('') + (v.length > shown.length ? `… (${v.length} bytes)` : '');
  }
  if (typeof v === 'string') return v.length > VALUE_PREVIEW * 4 ? `${v.slice(0, VALUE_PREVIEW * 4)}…` : v;
  return String(v);
}
