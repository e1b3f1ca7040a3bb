/**
 * The panel's host side in plain Node: record details from real FMC bytes written to a real dump,
 * the paged/filtered model, the session's ready gate, throttle, errors and host-gone handling, and
 * the Markdown export's escaping.
 */
import * as assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { analyzeDumps } from '../../src/analysis';
import { Emitter } from '../../src/common/events';
import type { HostTimeline, RecordRef } from '../../src/common/timeline';
import { MessageType, defaultQuery, type EventQuery, type RecordDetails, type ToWebviewMessage } from '../../src/common/webviewProtocol';
import { parseCapture } from '../../src/dump/capture';
import { DumpWriter } from '../../src/dump/writer';
import { parseLine } from '../../src/dump/format';
import { readDumpLine, readRecordDetails } from '../../src/extension/timeline/recordDetails';
import { exportMarkdown, md, TimelineModel } from '../../src/extension/timeline/timelineModel';
import { TimelineSession } from '../../src/extension/timeline/timelineSession';
import { decodeRecord, encodeRecord, randomRecordInput, Rng, type Fields } from '../../src/protocol';
import { generateTimeline, PAYLOADS } from './generate';

const FIXTURES = path.resolve(__dirname, '../../../shared/estreamer/fixtures');

/** The first record line of `recordType` in the dumps under `dir`. */
async function firstLineOf(dir: string, recordType: number): Promise<RecordRef> {
  for (const name of (await readdir(dir, { recursive: true })).filter((n) => n.endsWith('.estreamer')).sort()) {
    const file = path.join(dir, name);
    const lines = (await readFile(file, 'utf8')).split('\n');
    const at = lines.findIndex((l) => l && !l.startsWith('#') && parseLine(l).recordType === recordType);
    if (at >= 0) return { file, line: at + 1 };
  }
  throw new Error(`no record ${recordType} under ${dir}`);
}

/**
 * Every top-level decoded field (discovery header fields one by one) has a span; the spans sit
 * side by side from byte 0 to the end of raw without overlapping; fixed-width numbers, IPv4
 * addresses and texts read back from their bytes. Returns how many values it compared.
 */
function assertSpansTileRaw(details: RecordDetails, fields: Fields): number {
  const raw = new Uint8Array(details.raw);
  const byName = new Map(details.fields.map((f) => [f.name, f]));
  for (const [key, value] of Object.entries(fields)) {
    const names = key === 'discoveryHeader' ? Object.keys(value as Fields).map((k) => `${key}.${k}`) : [key];
    for (const name of names) assert.ok(byName.get(name)?.offset !== undefined, `${name} has an offset`);
  }
  const spans = details.fields.filter((f) => f.offset !== undefined).sort((a, b) => a.offset! - b.offset!);
  let end = 0;
  let checked = 0;
  for (const f of spans) {
    assert.equal(f.offset, end, `${f.name} starts where the previous field ends (0x${end.toString(16)})`);
    end = f.offset! + f.length!;
    assert.ok(end <= raw.length, `${f.name} ends inside raw`);
    const bytes = raw.subarray(f.offset!, end);
    if (/^\d+$/.test(f.value) && f.length! <= 4) {
      assert.equal(bytes.reduce((n, b) => n * 256 + b, 0), Number(f.value), `${f.name} at 0x${f.offset!.toString(16)}`);
      checked++;
    } else if (/^\d+\.\d+\.\d+\.\d+$/.test(f.value) && f.length === 4) {
      assert.equal(Array.from(bytes).join('.'), f.value, f.name);
      checked++;
    } else if (f.value === 'Bank-Wire-Transfer-电汇说明.pdf') {
      assert.ok(Buffer.from(bytes).toString('utf8').includes(f.value), `${f.name} holds its text`);
      checked++;
    }
  }
  assert.equal(end, raw.length, 'the spans reach the end of the record');
  return checked;
}

