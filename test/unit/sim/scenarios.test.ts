import assert from 'node:assert/strict';
import { toHex } from '../../../src/protocol';
import type { EStreamerRecord, Fields } from '../../../src/protocol/types';
import { Simulator, type GroundTruth } from '../../../src/sim';
import { collectExtended, countByType, sharedCertificates } from './rawClient';

const IOC_CLASSES = ['attempted-admin', 'successful-admin', 'attempted-user', 'successful-user', 'web-application-attack'];

/** The host IP an event is about, for the record types the scenario uses. */
function hostsOf(r: EStreamerRecord): string[] {
  const f = r.fields;
  const dh = f.discoveryHeader as Fields | undefined;
  return [f.sourceIpAddress, f.destinationIpAddress, f.initiatorIpAddress, f.responderIpAddress, dh?.legacyIpAddress].filter((v): v is string => typeof v === 'string');
}

describe('sim/scenarios: generated streams and their ground truth', function () {
  let sim: Simulator;
  let records: EStreamerRecord[];
  let truth: GroundTruth;
  const className = new Map<number, string>();

  before(async () => {
    sim = await Simulator.create({ scenario: 'compromise', seed: 42, hosts: 8, compromised: 2, keepAliveMs: 200, certificates: await sharedCertificates() });
    await sim.start();
    truth = sim.truth!;
    records = await collectExtended(sim, 0);
    for (const r of records) if (r.recordType === 67) className.set(r.fields.id as number, r.fields.name as string);
  });
  after(() => sim?.stop());

  it('decodes completely with the codec', () => {
    const bad = records.filter((r) => r.status !== 'ok');
    assert.deepEqual(bad.map((r) => `${r.recordType}: ${r.reason}`), []);
    const types = new Set(records.map((r) => r.recordType));
    for (const t of [71, 10, 11, 15, 101, 95, 400, 500, 502, 125, 160]) assert.ok(types.has(t), `event record ${t}`);
    for (const t of [123, 66, 67, 4, 115, 116, 118, 145, 119, 120, 55, 63, 109, 98, 161, 280, 281, 510, 520, 128, 129, 130, 131, 511, 54, 320, 321]) {
      assert.ok(types.has(t), `metadata record ${t}`);
    }
  });

  it('records_by_type counts exactly what a full request receives', () => {
    assert.deepEqual(countByType(records), truth.records_by_type);
  });

  it('each compromised host has its first indicator and chain in the stream, and nothing earlier', () => {
    assert.equal(truth.compromised.length, 2);
    for (const host of truth.compromised) {
      const about = records.filter((r) => r.archiveTimestamp !== undefined && hostsOf(r).includes(host.ip));
      const first = about.find((r) => r.recordType === 400 && r.fields.eventSecond === host.first_indicator.unix && r.fields.impact !== 3);
      assert.ok(first, `first indicator of ${host.ip}`);
      assert.ok([1, 2].includes(first.fields.impact as number));
      assert.equal(first.fields.blocked, 0);
      assert.ok(IOC_CLASSES.includes(className.get(first.fields.classificationId as number)!));
      const isIndicator = (r: EStreamerRecord) =>
        (r.recordType === 400 && (r.fields.impact as number) <= 2 && r.fields.blocked === 0 && IOC_CLASSES.concat('malware-cnc').includes(className.get(r.fields.classificationId as number)!)) ||
        r.recordType === 160 || r.recordType === 125 ||
        (r.recordType === 502 && r.fields.action !== 4) ||
        (r.recordType === 71 && r.fields.securityIntelligenceList1 === 11);
      // 71 logs when the connection ends (its discovery header's second is 0, as on the real FMC).
      const eventTime = (r: EStreamerRecord) =>
        (r.recordType === 71 ? r.fields.lastPacketTimestamp : (r.fields.eventSecond ?? r.fields.fileEventTimestamp ?? r.fields.malwareEventTimestamp ?? (r.fields.discoveryHeader as Fields).eventSecond)) as number;
      const earlier = about.filter((r) => isIndicator(r) && eventTime(r) < host.first_indicator.unix);
      assert.deepEqual(earlier.map((r) => r.recordType), [], 'no indicator before the first one');
      for (const step of host.chain) {
        assert.ok(about.some((r) => r.recordType === step.record_type && eventTime(r) === step.unix), `${step.step} at ${step.time}`);
      }
      assert.deepEqual([...new Set(host.chain.map((s) => s.step))], ['recon', 'exploit', 'ioc', 'download', 'execution', 'callback']);
      const iocs = about.filter((r) => r.recordType === 160).map((r) => r.fields.iocId);
      const names = records.filter((r) => r.recordType === 161).map((r) => r.fields.id);
      assert.ok(iocs.length >= 5 && iocs.every((id) => names.includes(id)), 'IOC sets with their names');
    }
  });

  it('decoys only look suspicious', () => {
    assert.ok(truth.decoys.length >= 3);
    const compromised = new Set(truth.compromised.map((h) => h.ip));
    for (const decoy of truth.decoys) {
      assert.ok(!compromised.has(decoy.ip));
      const about = records.filter((r) => hostsOf(r).includes(decoy.ip));
      assert.ok(!about.some((r) => r.recordType === 160 || r.recordType === 125), `${decoy.ip} is never IOC-tagged`);
      if (decoy.kind === 'blocked-attack') assert.ok(about.some((r) => r.recordType === 400 && r.fields.blocked === 1));
      if (decoy.kind === 'low-impact') assert.ok(about.some((r) => r.recordType === 400 && (r.fields.impact as number) >= 3));
      if (decoy.kind === 'malware-blocked') assert.ok(about.some((r) => r.recordType === 502 && r.fields.action === 4));
    }
  });

  it('names every malware SHA-256 a file event carries (record 511) before the event', () => {
    for (const [i, r] of records.entries()) {
      if (r.recordType !== 502) continue;
      const named = records.slice(0, i).find((m) => m.recordType === 511 && m.fields.shaHash === r.fields.shaHash);
      assert.ok(named, `511 for ${String(r.fields.shaHash)}`);
      assert.match(named.fields.fileName as string, /^W32\./);
    }
  });

  it('is deterministic from the seed', async () => {
    const same = await Simulator.create({ scenario: 'compromise', seed: 42, hosts: 8, compromised: 2, certificates: sim.certificates });
    const other = await Simulator.create({ scenario: 'compromise', seed: 43, hosts: 8, compromised: 2, certificates: sim.certificates });
    assert.deepEqual(same.truth, truth);
    assert.notDeepEqual(other.truth?.compromised, truth.compromised);
    const bytes = (s: Simulator) => {
      const out: string[] = [];
      const it = s.store.recordsFrom(0);
      for (let r = it.next(); !r.done; r = it.next()) out.push(toHex(r.value.encode(true)));
      return out.join('');
    };
    assert.equal(bytes(same), bytes(sim));
  });

  it('flood generates events lazily and streams them all', async () => {
    const huge = await Simulator.create({ scenario: 'flood', floodEvents: 1e9, certificates: sim.certificates });
    const it = huge.store.recordsFrom(huge.truth!.start.unix + 500_000);
    const r = it.next();
    assert.equal(r.done, false);
    assert.equal(r.value?.archiveTimestamp, huge.truth!.start.unix + 500_000);
    const flood = await Simulator.create({ scenario: 'flood', floodEvents: 1500, certificates: sim.certificates, keepAliveMs: 200 });
    await flood.start();
    try {
      const got = await collectExtended(flood, 0, { families: ['connection', 'metadata'] });
      assert.ok(got.every((rec) => rec.status === 'ok'));
      assert.deepEqual(countByType(got), flood.truth!.records_by_type);
    } finally {
      await flood.stop();
    }
  });
});
