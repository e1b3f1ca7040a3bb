/** Text forms of the wire's address-like values (RECORDS.md §1.7), both directions. */

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));
/** Decimal text of each byte value: a table read beats a number-to-string conversion per octet. */
const DEC: string[] = [];
for (let i = 0; i < 256; i++) DEC.push(String(i));

/**
 * Node's one-step text makers (they accept any Uint8Array). Hex, uuid, MAC and IPv6 text is
 * written as ASCII into a scratch buffer and turned into a string by one native call: many
 * one-character concatenations cost several times more. Absent outside Node: plain JS then.
 */
interface TextPrimitives {
  latin1Slice(this: Uint8Array, start: number, end: number): string;
  hexSlice(this: Uint8Array, start: number, end: number): string;
}
const native: Partial<TextPrimitives> = typeof Buffer === 'function' ? (Buffer.prototype as unknown as Partial<TextPrimitives>) : {};
const latin1Slice = native.latin1Slice;
const hexSlice = native.hexSlice;
const scratch = new Uint8Array(64);
const HEX_DIGIT = new Uint8Array(16);
for (let i = 0; i < 16; i++) HEX_DIGIT[i] = i.toString(16).charCodeAt(0);
const COLON = 0x3a;

/** Writes word w as hex without leading zeros at scratch[q]; returns the new q. */
function putWord(q: number, w: number): number {
  if (w >= 0x1000) scratch[q++] = HEX_DIGIT[w >> 12];
  if (w >= 0x100) scratch[q++] = HEX_DIGIT[(w >> 8) & 15];
  if (w >= 0x10) scratch[q++] = HEX_DIGIT[(w >> 4) & 15];
  scratch[q++] = HEX_DIGIT[w & 15];
  return q;
}

/** 16 bytes → IP text: IPv4-mapped (::ffff:a.b.c.d) as plain IPv4, the rest as RFC 5952 IPv6. */
export function formatIp6(b: Uint8Array, at: number): string {
  if (
    b[at + 10] === 0xff &&
    b[at + 11] === 0xff &&
    (b[at] | b[at + 1] | b[at + 2] | b[at + 3] | b[at + 4] | b[at + 5] | b[at + 6] | b[at + 7] | b[at + 8] | b[at + 9]) === 0
  ) {
    return DEC[b[at + 12]] + '.' + DEC[b[at + 13]] + '.' + DEC[b[at + 14]] + '.' + DEC[b[at + 15]];
  }
  // Longest run (≥ 2) of zero words becomes "::" (the first such run on a tie).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if ((b[at + 2 * i] | b[at + 2 * i + 1]) !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && (b[at + 2 * j] | b[at + 2 * j + 1]) === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (latin1Slice !== undefined) {
    let q = 0;
    for (let i = 0; i < 8; i++) {
      if (i === bestStart) {
        scratch[q++] = COLON;
        scratch[q++] = COLON;
        i += bestLen - 1;
        continue;
      }
      if (q !== 0 && i !== bestStart + bestLen) scratch[q++] = COLON;
      q = putWord(q, (b[at + 2 * i] << 8) | b[at + 2 * i + 1]);
    }
    return latin1Slice.call(scratch, 0, q);
  }
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += '::';
      i += bestLen - 1;
      continue;
    }
    if (s !== '' && i !== bestStart + bestLen) s += ':';
    s += ((b[at + 2 * i] << 8) | b[at + 2 * i + 1]).toString(16);
  }
  return s;
}

export function formatIp4(b: Uint8Array, at: number): string {
  return DEC[b[at]] + '.' + DEC[b[at + 1]] + '.' + DEC[b[at + 2]] + '.' + DEC[b[at + 3]];
}

function parseIp4Into(text: string, out: Uint8Array, at: number): boolean {
  const parts = text.split('.');
  if (parts.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i])) return false;
    const n = Number(parts[i]);
    if (n > 255) return false;
    out[at + i] = n;
  }
  return true;
}

/** Writes a 4-byte IPv4 address; false if `text` is not dotted IPv4. */
export function writeIp4(text: string, out: Uint8Array, at: number): boolean {
  return parseIp4Into(text, out, at);
}