describe('timeline host side (Node)', () => {
  describe('record details from a real FMC capture written as a dump', () => {
    let dir: string;
    let timeline: HostTimeline;

    before(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'timeline-details-'));
      const capture = parseCapture(await readFile(path.join(FIXTURES, 'fmc-session-2020-12-03.hex'), 'utf8'));
      const writer = new DumpWriter({ dir, fmc: 'fixture' });
      await writer.write(capture.records.map((r) => decodeRecord(r)));
      await writer.close();
      const analyzer = await analyzeDumps([dir]);
      const host = analyzer.hosts().sort((a, b) => b.eventCount - a.eventCount)[0];
      timeline = analyzer.timeline(host.ip, { beforeMs: 365 * 86_400_000 })!;
      assert.ok(timeline.events.length > 0, 'the real session gives a host timeline');
    });
    after(() => rm(dir, { recursive: true, force: true }));

    it('returns the exact raw bytes of the line, decoded fields, and offsets that point at the right bytes', async () => {
      let checkedOffsets = 0;
      for (const event of timeline.events.slice(0, 10)) {
        const details = await readRecordDetails(event.ref);
        const line = parseLine(await readDumpLine(event.ref));
        assert.deepEqual(new Uint8Array(details.raw), new Uint8Array(line.raw));
        assert.equal(details.raw.byteLength, line.raw.length, 'exact-size buffer');
        assert.equal(details.recordType, event.recordType);
        assert.equal(details.status, 'ok');
        const dv = new DataView(details.raw);
        for (const f of details.fields) {
          if (f.offset === undefined || f.length !== 4 || !/^\d+$/.test(f.value)) continue;
          assert.equal(dv.getUint32(f.offset), Number(f.value), `${f.name} at 0x${f.offset.toString(16)}`);
          checkedOffsets++;
        }
        assert.ok(details.fields.some((f) => f.name.startsWith('dump: ')), 'the dump line names are listed too');
      }
      assert.ok(checkedOffsets >= 20, `checked ${checkedOffsets} u32 fields against their offsets`);
    });

    it('gives every top-level field of a real connection record its exact span, discovery header included', async () => {
      const ref = await firstLineOf(dir, 71);
      const details = await readRecordDetails(ref);
      const record = decodeRecord(new Uint8Array(details.raw));
      assert.equal(record.status, 'ok');
      const checked = assertSpansTileRaw(details, record.fields);
      assert.ok(details.fields.some((f) => f.name === 'discoveryHeader.deviceId' && f.offset === 16), 'discovery header fields have offsets');
      assert.ok(checked >= 30, `checked ${checked} fixed-width values against their bytes`);
    });

    it('keeps offsets exact after strings in the middle of generated file events', async () => {
      const rng = new Rng(5);
      const inputs = [randomRecordInput(502, rng), randomRecordInput(500, rng)];
      for (const input of inputs) {
        // Text in the middle of the record, so later offsets depend on its encoded length.
        for (const [name, value] of Object.entries(input.fields)) if (typeof value === 'string' && !/^[\d.:a-f-]*$/i.test(value)) input.fields[name] = 'Bank-Wire-Transfer-电汇说明.pdf';
      }
      const genDir = await mkdtemp(path.join(tmpdir(), 'timeline-details-gen-'));
      try {
        const writer = new DumpWriter({ dir: genDir, fmc: 'generated' });
        await writer.write(inputs.map((i) => decodeRecord(encodeRecord(i))));
        await writer.close();
        for (const input of inputs) {
          const details = await readRecordDetails(await firstLineOf(genDir, input.recordType));
          const record = decodeRecord(new Uint8Array(details.raw));
          assert.equal(record.status, 'ok', `${input.recordType}: ${record.reason ?? ''}`);
          const texts = details.fields.filter((f) => f.offset !== undefined && f.value === 'Bank-Wire-Transfer-电汇说明.pdf');
          assert.ok(texts.length > 0, `record ${input.recordType} has text fields`);
          const lastText = Math.max(...texts.map((f) => f.offset!));
          const checked = assertSpansTileRaw(details, record.fields);
          assert.ok(checked >= 5, `record ${input.recordType}: checked ${checked} fixed-width values`);
          assert.ok(details.fields.some((f) => f.offset! > lastText && f.length === 4), `record ${input.recordType} has offsets after its text`);
        }
      } finally {
        await rm(genDir, { recursive: true, force: true });
      }
    });

    it('gives a nested block or list one span, its inner fields listed after it without offsets', async () => {
      const genDir = await mkdtemp(path.join(tmpdir(), 'timeline-details-nested-'));
      try {
        const rng = new Rng(11);
        const inputs = [10, 12, 107].map((type) => randomRecordInput(type, rng));
        const writer = new DumpWriter({ dir: genDir, fmc: 'generated' });
        await writer.write(inputs.map((i) => decodeRecord(encodeRecord(i))));
        await writer.close();
        let nestedSeen = 0;
        for (const input of inputs) {
          const details = await readRecordDetails(await firstLineOf(genDir, input.recordType));
          const record = decodeRecord(new Uint8Array(details.raw));
          assert.equal(record.status, 'ok', `${input.recordType}: ${record.reason ?? ''}`);
          assertSpansTileRaw(details, record.fields);
          for (const [name, value] of Object.entries(record.fields)) {
            if (name === 'discoveryHeader' || value === null || typeof value !== 'object' || value instanceof Uint8Array) continue;
            const at = details.fields.findIndex((f) => f.name === name);
            assert.ok(details.fields[at].length! >= 8, `${name} spans its whole encoding`);
            const inner = details.fields.filter((f) => f.name.startsWith(`${name}.`) || f.name.startsWith(`${name}[`));
            assert.ok(inner.every((f) => f.offset === undefined), `${name}'s inner fields carry no overlapping offsets`);
            if (inner.length) assert.ok(details.fields.indexOf(inner[0]) > at, `${name}'s inner fields follow it`);
            nestedSeen++;
          }
        }
        assert.ok(nestedSeen >= 3, `saw ${nestedSeen} nested blocks or lists`);
      } finally {
        await rm(genDir, { recursive: true, force: true });
      }
    });

    it('says which file and line are missing', async () => {
      const ref = { ...timeline.events[0].ref, line: 1_000_000 };
      await assert.rejects(readRecordDetails(ref), /line 1000000 is gone/);
      await assert.rejects(readRecordDetails({ file: path.join(dir, 'nope.estreamer'), line: 2 }), /Cannot read .*nope\.estreamer/);
      await assert.rejects(readRecordDetails({ ...timeline.events[0].ref, line: 1 }), /not a record line/);
    });
  });

  describe('TimelineModel', () => {
    const timeline = generateTimeline({ count: 5000, seed: 9 });
    const model = new TimelineModel(timeline, 1);
    const naive = (q: EventQuery): string[] =>
      timeline.events
        .filter((e) => q.lanes.includes(e.lane) && q.severities.includes(e.severity))
        .filter((e) => (q.fromMs === undefined || e.timeMs >= q.fromMs) && (q.toMs === undefined || e.timeMs <= q.toMs))
        .filter((e) => !q.connectionKey || e.connectionKey === q.connectionKey)
        .filter((e) => `${e.time} ${e.family} ${e.summary} ${e.peer ?? ''}`.toLowerCase().includes(q.text.toLowerCase()))
        .map((e) => e.id);

    it('pages the filtered events in timeline order, capped per page', () => {
      const q: EventQuery = { ...defaultQuery(), lanes: ['intrusion', 'file'], severities: [1, 2, 3], text: 'download', fromMs: timeline.events[100].timeMs, toMs: timeline.events[4000].timeMs };
      const want = naive(q);
      assert.ok(want.length > 10);
      const got: string[] = [];
      for (let offset = 0; offset < want.length; offset += 7) {
        const page = model.page(q, offset, 7);
        assert.equal(page.total, want.length);
        got.push(...page.events.map((e) => e.id));
      }
      assert.deepEqual(got, want);
      assert.equal(model.page(defaultQuery(), 0, 100_000).events.length, 500, 'a page is at most 500 events');
      assert.throws(() => model.page(q, -1, 5), /non-negative integers/);
    });

    it('locates events by id, record and mark index in the filtered list', () => {
      const q: EventQuery = { ...defaultQuery(), lanes: ['connection'] };
      const want = naive(q);
      const target = timeline.events.find((e) => e.id === want[321])!;
      assert.deepEqual(model.locate(q, { eventId: target.id }), { index: 321, eventId: target.id });
      assert.equal(model.locate(q, { ref: target.ref }).index, 321);
      assert.equal(model.locate(q, { markIndex: timeline.events.indexOf(target) }).index, 321);
      const hidden = timeline.events.find((e) => e.lane === 'user')!;
      assert.equal(model.locate(q, { eventId: hidden.id }).index, -1);
      assert.equal(model.locate(q, { eventId: 'no-such-id' }).index, -1);
    });

    it('builds axis marks index-aligned with the events, first indicator flagged', () => {
      const s = model.snapshot();
      const times = new Float64Array(s.marks.timeMs);
      assert.equal(s.marks.count, 5000);
      assert.equal(times.length, 5000);
      assert.equal(times[1234], timeline.events[1234].timeMs);
      const flags = new Uint8Array(s.marks.flags);
      const firstAt = flags.findIndex((f) => (f & 2) !== 0);
      assert.equal(timeline.events[firstAt].ref.line, timeline.host.firstIndicator!.line);
      assert.equal(s.firstIndicatorEventId, timeline.events[firstAt].id);
    });

    it('exports the view as Markdown with event text escaped', () => {
      const t = generateTimeline({ count: 400, seed: 1, payloads: true });
      const text = exportMarkdown(new TimelineModel(t, 1), defaultQuery(), new Date(0));
      assert.match(text, /^# Host timeline: 10\.1\.1\.5/);
      assert.equal(text.split('\n').filter((l) => l.startsWith('| 20')).length, 400);
      assert.ok(!text.includes('<script>') && !text.includes('<img') && !text.includes('<svg'));
      assert.equal(md('a|b <i>'), 'a\\|b &lt;i&gt;');
      assert.ok(text.includes(md(PAYLOADS.fileName)));
    });
  });

  describe('TimelineSession', () => {
    function setup(throttleMs = 100, waitForHostMs = 0) {
      let timeline: HostTimeline | undefined = generateTimeline({ count: 300, seed: 2 });
      const changes = new Emitter<void>();
      const posted: ToWebviewMessage[] = [];
      /** When each 'updated' was posted (performance.now()), to check the throttle's spacing. */
      const updatedAt: number[] = [];
      const gone: string[] = [];
      const session = new TimelineSession(
        '10.1.1.5',
        { timeline: () => timeline, onDidChange: changes.event },
        {
          post: (m) => {
            posted.push(m);
            if (m.type === MessageType.Updated) updatedAt.push(performance.now());
          },
          recordDetails: () => Promise.reject(new Error('no dump here')),
          openRecord: async () => undefined,
          exportDocument: async () => undefined,
          hostGone: (r) => gone.push(r),
        },
        { throttleMs, waitForHostMs },
      );
      return { session, changes, posted, updatedAt, gone, set: (t: HostTimeline | undefined) => (timeline = t) };
    }
    const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

    it('posts nothing before ready, then an init with the snapshot', async () => {
      const { session, changes, posted } = setup();
      changes.fire();
      await wait(150);
      assert.equal(posted.length, 0);
      await session.handleMessage({ type: MessageType.Ready });
      assert.equal(posted.length, 1);
      assert.equal(posted[0].type, MessageType.Init);
      assert.equal(posted[0].type === MessageType.Init && posted[0].snapshot.marks.count, 300);
      session.dispose();
    });

    it('throttles live updates and answers requests against the newest data', async () => {
      // The throttle promises spacing and delivery of the last change, not a count: a loaded
      // machine spreads the changes out and may rightly get more updates.
      const throttleMs = 200;
      const changeCount = 10;
      const { session, changes, posted, updatedAt, set } = setup(throttleMs);
      await session.handleMessage({ type: MessageType.Ready });
      for (let i = 0; i < changeCount; i++) {
        set(generateTimeline({ count: 300 + i, seed: 2 }));
        changes.fire();
        await wait(20);
      }
      // The trailing update is due at most throttleMs after the last change, and timers fire in deadline order.
      await wait(2 * throttleMs);
      const updates = posted.flatMap((m) => (m.type === MessageType.Updated ? [m.snapshot.host.eventCount] : []));
      const trace = updates.map((n, k) => `${Math.round(updatedAt[k])} ms: ${n}`).join(', ');
      assert.ok(updates.length >= 1 && updates.length <= changeCount, `${updates.length} updates for ${changeCount} changes (${trace})`);
      // The post is stamped after the snapshot is built, hence a little tolerance.
      for (let k = 1; k < updatedAt.length; k++) {
        assert.ok(updatedAt[k] - updatedAt[k - 1] >= throttleMs - 50, `updates ${k - 1} and ${k} closer than ${throttleMs} ms (${trace})`);
      }
      assert.equal(updates[updates.length - 1], 300 + changeCount - 1, `the last update carries the last change (${trace})`);
      await session.handleMessage({ type: MessageType.QueryEvents, messageId: 7, query: defaultQuery(), offset: 0, count: 0 });
      const reply = posted[posted.length - 1];
      assert.deepEqual(reply.type === MessageType.Reply && [reply.inReplyTo, (reply.body as { total: number }).total], [7, 309]);
      session.dispose();
    });

    it('turns handler failures into error replies, and reads only records of its timeline', async () => {
      const { session, posted } = setup();
      await session.handleMessage({ type: MessageType.Ready });
      const ref = generateTimeline({ count: 300, seed: 2 }).events[5].ref;
      await session.handleMessage({ type: MessageType.GetRecordDetails, messageId: 3, ref });
      await session.handleMessage({ type: MessageType.GetRecordDetails, messageId: 5, ref: { file: '/etc/passwd', line: 1 } });
      await session.handleMessage({ type: MessageType.QueryEvents, messageId: 4, query: defaultQuery(), offset: -5, count: 1 });
      const errors = posted.filter((m) => m.type === MessageType.Reply).map((m) => m.type === MessageType.Reply && [m.inReplyTo, m.error]);
      assert.deepEqual(errors[0], [3, 'no dump here']);
      assert.deepEqual(errors[1], [5, "/etc/passwd:1 is not a record of 10.1.1.5's timeline."]);
      assert.match(String(errors[2] && errors[2][1]), /Bad page request/);
      session.dispose();
    });

    it('says the host is gone, or waits for it after a reload', async () => {
      const a = setup();
      a.set(undefined);
      await a.session.handleMessage({ type: MessageType.Ready });
      assert.equal(a.posted[0].type, MessageType.HostGone);
      assert.equal(a.gone.length, 1);
      a.session.dispose();

      const b = setup(100, 1000);
      const later = generateTimeline({ count: 50, seed: 3 });
      b.set(undefined);
      await b.session.handleMessage({ type: MessageType.Ready });
      assert.equal(b.posted.length, 0, 'a revived panel waits for the analysis');
      b.set(later);
      b.changes.fire();
      assert.equal(b.posted[0]?.type, MessageType.Init);
      assert.equal(b.gone.length, 0);
      b.session.dispose();
    });
  });
});
