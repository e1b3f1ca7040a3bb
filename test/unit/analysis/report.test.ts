/**
 * The dump path and the two renderings: records written by the real DumpWriter, read back by
 * analyzeDumps, printed by `estreamer analyze` as text and as JSON.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeDumps } from '../../../src/analysis/dumps';
import { renderText, reportJson, reportJsonChunks } from '../../../src/analysis/report';
import { run as analyzeCommand } from '../../../src/cli/commands/analyze';
import { DumpWriter } from '../../../src/dump/writer';
import { MetadataCache } from '../../../src/metadata';
import { T0, connection, intrusion, meta } from './records';

const VICTIM = '10.1.1.5';
const ATTACKER = '203.0.113.66';
const CNC = '185.220.101.9';

async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString());
    return true;
  }) as typeof process.stdout.write;
  try {
    return { code: await fn(), out: chunks.join('') };
  } finally {
    process.stdout.write = write;
  }
}

describe('analysis: dumps, text and JSON', () => {
  let dir: string;
  let file: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'estreamer-analyze-'));
    const conn = { device: 1, instance: 3, second: T0 + 58, counter: 98 };
    const beacons = [0, 1, 2, 3].map((i) => connection({ src: VICTIM, dst: CNC, at: T0 + 600 + i * 900, siSide: 2, siList: 7, conn: { device: 1, instance: 1, second: T0 + 600 + i * 900, counter: 200 + i } }));
    const writer = new DumpWriter({ dir, fmc: '127.0.0.1:8302', names: new MetadataCache() });
    await writer.write([
      meta.rule(2001219, 'SERVER-WEBAPP Apache Struts remote code execution attempt'),
      meta.classification(5, 'attempted-admin', 'Attempted Administrator Privilege Gain'),
      meta.siList(7, '00000000-0000-0000-0000-00005fc6fa72', 'CnC'),
      meta.siSide(2, 'Destination'),
      connection({ src: VICTIM, dst: '198.51.100.7', at: T0 - 3600 }),
      connection({ src: ATTACKER, dst: VICTIM, at: T0 + 58, conn, dport: 80 }),
      intrusion({ src: ATTACKER, dst: VICTIM, at: T0 + 60, impact: 1, conn }),
      ...beacons,
    ]);
    await writer.close();
    file = writer.files[0];
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('points every event at its line in the dump', async () => {
    const analyzer = await analyzeDumps([dir]);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const t = analyzer.timeline(VICTIM);
    assert.ok(t);
    assert.equal(t.events.length, 7);
    for (const e of t.events) {
      assert.equal(e.ref.file, file);
      const line = lines[e.ref.line - 1];
      assert.ok(line.includes(` ${e.recordType} `), `line ${e.ref.line} is a ${e.recordType} record: ${line.slice(0, 60)}`);
      // Connections are placed at their first packet; the dump line carries the archive time.
      if (e.recordType !== 71) assert.ok(line.startsWith(e.time.slice(0, 19)), `line ${e.ref.line} is the event of ${e.time}`);
    }
  });

  it('prints the compromised host first, with its first sign, reasons, links and folded repeats', async () => {
    const analyzer = await analyzeDumps([dir]);
    const text = renderText(analyzer, { limit: 60, all: true, color: false, cwd: dir });
    const [counts, , heading, firstSign] = text.split('\n');
    assert.match(counts, /^\d+ records, \d+ hosts: 1 compromised, 0 suspicious, \d+ clean$/);
    assert.match(heading, /^COMPROMISED 10\.1\.1\.5 /);
    const intrusionLine = analyzer.summaryOf(VICTIM)?.firstIndicator?.line ?? 0;
    assert.match(firstSign, new RegExp(`First sign 2026-12-03 10:01:00Z: intrusion 'SERVER-WEBAPP Apache Struts.*\\[${path.basename(file)}:${intrusionLine}\\]`));
    assert.match(text, /Allowed connection 10\.1\.1\.5:49152 -> 185\.220\.101\.9:443 matching Security Intelligence list 'CnC' at .* — and 3 more CnC connections until/);
    assert.match(text, /SI CnC {2}\(\+3 like it until 10:55:00\)/, 'beacons fold into one row');
    assert.match(text, new RegExp(`attempted-admin 203\\.0\\.113\\.66:51234 -> 10\\.1\\.1\\.5:80 tcp.*↔ :${intrusionLine - 1}`), 'the exploit row shows its connection');
    assert.match(text, /Clean hosts:\n {2}185\.220\.101\.9 +4 events\n {2}198\.51\.100\.7 +1 event\n/);
    const all = renderText(analyzer, { limit: 0, all: false, color: false, cwd: dir });
    assert.doesNotMatch(all, /like it/, '--limit 0 prints every event');
  });

  it('streams the same JSON document it documents, window included', async () => {
    const analyzer = await analyzeDumps([dir]);
    const whole = reportJson(analyzer, { beforeMs: 1800_000 });
    const streamed = JSON.parse([...reportJsonChunks(analyzer, { beforeMs: 1800_000 })].join(''));
    assert.deepEqual({ ...streamed, generatedAt: 0 }, JSON.parse(JSON.stringify({ ...whole, generatedAt: 0 })));
    const host = streamed.hosts[0];
    assert.equal(host.ip, VICTIM);
    assert.equal(host.verdict, 'compromised');
    assert.deepEqual(Object.keys(host.firstIndicator).sort(), ['description', 'file', 'kind', 'line', 'recordType', 'time']);
    assert.equal(streamed.window.beforeHours, 0.5);
    assert.ok(host.timeline.every((e: { timeMs: number }) => e.timeMs >= Date.UTC(2026, 11, 3, 10, 1, 0) - 1800_000));
    assert.equal(host.timeline.length, 6, 'the connection an hour before the first sign is outside a 30 min window');
  });

  it('estreamer analyze --json prints it; bad options and missing paths get a clear message', async () => {
    const { code, out } = await capture(() => analyzeCommand([dir, '--json', '--window-hours', '2']));
    assert.equal(code, 0);
    const doc = JSON.parse(out);
    assert.equal(doc.hosts[0].ip, VICTIM);
    assert.equal(doc.window.beforeHours, 2);
    await assert.rejects(analyzeCommand([dir, '--window-hours', 'soon']), /--window-hours 'soon' is not a number of hours/);
    await assert.rejects(analyzeCommand([]), /analyze needs at least one dump file or folder/);
    await assert.rejects(analyzeCommand([path.join(dir, 'missing')]), /No such dump file or folder/);
  });
});
