/**
 * Fault injection: the ways a real FMC or network misbehaves, on purpose, so clients can be
 * tested against them. Parsed from `--fault` strings in the CLI; tests pass the objects.
 */

export type Fault =
  /** Close the TCP/TLS connection after this many bytes of eStreamer data were written. */
  | { kind: 'drop-after-bytes'; bytes: number; connections?: ConnectionSelector }
  /** After the first data message, send nothing at all (no keep-alives) for this long. */
  | { kind: 'stall'; seconds: number; connections?: ConnectionSelector }
  /** Send a record of a type no FMC uses (default 9999) after the first event. */
  | { kind: 'unknown-record'; recordType?: number; connections?: ConnectionSelector }
  /** Send an intrusion event (400) whose data block type (version) is unknown (default 999). */
  | { kind: 'unknown-block-version'; blockType?: number; connections?: ConnectionSelector }
  /** Send a record whose record-length field claims more bytes than the message holds. */
  | { kind: 'lying-length'; connections?: ConnectionSelector }
  /** Send bytes that are not eStreamer framing (the stream loses its framing). */
  | { kind: 'garbage'; bytes?: number; connections?: ConnectionSelector }
  /** Answer the request with an eStreamer Error message, then close. */
  | { kind: 'server-error'; code: number; text: string; connections?: ConnectionSelector }
  /** The client certificate handed out has expired: the server refuses the handshake. */
  | { kind: 'expired-cert' }
  /** The server presents an expired certificate (seen by clients that verify the server). */
  | { kind: 'expired-server-cert' };

export type FaultKind = Fault['kind'];

/** Which connections (1-based, in accept order) a stream fault applies to; default: the first only. */
export type ConnectionSelector = 'all' | number[];

export const FAULT_HELP = `Faults (--fault, repeatable). NAME[=VALUE][@CONNECTIONS]; CONNECTIONS is a
comma list of 1-based connection numbers or '*' for all (default: the first connection only):
  drop-after-bytes=N     close the connection after N bytes of eStreamer data (pick N to cut a
                         header, a record or a bundle)
  stall=S                after the first data message, send nothing (not even keep-alives) for S s
  unknown-record[=TYPE]  send a record of unknown type TYPE (default 9999) after the first event
  unknown-block-version[=BLOCK]  send an intrusion event (400) with data block type BLOCK (default 999)
  lying-length           send a record whose record length claims more bytes than it has
  garbage[=N]            send N (default 64) bytes of non-eStreamer garbage after the first data message
  server-error=CODE:TEXT answer the request with an eStreamer Error (CODE, TEXT), then close
  expired-cert           hand out a client certificate that has expired (handshake fails)
  expired-server-cert    serve with an expired server certificate`;

export class FaultSyntaxError extends Error {}

function positiveInt(name: string, value: string | undefined, fallback?: number): number {
  if (value === undefined || value === '') {
    if (fallback !== undefined) return fallback;
    throw new FaultSyntaxError(`--fault ${name} needs a value, e.g. ${name}=100.`);
  }
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new FaultSyntaxError(`--fault ${name}=${value}: '${value}' is not a non-negative number.`);
  return n;
}

function parseSelector(spec: string | undefined): ConnectionSelector | undefined {
  if (spec === undefined) return undefined;
  if (spec === '*' || spec === 'all') return 'all';
  const list = spec.split(',').map((s) => Number(s));
  if (list.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new FaultSyntaxError(`--fault …@${spec}: connections are 1-based numbers separated by commas, or '*'.`);
  }
  return list;
}

/** Parses one `--fault` value (see FAULT_HELP). Throws FaultSyntaxError with what to type instead. */
export function parseFault(spec: string): Fault {
  const at = spec.lastIndexOf('@');
  const connections = at >= 0 ? parseSelector(spec.slice(at + 1)) : undefined;
  const body = at >= 0 ? spec.slice(0, at) : spec;
  const eq = body.indexOf('=');
  const name = (eq >= 0 ? body.slice(0, eq) : body).trim();
  const value = eq >= 0 ? body.slice(eq + 1) : undefined;
  const withConn = <T extends object>(f: T): T => (connections ? { ...f, connections } : f);
  switch (name) {
    case 'drop-after-bytes':
      return withConn({ kind: 'drop-after-bytes', bytes: Math.floor(positiveInt(name, value)) });
    case 'stall':
      return withConn({ kind: 'stall', seconds: positiveInt(name, value) });
    case 'unknown-record':
      return withConn({ kind: 'unknown-record', recordType: Math.floor(positiveInt(name, value, 9999)) });
    case 'unknown-block-version':
      return withConn({ kind: 'unknown-block-version', blockType: Math.floor(positiveInt(name, value, 999)) });
    case 'lying-length':
      return withConn({ kind: 'lying-length' });
    case 'garbage':
      return withConn({ kind: 'garbage', bytes: Math.max(1, Math.floor(positiveInt(name, value, 64))) });
    case 'server-error': {
      const m = /^(-?\d+):(.*)$/s.exec(value ?? '');
      if (!m) throw new FaultSyntaxError(`--fault server-error needs CODE:TEXT, e.g. server-error=19:No space.`);
      return withConn({ kind: 'server-error', code: Number(m[1]), text: m[2] });
    }
    case 'expired-cert':
      return { kind: 'expired-cert' };
    case 'expired-server-cert':
      return { kind: 'expired-server-cert' };
    default:
      throw new FaultSyntaxError(`Unknown fault '${name}'.\n${FAULT_HELP}`);
  }
}

/** The stream faults that apply to the n-th connection (1-based). */
export function faultsFor(faults: readonly Fault[], connection: number): Fault[] {
  return faults.filter((f) => {
    if (!('connections' in f) && (f.kind === 'expired-cert' || f.kind === 'expired-server-cert')) return false;
    const sel = 'connections' in f ? f.connections : undefined;
    if (sel === undefined) return connection === 1;
    return sel === 'all' || sel.includes(connection);
  });
}
