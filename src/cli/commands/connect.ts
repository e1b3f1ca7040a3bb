/**
 * `estreamer connect`: stream an FMC's events into .estreamer dumps, like `ssl_test.pl -s=all`
 * but safe to leave running (bookmark, de-duplication, reconnects) and safe with the password.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ClientError } from '../../client/errors';
import { CredentialsError, loadPkcs12 } from '../../client/credentials';
import { EStreamerClient, type ClientCounters, type ClientState, type StartPosition } from '../../client/client';
import { DumpWriter, dumpFolder } from '../../dump/writer';
import { MetadataCache } from '../../metadata';
import { flagsFor, type EventFamilyName } from '../../protocol';
import { opt, parseArgs, UsageError } from '../args';

export const summary = 'stream events from an FMC into .estreamer dumps (bookmark, reconnects, no duplicates)';

const FAMILIES: readonly EventFamilyName[] = [
  'intrusion', 'connection', 'file', 'malware', 'correlation', 'impact', 'discovery', 'user', 'ioc', 'packets', 'extraData', 'metadata',
];
const DEFAULT_EVENTS: readonly EventFamilyName[] = ['intrusion', 'connection', 'file', 'malware', 'correlation', 'impact', 'discovery', 'user', 'ioc', 'metadata'];

/** Exit codes, so scripts can tell what happened. */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  credentials: 3,
  refused: 4,
  untrusted: 5,
} as const;

const USAGE = `usage: estreamer connect --host H [--port 8302] --pkcs12 FILE --out DIR [options]

  --start oldest|now|bookmark|<ISO time>   where to start (default: bookmark, else oldest)
  --events LIST       comma list of ${FAMILIES.join(', ')}
                      (default: ${DEFAULT_EVENTS.join(',')}; 'all' for every one)
  --out DIR           dumps go to DIR/<host>_<port>/*.estreamer
  --state-dir DIR     bookmark and metadata cache (default: DIR/.estreamer-state beside the dumps)
  --password-file F   the PKCS#12 password (else $ESTREAMER_PASSWORD, else a hidden prompt)
  --exit-when-idle S  stop cleanly (flushed, bookmarked) after S seconds without records
  --stall-timeout S   no data and no keep-alive for S seconds is a stall (default 120)
  --no-verify-server  do not check the FMC's certificate against the CA in the PKCS#12
  --quiet             no live counters, only state changes and the final line

exit codes: 0 clean stop, 1 failed, 2 usage, 3 credentials, 4 refused by the FMC, 5 FMC not trusted`;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE + '\n');
    return ExitCode.ok;
  }
  const args = parseArgs(argv, ['no-verify-server', 'quiet']);
  if (args.options.has('password')) {
    throw new UsageError('--password would show the password to anyone running ps: use --password-file FILE, ESTREAMER_PASSWORD, or the prompt.');
  }
  const host = required(args, 'host');
  const port = parsePort(opt(args, 'port') ?? '8302');
  const pkcs12File = required(args, 'pkcs12');
  const out = required(args, 'out');
  const start = parseStart(opt(args, 'start') ?? 'bookmark');
  const events = parseEvents(opt(args, 'events'));
  const idleSeconds = optionalSeconds(args, 'exit-when-idle');
  const stallSeconds = optionalSeconds(args, 'stall-timeout');
  const stateDir = opt(args, 'state-dir') ?? path.join(out, '.estreamer-state');
  const quiet = args.flags.has('quiet');

  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(pkcs12File);
  } catch (e) {
    process.stderr.write(`estreamer connect: cannot read ${pkcs12File} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): pass the .pkcs12 file the FMC gave you.\n`);
    return ExitCode.credentials;
  }
  const password = await readPassword(opt(args, 'password-file'));
  if (password === undefined) {
    process.stderr.write('estreamer connect: no password: use --password-file FILE or set ESTREAMER_PASSWORD (no terminal to prompt on).\n');
    return ExitCode.usage;
  }
  let credentials;
  try {
    credentials = loadPkcs12(bytes, password);
  } catch (e) {
    if (e instanceof CredentialsError) {
      process.stderr.write(`estreamer connect: ${pkcs12File}: ${e.message}\n`);
      return ExitCode.credentials;
    }
    throw e;
  }

  const fmc = `${host}:${port}`;
  const flags = flagsFor(events, { archiveTimestamps: true, extended: true });
  // One cache for both: the client refills it from the state folder, the writer names events with it.
  const metadata = new MetadataCache();
  const sink = new DumpWriter({ dir: dumpFolder(out, fmc), fmc, flags, start: describeStart(start), names: metadata });
  const client = new EStreamerClient(
    {
      host,
      port,
      credentials,
      start,
      events,
      stateDir,
      verifyServer: !args.flags.has('no-verify-server'),
      stopWhenIdleMs: idleSeconds === undefined ? undefined : idleSeconds * 1000,
      stallTimeoutMs: stallSeconds === undefined ? undefined : stallSeconds * 1000,
    },
    sink,
    metadata,
  );

  const status = new StatusLine(quiet);
  client.onDidChangeState((s) => status.state(s));
  client.onDidUpdateCounters((c) => status.counters(c));
  client.onLog((e) => {
    if (e.level !== 'info') status.line(`${e.level}: ${e.message}`);
  });
  const onSignal = () => void client.stop('interrupted');
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    client.start();
    const final = await client.whenStopped();
    await sink.close();
    status.done(client.counters);
    return exitCodeFor(final);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    client.dispose();
  }
}