/** Writes 16 bytes: IPv4 text becomes IPv4-mapped IPv6, as the FMC sends it. False if not an IP. */
export function writeIp6(text: string, out: Uint8Array, at: number): boolean {
  out.fill(0, at, at + 16);
  if (text.indexOf(':') < 0) {
    out[at + 10] = 0xff;
    out[at + 11] = 0xff;
    return parseIp4Into(text, out, at + 12);
  }
  let head = text;
  let tail = '';
  const gap = text.indexOf('::');
  if (gap >= 0) {
    head = text.slice(0, gap);
    tail = text.slice(gap + 2);
    if (tail.includes('::')) return false;
  }
  const words = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const headWords = words(head);
  const tailWords = words(tail);
  const expand = (list: string[]): number[] | undefined => {
    const out: number[] = [];
    for (let i = 0; i < list.length; i++) {
      const w = list[i];
      if (w.includes('.')) {
        if (i !== list.length - 1) return undefined;
        const four = new Uint8Array(4);
        if (!parseIp4Into(w, four, 0)) return undefined;
        out.push(four[0], four[1], four[2], four[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(w)) return undefined;
        const n = parseInt(w, 16);
        out.push(n >> 8, n & 0xff);
      }
    }
    return out;
  };
  const h = expand(headWords);
  const t = expand(tailWords);
  if (!h || !t) return false;
  if (gap < 0 && h.length !== 16) return false;
  if (gap >= 0 && h.length + t.length > 14) return false;
  out.set(h, at);
  out.set(t, at + 16 - t.length);
  return true;
}

/** 16 raw bytes → 8-4-4-4-12 lowercase, in byte order. */
export function formatUuid(b: Uint8Array, at: number): string {
  if (latin1Slice !== undefined) {
    let q = 0;
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) scratch[q++] = 0x2d;
      const v = b[at + i];
      scratch[q] = HEX_DIGIT[v >> 4];
      scratch[q + 1] = HEX_DIGIT[v & 15];
      q += 2;
    }
    return latin1Slice.call(scratch, 0, 36);
  }
  return (
    HEX[b[at]] + HEX[b[at + 1]] + HEX[b[at + 2]] + HEX[b[at + 3]] + '-' +
    HEX[b[at + 4]] + HEX[b[at + 5]] + '-' +
    HEX[b[at + 6]] + HEX[b[at + 7]] + '-' +
    HEX[b[at + 8]] + HEX[b[at + 9]] + '-' +
    HEX[b[at + 10]] + HEX[b[at + 11]] + HEX[b[at + 12]] + HEX[b[at + 13]] + HEX[b[at + 14]] + HEX[b[at + 15]]
  );
}

export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

function hexNibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Writes `length` bytes from hex text, skipping `separator` characters; false on bad input. */
export function writeHexDigits(text: string, out: Uint8Array, at: number, length: number, separator = ''): boolean {
  let n = 0;
  let high = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (separator && text[i] === separator) continue;
    const v = hexNibble(ch);
    if (v < 0) return false;
    if (high < 0) high = v;
    else {
      if (n >= length) return false;
      out[at + n++] = (high << 4) | v;
      high = -1;
    }
  }
  return n === length && high < 0;
}

export function writeUuid(text: string, out: Uint8Array, at: number): boolean {
  return text.length === 36 && writeHexDigits(text, out, at, 16, '-');
}

export function formatMac(b: Uint8Array, at: number): string {
  if (latin1Slice !== undefined) {
    for (let i = 0, q = 0; i < 6; i++, q += 3) {
      const v = b[at + i];
      scratch[q] = HEX_DIGIT[v >> 4];
      scratch[q + 1] = HEX_DIGIT[v & 15];
      scratch[q + 2] = COLON;
    }
    return latin1Slice.call(scratch, 0, 17);
  }
  return `${HEX[b[at]]}:${HEX[b[at + 1]]}:${HEX[b[at + 2]]}:${HEX[b[at + 3]]}:${HEX[b[at + 4]]}:${HEX[b[at + 5]]}`;
}

export function writeMac(text: string, out: Uint8Array, at: number): boolean {
  return text.length === 17 && writeHexDigits(text, out, at, 6, ':');
}

export function formatHex(b: Uint8Array, at: number, length: number): string {
  if (hexSlice !== undefined && length >= 4) return hexSlice.call(b, at, at + length);
  let s = '';
  for (let i = at; i < at + length; i++) s += HEX[b[i]];
  return s;
}
