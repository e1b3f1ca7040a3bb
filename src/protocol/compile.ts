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

function blockTypeMismatch(name: string, p: number, blob: boolean, type: number): DecodeStop {
  const expected = blob ? BLOB : STRING;
  return new DecodeStop('malformed', `${name}: expected a ${blob ? 'BLOB' : 'String'} block (type ${expected}) at offset ${p}, found block type ${type}`, p);
}

// Local copies: these are imports, and an import read in a hot function is a getter call under tsx/mocha.
const STRING = STRING_BLOCK;
const BLOB = BLOB_BLOCK;

/** A series-1 String block → text (trailing NUL dropped). Most are empty (an 8-byte header). */
function stringBlock(b: Uint8Array, dv: DataView, p: number, end: number, name: string): string {
  const length = blockHeader(b, dv, p, end, name);
  const type = dv.getUint32(p);
  if (type !== STRING) throw blockTypeMismatch(name, p, false, type);
  let e = p + length;
  readerState.p = e;
  if (length === 8) return '';
  if (b[e - 1] === 0) e--;
  return utf8Text(b, p + 8, e);
}

function blobBlock(b: Uint8Array, dv: DataView, p: number, end: number, name: string): Uint8Array {
  const length = blockHeader(b, dv, p, end, name);
  const type = dv.getUint32(p);
  if (type !== BLOB) throw blockTypeMismatch(name, p, true, type);
  readerState.p = p + length;
  return b.subarray(p + 8, p + length);
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
  const length = blockHeader(b, dv, p, end, where);
  const type = dv.getUint32(p);
  if (type !== block.type) throw new DecodeStop('malformed', `${where}: expected block ${block.type} (${block.name}) at offset ${p}, found block type ${type}`, p);
  const out = readBlock(b, dv, p, p + length, block, undefined);
  readerState.p = p + length;
  return out;
}

function list(b: Uint8Array, dv: DataView, p: number, end: number, field: FieldLayout): FieldValue[] {
  const length = blockHeader(b, dv, p, end, field.name);
  const listEnd = p + length;
  const items: FieldValue[] = [];
  let q = p + 8;
  while (q < listEnd) {
    if (field.block) {
      items.push(nestedBlock(b, dv, q, listEnd, field, items.length));
      q = readerState.p;
    } else {
      const itemLength = blockHeader(b, dv, q, listEnd, `${field.name}[${items.length}]`);
      items.push({ blockType: dv.getUint32(q), data: formatHex(b, q + 8, itemLength - 8) });
      q += itemLength;
    }
  }
  readerState.p = listEnd;
  return items;
}

/**
 * Last value seen per field: zone, interface, policy and NAP uuids, the zero hashes and most
 * addresses repeat from record to record, so comparing 4–8 words beats formatting text again
 * (and the same string object keeps its hash for the name lookups). The comparison is generated
 * inline per field (see memoCode).
 */
class Memo {
  readonly words: Int32Array;
  text: string | undefined;
  constructor(width: number) {
    this.words = new Int32Array(width >>> 2);
  }
}

/** Throws the error the first field of a fixed-width run that does not fit would give, read one by one. */
function shortRun(fields: readonly FieldLayout[], from: number, to: number, p: number, end: number): never {
  for (let i = from; i < to; i++) {
    const w = fields[i].width;
    if (p + w > end) throw short(fields[i].name, p, w, end - p);
    p += w;
  }
  throw new Error('layout bug: a fixed-width run fits after all');
}

const HELPERS = {
  short, shortRun, u64, ip4: formatIp4, ip6: formatIp6, uuid: formatUuid, mac: formatMac, hex: formatHex, stringBlock, blobBlock, text, nestedBlock, list, S: readerState };

/** `p + off` as code. */
function at(off: number): string {
  return off ? `p + ${off}` : 'p';
}

/** JavaScript reading one fixed-width value at p + off. */
function fixedExpr(kind: number, off: number): string | undefined {
  switch (kind) {
    case Kind.u8:
      return `b[${at(off)}]`;
    case Kind.u16:
      return `((b[${at(off)}] << 8) | b[${at(off + 1)}])`;
    case Kind.u32:
      return `dv.getUint32(${at(off)})`;
    case Kind.u64:
      return `H.u64(dv, ${at(off)})`;
    case Kind.i32:
      return `dv.getInt32(${at(off)})`;
    case Kind.ip4:
      return `H.ip4(b, ${at(off)})`;
    case Kind.mac:
      return `H.mac(b, ${at(off)})`;
  }
  return undefined;
}

