/**
 * Speed for the hot path: turns a layout's field list into one straight-line JavaScript reader
 * (fixed-width fields read inline, then a single object literal), instead of walking the list per
 * record. It is generated from the same layout data as the interpreter in layout.ts and the
 * encoder, and the tests compare it with the interpreter on every layout; layouts with
 * conditional fields stay on the interpreter.
 */
import { decodeText } from './bytes';
import { DecodeStop, Kind, readBlockHeader, readFields, STRING_BLOCK, BLOB_BLOCK, type BlockLayout, type FieldLayout } from './layout';
import type { FieldValue, Fields } from './types';
import { formatHex, formatIp4, formatIp6, formatMac, formatUuid } from './values';

/** Reads fields from b[p..end); the offset after the last field is left in `readerState.p`. */
export type CompiledReader = (b: Uint8Array, dv: DataView, p: number, end: number, head: FieldValue | undefined) => Fields;

export const readerState = { p: 0 };

// Local bindings: under a CommonJS transform (tsx, mocha) every use of an import is a getter call.
const blockHeader = readBlockHeader;
const utf8Text = decodeText;

function short(name: string, p: number, need: number, left: number): DecodeStop {
  return new DecodeStop('malformed', `${name}: needs ${need} bytes at offset ${p}, only ${Math.max(left, 0)} left`, p);
}

function u64(dv: DataView, p: number): number | bigint {
  const hi = dv.getUint32(p);
  const lo = dv.getUint32(p + 4);
  return hi < 0x200000 ? hi * 4294967296 + lo : (BigInt(hi) << 32n) | BigInt(lo);
}

function stringBlock(b: Uint8Array, dv: DataView, p: number, end: number, name: string, blob: boolean): FieldValue {
  const length = blockHeader(b, dv, p, end, name);
  const type = dv.getUint32(p);
  const expected = blob ? BLOB_BLOCK : STRING_BLOCK;
  if (type !== expected) {
    throw new DecodeStop('malformed', `${name}: expected a ${blob ? 'BLOB' : 'String'} block (type ${expected}) at offset ${p}, found block type ${type}`, p);
  }
  readerState.p = p + length;
  if (blob) return b.subarray(p + 8, p + length);
  let e = p + length;
  if (e > p + 8 && b[e - 1] === 0) e--;
  return utf8Text(b, p + 8, e);
}

function text(b: Uint8Array, dv: DataView, p: number, end: number, name: string, prefix: number, given: number): string {
  let n = given;
  if (prefix) {
    if (p + prefix > end) throw short(`${name} length`, p, prefix, end - p);
    n = prefix === 2 ? (b[p] << 8) | b[p + 1] : dv.getUint32(p);
    p += prefix;
  }
  if (p + n > end) throw new DecodeStop('malformed', `${name}: text of ${n} bytes at offset ${p} does not fit the ${end - p} bytes left`, p);
  readerState.p = p + n;
  return utf8Text(b, p, p + n);
}

function nestedBlock(b: Uint8Array, dv: DataView, p: number, end: number, field: FieldLayout, index: number): Fields {
  const block = field.block!;
  const where = index < 0 ? field.name : `${field.name}[${index}]`;
  const length = readBlockHeader(b, dv, p, end, where);
  const type = dv.getUint32(p);
  if (type !== block.type) throw new DecodeStop('malformed', `${where}: expected block ${block.type} (${block.name}) at offset ${p}, found block type ${type}`, p);
  const out = readBlock(b, dv, p, p + length, block, undefined);
  readerState.p = p + length;
  return out;
}

function list(b: Uint8Array, dv: DataView, p: number, end: number, field: FieldLayout): FieldValue[] {
  const length = readBlockHeader(b, dv, p, end, field.name);
  const listEnd = p + length;
  const items: FieldValue[] = [];
  let q = p + 8;
  while (q < listEnd) {
    if (field.block) {
      items.push(nestedBlock(b, dv, q, listEnd, field, items.length));
      q = readerState.p;
    } else {
      const itemLength = readBlockHeader(b, dv, q, listEnd, `${field.name}[${items.length}]`);
      items.push({ blockType: dv.getUint32(q), data: formatHex(b, q + 8, itemLength - 8) });
      q += itemLength;
    }
  }
  readerState.p = listEnd;
  return items;
}

