/**
 * Seeded fuzzing of the codec and the dump reader, shared by bench/fuzz.ts (large runs) and
 * test/unit/fuzz (a small run that must find nothing). Every input is derived from (seed, index),
 * so a failure is reproduced by `replayInput(seed, index)`.
 *
 * What counts as a failure, per API promise:
 * - crash: a thrown error that the API does not promise (decodeRecord and formatLine never throw;
 *   MessageDecoder/decodeBundle/decodeError/decodeStreamingRequest/Information/
 *   decodeEventStreamRequest throw only ProtocolError; parseLine only DumpFormatError; parseHeader
 *   and readDumpFile never throw on file content), or a broken invariant (a decoded record whose
 *   dump line does not give back the exact record bytes; compiled and interpreted record readers
 *   disagreeing);
 * - hang: one input taking more than 1 s (timed again once, so a GC pause or a busy machine does
 *   not count);
 * - memory blow-up: array-buffer memory growing, while one input is handled, by more than
 *   `MEMORY_FACTOR` times the input's size plus `MEMORY_SLACK` bytes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DumpFormatError, formatLine, parseHeader, parseLine } from '../src/dump/format';
import { parseCapture } from '../src/dump/capture';
import { readDumpFile } from '../src/dump/reader';
import {
  MessageDecoder,
  ProtocolError,
  RECORD_LAYOUTS,
  Rng,
  decodeBundle,
  decodeError,
  decodeEventStreamRequest,
  decodeRecord,
  decodeRecordInterpreted,
  decodeStreamingInformation,
  decodeStreamingRequest,
  encodeBundle,
  encodeError,
  encodeRecord,
  encodeStreamingInformation,
  encodeStreamingRequest,
  eventsFor,
  hexToBytes,
  randomRecordInput,
  type EStreamerRecord,
} from '../src/protocol';

export const FIXTURES = path.resolve(__dirname, '../../shared/estreamer/fixtures');
export const HANG_MS = 1000;
export const MEMORY_FACTOR = 64;
export const MEMORY_SLACK = 1024 * 1024;

export type Target = 'record' | 'bundle' | 'stream' | 'error' | 'streamingRequest' | 'streamingInformation' | 'eventStreamRequest' | 'dumpLine' | 'dumpFile';

export interface Failure {
  kind: 'crash' | 'hang' | 'memory';
  target: Target;
  seed: number;
  index: number;
  message: string;
  /** The input, hex for bytes or JSON-quoted for text, to paste into a regression test. */
  input: string;
}

export interface FuzzReport {
  seed: number;
  inputs: number;
  perTarget: Record<string, number>;
  crashes: number;
  hangs: number;
  memoryBlowUps: number;
  failures: Failure[];
  slowestMs: number;
  largestGrowthRatio: number;
}

// ---------------------------------------------------------------------------------------------
// Seeds: real FMC bytes and generated records.

export interface Corpus {
  records: Uint8Array[];
  messages: Uint8Array[];
  bundles: Uint8Array[];
  errors: Uint8Array[];
  streamingRequests: Uint8Array[];
  streamingInformation: Uint8Array[];
  lines: string[];
}

function body(message: Uint8Array): Uint8Array {
  return message.subarray(8);
}

