/**
 * Seeded random records for every layout: fills each field kind with a random value of the right
 * shape. Used by the round-trip tests, the benchmark and anyone who needs plausible-looking bytes
 * for a layout no real capture covers.
 */
import { Kind, type BlockLayout, type FieldLayout } from './layout';
import { DISCOVERY_HEADER, RECORD_LAYOUTS } from './layouts';
import { DISCOVERY_HEADER_KEY, type RecordInput } from './records';
import type { FieldValue, Fields } from './types';
import { formatHex, formatIp6, formatMac, formatUuid } from './values';

/** Small deterministic PRNG (mulberry32). */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(maxInclusive: number): number {
    return Math.floor(this.next() * (maxInclusive + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length - 1)];
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(255);
    return out;
  }
}

const SAMPLE_TEXT = ['', 'inside', 'ET SCAN Potential SSH Scan', 'Bank-Wire-Transfer-电汇说明.pdf', 'http://example.test/a?b=c', 'ünïcödé ✓', 'x'];

function randomText(rng: Rng): string {
  if (rng.int(3) === 0) return rng.pick(SAMPLE_TEXT);
  const n = rng.int(40);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(32 + rng.int(94));
  return s;
}

function randomValue(f: FieldLayout, rng: Rng, depth: number): FieldValue {
  switch (f.kind) {
    case Kind.u8:
      return rng.int(0xff);
    case Kind.u16:
      return rng.int(0xffff);
    case Kind.u32:
      return rng.int(0xffffffff);
    case Kind.i32:
      return rng.int(0xffffffff) - 0x80000000;
    case Kind.u64:
      return rng.int(3) === 0 ? (BigInt(0x200000 + rng.int(0xffdfffff)) << 32n) | BigInt(rng.int(0xffffffff)) : rng.int(0xffffffff) * 1024 + rng.int(1023);
    case Kind.ip4:
      return `${rng.int(255)}.${rng.int(255)}.${rng.int(255)}.${rng.int(255)}`;
    case Kind.ip6:
      return rng.int(1) ? `${rng.int(255)}.${rng.int(255)}.${rng.int(255)}.${rng.int(255)}` : formatIp6(rng.bytes(16), 0);
    case Kind.uuid:
      return formatUuid(rng.bytes(16), 0);
    case Kind.mac:
      return formatMac(rng.bytes(6), 0);
    case Kind.hex:
      return formatHex(rng.bytes(f.width), 0, f.width);
    case Kind.string:
    case Kind.text16:
    case Kind.text32:
    case Kind.lenText:
      return randomText(rng);
    case Kind.blob:
    case Kind.rest:
      return rng.bytes(rng.int(64));
    case Kind.block:
      return randomFields(f.block!, rng, depth + 1);
    case Kind.list: {
      const n = depth > 2 ? 0 : rng.int(2);
      const items: FieldValue[] = [];
      for (let i = 0; i < n; i++) {
        if (f.block) {
          items.push(randomFields(f.block, rng, depth + 1));
        } else {
          const k = rng.int(12);
          items.push({ blockType: rng.int(200), data: formatHex(rng.bytes(k), 0, k) });
        }
      }
      return items;
    }
    default:
      throw new Error(`no generator for kind ${f.kind}`);
  }
}

/** Random values for every field of a layout (length fields are left to the encoder). */
export function randomFields(layout: Pick<BlockLayout, 'fields'>, rng: Rng, depth = 0): Fields {
  const out: Fields = {};
  for (const f of layout.fields) {
    if (f.kind === Kind.len16) continue;
    if (f.when !== undefined && !out[f.when]) continue;
    out[f.name] = randomValue(f, rng, depth);
  }
  return out;
}

/** A random, encodable record of `recordType` (and `blockType` when the record has blocks). */
export function randomRecordInput(recordType: number, rng: Rng, blockType?: number): RecordInput {
  const layout = RECORD_LAYOUTS.get(recordType);
  if (!layout) throw new Error(`no layout for record type ${recordType}`);
  const fields: Fields = {};
  if (layout.discoveryHeader) fields[DISCOVERY_HEADER_KEY] = randomFields(DISCOVERY_HEADER, rng);
  let chosen: number | undefined;
  if (layout.blocks) {
    const block = blockType === undefined ? rng.pick(layout.blocks) : layout.blocks.find((b) => b.type === blockType);
    if (!block) throw new Error(`record ${recordType} has no block ${blockType}`);
    chosen = block.type;
    Object.assign(fields, randomFields(block, rng));
  } else if (layout.fields) {
    Object.assign(fields, randomFields({ fields: layout.fields }, rng));
  }
  const input: RecordInput = { recordType, fields };
  if (chosen !== undefined) input.blockType = chosen;
  if (rng.int(1)) input.archiveTimestamp = rng.int(0xffffffff);
  if (rng.int(4) === 0) input.typeWord = (((0x8000 | rng.int(0x7fff)) << 16) | recordType) >>> 0;
  return input;
}
