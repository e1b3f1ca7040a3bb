import * as assert from 'node:assert/strict';
import { handMadeRecord as record, HOSTILE_STRINGS } from './helpers';
import {
  formatHeader,
  formatLine,
  formatTime,
  parseHeader,
  parseLine,
  parseTime,
  quoteString,
  readValue,
  recordTime,
} from '../../../src/dump/format';

describe('dump line format', () => {
  it('quotes and unescapes every hostile string exactly, on one line', () => {
    for (const s of HOSTILE_STRINGS) {
      const q = quoteString(s);
      assert.ok(!/[\n\r\u2028\u2029\u0085]/.test(q), `one line for ${JSON.stringify(s)}`);
      assert.ok(!/[\u202a-\u202e\u2066-\u2069]/.test(q), `no live bidi control for ${JSON.stringify(s)}`);
      assert.equal(readValue(q + ' next', 0).value, s);
    }
  });

  it('round-trips hostile strings as field values and resolved names through formatLine/parseLine', () => {
    const fields: Record<string, string> = {};
    HOSTILE_STRINGS.forEach((s, i) => (fields[`f${i}`] = s));
    const rec = record({ fields, raw: new Uint8Array([1, 2, 3, 250, 251, 252]) });
    const line = formatLine(rec, { names: { sensor: 'fw "1"\n' } });
    assert.ok(!line.includes('\n'));
    const parsed = parseLine(line);
    assert.deepEqual(parsed.pairs, [['sensor', 'fw "1"\n'], ...HOSTILE_STRINGS.map((s, i) => [`f${i}`, s])]);
    assert.deepEqual([...parsed.raw], [1, 2, 3, 250, 251, 252]);
  });

  it('flattens nested blocks and lists in field order and writes bytes as hex', () => {
    const rec = record({
      fields: {
        deviceId: 1,
        big: 2n ** 64n - 1n,
        flag: true,
        none: null,
        sha: new Uint8Array([0xde, 0xad, 0xbe, 0xef]),
        header: { eventSecond: 5, mac: 'aa:bb' },
        list: [{ a: 1 }, { a: 2 }],
        empty: [],
        nothing: {},
      },
    });
    const keys = parseLine(formatLine(rec)).pairs;
    assert.deepEqual(keys, [
      ['deviceId', '1'],
      ['big', '18446744073709551615'],
      ['flag', 'true'],
      ['none', '-'],
      ['sha', 'deadbeef'],
      ['header.eventSecond', '5'],
      ['header.mac', 'aa:bb'],
      ['list[0].a', '1'],
      ['list[1].a', '2'],
      ['empty', '[]'],
      ['nothing', '{}'],
    ]);
  });

  it('writes unknown and malformed records with their status and reason', () => {
    const rec = record({ recordType: 9999, family: 'unknown', status: 'malformed', reason: 'block 160 length 9 < 8', errorOffset: 24 });
    const p = parseLine(formatLine(rec));
    assert.equal(p.recordType, 9999);
    assert.equal(p.family, 'unknown');
    assert.deepEqual(p.pairs.slice(0, 3), [['status', 'malformed'], ['reason', 'block 160 length 9 < 8'], ['errorOffset', '24']]);
  });

  it('takes the event time, then a nested discovery header time, then the archive timestamp', () => {
    assert.deepEqual(recordTime(record({ fields: { eventSecond: 1606923302, eventMicrosecond: 12 }, archiveTimestamp: 7 })), { sec: 1606923302, usec: 12 });
    assert.deepEqual(recordTime(record({ fields: { discoveryHeader: { eventSecond: 100, eventMicrosecond: 3 } } })), { sec: 100, usec: 3 });
    assert.deepEqual(recordTime(record({ fields: { eventSecond: 0 }, archiveTimestamp: 1606923302 })), { sec: 1606923302, usec: 0 });
    assert.deepEqual(recordTime(record({ fields: { fileEventTimestamp: 42 } })), { sec: 42, usec: 0 });
    assert.equal(recordTime(record({ fields: { id: 1 } })), undefined);
    const line = formatLine(record({ fields: { id: 1 } }), { fallbackSeconds: 1733212800.25 });
    assert.ok(line.startsWith('2024-12-03T08:00:00.250000Z 400 intrusion '), line);
  });

  it('formats and parses times to the microsecond', () => {
    assert.equal(formatTime(1606923302, 123456), '2020-12-02T15:35:02.123456Z');
    assert.equal(formatTime(1606923302, 7), '2020-12-02T15:35:02.000007Z');
    assert.equal(parseTime('2020-12-02T15:35:02.123456Z'), 1606923302123.456);
    assert.ok(Number.isNaN(parseTime('yesterday')));
  });

  it('formats any second as Date.toISOString does, also when records jump between seconds and days', () => {
    let seed = 11;
    const next = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const seconds = [0, 59, 60, 3599, 3600, 86399, 86400, 951782400, 951868799, 951868800, 253402300799, 1606923302.75];
    for (let i = 0; i < 3000; i++) seconds.push(Math.floor(next() * (i % 2 ? 253402300800 : 4e9)));
    for (const sec of seconds) {
      const micro = Math.floor(next() * 1e6);
      const expected = new Date(Math.floor(sec) * 1000).toISOString().slice(0, 19) + '.' + String(micro).padStart(6, '0') + 'Z';
      assert.equal(formatTime(sec, micro), expected, String(sec));
    }
    assert.equal(formatTime(NaN, 0), '1970-01-01T00:00:00.000000Z');
    assert.equal(formatTime(1606923302, 1e7), '2020-12-02T15:35:02.999999Z');
    assert.equal(formatTime(1606923302, -3), '2020-12-02T15:35:02.000000Z');
  });

  it('round-trips the header, including values that need quotes', () => {
    const h = {
      version: 1,
      fmc: '10.0.0.1:8302',
      flags: 0x48900061,
      start: 'bookmark:1733212800',
      created: '2026-12-03T10:00:00Z',
      extra: [['note', 'a "b"'] as [string, string]],
    };
    const line = formatHeader(h);
    assert.equal(line, '#estreamer v1 fmc=10.0.0.1:8302 flags=0x48900061 start=bookmark:1733212800 created=2026-12-03T10:00:00Z note="a \\"b\\""');
    assert.deepEqual(parseHeader(line), h);
    assert.equal(parseHeader('# a comment'), undefined);
  });

  it('rejects broken lines with a message saying what is wrong', () => {
    assert.throws(() => parseLine('garbage'), /not a record line/);
    assert.throws(() => parseLine('2020-12-02T15:35:02.000000Z 71 connection a="unterminated raw=AAAA'), /unterminated/);
    assert.throws(() => parseLine('2020-12-02T15:35:02.000000Z 71 connection a=1'), /no raw=/);
    assert.throws(() => parseLine('2020-12-02T15:35:02.000000Z 71 connection raw=A*'), /base64/);
    assert.throws(() => parseLine('2020-12-02T15:35:02.000000Z 71 connection a="\\q" raw=AAAA'), /unknown escape/);
  });
});