export function buildCorpus(seed = 1): Corpus {
  const session = fs.readFileSync(path.join(FIXTURES, 'fmc-session-2020-12-03.hex'), 'utf8');
  const unit = fs.readFileSync(path.join(FIXTURES, 'encore-unit-test-records.hex'), 'utf8');
  const messages: Uint8Array[] = [];
  for (const line of session.split('\n')) {
    const m = /^(?:C->S|S->C) ([0-9a-f]+)$/.exec(line.trim());
    if (m) messages.push(hexToBytes(m[1]));
  }
  const records = [...parseCapture(session).records, ...parseCapture(unit).records];
  const rng = new Rng(seed);
  const types = [...RECORD_LAYOUTS.keys()];
  for (let i = 0; i < 400; i++) records.push(encodeRecord(randomRecordInput(rng.pick(types), rng)));
  const bundles = messages.filter((m) => ((m[2] << 8) | m[3]) === 4002).map(body);
  for (let i = 0; i < 20; i++) {
    const some = Array.from({ length: 1 + rng.int(6) }, () => rng.pick(records));
    bundles.push(body(encodeBundle(rng.int(0xffffffff), i, some, rng.int(1) as 0 | 1)));
  }
  const errors = [body(encodeError(19, 'No space left')), body(encodeError(-1, '')), body(encodeError(7, 'Ünïcode ✓ error text'))];
  const families = ['intrusion', 'connection', 'file', 'malware', 'metadata', 'ioc', 'discovery', 'user'] as const;
  const service = { serviceId: 6667, flags: 0x48900061, initialTimestamp: 0, events: eventsFor([...families]) };
  const streamingRequests = [body(encodeStreamingRequest([service], 'entry')), body(encodeStreamingRequest([service], 'message'))];
  const streamingInformation = [body(encodeStreamingInformation([service])), body(encodeStreamingInformation([service, { ...service, serviceId: 6668, events: [] }]))];
  const lines = records.slice(0, 200).map((r) => formatLine(decodeRecord(r), { fallbackSeconds: 1733212800, names: { device: 'fw "1"\n', user: 'ü\u202e' } }));
  return { records, messages, bundles, errors, streamingRequests, streamingInformation, lines };
}

// ---------------------------------------------------------------------------------------------
// Mutations.

const INTERESTING_32 = [0, 1, 7, 8, 15, 16, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff];