function exitCodeFor(final: ClientState & { kind: 'stopped' }): number {
  const error = final.error;
  if (!error) {
    process.stderr.write(`estreamer connect: ${final.reason}\n`);
    return ExitCode.ok;
  }
  process.stderr.write(`estreamer connect: ${error.message}\n`);
  if (error instanceof ClientError) {
    if (error.kind === 'auth' || error.kind === 'rejected') return ExitCode.refused;
    if (error.kind === 'server-untrusted') return ExitCode.untrusted;
  }
  return ExitCode.failed;
}

function required(args: ReturnType<typeof parseArgs>, key: string): string {
  const v = opt(args, key);
  if (!v) throw new UsageError(`connect needs --${key}. Run 'estreamer connect --help'.`);
  return v;
}

function parsePort(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--port ${text} is not a TCP port (1-65535).`);
  return n;
}

function optionalSeconds(args: ReturnType<typeof parseArgs>, key: string): number | undefined {
  const v = opt(args, key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${key} ${v} is not a positive number of seconds.`);
  return n;
}

export function parseStart(text: string): StartPosition {
  if (text === 'oldest' || text === 'all' || text === 'now' || text === 'bookmark') return text === 'all' ? 'oldest' : text;
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text);
  if (!Number.isFinite(ms)) {
    throw new UsageError(`--start ${text}: use oldest, now, bookmark, an ISO time like 2026-12-03T10:00:00Z, or UNIX seconds.`);
  }
  return { time: new Date(ms) };
}

function describeStart(start: StartPosition): string {
  return typeof start === 'string' ? start : `time:${Math.floor(start.time.getTime() / 1000)}`;
}

export function parseEvents(text: string | undefined): EventFamilyName[] {
  if (!text) return [...DEFAULT_EVENTS];
  if (text === 'all') return [...FAMILIES];
  const byLower = new Map(FAMILIES.map((f) => [f.toLowerCase(), f]));
  byLower.set('extra-data', 'extraData');
  byLower.set('extradata', 'extraData');
  const out: EventFamilyName[] = [];
  for (const part of text.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    const f = byLower.get(part);
    if (!f) throw new UsageError(`--events: unknown family '${part}'; use ${FAMILIES.join(', ')} or all.`);
    if (!out.includes(f)) out.push(f);
  }
  // Names in events need the metadata records that carry them.
  if (!out.includes('metadata')) out.push('metadata');
  return out;
}

/** --password-file, then ESTREAMER_PASSWORD, then a hidden prompt on a terminal. */
async function readPassword(file: string | undefined): Promise<string | undefined> {
  if (file) {
    try {
      return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      throw new UsageError(`cannot read --password-file ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
    }
  }
  const env = process.env.ESTREAMER_PASSWORD;
  if (env !== undefined) return env;
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  return promptHidden('PKCS#12 password: ');
}

function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let text = '';
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') {
          cleanup();
          return reject(new UsageError('cancelled'));
        }
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
    };
    const cleanup = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const finish = () => {
      cleanup();
      resolve(text);
    };
    stdin.on('data', onData);
  });
}

/** Live counters on one rewritten stderr line (a terminal), or a line every 10 s (a log). */
class StatusLine {
  private readonly tty = !!process.stderr.isTTY;
  private lastPrinted = 0;
  private shown = false;

  constructor(private readonly quiet: boolean) {}

  state(s: ClientState): void {
    switch (s.kind) {
      case 'connecting':
        return this.line(s.attempt > 1 ? `connecting (attempt ${s.attempt})` : 'connecting');
      case 'streaming':
        return this.line(`streaming over ${s.transport}`);
      case 'stalled':
        return this.line(`stalled: ${s.lastError}`);
      case 'reconnecting':
        return this.line(`reconnecting in ${(s.inMs / 1000).toFixed(1)} s (attempt ${s.attempt}): ${s.lastError}`);
      case 'stopped':
        return;
    }
  }

  counters(c: ClientCounters): void {
    if (this.quiet) return;
    const now = Date.now();
    if (!this.tty && now - this.lastPrinted < 10_000) return;
    this.lastPrinted = now;
    const text = formatCounters(c);
    if (this.tty) {
      process.stderr.write(`\r\x1b[K${text}`);
      this.shown = true;
    } else {
      process.stderr.write(text + '\n');
    }
  }

  line(text: string): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
    process.stderr.write(`estreamer connect: ${text}\n`);
  }

  done(c: ClientCounters): void {
    this.line(formatCounters(c));
  }
}

export function formatCounters(c: ClientCounters): string {
  const parts = [
    `${c.stored} stored`,
    `${c.recordsPerSecond}/s`,
    `${(c.bytes / 1048576).toFixed(1)} MiB`,
    c.lagSeconds === undefined ? undefined : `lag ${c.lagSeconds}s`,
    c.bookmark === undefined ? undefined : `bookmark ${new Date(c.bookmark * 1000).toISOString().replace('.000Z', 'Z')}`,
    c.duplicatesDropped ? `${c.duplicatesDropped} duplicates dropped` : undefined,
    c.unknown ? `${c.unknown} unknown` : undefined,
    c.malformed ? `${c.malformed} malformed` : undefined,
    c.reconnects ? `${c.reconnects} reconnects` : undefined,
    c.errors ? `${c.errors} errors` : undefined,
  ];
  return parts.filter(Boolean).join(', ');
}
