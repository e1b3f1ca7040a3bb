/** Shared by the dump unit tests: hand-made records, hostile strings, scratch folders. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EStreamerRecord } from '../../../src/protocol/types';

/** A hand-made record: lets the line format be tested without the codec. */
export function handMadeRecord(partial: Partial<EStreamerRecord>): EStreamerRecord {
  return {
    recordType: 400,
    typeWord: 400,
    domainId: 0,
    name: 'Intrusion Event',
    family: 'intrusion',
    fields: {},
    raw: new Uint8Array([0, 0, 1, 0x90, 0, 0, 0, 0]),
    status: 'ok',
    ...partial,
  };
}

export const HOSTILE_STRINGS: string[] = [
  '',
  ' ',
  'plain',
  'two words',
  'say "hi"',
  'back\\slash',
  '\\"',
  'trailing backslash\\',
  'line1\nline2\r\n',
  'tab\there',
  '\u0000\u0001\u001f\u007f',
  '\u0080\u009f',
  'bidi \u202eevil\u202c \u2066x\u2069 \u200f',
  'line sep \u2028 para \u2029 nel \u0085',
  'zero\u200bwidth \ufeff',
  'lone \ud800 high, lone \udc00 low, \udbff',
  'pair 😀 ok',
  'Bank-Wire-Transfer-电汇说明-10012015.pdf',
  'key=value raw=AAAA',
  '"',
  '\\u{41}',
  '\\x41',
  '-',
  'a'.repeat(5000),
];

const madeDirs: string[] = [];
// Removed when the test process ends, so runs do not pile up folders in /tmp.
process.once('exit', () => {
  for (const dir of madeDirs) fs.rmSync(dir, { recursive: true, force: true });
});

export function tmpDir(prefix = 'estreamer-dump-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  madeDirs.push(dir);
  return dir;
}