/** A copy: Buffer#slice (the fixtures come as Buffers) would be a view and mutate the corpus. */
function copy(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

function writeU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

/** A length field set to a lie: near the truth, 0, or huge. Record/block lengths sit at 4 mod 8 in headers. */
function lyingLength(rng: Rng, b: Uint8Array): Uint8Array {
  if (b.length < 8) return b;
  const out = copy(b);
  const candidates = [4, 12, 20, 28];
  const at = rng.int(2) === 0 ? rng.pick(candidates.filter((c) => c + 4 <= out.length)) : rng.int(out.length - 4);
  const current = ((out[at] << 24) | (out[at + 1] << 16) | (out[at + 2] << 8) | out[at + 3]) >>> 0;
  const choice = rng.int(3);
  const v = choice === 0 ? rng.pick(INTERESTING_32) : choice === 1 ? (current + rng.int(16) - 8) >>> 0 : (current + b.length * (1 + rng.int(3))) >>> 0;
  writeU32(out, at, v);
  return out;
}

/** Block headers that each claim to hold everything after them: as deep as the bytes allow. */
function deepNesting(rng: Rng, b: Uint8Array): Uint8Array {
  const depth = 100 + rng.int(5000);
  const head = b.length >= 16 && rng.int(1) ? 16 : Math.min(8, b.length);
  const out = new Uint8Array(head + depth * 8 + rng.int(32));
  out.set(b.subarray(0, head));
  const blockType = rng.pick([0, 1, 11, 14, 29, 31, 40, 101, 160, 173, rng.int(0xffff)]);
  for (let i = 0; i < depth; i++) {
    const at = head + i * 8;
    writeU32(out, at, rng.int(3) === 0 ? (0x80000000 | blockType) >>> 0 : blockType);
    writeU32(out, at + 4, out.length - at);
  }
  if (head >= 8) writeU32(out, 4, out.length - 8 - (head === 16 ? 8 : 0));
  return out;
}

export function mutateBytes(rng: Rng, seed: Uint8Array, other: () => Uint8Array): Uint8Array {
  const op = rng.int(9);
  switch (op) {
    case 0: {
      const out = copy(seed);
      const flips = 1 + rng.int(7);
      for (let i = 0; i < flips && out.length; i++) out[rng.int(out.length - 1)] ^= 1 << rng.int(7);
      return out;
    }
    case 1: {
      const out = copy(seed);
      for (let i = 0, n = 1 + rng.int(3); i < n && out.length; i++) out[rng.int(out.length - 1)] = rng.pick([0, 0xff, 0x7f, 0x80, 1, rng.int(255)]);
      return out;
    }
    case 2:
      return seed.slice(0, rng.int(seed.length));
    case 3:
      return lyingLength(rng, seed);
    case 4: {
      const out = copy(seed);
      if (out.length >= 8) writeU32(out, rng.pick([4, 12, 20].filter((a) => a + 4 <= out.length)), rng.pick([0x7fffffff, 0xffffffff, 0xfffffff8, 0x04000000]));
      return out;
    }
    case 5:
      return deepNesting(rng, seed);
    case 6:
      return rng.bytes(rng.int(rng.int(1) ? 64 : 4096));
    case 7: {
      const b = other();
      const cut = rng.int(seed.length);
      const out = new Uint8Array(cut + b.length - Math.min(b.length, rng.int(b.length)));
      out.set(seed.subarray(0, cut));
      out.set(b.subarray(0, out.length - cut), cut);
      return out;
    }
    default: {
      // Several mutations stacked.
      let out = seed;
      for (let i = 0, n = 2 + rng.int(3); i < n; i++) out = mutateBytes(rng, out, other);
      return out;
    }
  }
}

const LINE_SNIPPETS = ['"', '\\', '\\x', '\\xZZ', '\\u{', '\\u{110000}', '\\u{d800}', '\\u{ffffffffffff}', '=', ' ', ' raw=', 'raw=', '\r', '\n', '\0', '\u202e', '\ud800', '==', '====', 'A', '-', '[]', '{}', '#'];

export function mutateLine(rng: Rng, line: string): string {
  const op = rng.int(6);
  const at = rng.int(line.length);
  switch (op) {
    case 0:
      return line.slice(0, at) + rng.pick(LINE_SNIPPETS) + line.slice(at);
    case 1:
      return line.slice(0, at) + line.slice(at + 1 + rng.int(20));
    case 2:
      return line.slice(0, at);
    case 3: {
      // Corrupt the base64 of raw=: flips bytes inside the record while keeping it decodable.
      const r = line.lastIndexOf(' raw=');
      if (r < 0) return line + ' raw=' + Buffer.from(rng.bytes(rng.int(40))).toString('base64');
      const bytes = Buffer.from(line.slice(r + 5), 'base64');
      const mutated = mutateBytes(rng, bytes, () => bytes);
      return line.slice(0, r + 5) + Buffer.from(mutated).toString(rng.int(5) === 0 ? 'base64url' : 'base64');
    }
    case 4: {
      let s = '';
      for (let i = 0, n = rng.int(200); i < n; i++) s += String.fromCharCode(rng.int(3) === 0 ? rng.int(0xffff) : 32 + rng.int(94));
      return s;
    }
    default:
      return mutateLine(rng, mutateLine(rng, line));
  }
}

// ---------------------------------------------------------------------------------------------
// Running one input against its target.

const INVARIANT = 'invariant';

function allowed(target: Target, err: unknown): boolean {
  if (err instanceof Error && err.name === INVARIANT) return false;
  switch (target) {
    case 'record':
    case 'dumpFile':
      return false;
    case 'dumpLine':
      return err instanceof DumpFormatError;
    default:
      return err instanceof ProtocolError;
  }
}

function invariant(message: string): never {
  const e = new Error(message);
  e.name = INVARIANT;
  throw e;
}

function sameRecord(a: EStreamerRecord, b: EStreamerRecord): boolean {
  const replacer = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v);
  if (a.status !== b.status || a.reason !== b.reason || a.errorOffset !== b.errorOffset || a.recordType !== b.recordType) return false;
  // A malformed record's partial fields are whatever each reader got to before stopping.
  return a.status === 'malformed' || JSON.stringify(a.fields, replacer) === JSON.stringify(b.fields, replacer);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

/** Runs one byte input against one target; returns something holding the output alive (for the memory check). */
function runBytes(target: Target, input: Uint8Array, rng: Rng, checkInterpreter: boolean): unknown {
  switch (target) {
    case 'record': {
      const record = decodeRecord(input);
      if (checkInterpreter && !sameRecord(record, decodeRecordInterpreted(input))) invariant('compiled and interpreted record readers disagree');
      const line = formatLine(record, { fallbackSeconds: 1733212800 });
      const back = parseLine(line);
      if (!equalBytes(back.raw, input)) invariant('the dump line does not give back the record bytes');
      if (line.includes('\n') || line.includes('\r')) invariant('a dump line contains a line break');
      return [record, line];
    }
    case 'bundle': {
      const bundle = decodeBundle(input);
      return bundle.records.map((r) => decodeRecord(r));
    }
    case 'stream': {
      const decoder = new MessageDecoder();
      const out: unknown[] = [];
      let at = 0;
      while (at < input.length) {
        const n = 1 + rng.int(Math.max(1, input.length >> 1));
        out.push(...decoder.push(input.subarray(at, at + n)));
        at += n;
      }
      return out;
    }
    case 'error':
      return decodeError(input);
    case 'streamingRequest':
      return decodeStreamingRequest(input);
    case 'streamingInformation':
      return decodeStreamingInformation(input);
    case 'eventStreamRequest':
      return decodeEventStreamRequest(input);
    default:
      throw new Error(`not a byte target: ${target}`);
  }
}

function runLine(line: string): unknown {
  parseHeader(line.startsWith('#') ? line : '#estreamer v1 ' + line);
  return parseLine(line);
}

function inputText(input: Uint8Array | string): string {
  return typeof input === 'string' ? JSON.stringify(input) : Buffer.from(input).toString('hex');
}

// ---------------------------------------------------------------------------------------------

export interface FuzzOptions {
  seed: number;
  count: number;
  /** Also write mutated dump files and read them with readDumpFile, every this many inputs (0 = never). */
  fileEvery?: number;
  onProgress?: (done: number, report: FuzzReport) => void;
  corpus?: Corpus;
}

const BYTE_TARGETS: Array<[Target, keyof Corpus, number]> = [
  ['record', 'records', 40],
  ['bundle', 'bundles', 12],
  ['stream', 'messages', 12],
  ['error', 'errors', 4],
  ['streamingRequest', 'streamingRequests', 4],
  ['streamingInformation', 'streamingInformation', 4],
  ['eventStreamRequest', 'streamingRequests', 2],
];
const LINE_WEIGHT = 22;

/** Chooses the target and builds the input of input number `index` (independent of every other index). */
export function makeInput(corpus: Corpus, seed: number, index: number): { target: Target; input: Uint8Array | string; rng: Rng } {
  const rng = new Rng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
  const total = BYTE_TARGETS.reduce((s, t) => s + t[2], LINE_WEIGHT);
  let pick = rng.int(total - 1);
  for (const [target, key, weight] of BYTE_TARGETS) {
    if (pick < weight) {
      const pool = corpus[key] as Uint8Array[];
      const other = (): Uint8Array => rng.pick(corpus.records);
      return { target, input: mutateBytes(rng, rng.pick(pool), other), rng };
    }
    pick -= weight;
  }
  return { target: 'dumpLine', input: mutateLine(rng, rng.pick(corpus.lines)), rng };
}

function arrayBuffers(): number {
  return process.memoryUsage().arrayBuffers;
}

/** Runs one input; returns the failure, if any, and the time it took. */
export function runInput(corpus: Corpus, seed: number, index: number): { target: Target; failure?: Failure; ms: number; growth: number } {
  const { target, input, rng } = makeInput(corpus, seed, index);
  const before = arrayBuffers();
  const t0 = performance.now();
  let kept: unknown;
  let failure: Failure | undefined;
  try {
    kept = typeof input === 'string' ? runLine(input) : runBytes(target, input, rng, (index & 7) === 0);
  } catch (err) {
    if (!allowed(target, err)) {
      const e = err as Error;
      failure = { kind: 'crash', target, seed, index, message: `${e?.name ?? 'throw'}: ${e?.message ?? String(err)}`, input: inputText(input) };
    }
  }
  const ms = performance.now() - t0;
  const growth = arrayBuffers() - before;
  void kept;
  const size = typeof input === 'string' ? input.length * 2 : input.length;
  if (!failure && growth > MEMORY_FACTOR * size + MEMORY_SLACK) {
    failure = { kind: 'memory', target, seed, index, message: `array buffers grew by ${growth} bytes for a ${size}-byte input`, input: inputText(input) };
  }
  return { target, failure, ms, growth: growth / Math.max(1, size) };
}

/** Mutated dump files (header + lines) read back with readDumpFile: it must never throw. */
async function runDumpFile(corpus: Corpus, seed: number, index: number, dir: string): Promise<Failure | undefined> {
  const rng = new Rng((seed ^ Math.imul(index + 7, 0x27d4eb2d)) >>> 0);
  const header = '#estreamer v1 fmc=10.0.0.1:8302 created=2026-12-03T10:00:00Z';
  const lines = [rng.int(1) === 0 ? mutateLine(rng, header) : header];
  for (let i = 0, n = 1 + rng.int(40); i < n; i++) lines.push(rng.int(1) ? mutateLine(rng, rng.pick(corpus.lines)) : rng.pick(corpus.lines));
  let text = lines.join(rng.int(3) === 0 ? '\r\n' : '\n');
  if (rng.int(1)) text += '\n';
  const file = path.join(dir, `fuzz-${index}.estreamer`);
  fs.writeFileSync(file, text);
  try {
    for await (const entry of readDumpFile(file, { onIssue: () => undefined, chunkBytes: 64 * 1024 })) void entry;
    return undefined;
  } catch (err) {
    return { kind: 'crash', target: 'dumpFile', seed, index, message: `${(err as Error).name}: ${(err as Error).message}`, input: JSON.stringify(text) };
  } finally {
    fs.rmSync(file, { force: true });
  }
}

export async function fuzz(options: FuzzOptions): Promise<FuzzReport> {
  const corpus = options.corpus ?? buildCorpus(options.seed);
  const report: FuzzReport = { seed: options.seed, inputs: 0, perTarget: {}, crashes: 0, hangs: 0, memoryBlowUps: 0, failures: [], slowestMs: 0, largestGrowthRatio: 0 };
  const dir = options.fileEvery ? fs.mkdtempSync(path.join(os.tmpdir(), 'estreamer-fuzz-')) : '';
  const record = (f: Failure): void => {
    if (f.kind === 'crash') report.crashes++;
    else if (f.kind === 'hang') report.hangs++;
    else report.memoryBlowUps++;
    if (report.failures.length < 50) report.failures.push(f);
  };
  const progressEvery = Math.max(1000, Math.floor(options.count / 20));
  try {
    for (let index = 0; index < options.count; index++) {
      let r = runInput(corpus, options.seed, index);
      if (r.ms > HANG_MS) {
        const again = runInput(corpus, options.seed, index);
        if (again.ms > HANG_MS) {
          const { input } = makeInput(corpus, options.seed, index);
          r = { ...again, failure: again.failure ?? { kind: 'hang', target: again.target, seed: options.seed, index, message: `${again.ms.toFixed(0)} ms for one input`, input: inputText(input) } };
        } else {
          r = again;
        }
      }
      const target = r.target;
      report.perTarget[target] = (report.perTarget[target] ?? 0) + 1;
      report.inputs++;
      report.slowestMs = Math.max(report.slowestMs, r.ms);
      report.largestGrowthRatio = Math.max(report.largestGrowthRatio, r.growth);
      if (r.failure) record(r.failure);
      if (options.fileEvery && index % options.fileEvery === 0) {
        const f = await runDumpFile(corpus, options.seed, index, dir);
        report.perTarget.dumpFile = (report.perTarget.dumpFile ?? 0) + 1;
        report.inputs++;
        if (f) record(f);
      }
      if ((index + 1) % progressEvery === 0) options.onProgress?.(index + 1, report);
    }
  } finally {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
  return report;
}
