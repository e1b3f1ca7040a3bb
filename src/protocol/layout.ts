/**
 * The declarative layout engine. A layout is data: an ordered list of (field name, kind, width,
 * nested block) written once per record or block (layouts.ts). `readFields` and `writeFields`
 * are the only two interpreters of that data, so decoding and encoding cannot drift apart.
 */
import { decodeText } from './bytes';
import { ProtocolError } from './errors';
import type { FieldValue, Fields } from './types';
import { formatHex, formatIp4, formatIp6, formatMac, formatUuid, writeHexDigits, writeIp4, writeIp6, writeMac, writeUuid } from './values';

/** Field kinds. Fixed-width kinds have `width` > 0; the engine checks bounds once per field. */
export const Kind = {
  u8: 0,
  u16: 1,
  u32: 2,
  u64: 3,
  i32: 4,
  ip4: 5,
  ip6: 6,
  uuid: 7,
  mac: 8,
  hex: 9, // n raw bytes shown as lowercase hex (hashes, fingerprints, security context)
  string: 10, // series-1 String block (type 0): trailing NUL dropped, UTF-8
  blob: 11, // series-1 BLOB block (type 10): bytes as a view
  text16: 12, // u16 length + UTF-8 text (flat metadata records)
  text32: 13, // u32 length + UTF-8 text (id/length/name records)
  rest: 14, // every byte left in the enclosing record/block, as a view (packet data)
  block: 15, // a nested block of one fixed type → object
  list: 16, // a list block of nested blocks → array of objects
  len16: 17, // u16 length of a text field that comes later (`lengthOf`)
  lenText: 18, // text whose length was given by an earlier len16
} as const;
export type KindCode = (typeof Kind)[keyof typeof Kind];

const FIXED_WIDTH: Partial<Record<KindCode, number>> = {
  [Kind.u8]: 1,
  [Kind.u16]: 2,
  [Kind.u32]: 4,
  [Kind.u64]: 8,
  [Kind.i32]: 4,
  [Kind.ip4]: 4,
  [Kind.ip6]: 16,
  [Kind.uuid]: 16,
  [Kind.mac]: 6,
  [Kind.len16]: 2,
};

export interface FieldLayout {
  readonly name: string;
  readonly kind: KindCode;
  /** Bytes for fixed-width kinds, 0 for variable ones. */
  readonly width: number;
  /** Nested block (kind block) or list element (kind list; undefined = any block, kept raw). */
  block?: BlockLayout;
  /** Type number of the nested block, resolved to `block` once every layout is defined. */
  readonly blockRef?: number;
  /** Present only when this earlier field (same object) is non-zero, e.g. ipv6Address after hasIpv6. */
  readonly when?: string;
  /** For len16: the name of the text field it measures. */
  readonly lengthOf?: string;
}

export interface BlockLayout {
  /** 1 or 2; 0 for the pseudo-layouts of records without a block (flat bodies, discovery header). */
  readonly series: 0 | 1 | 2;
  readonly type: number;
  readonly name: string;
  readonly fields: readonly FieldLayout[];
}

/** The String block's type number (series 1), used inside blocks of both series. */
export const STRING_BLOCK = 0;
export const BLOB_BLOCK = 10;
/** List type written by the encoder. The decoder ignores the value, as every client does; no real bytes show it. */
export const LIST_BLOCK = 11;

const TYPE_WORDS: Record<string, KindCode> = {
  u8: Kind.u8,
  u16: Kind.u16,
  u32: Kind.u32,
  u64: Kind.u64,
  i32: Kind.i32,
  ip4: Kind.ip4,
  ip6: Kind.ip6,
  uuid: Kind.uuid,
  mac: Kind.mac,
  string: Kind.string,
  blob: Kind.blob,
  text16: Kind.text16,
  text32: Kind.text32,
  rest: Kind.rest,
  lentext: Kind.lenText,
};

/**
 * Parses the layout notation used in layouts.ts, one field per line:
 *   `name type [version-tag] [?condition]`
 * types: u8 u16 u32 u64 i32 ip4 ip6 uuid mac hexN string blob text16 text32 rest lentext
 *        block:N list:N list:any len16:otherField
 * version tags select the field per block type: `163+` (type ≥ 163), `=168`, `60-81` (range).
 */
