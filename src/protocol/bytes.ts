/** Small big-endian helpers shared by the framing and the layout engine. */

export function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const HEX: string[] = [];
for (let i = 0; i < 256; i++) HEX.push(i.toString(16).padStart(2, '0'));

/** Lowercase hex of `length` bytes at `offset`. */
export function toHex(bytes: Uint8Array, offset = 0, length = bytes.length - offset): string {
  let s = '';
  for (let i = offset; i < offset + length; i++) s += HEX[bytes[i]];
  return s;
}

/** Parses lowercase/uppercase hex (no separators) into `out` at `offset`; returns false if it is not `length` bytes of hex. */
export function writeHex(text: string, out: Uint8Array, offset: number, length: number): boolean {
  if (text.length !== length * 2) return false;
  for (let i = 0; i < length; i++) {
    const byte = parseInt(text.substr(i * 2, 2), 16);
    if (Number.isNaN(byte)) return false;
    out[offset + i] = byte;
  }
  return true;
}

export function hexToBytes(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  if (!writeHex(clean, out, 0, out.length)) throw new Error(`not hex: ${text.slice(0, 40)}`);
  return out;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const utf8 = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

/**
 * Node's Buffer primitive for one-byte text, which accepts any Uint8Array: for ASCII it is the
 * UTF-8 text, made in one native step. Absent outside Node (then the loops below serve).
 */
const latin1Slice = typeof Buffer === 'function' ? (Buffer.prototype as unknown as { latin1Slice?: (this: Uint8Array, start: number, end: number) => string }).latin1Slice : undefined;

/** UTF-8 text of a byte range, with a fast path for ASCII (most eStreamer strings). */
export function decodeText(bytes: Uint8Array, start: number, end: number): string {
  if (end - start >= 8 && end - start <= 4096 && latin1Slice !== undefined) {
    for (let i = start; i < end; i++) if (bytes[i] >= 0x80) return utf8.decode(bytes.subarray(start, end));
    return latin1Slice.call(bytes, start, end);
  }
  if (end - start < 48) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = bytes[i];
      if (c >= 0x80) return utf8.decode(bytes.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  // fromCharCode.apply takes one argument per byte; long texts go to the decoder instead.
  if (end - start > 4096) return utf8.decode(bytes.subarray(start, end));
  for (let i = start; i < end; i++) if (bytes[i] >= 0x80) return utf8.decode(bytes.subarray(start, end));
  return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
}

export function encodeText(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}
