/**
 * Captures of raw eStreamer messages, as in shared/estreamer/fixtures: one message per line,
 * `C->S <hex>` / `S->C <hex>` (whole message with its 8-byte header), or the unit-test form
 * `<label> | <message type> | <hex of the body>`; `#` starts a comment.
 */
import { decodeBundle, decodeEventStreamRequest, MessageType } from '../protocol';

export interface Capture {
  /** Record bytes (header + data) in stream order, from Event Data messages and bundles. */
  records: Uint8Array[];
  /** The Event Stream Request the records answer (the last one before the first record). */
  request?: { initialTimestamp: number; flags: number };
  /** Lines that could not be used, each saying why (reading goes on). */
  problems: string[];
}

function hexBytes(hex: string): Uint8Array | undefined {
  const clean = hex.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) return undefined;
  return Buffer.from(clean, 'hex');
}

export function parseCapture(text: string): Capture {
  const out: Capture = { records: [], problems: [] };
  const lines = text.split(/\r?\n/);
  lines.forEach((rawLine, i) => {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) return;
    const where = `line ${i + 1}`;
    let type: number;
    let body: Uint8Array;
    let fromClient = false;
    const dir = /^(C->S|S->C)\s+(\S+)$/.exec(line);
    if (dir) {
      const msg = hexBytes(dir[2]);
      if (!msg || msg.length < 8) {
        out.problems.push(`${where}: not a hex message of at least 8 bytes`);
        return;
      }
      fromClient = dir[1] === 'C->S';
      const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
      type = view.getUint16(2);
      const length = view.getUint32(4);
      if (length !== msg.length - 8) {
        out.problems.push(`${where}: message length ${length} but ${msg.length - 8} bytes follow the header`);
        return;
      }
      body = msg.subarray(8);
    } else {
      const parts = line.split('|').map((p) => p.trim());
      const b = parts.length === 3 ? hexBytes(parts[2]) : undefined;
      if (!b || !/^\d+$/.test(parts[1])) {
        out.problems.push(`${where}: expected "C->S <hex>", "S->C <hex>" or "<label> | <type> | <hex body>"`);
        return;
      }
      type = Number(parts[1]);
      body = b;
    }
    try {
      if (fromClient) {
        // The request that the records answer: the last one before the first record
        // (captures may start with a connectivity test that asks for "now" and gets nothing).
        if (type === MessageType.EventStreamRequest && out.records.length === 0) out.request = decodeEventStreamRequest(body);
      } else if (type === MessageType.EventData) {
        out.records.push(body);
      } else if (type === MessageType.MessageBundle) {
        const bundle = decodeBundle(body);
        out.records.push(...bundle.records);
        if (bundle.error) out.problems.push(`${where}: ${bundle.error}`);
      }
    } catch (err) {
      out.problems.push(`${where}: ${(err as Error).message}`);
    }
  });
  return out;
}
