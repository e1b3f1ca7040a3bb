/** `estreamer convert CAPTURE -o OUT`: turn a capture of raw eStreamer messages into a dump. */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { opt, parseArgs, UsageError } from '../args';
import { MetadataCache } from '../../metadata';
import { decodeRecord, TIMESTAMP_NOW, TIMESTAMP_OLDEST } from '../../protocol';
import { parseCapture } from '../../dump/capture';
import { DumpWriter } from '../../dump/writer';

export const summary = 'turn a capture of raw messages (fixtures hex format) into an .estreamer dump';

const USAGE = `usage: estreamer convert CAPTURE -o|--out OUT [--fmc LABEL]

CAPTURE: one message per line, "C->S <hex>" / "S->C <hex>" (whole messages with their 8-byte
header), or "<label> | <message type> | <hex body>"; lines starting with # are comments.
OUT: a file (written whole, replaced if it exists) or an existing folder (rotated files).
--fmc: the header's fmc= label (default capture:<file name>).`;

export async function run(argv: string[]): Promise<number> {
  // `-o OUT` is the conventional spelling; the shared parser only knows `--long` options.
  const args = parseArgs(argv.map((a) => (a === '-o' ? '--out' : a)), ['help']);
  if (args.flags.has('help')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const out = opt(args, 'out');
  if (args.positionals.length !== 1 || !out) throw new UsageError('convert needs one CAPTURE and -o OUT.\n' + USAGE);
  const input = args.positionals[0];
  let text: string;
  try {
    text = await fs.readFile(input, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read the capture ${input}: ${(err as Error).message}`);
  }
  const capture = parseCapture(text);
  for (const p of capture.problems) process.stderr.write(`estreamer convert: ${input} ${p}\n`);
  if (capture.records.length === 0) {
    process.stderr.write(`estreamer convert: ${input} holds no Event Data or Message Bundle from the server; nothing to write.\n`);
    return 1;
  }
  const isDir = await fs.stat(out).then((s) => s.isDirectory(), () => false);
  const req = capture.request;
  const start =
    req === undefined ? undefined : req.initialTimestamp === TIMESTAMP_OLDEST ? 'oldest' : req.initialTimestamp === TIMESTAMP_NOW ? 'now' : `ts:${req.initialTimestamp}`;
  const records = capture.records.map((bytes) => decodeRecord(bytes));
  const writer = new DumpWriter({
    dir: isDir ? out : path.dirname(path.resolve(out)),
    file: isDir ? undefined : out,
    fmc: opt(args, 'fmc') ?? `capture:${path.basename(input)}`,
    flags: req?.flags,
    start,
    names: new MetadataCache(),
  });
  try {
    // One batch: metadata takes the time of the event it came with (see DumpWriter).
    await writer.write(records);
  } finally {
    await writer.close();
  }
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const statusText = [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
  process.stderr.write(`estreamer convert: wrote ${records.length} records (${statusText}) to ${writer.files.join(', ')}\n`);
  return 0;
}
