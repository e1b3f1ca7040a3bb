import * as assert from 'assert';
import { MessageDecoder, MessageType, decodeBundle, decodeRecord, decodeRecordInterpreted, encodeRecord, toHex, type EStreamerRecord } from '../../../src/protocol';
import { sessionMessages, unitTestRecords } from './fixtures';

/** The 69 record byte arrays of the five real bundles, in stream order. */
function sessionRecords(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const line of sessionMessages()) {
    for (const m of new MessageDecoder().push(line.bytes)) if (m.type === MessageType.MessageBundle) out.push(...decodeBundle(m.body).records);
  }
  return out;
}

function reencode(r: EStreamerRecord): Uint8Array {
  return encodeRecord({ recordType: r.recordType, typeWord: r.typeWord, archiveTimestamp: r.archiveTimestamp, blockType: r.blockType, fields: r.fields });
}

describe('records of the real FMC session', () => {
  const raws = sessionRecords();
  const records = raws.map(decodeRecord);

  it('decodes all 69 records with every byte accounted for', () => {
    assert.strictEqual(records.length, 69);
    for (const r of records) assert.strictEqual(r.status, 'ok', `${r.recordType}: ${r.reason}`);
    raws.forEach((raw, i) => assert.deepStrictEqual(decodeRecordInterpreted(raw), records[i], 'compiled reader and interpreter agree'));
    const counts: Record<number, number> = {};
    for (const r of records) counts[r.recordType] = (counts[r.recordType] ?? 0) + 1;
    assert.deepStrictEqual(counts, {
      55: 3, 63: 3, 71: 38, 90: 1, 96: 1, 98: 1, 109: 4, 115: 2, 116: 2, 119: 1, 120: 1, 122: 1, 123: 1, 145: 1,
      320: 1, 520: 2, 602: 1, 604: 1, 605: 1, 606: 1, 608: 1, 700: 1,
    });
  });

  it('keeps raw as a view into the bundle, not a copy', () => {
    records.forEach((r, i) => {
      assert.strictEqual(r.raw, raws[i]);
    });
  });

  it('re-encodes every record byte for byte from its decoded fields', () => {
    records.forEach((r, i) => assert.strictEqual(toHex(reencode(r)), toHex(raws[i]), `record ${i} (type ${r.recordType})`));
  });

  it('reads connection records as block 160 behind an extended header and a discovery header', () => {
    const connections = records.filter((r) => r.recordType === 71);
    for (const c of connections) {
      assert.strictEqual(c.blockType, 160);
      assert.strictEqual(c.family, 'connection');
      assert.ok(c.archiveTimestamp! > 1606900000);
      assert.deepStrictEqual({ ...(c.fields.discoveryHeader as object), fileNumber: 0, filePosition: 0 }, {
        deviceId: 1, legacyIpAddress: '0.0.0.0', macAddress: '00:00:00:00:00:00', hasIpv6: 1, reserved: 0, eventSecond: 0,
        eventMicrosecond: 0, eventType: 1003, eventSubtype: 1, fileNumber: 0, filePosition: 0, ipv6Address: '::',
      });
    }
    const first = connections[0].fields;
    const pick = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, first[k]]));
    assert.deepStrictEqual(
      pick(['initiatorIpAddress', 'initiatorPort', 'responderIpAddress', 'responderPort', 'protocol', 'applicationId', 'clientApplicationId', 'webApplicationId',
        'clientUrl', 'initiatorTransmittedBytes', 'responderTransmittedBytes', 'initiatorTransmittedPackets', 'responderTransmittedPackets',
        'firstPacketTimestamp', 'lastPacketTimestamp', 'instanceId', 'connectionCounter', 'ruleId', 'policyRevision', 'ruleAction', 'userId', 'responderCountry',
        'ingressZone', 'egressInterface']),
      {
        initiatorIpAddress: '192.168.50.50', initiatorPort: 59265, responderIpAddress: '52.114.128.70', responderPort: 443, protocol: 6,
        applicationId: 1122, clientApplicationId: 1296, webApplicationId: 1423, clientUrl: 'https://v10.vortex-win.data.microsoft.com',
        initiatorTransmittedBytes: 1687, responderTransmittedBytes: 4492, initiatorTransmittedPackets: 10, responderTransmittedPackets: 8,
        firstPacketTimestamp: 1606923236, lastPacketTimestamp: 1606923301, instanceId: 3, connectionCounter: 98, ruleId: 268434433,
        policyRevision: '00000000-0000-0000-0000-00005fc6fa72', ruleAction: 2, userId: 9999997, responderCountry: 840,
        ingressZone: 'ed81dc4e-3444-11eb-a581-703a42c735fb', egressInterface: 'edaaf142-3444-11eb-a581-703a42c735fb',
      },
    );
    assert.ok(connections.some((c) => c.fields.dnsQuery === 'ctldl.windowsupdate.com' || c.fields.referencedHost === 'ctldl.windowsupdate.com'));
  });

  it('reads the metadata records of bundle 1 (ids, uuids, names without NULs)', () => {
    const byType = (t: number) => records.filter((r) => r.recordType === t).map((r) => r.fields);
    assert.deepStrictEqual(byType(90), [{ id: 0, name: 'Detector' }]);
    assert.deepStrictEqual(byType(115), [
      { uuid: 'ed81dc4e-3444-11eb-a581-703a42c735fb', name: 'inside' },
      { uuid: 'edc619ae-3444-11eb-a581-703a42c735fb', name: 'outside' },
    ]);
    assert.deepStrictEqual(byType(116)[1], { uuid: 'edaaf142-3444-11eb-a581-703a42c735fb', name: 'outisde' });
    assert.deepStrictEqual(byType(145), [{ uuid: '00000000-0000-0000-0000-00005fc6fa72', sensorId: 1, name: 'basic-ac' }]);
    assert.deepStrictEqual(byType(119), [{ uuid: '00000000-0000-0000-0000-00005fc6fa72', id: 268434433, name: 'allow-all' }]);
    assert.deepStrictEqual(byType(98), [{ id: 9999997, protocol: 0, username: 'No Authentication Required' }]);
    assert.deepStrictEqual(byType(520)[0], { countryCode: 840, country: 'united states' });
    assert.deepStrictEqual(byType(700), [{ uuid: '59b12e88-3436-11eb-9e8e-59cf41c735fb', name: 'Balanced Security and Connectivity' }]);
    assert.deepStrictEqual(byType(123), [{ id: 1, name: '10.101.101.161' }]);
    assert.deepStrictEqual(byType(605), [{ id: 0, name: 'Not Checked' }]);
  });
});

