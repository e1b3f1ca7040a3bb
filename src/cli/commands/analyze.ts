/** `estreamer analyze DUMP|DIR…`: which hosts are compromised, since when, and the story around it. */
import { opt, parseArgs, UsageError } from '../args';
import { DEFAULT_BEFORE_MS } from '../../analysis/analyzer';
import { analyzeDumps } from '../../analysis/dumps';
import { renderText, reportJsonChunks } from '../../analysis/report';
import type { DumpIssue } from '../../dump/reader';

export const summary = 'find compromised hosts in .estreamer dumps and print each one\'s chronology (--json for tools)';

const USAGE = `usage: estreamer analyze DUMP|DIR… [--json] [--window-hours N] [--after-hours N] [--limit N] [--all]

Reads the dumps (folders: every *.estreamer below, in time order) and decides for every host
whether it is compromised, suspicious or clean, with the reasons and the first indicator
(time and file:line of the record). Compromised hosts come first, each with its chronology:
the events in a window around the first indicator, connection links (↔ :line) and lanes.

  --window-hours N   hours shown before the first indicator (default 24)
  --after-hours N    hours shown after it (default: everything)
  --limit N          timeline rows printed per host (default 60; 0 = all)
  --all              also list the clean hosts
  --json             print the analysis as JSON (shape in docs/analysis.md) instead of text`;

function hours(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} '${value}' is not a number of hours (e.g. 24, 0.5)`);
  return n * 3_600_000;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['json', 'all', 'help', 'no-color']);
  if (args.flags.has('help')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (args.positionals.length === 0) throw new UsageError('analyze needs at least one dump file or folder.\n' + USAGE);
  const beforeMs = hours('window-hours', opt(args, 'window-hours')) ?? DEFAULT_BEFORE_MS;
  const afterMs = hours('after-hours', opt(args, 'after-hours'));
  const limitText = opt(args, 'limit') ?? '60';
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 0) throw new UsageError(`--limit '${limitText}' is not a whole number of rows`);

  const issues: DumpIssue[] = [];
  const analyzer = await analyzeDumps(args.positionals, { onIssue: (i) => issues.push(i) });
  for (const i of issues.slice(0, 10)) process.stderr.write(`estreamer analyze: ${i.message}\n`);
  if (issues.length > 10) process.stderr.write(`estreamer analyze: …and ${issues.length - 10} more skipped lines\n`);
  if (analyzer.recordsRead === 0) {
    process.stderr.write('estreamer analyze: no records found in the given dumps; check the paths (files end in .estreamer).\n');
    return 1;
  }
  if (args.flags.has('json')) {
    for (const chunk of reportJsonChunks(analyzer, { beforeMs, afterMs })) await write(chunk);
  } else {
    const color = !args.flags.has('no-color') && !!process.stdout.isTTY && !process.env.NO_COLOR;
    await write(renderText(analyzer, { beforeMs, afterMs, limit, all: args.flags.has('all'), color, cwd: process.cwd() }));
  }
  return 0;
}

async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await new Promise((resolve) => process.stdout.once('drain', resolve));
}