/** Memoized text kinds (width a multiple of 4, at least 16): the formatter call for a miss. */
function memoFormat(f: FieldLayout, off: number): string | undefined {
  if (f.width % 4 !== 0 || f.width < 16) return undefined;
  if (f.kind === Kind.ip6) return `H.ip6(b, ${at(off)})`;
  if (f.kind === Kind.uuid) return `H.uuid(b, ${at(off)})`;
  if (f.kind === Kind.hex) return `H.hex(b, ${at(off)}, ${f.width})`;
  return undefined;
}

/** `let v = …` for a memoized field: compare the words with the last value's, format only on a change. */
function memoCode(v: string, i: number, f: FieldLayout, off: number, format: string): string {
  const n = f.width >>> 2;
  const words = Array.from({ length: n }, (_, k) => `w${k} = dv.getInt32(${at(off + 4 * k)})`);
  const same = Array.from({ length: n }, (_, k) => `w${k} === m[${k}]`).join(' && ');
  const store = Array.from({ length: n }, (_, k) => `m[${k}] = w${k};`).join(' ');
  return `{ const M_ = M[${i}], m = M_.words, ${words.join(', ')}; if (${same} && M_.text !== undefined) ${v} = M_.text; else { ${store} ${v} = M_.text = ${format}; } }`;
}

function isFixed(f: FieldLayout): boolean {
  return f.width > 0 && f.when === undefined && (f.kind === Kind.hex || f.kind === Kind.len16 || fixedExpr(f.kind, 0) !== undefined || memoFormat(f, 0) !== undefined);
}

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
  // A run of consecutive fixed-width fields is bounds-checked once and read at constant offsets
  // from p; when the check fails, shortRun finds the field the one-by-one reading would stop at.
  let runEnd = -1;
  let off = 0;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const v = `v${i}`;
    const name = JSON.stringify(f.name);
    const w = f.width;
    if (f.when !== undefined) {
      const cond = `v${fields.findIndex((x) => x.name === f.when)}`;
      const expr = fixedExpr(f.kind, 0);
      const memo = memoFormat(f, 0);
      if (!expr && !memo) throw new Error(`layout: conditional field ${f.name} must be fixed-width`);
      const read = memo ? memoCode(v, i, f, 0, memo) : `${v} = ${expr};`;
      lines.push(`let ${v}; if (${cond}) { if (p + ${w} > end) throw H.short(${name}, p, ${w}, end - p); ${read} p += ${w}; }`);
      props.push(`${name}: ${v}`);
      continue;
    }
    if (isFixed(f)) {
      if (i > runEnd) {
        let j = i;
        let total = 0;
        while (j < fields.length && isFixed(fields[j])) total += fields[j++].width;
        runEnd = j - 1;
        off = 0;
        lines.push(`if (p + ${total} > end) H.shortRun(F, ${i}, ${j}, p, end);`);
      }
      const here = off;
      off += w;
      const last = i === runEnd ? ` p += ${off};` : '';
      if (f.kind === Kind.len16) {
        lines.push(`const L_${f.lengthOf} = ${fixedExpr(Kind.u16, here)};${last}`);
        continue; // not a decoded field
      }
      const memo = memoFormat(f, here);
      if (memo) lines.push(`let ${v}; ${memoCode(v, i, f, here, memo)}${last}`);
      else lines.push(`const ${v} = ${fixedExpr(f.kind, here) ?? `H.hex(b, ${at(here)}, ${w})`};${last}`);
    } else {
      switch (f.kind) {
        case Kind.string:
          lines.push(`const ${v} = H.stringBlock(b, dv, p, end, ${name}); p = H.S.p;`);
          break;
        case Kind.blob:
          lines.push(`const ${v} = H.blobBlock(b, dv, p, end, ${name}); p = H.S.p;`);
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
          throw new Error(`layout: field ${f.name} has kind ${f.kind}, which the compiler does not know`);
      }
    }
    props.push(`${name}: ${v}`);
    propsWithout.push(`${name}: ${v}`);
  }
  const literal = conditional.length
    ? `if (v${fields.findIndex((x) => x.name === conditional[0].when)}) return { ${props.join(', ')} };\nreturn { ${propsWithout.join(', ')} };`
    : `return { ${props.join(', ')} };`;
  const body = `return function read(b, dv, p, end, head) {\n${lines.join('\n')}\nH.S.p = p;\n${literal}\n};`;
  const memos = fields.map((f) => (memoFormat(f, 0) ? new Memo(f.width) : undefined));
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