/**
 * Last value seen per field: zone, interface, policy and NAP uuids, the zero hashes and most
 * addresses repeat from record to record, so comparing 4–8 words beats formatting text again.
 */
class Memo {
  readonly words: Uint32Array;
  text: string | undefined;
  constructor(width: number) {
    this.words = new Uint32Array(width >>> 2);
  }
}

function memoized(b: Uint8Array, dv: DataView, p: number, m: Memo, format: (b: Uint8Array, p: number, width: number) => string, width: number): string {
  const words = m.words;
  let same = m.text !== undefined;
  for (let i = 0; i < words.length; i++) {
    const w = dv.getUint32(p + 4 * i);
    if (w !== words[i]) {
      words[i] = w;
      same = false;
    }
  }
  if (same) return m.text!;
  return (m.text = format(b, p, width));
}

const HELPERS = {
  memoized, short, u64, ip4: formatIp4, ip6: formatIp6, uuid: formatUuid, mac: formatMac, hex: formatHex, stringBlock, text, nestedBlock, list, S: readerState };

const FIXED_EXPR: Partial<Record<number, string>> = {
  [Kind.u8]: 'b[p]',
  [Kind.u16]: '((b[p] << 8) | b[p + 1])',
  [Kind.u32]: 'dv.getUint32(p)',
  [Kind.u64]: 'H.u64(dv, p)',
  [Kind.i32]: 'dv.getInt32(p)',
  [Kind.ip4]: 'H.ip4(b, p)',
  [Kind.ip6]: 'H.memoized(b, dv, p, M[I], H.ip6, 16)',
  [Kind.uuid]: 'H.memoized(b, dv, p, M[I], H.uuid, 16)',
  [Kind.mac]: 'H.mac(b, p)',
};

/**
 * Compiles a field list. A layout may have one conditional field (the discovery header's
 * ipv6Address): it gets two object literals so an absent field is absent, not undefined. More
 * than one → undefined, and the caller uses the interpreter.
 */
