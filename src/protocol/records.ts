/**
 * Records: the record header (RECORDS.md §1.4) and the body, decoded and encoded from the layouts.
 * decodeRecord never throws: anything it cannot read comes back as an `unknown` or `malformed`
 * record that still carries its raw bytes.
 */
import { fieldReader, readBlock, readerState, type CompiledReader } from './compile';
import { DecodeStop, readBlockBody, readBlockHeader, readFields, writeBlock, writeFields, Writer, type FieldLayout } from './layout';
import { DISCOVERY_HEADER, RECORD_LAYOUTS, type RecordLayout } from './layouts';
import { ProtocolError } from './errors';
import { familyOf, recordTypeName } from './recordTypes';
import type { EStreamerRecord, Fields } from './types';
import type { BlockLayout } from './layout';

/** Key under which discovery-shaped records (10–107, 71, 160, 170/171 …) keep their discovery event header. */
export const DISCOVERY_HEADER_KEY = 'discoveryHeader';

export function recordLayout(recordType: number): RecordLayout | undefined {
  return RECORD_LAYOUTS.get(recordType);
}

function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decodes one record: the body of an Event Data message (record header + record data), e.g. an
 * item of decodeBundle(). `raw` of the result is `recordBytes` itself (a view, never a copy).
 */
export function decodeRecord(recordBytes: Uint8Array): EStreamerRecord {
  return decode(recordBytes, false);
}

/**
 * decodeRecord through the layout interpreter instead of the compiled readers: the reference the
 * tests hold the fast path to. Same result, slower.
 */
export function decodeRecordInterpreted(recordBytes: Uint8Array): EStreamerRecord {
  return decode(recordBytes, true);
}

function decode(recordBytes: Uint8Array, interpreted: boolean): EStreamerRecord {
  const b = recordBytes;
  if (b.length < 8) {
    return {
      recordType: 0,
      typeWord: 0,
      domainId: 0,
      name: 'Truncated record',
      family: 'unknown',
      fields: {},
      raw: b,
      status: 'malformed',
      reason: `record is ${b.length} bytes; a record header needs 8`,
      errorOffset: 0,
    };
  }
  const dv = dataView(b);
  const typeWord = dv.getUint32(0);
  const recordType = typeWord & 0xffff;
  const recordLength = dv.getUint32(4);
  const record: EStreamerRecord = {
    recordType,
    typeWord,
    domainId: (typeWord >>> 16) & 0x7fff,
    name: typeName(recordType),
    family: typeFamily(recordType),
    fields: {},
    raw: b,
    status: 'ok',
  };
  let start: number;
  if (b.length === recordLength + 16 && b.length >= 16) {
    start = 16;
    record.archiveTimestamp = dv.getUint32(8);
  } else if (b.length === recordLength + 8) {
    start = 8;
  } else {
    record.status = 'malformed';
    record.reason = `record length ${recordLength} does not match the ${b.length} bytes of the message (expected length + 8, or + 16 with an archive timestamp)`;
    record.errorOffset = 4;
    return record;
  }
  const layout = recordLayouts.get(recordType);
  if (!layout) {
    record.status = 'unknown';
    record.reason = `no layout for record type ${recordType} (${record.name}); kept raw`;
    record.errorOffset = start;
    return record;
  }
  try {
    if (interpreted) decodeBodyInterpreted(b, dv, start, b.length, layout, record);
    else decodeBody(b, dv, start, b.length, layout, record);
  } catch (e) {
    if (!(e instanceof DecodeStop)) {
      record.status = 'malformed';
      record.reason = `decoder error: ${(e as Error).message}`;
      record.errorOffset = start;
      return record;
    }
    record.status = e.status;
    record.reason = `${record.name} (${recordType}): ${e.reason}`;
    record.errorOffset = e.offset;
  }
  return record;
}

function chooseBlock(b: Uint8Array, dv: DataView, p: number, end: number, layout: RecordLayout, record: EStreamerRecord): [BlockLayout, number] {
  const length = blockHeader(b, dv, p, end, 'record block');
  const blockType = dv.getUint32(p);
  record.blockType = blockType;
  const candidates = layout.blocks!;
  for (let i = 0; i < candidates.length; i++) if (candidates[i].type === blockType) return [candidates[i], length];
  throw new DecodeStop('unknown', `no layout for block type ${blockType} (known: ${candidates.map((c) => c.type).join(', ')}); kept raw`, p);
}

// Local bindings: under a CommonJS transform (tsx, mocha) every use of an import is a getter call.
const state = readerState;
const readBlockFast = readBlock;
const blockHeader = readBlockHeader;
const typeName = recordTypeName;
const typeFamily = familyOf;
const recordLayouts = RECORD_LAYOUTS;
const flatReaders = new Map<RecordLayout, CompiledReader>();
const discoveryHeaderReader = fieldReader(DISCOVERY_HEADER.fields);