export function parseFields(spec: string, blockType?: number): FieldLayout[] {
  const fields: FieldLayout[] = [];
  for (const raw of spec.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) continue;
    const [name, type, ...rest] = line.split(/\s+/);
    let when: string | undefined;
    let include = true;
    for (const token of rest) {
      if (token.startsWith('?')) when = token.slice(1);
      else include = include && versionTagIncludes(token, blockType, line);
    }
    if (!include) continue;
    fields.push(parseField(name, type, when, line));
  }
  return fields;
}

function versionTagIncludes(tag: string, blockType: number | undefined, line: string): boolean {
  if (blockType === undefined) throw new Error(`layout line "${line}": version tag without a block type`);
  let m: RegExpExecArray | null;
  if ((m = /^(\d+)\+$/.exec(tag))) return blockType >= Number(m[1]);
  if ((m = /^=(\d+)$/.exec(tag))) return blockType === Number(m[1]);
  if ((m = /^(\d+)-(\d+)$/.exec(tag))) return blockType >= Number(m[1]) && blockType <= Number(m[2]);
  throw new Error(`layout line "${line}": bad version tag ${tag}`);
}

function parseField(name: string, type: string, when: string | undefined, line: string): FieldLayout {
  let m: RegExpExecArray | null;
  if (type in TYPE_WORDS) {
    const kind = TYPE_WORDS[type];
    return { name, kind, width: FIXED_WIDTH[kind] ?? 0, when };
  }
  if ((m = /^hex(\d+)$/.exec(type))) return { name, kind: Kind.hex, width: Number(m[1]), when };
  if ((m = /^block:(\d+)$/.exec(type))) return { name, kind: Kind.block, width: 0, blockRef: Number(m[1]), when };
  if ((m = /^list:(\d+|any)$/.exec(type))) return { name, kind: Kind.list, width: 0, blockRef: m[1] === 'any' ? undefined : Number(m[1]), when };
  if ((m = /^len16:(\w+)$/.exec(type))) return { name, kind: Kind.len16, width: 2, lengthOf: m[1], when };
  throw new Error(`layout line "${line}": unknown type ${type}`);
}

