/** `estreamer dump FILE|DIR…`: print the records of .estreamer dumps, filtered, as text or JSON Lines. */
import * as path from 'node:path';
import { opt, parseArgs, UsageError } from '../args';
import { formatLine } from '../../dump/format';
import { entryToJson, matchesFilter, type DumpFilter } from '../../dump/query';
import { readDumps, type DumpIssue } from '../../dump/reader';

export const summary = 'print the records of .estreamer dumps (filters: --family, --host, --since, --until; --json)';

const USAGE = `usage: estreamer dump FILE|DIR… [--family intrusion,malware] [--host IP] [--since ISO] [--until ISO] [--json] [--raw]

Reads dump files (folders: every *.estreamer below, in time order), decodes each record's raw=
bytes again with this version's codec and prints it:
  text (default)  <file>:<line> <time> <type> <family> names and fields   (--raw keeps raw=)
  --json          one JSON object per line: recordType, family, name, time, status, names,
                  fields, file, line
Filters: --family (comma list: intrusion, connection, file, file-malware, malware, ioc,
discovery, user, metadata, …), --host (an IP in any field), --since / --until (ISO times,
since inclusive, until exclusive). Metadata records are always read so names resolve.`;

function parseTimeOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) || !value.includes('T') ? value : value + 'Z');
  if (Number.isNaN(ms)) throw new UsageError(`--${name} '${value}' is not a time; use ISO 8601, e.g. 2026-12-03T10:00:00Z`);
  return ms;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['json', 'raw', 'help']);
  if (args.flags.has('help')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (args.positionals.length === 0) throw new UsageError('dump needs at least one FILE or DIR.\n' + USAGE);
  const filter: DumpFilter = {
    families: opt(args, 'family')?.split(',').map((s) => s.trim()).filter(Boolean),
    host: opt(args, 'host'),
    sinceMs: parseTimeOption('since', opt(args, 'since')),
    untilMs: parseTimeOption('until', opt(args, 'until')),
  };
  const json = args.flags.has('json');
  const keepRaw = args.flags.has('raw');
  const issues: DumpIssue[] = [];
  const cwd = process.cwd();
  let out: string[] = [];
  let count = 0;
  // `estreamer dump … | head` closes the pipe early: stop reading quietly, like other tools.
  let pipeClosed = false;
  const onStdoutError = (err: NodeJS.ErrnoException): void => {
    if (err.code !== 'EPIPE') throw err;
    pipeClosed = true;
  };
  process.stdout.on('error', onStdoutError);
  const flush = async (): Promise<void> => {
    if (!out.length || pipeClosed) return;
    const text = out.join('');
    out = [];
    if (!process.stdout.write(text)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          process.stdout.off('drain', done);
          process.stdout.off('error', done);
          resolve();
        };
        process.stdout.once('drain', done);
        process.stdout.once('error', done);
      });
    }
  };
  for await (const entry of readDumps(args.positionals, { onIssue: (i) => issues.push(i) })) {
    if (pipeClosed) break;
    if (!matchesFilter(entry, filter)) continue;
    count++;
    if (json) {
      out.push(JSON.stringify(entryToJson(entry)) + '\n');
    } else {
      const rel = path.relative(cwd, entry.file);
      const where = `${rel && !rel.startsWith('..') ? rel : entry.file}:${entry.line}`;
      const line = formatLine(entry.record, { names: entry.names, omitRaw: !keepRaw });
      // Keep the written time (metadata records have none of their own).
      out.push(`${where} ${entry.time}${line.slice(line.indexOf(' '))}\n`);
    }
    if (out.length >= 1000) await flush();
  }
  await flush();
  process.stdout.off('error', onStdoutError);
  if (pipeClosed) return 0;
  for (const i of issues) process.stderr.write(`estreamer dump: ${i.message}\n`);
  if (count === 0) process.stderr.write('estreamer dump: no record matched.\n');
  return 0;
}