function flatReader(layout: RecordLayout): CompiledReader {
  let reader = flatReaders.get(layout);
  if (!reader) {
    reader = fieldReader(layout.fields as FieldLayout[], layout.discoveryHeader ? DISCOVERY_HEADER_KEY : undefined);
    flatReaders.set(layout, reader);
  }
  return reader;
}

function decodeBody(b: Uint8Array, dv: DataView, start: number, end: number, layout: RecordLayout, record: EStreamerRecord): void {
  let p = start;
  let header: Fields | undefined;
  if (layout.discoveryHeader) {
    header = discoveryHeaderReader(b, dv, p, end, undefined);
    p = state.p;
    record.fields = { [DISCOVERY_HEADER_KEY]: header };
  }
  if (layout.blocks) {
    const [block, length] = chooseBlock(b, dv, p, end, layout, record);
    record.fields = readBlockFast(b, dv, p, p + length, block, header, header ? DISCOVERY_HEADER_KEY : undefined);
    p += length;
  } else if (layout.fields) {
    record.fields = flatReader(layout)(b, dv, p, end, header);
    p = state.p;
  }
  if (p !== end) throw new DecodeStop('malformed', `${end - p} bytes after the end of the layout`, p);
}

function decodeBodyInterpreted(b: Uint8Array, dv: DataView, start: number, end: number, layout: RecordLayout, record: EStreamerRecord): void {
  const fields = record.fields;
  let p = start;
  if (layout.discoveryHeader) {
    const header: Fields = {};
    p = readFields(b, dv, p, end, DISCOVERY_HEADER.fields, header);
    fields[DISCOVERY_HEADER_KEY] = header;
  }
  if (layout.blocks) {
    const [block, length] = chooseBlock(b, dv, p, end, layout, record);
    readBlockBody(b, dv, p, p + length, block, fields);
    p += length;
  } else if (layout.fields) {
    p = readFields(b, dv, p, end, layout.fields, fields);
  }
  if (p !== end) throw new DecodeStop('malformed', `${end - p} bytes after the end of the layout`, p);
}

export interface RecordInput {
  recordType: number;
  /** Whole type word as sent (bit 31, Netmap domain bits); its low 16 bits must equal recordType. */
  typeWord?: number;
  /** When set, the 16-byte record header with this archive timestamp is written. */
  archiveTimestamp?: number;
  /** Top-level block type to write; default: the newest layout of the record type. */
  blockType?: number;
  fields: Fields;
}

/**
 * Encodes record header + record data from the same layouts decodeRecord uses. Throws a
 * ProtocolError that names the record and field when the input cannot be encoded.
 */
export function encodeRecord(input: RecordInput): Uint8Array {
  const { recordType } = input;
  const layout = RECORD_LAYOUTS.get(recordType);
  const ctx = `record ${recordType} (${recordTypeName(recordType)})`;
  if (!layout) throw new ProtocolError(`${ctx}: no layout to encode it with`);
  const typeWord = input.typeWord ?? recordType;
  if ((typeWord & 0xffff) !== recordType) throw new ProtocolError(`${ctx}: type word 0x${(typeWord >>> 0).toString(16)} does not end in the record type`);
  const extended = input.archiveTimestamp !== undefined;
  const headerLength = extended ? 16 : 8;
  const w = new Writer(512);
  w.u32(typeWord >>> 0);
  w.reserve(4);
  if (extended) {
    w.u32(input.archiveTimestamp! >>> 0);
    w.u32(0);
  }
  const fields = input.fields;
  if (layout.discoveryHeader) {
    const header = fields[DISCOVERY_HEADER_KEY];
    if (header !== undefined && (typeof header !== 'object' || header === null || Array.isArray(header) || header instanceof Uint8Array)) {
      throw new ProtocolError(`${ctx}: field ${DISCOVERY_HEADER_KEY} must be an object`);
    }
    writeFields(w, DISCOVERY_HEADER.fields, (header as Fields | undefined) ?? {}, `${ctx}.${DISCOVERY_HEADER_KEY}`);
  }
  if (layout.blocks) {
    const blockType = input.blockType ?? layout.blocks[0].type;
    const block = layout.blocks.find((c) => c.type === blockType);
    if (!block) throw new ProtocolError(`${ctx}: no layout for block type ${blockType} (known: ${layout.blocks.map((c) => c.type).join(', ')})`);
    writeBlock(w, block, fields, `${ctx} block ${blockType}`);
  } else if (layout.fields) {
    writeFields(w, layout.fields, fields, ctx);
  }
  w.dv.setUint32(4, w.p - headerLength);
  return w.done();
}