/** Links `block:N` / `list:N` references to the series-1 layouts (nested blocks are series 1). */
export function resolveRefs(blocks: Iterable<BlockLayout>, series1: ReadonlyMap<number, BlockLayout>): void {
  for (const b of blocks) {
    for (const f of b.fields) {
      if (f.blockRef === undefined) continue;
      const target = series1.get(f.blockRef);
      if (!target) throw new Error(`block ${b.series}:${b.type} field ${f.name}: no series-1 layout for block ${f.blockRef}`);
      f.block = target;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** Why decoding stopped. Thrown inside the engine, turned into a record status by decodeRecord. */
export class DecodeStop {
  constructor(
    readonly status: 'malformed' | 'unknown',
    readonly reason: string,
    readonly offset: number,
  ) {}
}

function short(name: string, p: number, need: number, left: number): DecodeStop {
  return new DecodeStop('malformed', `${name}: needs ${need} bytes at offset ${p}, only ${Math.max(left, 0)} left`, p);
}

/** Reads a block header at p and checks that its length fits; returns [type, length]. */
export function readBlockHeader(b: Uint8Array, dv: DataView, p: number, end: number, what: string): number {
  if (p + 8 > end) throw short(`${what} block header`, p, 8, end - p);
  const length = dv.getUint32(p + 4);
  if (length < 8 || length > end - p) {
    throw new DecodeStop('malformed', `${what}: block length ${length} at offset ${p + 4} does not fit the ${end - p} bytes left`, p + 4);
  }
  return length;
}

function u64(dv: DataView, p: number): number | bigint {
  const hi = dv.getUint32(p);
  const lo = dv.getUint32(p + 4);
  return hi < 0x200000 ? hi * 4294967296 + lo : (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * Lengths read by len16 fields, per output object, until their text field is read; kept outside
 * the call so a caller may walk a layout a few fields at a time (the dump inspector does).
 */
const pendingLengths = new WeakMap<Fields, Record<string, number>>();

/**
 * Decodes `fields` from b[p..end) into `out`; returns the offset after the last field. Offsets
 * are relative to `b` (the record's raw bytes), so error offsets point into the record.
 */
export function readFields(b: Uint8Array, dv: DataView, p: number, end: number, fields: readonly FieldLayout[], out: Fields): number {
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    if (f.when !== undefined && !out[f.when]) continue;
    const w = f.width;
    if (w > 0 && p + w > end) throw short(f.name, p, w, end - p);
    switch (f.kind) {
      case Kind.u8:
        out[f.name] = b[p];
        break;
      case Kind.u16:
        out[f.name] = (b[p] << 8) | b[p + 1];
        break;
      case Kind.u32:
        out[f.name] = dv.getUint32(p);
        break;
      case Kind.u64:
        out[f.name] = u64(dv, p);
        break;
      case Kind.i32:
        out[f.name] = dv.getInt32(p);
        break;
      case Kind.ip4:
        out[f.name] = formatIp4(b, p);
        break;
      case Kind.ip6:
        out[f.name] = formatIp6(b, p);
        break;
      case Kind.uuid:
        out[f.name] = formatUuid(b, p);
        break;
      case Kind.mac:
        out[f.name] = formatMac(b, p);
        break;
      case Kind.hex:
        out[f.name] = formatHex(b, p, w);
        break;
      case Kind.len16: {
        let lengths = pendingLengths.get(out);
        if (!lengths) pendingLengths.set(out, (lengths = {}));
        lengths[f.lengthOf!] = (b[p] << 8) | b[p + 1];
        break;
      }
      case Kind.string:
      case Kind.blob: {
        const length = readBlockHeader(b, dv, p, end, f.name);
        const type = dv.getUint32(p);
        const expected = f.kind === Kind.string ? STRING_BLOCK : BLOB_BLOCK;
        if (type !== expected) {
          throw new DecodeStop('malformed', `${f.name}: expected a ${f.kind === Kind.string ? 'String' : 'BLOB'} block (type ${expected}) at offset ${p}, found block type ${type}`, p);
        }
        let e = p + length;
        if (f.kind === Kind.string) {
          if (e > p + 8 && b[e - 1] === 0) e--;
          out[f.name] = decodeText(b, p + 8, e);
        } else {
          out[f.name] = b.subarray(p + 8, e);
        }
        p += length;
        continue;
      }
      case Kind.text16:
      case Kind.text32:
      case Kind.lenText: {
        let n: number;
        if (f.kind === Kind.lenText) {
          n = pendingLengths.get(out)?.[f.name] ?? 0;
        } else {
          const lw = f.kind === Kind.text16 ? 2 : 4;
          if (p + lw > end) throw short(`${f.name} length`, p, lw, end - p);
          n = lw === 2 ? (b[p] << 8) | b[p + 1] : dv.getUint32(p);
          p += lw;
        }
        if (p + n > end) throw new DecodeStop('malformed', `${f.name}: text of ${n} bytes at offset ${p} does not fit the ${end - p} bytes left`, p);
        out[f.name] = decodeText(b, p, p + n);
        p += n;
        continue;
      }
      case Kind.rest:
        out[f.name] = b.subarray(p, end);
        p = end;
        continue;
      case Kind.block: {
        const block = f.block!;
        const length = readBlockHeader(b, dv, p, end, f.name);
        const type = dv.getUint32(p);
        if (type !== block.type) throw new DecodeStop('malformed', `${f.name}: expected block ${block.type} (${block.name}) at offset ${p}, found block type ${type}`, p);
        const nested: Fields = {};
        readBlockBody(b, dv, p, p + length, block, nested);
        out[f.name] = nested;
        p += length;
        continue;
      }
      case Kind.list: {
        const length = readBlockHeader(b, dv, p, end, f.name);
        const listEnd = p + length;
        const items: FieldValue[] = [];
        let q = p + 8;
        while (q < listEnd) {
          const itemLength = readBlockHeader(b, dv, q, listEnd, `${f.name}[${items.length}]`);
          const type = dv.getUint32(q);
          const element = f.block;
          if (element) {
            if (type !== element.type) {
              throw new DecodeStop('malformed', `${f.name}[${items.length}]: expected block ${element.type} (${element.name}) at offset ${q}, found block type ${type}`, q);
            }
            const item: Fields = {};
            readBlockBody(b, dv, q, q + itemLength, element, item);
            items.push(item);
          } else {
            items.push({ blockType: type, data: formatHex(b, q + 8, itemLength - 8) });
          }
          q += itemLength;
        }
        out[f.name] = items;
        p = listEnd;
        continue;
      }
    }
    p += w;
  }
  return p;
}

/** Decodes the fields of a block whose 8-byte header starts at `start`; every byte up to `end` must be used. */
export function readBlockBody(b: Uint8Array, dv: DataView, start: number, end: number, block: BlockLayout, out: Fields): void {
  const used = readFields(b, dv, start + 8, end, block.fields, out);
  if (used !== end) {
    throw new DecodeStop(
      'malformed',
      `block ${block.type} (${block.name}) is ${end - start} bytes but its layout ends after ${used - start}: ${end - used} bytes unaccounted for`,
      used,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

/** A growable big-endian byte writer. */
export class Writer {
  buf: Uint8Array;
  dv: DataView;
  p = 0;

  constructor(initial = 1024) {
    this.buf = new Uint8Array(initial);
    this.dv = new DataView(this.buf.buffer);
  }

  ensure(n: number): void {
    if (this.p + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.p + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.p));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.p++] = v;
  }
  u16(v: number): void {
    this.ensure(2);
    this.dv.setUint16(this.p, v);
    this.p += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.dv.setUint32(this.p, v);
    this.p += 4;
  }
  bytes(v: Uint8Array): void {
    this.ensure(v.length);
    this.buf.set(v, this.p);
    this.p += v.length;
  }
  /** Reserves `n` zero bytes (for a length written later); returns their offset. */
  reserve(n: number): number {
    this.ensure(n);
    this.buf.fill(0, this.p, this.p + n);
    const at = this.p;
    this.p += n;
    return at;
  }
  done(): Uint8Array {
    return this.buf.slice(0, this.p);
  }
}

const utf8 = new TextEncoder();

function fail(ctx: string, name: string, expected: string, got: unknown): never {
  const shown = typeof got === 'string' ? JSON.stringify(got.length > 60 ? got.slice(0, 60) + '…' : got) : String(got);
  throw new ProtocolError(`${ctx}: field ${name} must be ${expected}, got ${shown}`);
}

function intValue(ctx: string, f: FieldLayout, v: FieldValue | undefined, max: number, min = 0): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint' && v >= BigInt(min) && v <= BigInt(max)) return Number(v);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(ctx, f.name, `an integer ${min}..${max}`, v);
  return v;
}

function textValue(ctx: string, f: FieldLayout, v: FieldValue | undefined): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') fail(ctx, f.name, 'a string', v);
  return v;
}

function bytesValue(ctx: string, f: FieldLayout, v: FieldValue | undefined): Uint8Array {
  if (v === undefined || v === null) return new Uint8Array(0);
  if (!(v instanceof Uint8Array)) fail(ctx, f.name, 'a Uint8Array', v);
  return v;
}

/**
 * Encodes `fields` from `input` (the same shape readFields produces). Missing values encode as
 * zero / empty, so callers (the simulator) only set what they care about; wrong types throw a
 * ProtocolError naming the field.
 */
export function writeFields(w: Writer, fields: readonly FieldLayout[], input: Fields, ctx: string): void {
  let lengthAt: Record<string, number> | undefined;
  for (const f of fields) {
    if (f.when !== undefined && !input[f.when]) continue;
    const v = input[f.name];
    switch (f.kind) {
      case Kind.u8:
        w.u8(intValue(ctx, f, v, 0xff));
        break;
      case Kind.u16:
        w.u16(intValue(ctx, f, v, 0xffff));
        break;
      case Kind.u32:
        w.u32(intValue(ctx, f, v, 0xffffffff));
        break;
      case Kind.i32:
        w.ensure(4);
        w.dv.setInt32(w.p, intValue(ctx, f, v, 0x7fffffff, -0x80000000));
        w.p += 4;
        break;
      case Kind.u64: {
        let big: bigint;
        if (v === undefined || v === null) big = 0n;
        else if (typeof v === 'bigint') big = v;
        else if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) big = BigInt(v);
        else fail(ctx, f.name, 'an unsigned 64-bit integer', v);
        if (big < 0n || big > 0xffffffffffffffffn) fail(ctx, f.name, 'an unsigned 64-bit integer', v);
        w.ensure(8);
        w.dv.setBigUint64(w.p, big);
        w.p += 8;
        break;
      }
      case Kind.ip4:
      case Kind.ip6:
      case Kind.uuid:
      case Kind.mac:
      case Kind.hex: {
        const at = w.reserve(f.width);
        if (v === undefined || v === null || v === '') break; // all zero
        const ok =
          typeof v === 'string' &&
          (f.kind === Kind.ip4
            ? writeIp4(v, w.buf, at)
            : f.kind === Kind.ip6
              ? writeIp6(v, w.buf, at)
              : f.kind === Kind.uuid
                ? writeUuid(v, w.buf, at)
                : f.kind === Kind.mac
                  ? writeMac(v, w.buf, at)
                  : writeHexDigits(v, w.buf, at, f.width));
        if (!ok) {
          const what = { [Kind.ip4]: 'IPv4 text', [Kind.ip6]: 'IPv4 or IPv6 text', [Kind.uuid]: 'a UUID (8-4-4-4-12 hex)', [Kind.mac]: 'a MAC (aa:bb:cc:dd:ee:ff)' }[f.kind as number];
          fail(ctx, f.name, what ?? `${f.width * 2} hex digits`, v);
        }
        break;
      }
      case Kind.len16:
        (lengthAt ??= {})[f.lengthOf!] = w.reserve(2);
        break;
      case Kind.string: {
        const text = utf8.encode(textValue(ctx, f, v));
        const n = text.length === 0 ? 0 : text.length + 1; // non-empty strings carry their NUL, as the FMC sends them
        w.u32(STRING_BLOCK);
        w.u32(8 + n);
        w.bytes(text);
        if (n) w.u8(0);
        break;
      }
      case Kind.blob: {
        const data = bytesValue(ctx, f, v);
        w.u32(BLOB_BLOCK);
        w.u32(8 + data.length);
        w.bytes(data);
        break;
      }
      case Kind.text16:
      case Kind.text32:
      case Kind.lenText: {
        const text = utf8.encode(textValue(ctx, f, v));
        if (f.kind === Kind.text32) w.u32(text.length);
        else if (text.length > 0xffff) fail(ctx, f.name, 'at most 65535 bytes of text', v);
        else if (f.kind === Kind.text16) w.u16(text.length);
        else {
          const at = lengthAt?.[f.name];
          if (at === undefined) throw new Error(`layout bug: ${ctx} ${f.name} has no len16 before it`);
          w.dv.setUint16(at, text.length);
        }
        w.bytes(text);
        break;
      }
      case Kind.rest:
        w.bytes(bytesValue(ctx, f, v));
        break;
      case Kind.block: {
        const nested = v === undefined || v === null ? {} : v;
        if (typeof nested !== 'object' || Array.isArray(nested) || nested instanceof Uint8Array) fail(ctx, f.name, `an object (block ${f.block!.type})`, v);
        writeBlock(w, f.block!, nested as Fields, `${ctx}.${f.name}`);
        break;
      }
      case Kind.list: {
        const items = v === undefined || v === null ? [] : v;
        if (!Array.isArray(items)) fail(ctx, f.name, 'an array', v);
        const start = w.p;
        w.u32(LIST_BLOCK);
        w.reserve(4);
        items.forEach((item, i) => {
          if (typeof item !== 'object' || item === null || Array.isArray(item) || item instanceof Uint8Array) fail(ctx, `${f.name}[${i}]`, 'an object', item);
          const fieldsOfItem = item as Fields;
          if (f.block) writeBlock(w, f.block, fieldsOfItem, `${ctx}.${f.name}[${i}]`);
          else writeRawBlock(w, fieldsOfItem, `${ctx}.${f.name}[${i}]`);
        });
        w.dv.setUint32(start + 4, w.p - start);
        break;
      }
    }
  }
}

/** Block header + fields; the length is filled in afterwards. */
export function writeBlock(w: Writer, block: BlockLayout, input: Fields, ctx: string): void {
  const start = w.p;
  w.u32(block.type);
  w.reserve(4);
  writeFields(w, block.fields, input, ctx);
  w.dv.setUint32(start + 4, w.p - start);
}

/** A list element of unknown layout, kept as { blockType, data: hex }. */
function writeRawBlock(w: Writer, item: Fields, ctx: string): void {
  const type = item.blockType;
  const data = item.data;
  if (typeof type !== 'number' || typeof data !== 'string' || data.length % 2) fail(ctx, 'blockType/data', '{ blockType: number, data: hex }', JSON.stringify(item));
  const start = w.reserve(8 + data.length / 2);
  w.dv.setUint32(start, type);
  w.dv.setUint32(start + 4, 8 + data.length / 2);
  if (!writeHexDigits(data, w.buf, start + 8, data.length / 2)) fail(ctx, 'data', 'hex', data);
}
