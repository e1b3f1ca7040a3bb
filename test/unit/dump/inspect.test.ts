import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeRecord } from '../../../src/protocol';
import { parseCapture } from '../../../src/dump/capture';
import { formatLine } from '../../../src/dump/format';
import { fieldSpans, hexDump, ipsInLine, outlineLine } from '../../../src/dump/inspect';

const FIXTURES = path.resolve(__dirname, '../../../../shared/estreamer/fixtures');

function fixtureRecords() {
  return [path.join(FIXTURES, 'fmc-session-2020-12-03.hex'), path.join(FIXTURES, 'encore-unit-test-records.hex')]
    .flatMap((f) => parseCapture(fs.readFileSync(f, 'utf8')).records)
    .map((b) => decodeRecord(b));
}

describe('dump inspection (hover, CodeLens, outline helpers)', () => {
  it('locates every field of every decodable fixture record: contiguous spans that cover the record exactly', () => {
    for (const record of fixtureRecords().filter((r) => r.status === 'ok')) {
      const spans = fieldSpans(record.raw, record);
      let at = 0;
      for (const s of spans) {
        assert.equal(s.offset, at, `${record.recordType} ${s.name} starts where the previous field ended`);
        at += s.length;
      }
      assert.equal(at, record.raw.length, `record ${record.recordType}: spans cover all ${record.raw.length} bytes`);
    }
  });

  it('gives the real connection record’s ports and counters at offsets that hold their values', () => {
    const rec = fixtureRecords().find((r) => r.recordType === 71)!;
    const spans = fieldSpans(rec.raw, rec);
    const dv = new DataView(rec.raw.buffer, rec.raw.byteOffset, rec.raw.byteLength);
    const byName = new Map(spans.map((s) => [s.name, s]));
    const port = byName.get('initiatorPort')!;
    assert.equal(port.length, 2);
    assert.equal(dv.getUint16(port.offset), rec.fields.initiatorPort);
    assert.equal(port.value, 59265);
    const bytes = byName.get('initiatorTransmittedBytes')!;
    assert.equal(Number(dv.getBigUint64(bytes.offset)), bytes.value);
    assert.equal(byName.get('recordHeader.archiveTimestamp')?.offset, 8);
    assert.equal(byName.get('discoveryHeader.eventType')?.value, 1003);
    assert.equal(byName.get('block.type')?.value, rec.blockType);
  });

  it('stops quietly on the malformed fixture record, keeping the header spans', () => {
    const bad = fixtureRecords().find((r) => r.status === 'malformed');
    assert.ok(bad, 'the unit-test fixtures hold a malformed record');
    const spans = fieldSpans(bad.raw, bad);
    assert.equal(spans[0].name, 'recordHeader.typeWord');
    assert.ok(spans.every((s) => s.offset + s.length <= bad.raw.length));
  });

  it('finds the host IPs of a line once each, skipping MACs, unspecified addresses and raw=', () => {
    const rec = fixtureRecords().find((r) => r.recordType === 71)!;
    const line = formatLine(rec, { names: { device: '10.101.101.161' } });
    const ips = ipsInLine(line).map((m) => m.ip);
    assert.deepEqual(ips, ['10.101.101.161', '192.168.50.50', '52.114.128.70']);
    const m = ipsInLine(line)[1];
    assert.equal(line.slice(m.start, m.end), '192.168.50.50');
    assert.deepEqual(ipsInLine('t 1 x a=2001:db8::5 b=00:50:56:aa:bb:cc c=:: d=999.1.1.1 e=fe80::1 raw=AA').map((x) => x.ip), ['2001:db8::5', 'fe80::1']);
  });

  it('hex-dumps with offsets and printable ASCII', () => {
    const dump = hexDump(Buffer.from('ABCDEFGHIJKLMNOP\x00\x01q'));
    const [first, second] = dump.split('\n');
    assert.equal(first, '000000  41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f 50  ABCDEFGHIJKLMNOP');
    assert.equal(second.indexOf('..q'), first.indexOf('ABC'), 'the ASCII column lines up on a short last row');
    assert.match(second, /^000010  00 01 71 +\.\.q$/);
    assert.match(hexDump(new Uint8Array(40), 16), /… 24 more bytes$/);
  });

  it('reads the outline tokens of record lines only', () => {
    assert.deepEqual(outlineLine('2020-12-02T15:35:02.000000Z 71 connection a=1 raw=AA', 3), { line: 3, time: '2020-12-02T15:35:02.000000Z', recordType: 71, family: 'connection' });
    assert.equal(outlineLine('#estreamer v1 fmc=x', 0), undefined);
    assert.equal(outlineLine('', 1), undefined);
    assert.equal(outlineLine('garbage', 1), undefined);
  });
});
