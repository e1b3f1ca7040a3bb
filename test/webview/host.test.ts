/**
 * The panel's host side in plain Node: record details from real FMC bytes written to a real dump,
 * the paged/filtered model, the session's ready gate, throttle, errors and host-gone handling, and
 * the Markdown export's escaping.
 */
import * as assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { analyzeDumps } from '../../src/analysis';
import { Emitter } from '../../src/common/events';
import type { HostTimeline } from '../../src/common/timeline';
import { MessageType, defaultQuery, type EventQuery, type ToWebviewMessage } from '../../src/common/webviewProtocol';
import { parseCapture } from '../../src/dump/capture';
import { DumpWriter } from '../../src/dump/writer';
import { parseLine } from '../../src/dump/format';
import { readDumpLine, readRecordDetails } from '../../src/extension/timeline/recordDetails';
import { exportMarkdown, md, TimelineModel } from '../../src/extension/timeline/timelineModel';
import { TimelineSession } from '../../src/extension/timeline/timelineSession';
import { decodeRecord } from '../../src/protocol';
import { generateTimeline, PAYLOADS } from './generate';

const FIXTURES = path.resolve(__dirname, '../../../shared/estreamer/fixtures');

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
      const gone: string[] = [];
      const session = new TimelineSession(
        '10.1.1.5',
        { timeline: () => timeline, onDidChange: changes.event },
        {
          post: (m) => posted.push(m),
          recordDetails: () => Promise.reject(new Error('no dump here')),
          openRecord: async () => undefined,
          exportDocument: async () => undefined,
          hostGone: (r) => gone.push(r),
        },
        { throttleMs, waitForHostMs },
      );
      return { session, changes, posted, gone, set: (t: HostTimeline | undefined) => (timeline = t) };
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
      const { session, changes, posted, set } = setup(200);
      await session.handleMessage({ type: MessageType.Ready });
      for (let i = 0; i < 10; i++) {
        set(generateTimeline({ count: 300 + i, seed: 2 }));
        changes.fire();
        await wait(20);
      }
      await wait(400);
      const updates = posted.filter((m) => m.type === MessageType.Updated);
      assert.ok(updates.length >= 1 && updates.length <= 2, `${updates.length} updates`);
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