export function compileReader(fields: readonly FieldLayout[], headKey?: string): CompiledReader | undefined {
  const conditional = fields.filter((f) => f.when !== undefined);
  if (conditional.length > 1) return undefined;
  const lines: string[] = [];
  const props: string[] = [];
  const propsWithout: string[] = [];
  if (headKey) {
    props.push(`${JSON.stringify(headKey)}: head`);
    propsWithout.push(`${JSON.stringify(headKey)}: head`);
  }
  fields.forEach((f, i) => {
    const v = `v${i}`;
    const name = JSON.stringify(f.name);
    const w = f.width;
    const cond = f.when !== undefined ? `v${fields.findIndex((x) => x.name === f.when)}` : undefined;
    if (cond) {
      if (!(f.kind in FIXED_EXPR)) throw new Error(`layout: conditional field ${f.name} must be fixed-width`);
      lines.push(`let ${v}; if (${cond}) { if (p + ${w} > end) throw H.short(${name}, p, ${w}, end - p); ${v} = ${FIXED_EXPR[f.kind]!.replace('M[I]', `M[${i}]`)}; p += ${w}; }`);
      props.push(`${name}: ${v}`);
      return;
    }
    if (w > 0) lines.push(`if (p + ${w} > end) throw H.short(${name}, p, ${w}, end - p);`);
    switch (f.kind) {
      case Kind.hex:
        if (w % 4 === 0) lines.push(`const ${v} = H.memoized(b, dv, p, M[${i}], H.hex, ${w}); p += ${w};`);
        else lines.push(`const ${v} = H.hex(b, p, ${w}); p += ${w};`);
        break;
      case Kind.len16:
        lines.push(`const L_${f.lengthOf} = ((b[p] << 8) | b[p + 1]); p += 2;`);
        return; // not a decoded field
      case Kind.string:
      case Kind.blob:
        lines.push(`const ${v} = H.stringBlock(b, dv, p, end, ${name}, ${f.kind === Kind.blob}); p = H.S.p;`);
        break;
      case Kind.text16:
      case Kind.text32:
        lines.push(`const ${v} = H.text(b, dv, p, end, ${name}, ${f.kind === Kind.text16 ? 2 : 4}, 0); p = H.S.p;`);
        break;
      case Kind.lenText:
        lines.push(`const ${v} = H.text(b, dv, p, end, ${name}, 0, typeof L_${f.name} === 'number' ? L_${f.name} : 0); p = H.S.p;`);
        break;
      case Kind.rest:
        lines.push(`const ${v} = b.subarray(p, end); p = end;`);
        break;
      case Kind.block:
        lines.push(`const ${v} = H.nestedBlock(b, dv, p, end, F[${i}], -1); p = H.S.p;`);
        break;
      case Kind.list:
        lines.push(`const ${v} = H.list(b, dv, p, end, F[${i}]); p = H.S.p;`);
        break;
      default:
        lines.push(`const ${v} = ${FIXED_EXPR[f.kind]!.replace('M[I]', `M[${i}]`)}; p += ${w};`);
    }
    props.push(`${name}: ${v}`);
    propsWithout.push(`${name}: ${v}`);
  });
  const literal = conditional.length
    ? `if (v${fields.findIndex((x) => x.name === conditional[0].when)}) return { ${props.join(', ')} };\nreturn { ${propsWithout.join(', ')} };`
    : `return { ${props.join(', ')} };`;
  const body = `return function read(b, dv, p, end, head) {\n${lines.join('\n')}\nH.S.p = p;\n${literal}\n};`;
  const memos = fields.map((f) => (f.width % 4 === 0 && f.width >= 16 ? new Memo(f.width) : undefined));
  try {
    return new Function('H', 'F', 'M', body)(HELPERS, fields, memos) as CompiledReader;
  } catch {
    return undefined; // code generation refused (a CSP without 'unsafe-eval'): the interpreter serves
  }
}

/** The same contract as a compiled reader, walking the layout with the interpreter. */
function interpretedReader(fields: readonly FieldLayout[], headKey?: string): CompiledReader {
  return (b, dv, p, end, head) => {
    const out: Fields = headKey ? { [headKey]: head ?? null } : {};
    readerState.p = readFields(b, dv, p, end, fields, out);
    return out;
  };
}

/** compileReader, or the interpreter when the layout or the environment does not allow compiling. */
export function fieldReader(fields: readonly FieldLayout[], headKey?: string): CompiledReader {
  return compileReader(fields, headKey) ?? interpretedReader(fields, headKey);
}

interface Compiled {
  plain?: CompiledReader;
  headed?: CompiledReader;
}
const compiled = new Map<BlockLayout, Compiled>();

/** The compiled reader of a block (cached; compiled on first use). */
export function blockReader(block: BlockLayout, headKey?: string): CompiledReader {
  let entry = compiled.get(block);
  if (!entry) compiled.set(block, (entry = {}));
  const slot = headKey ? 'headed' : 'plain';
  let reader = entry[slot];
  if (!reader) entry[slot] = reader = fieldReader(block.fields, headKey);
  return reader;
}

/**
 * Reads the body of a block whose header starts at `start`, requiring every byte up to `end` to be
 * used. With `head`, the result starts with `discoveryHeader: head`.
 */
export function readBlock(b: Uint8Array, dv: DataView, start: number, end: number, block: BlockLayout, head: FieldValue | undefined, headKey?: string): Fields {
  const out = blockReader(block, headKey)(b, dv, start + 8, end, head);
  const used = readerState.p;
  if (used !== end) {
    throw new DecodeStop(
      'malformed',
      `block ${block.type} (${block.name}) is ${end - start} bytes but its layout ends after ${used - start}: ${end - used} bytes unaccounted for`,
      used,
    );
  }
  return out;
}
