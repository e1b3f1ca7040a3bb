/**
 * Decoder throughput: `npx tsx bench/decode.ts [records]` (default 1,000,000 per run).
 * Prints figures only; nothing here is asserted.
 *
 * Runs: the 38 real connection records of the 2020 FMC capture (block 160), repeated; a seeded mix
 * of generated intrusion (400/85), file malware (502/56) and malware (125/80) records; the
 * connection records again with names resolved through a MetadataCache fed by the capture's
 * metadata; and whole bundles through MessageDecoder + decodeBundle + decodeRecord.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MetadataCache } from '../src/metadata';
import { MessageDecoder, MessageType, Rng, decodeBundle, decodeRecord, encodeBundle, encodeRecord, hexToBytes, randomRecordInput } from '../src/protocol';

const total = Number(process.argv[2] ?? 1_000_000);
const fixtures = path.resolve(__dirname, '../../shared/estreamer/fixtures');

function sessionRecords(): Uint8Array[] {
  const text = fs.readFileSync(path.join(fixtures, 'fmc-session-2020-12-03.hex'), 'utf8');
  const out: Uint8Array[] = [];
  for (const line of text.split('\n')) {
    const m = /^S->C ([0-9a-f]+)$/.exec(line.trim());
    if (!m) continue;
    for (const msg of new MessageDecoder().push(hexToBytes(m[1]))) if (msg.type === MessageType.MessageBundle) out.push(...decodeBundle(msg.body).records);
  }
  return out;
}

/** `recordsPerItem`: how many records one item of `records` holds (a bundle holds several). */
function run(label: string, records: readonly Uint8Array[], perRecord: (bytes: Uint8Array) => unknown, recordsPerItem = 1): void {
  let bytes = 0;
  for (const r of records) bytes += r.length;
  const rounds = Math.ceil(total / (records.length * recordsPerItem));
  // Warm up so the figure is the steady state, not the JIT.
  for (let i = 0; i < Math.min(rounds, 2000 / records.length + 1); i++) for (const r of records) perRecord(r);
  let sink = 0;
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < rounds; i++) for (let j = 0; j < records.length; j++) if (perRecord(records[j])) sink++;
  const cpu = process.cpuUsage(cpuStart);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  // CPU time is the figure to read on a shared machine; wall time is shown beside it.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const n = rounds * records.length * recordsPerItem;
  const mib = (rounds * bytes) / (1024 * 1024);
  console.log(
    `${label.padEnd(44)} ${n.toLocaleString('en').padStart(10)} rec  ${(n / cpuSeconds).toFixed(0).padStart(8)} rec/s  ${(mib / cpuSeconds).toFixed(1).padStart(6)} MiB/s  ` +
      `(per CPU second; wall ${(n / seconds).toFixed(0)} rec/s; ${(bytes / (records.length * recordsPerItem)).toFixed(0)} B avg)`,
  );
  if (sink < 0) console.log(sink);
}

const session = sessionRecords();
const connections = session.filter((r) => decodeRecord(r).recordType === 71);
const cache = new MetadataCache();
for (const r of session) cache.add(decodeRecord(r));

const rng = new Rng(1);
const mix: Uint8Array[] = [];
for (let i = 0; i < 3000; i++) {
  const [type, block] = ([[400, 85], [502, 56], [125, 80]] as const)[i % 3];
  mix.push(encodeRecord({ ...randomRecordInput(type, rng, block), archiveTimestamp: 1606923302 }));
}

console.log(`node ${process.version}, ${total.toLocaleString('en')} records per run, load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs`);
run('decode: real connection records (71/160)', connections, (b) => decodeRecord(b).status === 'ok');
run('decode: generated intrusion/file/malware mix', mix, (b) => decodeRecord(b).status === 'ok');
run('decode + names(): real connection records', connections, (b) => {
  const r = decodeRecord(b);
  return cache.names(r).accessControlRule !== undefined;
});

// Whole path: bundles of 23 connection records (as large as the real ones) through the framing.
const bundleMessage = encodeBundle(1, 1, connections.slice(0, 23));
const decoderForBench = new MessageDecoder();
run(
  'framing + bundles + decode (23 per bundle)',
  [bundleMessage],
  (chunk) => {
    let ok = 0;
    for (const m of decoderForBench.push(chunk)) for (const r of decodeBundle(m.body).records) if (decodeRecord(r).status === 'ok') ok++;
    return ok === 23;
  },
  23,
);
