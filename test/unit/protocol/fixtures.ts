/** Loads the real FMC bytes kept beside the project (never copied into it). */
import * as fs from 'fs';
import * as path from 'path';
import { hexToBytes } from '../../../src/protocol/bytes';

export const FIXTURES = path.resolve(__dirname, '../../../../shared/estreamer/fixtures');

export interface SessionLine {
  direction: 'C->S' | 'S->C';
  bytes: Uint8Array;
  /** 1 = connectivity test, 2 = the real session. */
  connection: number;
}

export function sessionMessages(): SessionLine[] {
  const text = fs.readFileSync(path.join(FIXTURES, 'fmc-session-2020-12-03.hex'), 'utf8');
  const out: SessionLine[] = [];
  let connection = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('# --- connection')) connection++;
    const m = /^(C->S|S->C) ([0-9a-f]+)$/.exec(line.trim());
    if (m) out.push({ direction: m[1] as SessionLine['direction'], bytes: hexToBytes(m[2]), connection });
  }
  return out;
}

export interface UnitRecord {
  label: string;
  messageType: number;
  body: Uint8Array;
}

export function unitTestRecords(): UnitRecord[] {
  const text = fs.readFileSync(path.join(FIXTURES, 'encore-unit-test-records.hex'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => {
      const [label, type, hex] = l.split('|').map((s) => s.trim());
      return { label, messageType: Number(type), body: hexToBytes(hex) };
    });
}

/** eNcore's Splunk output: one object of key → value per line (quotes removed). */
export function encoreOutput(): Record<string, string>[] {
  const text = fs.readFileSync(path.join(FIXTURES, 'fmc-session-2020-12-03.encore-output.log'), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.startsWith('rec_type='))
    .map((line) => {
      const obj: Record<string, string> = {};
      const re = /(\w+)=("((?:[^"\\]|\\.)*)"|\S*)/g;
      let m: RegExpExecArray | null;
      while ((m = re.exec(line))) obj[m[1]] = m[3] !== undefined ? m[3] : m[2];
      return obj;
    });
}