describe('decodeRecord on bad input never throws', () => {
  const raws = sessionRecords();
  const connection = raws.find((r) => decodeRecord(r).recordType === 71)!;

  it('reports an unknown record type as unknown, raw kept', () => {
    const bytes = connection.slice();
    bytes[2] = 0x7f; // type 0x7f47
    const r = decodeRecord(bytes);
    assert.strictEqual(r.status, 'unknown');
    assert.match(r.reason!, /no layout for record type 32583/);
    assert.strictEqual(r.raw, bytes);
  });

  it('reports an unknown block version as unknown with the offset of the block', () => {
    const bytes = connection.slice();
    bytes[16 + 56 + 3] = 199; // block type 160 → 199
    const r = decodeRecord(bytes);
    assert.strictEqual(r.status, 'unknown');
    assert.match(r.reason!, /no layout for block type 199 \(known: 174, 173, 171, 170, 169, 168, 163, 160\)/);
    assert.strictEqual(r.errorOffset, 72);
    assert.strictEqual(r.blockType, 199);
    assert.strictEqual((r.fields.discoveryHeader as Record<string, unknown>).eventType, 1003);
  });

  it('reports a record length that does not match the message as malformed', () => {
    const bytes = connection.slice();
    bytes[7] ^= 0x10;
    const r = decodeRecord(bytes);
    assert.strictEqual(r.status, 'malformed');
    assert.strictEqual(r.errorOffset, 4);
  });

  it('reports a lying block length and a lying string length as malformed with the offset', () => {
    const lyingBlock = connection.slice();
    lyingBlock[72 + 7] += 4;
    const r1 = decodeRecord(lyingBlock);
    assert.strictEqual(r1.status, 'malformed');
    assert.strictEqual(r1.errorOffset, 76);

    const lyingString = connection.slice();
    const clientUrlAt = 72 + 225; // first String block of block 160
    assert.strictEqual(new DataView(lyingString.buffer).getUint32(clientUrlAt), 0);
    lyingString[clientUrlAt + 7] += 1;
    const r2 = decodeRecord(lyingString);
    assert.strictEqual(r2.status, 'malformed');
    assert.ok(r2.errorOffset! > clientUrlAt, r2.reason);
  });

  it('reports a truncated record (header consistent) as malformed', () => {
    const cut = connection.slice(0, 300);
    new DataView(cut.buffer).setUint32(4, 300 - 16);
    const r = decodeRecord(cut);
    assert.strictEqual(r.status, 'malformed');
    assert.match(r.reason!, /block length \d+ at offset 76 does not fit/);
  });

  it("reports eNcore's legacy record 98 (no block header) as malformed", () => {
    const legacy = unitTestRecords().find((u) => u.label.startsWith('record 98'))!;
    const r = decodeRecord(legacy.body);
    assert.strictEqual(r.status, 'malformed');
    assert.strictEqual(r.recordType, 98);
    assert.strictEqual(r.errorOffset, 12);
  });

  it('survives random corruption of every real record', () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    let notOk = 0;
    for (let round = 0; round < 1500; round++) {
      const original = raws[rand(raws.length)];
      const bytes = round % 3 === 0 ? original.slice(0, rand(original.length)) : original.slice();
      for (let k = 0; k < 1 + rand(4); k++) if (bytes.length) bytes[rand(bytes.length)] = rand(256);
      const r = decodeRecord(bytes);
      assert.ok(['ok', 'unknown', 'malformed'].includes(r.status));
      const reference = decodeRecordInterpreted(bytes);
      assert.deepStrictEqual([r.status, r.reason, r.errorOffset], [reference.status, reference.reason, reference.errorOffset]);
      if (r.status !== 'ok') {
        notOk++;
        assert.ok(r.reason && r.errorOffset !== undefined && r.errorOffset <= bytes.length);
      }
    }
    assert.ok(notOk > 250);
  });

  it('splits the type word: low 16 bits type, Netmap domain bits kept', () => {
    const bytes = connection.slice();
    bytes[0] = 0x80 | 0x00;
    bytes[1] = 0x05; // bit 31 + domain 5
    const r = decodeRecord(bytes);
    assert.strictEqual(r.status, 'ok');
    assert.strictEqual(r.recordType, 71);
    assert.strictEqual(r.domainId, 5);
    assert.strictEqual(r.typeWord, 0x80050047);
    assert.strictEqual(toHex(reencode(r)), toHex(bytes));
  });
});
