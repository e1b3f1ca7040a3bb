/**
 * The analysis against data whose truth is known: the simulator's compromise scenario (its
 * truth.json says who was compromised, when, and how) for several seeds, and the real FMC
 * session in the fixtures, which has no compromise in it.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Analyzer } from '../../../src/analysis/analyzer';
import { MetadataCache } from '../../../src/metadata';
import { decodeBundle, decodeRecord, MessageType } from '../../../src/protocol';
import { compromiseScenario } from '../../../src/sim/scenarios/compromise';
import type { RecordStore } from '../../../src/sim/store';
import { streamOrder } from './records';

const FIXTURES = path.resolve(__dirname, '../../../../shared/estreamer/fixtures');

/**
 * Streams a store the way the simulator's session does (each event's metadata first, once),
 * through the real codec, into a MetadataCache and the Analyzer; line n = n-th record.
 */
function analyzeStore(store: RecordStore, file: string): Analyzer {
  const analyzer = new Analyzer();
  const cache = new MetadataCache();
  let line = 0;
  for (const record of streamOrder(store)) {
    const names = cache.add(record) ? {} : cache.names(record);
    analyzer.add(record, names, { file, line: ++line });
  }
  return analyzer;
}

describe('analysis: simulator compromise scenario (ground truth)', () => {
  for (const [seed, compromised, hosts] of [
    [1, 2, 14],
    [7, 3, 12],
    [42, 1, 8],
    [1234, 4, 16],
  ] as const) {
    it(`seed ${seed}: finds the ${compromised} compromised hosts with their first indicator and chain, and no decoy`, () => {
      const { store, truth } = compromiseScenario({ seed, compromised, hosts });
      assert.ok(truth);
      const analyzer = analyzeStore(store, `/sim/seed-${seed}.estreamer`);
      const summaries = analyzer.hosts();
      const called = summaries.filter((h) => h.verdict === 'compromised').map((h) => h.ip).sort();
      assert.deepEqual(called, truth.compromised.map((c) => c.ip).sort(), 'exactly the compromised hosts of the truth');
      // Compromised hosts sort first.
      assert.deepEqual(summaries.slice(0, compromised).map((h) => h.verdict), new Array(compromised).fill('compromised'));

      for (const victim of truth.compromised) {
        const h = analyzer.summaryOf(victim.ip);
        assert.ok(h?.firstIndicator, `${victim.ip} has a first indicator`);
        assert.equal(h.firstIndicator.time.slice(0, 19) + 'Z', victim.first_indicator.time, `${victim.ip}: first indicator time`);
        assert.equal(h.firstIndicator.recordType, victim.first_indicator.record_type);
        // The reason names the exploit's signature and the line of the record that shows it.
        const exploitName = victim.first_indicator.description.split(' (')[0];
        assert.ok(h.reasons[0].includes(exploitName), `${h.reasons[0]} names ${exploitName}`);
        assert.ok(h.reasons[0].includes(`(seed-${seed}.estreamer:${h.firstIndicator.line})`), h.reasons[0]);

        // Every step of the chain is on the host's timeline at its second, with its record type,
        // and every step after the recon is an indicator there.
        const t = analyzer.timeline(victim.ip);
        assert.ok(t);
        for (const step of victim.chain) {
          const at = t.events.filter((e) => e.time.slice(0, 19) + 'Z' === step.time && e.recordType === step.record_type);
          assert.ok(at.length > 0, `${victim.ip}: ${step.step} (${step.record_type} at ${step.time}) on the timeline`);
          if (step.step !== 'recon') assert.ok(at.some((e) => e.indicatorKind), `${victim.ip}: ${step.step} is an indicator`);
          else assert.ok(at.every((e) => !e.indicatorKind), `${victim.ip}: recon is context only`);
        }
        // Every IOC tag is tied to an earlier event that carries its IOC number.
        for (const tag of t.events.filter((e) => e.lane === 'ioc')) {
          const triggers = tag.links.map((id) => t.events.find((e) => e.id === id));
          assert.ok(triggers.some((e) => e && e.lane !== 'ioc' && e.timeMs <= tag.timeMs), `${victim.ip}: ${tag.summary} links to its trigger`);
        }
        // The exploit is tied to its connection.
        const exploit = t.events.find((e) => e.recordType === 400 && e.indicatorKind && e.time.startsWith(victim.first_indicator.time.slice(0, 19)));
        assert.ok(exploit?.links.some((id) => t.events.find((e) => e.id === id)?.recordType === 71), 'exploit linked to its connection');
      }
      for (const decoy of truth.decoys) {
        const h = analyzer.summaryOf(decoy.ip);
        assert.ok(h, `decoy ${decoy.ip} is indexed`);
        assert.notEqual(h.verdict, 'compromised', `decoy ${decoy.ip} (${decoy.kind}) is not called compromised: ${h.reasons.join('; ')}`);
        assert.ok(h.reasons.some((r) => /context, not compromise/.test(r)), `decoy ${decoy.ip} says why it was not: ${h.reasons.join('; ')}`);
      }
    });
  }
});

describe('analysis: the real FMC session (fixtures)', () => {
  it('indexes every host of the 38 connections and calls none compromised', () => {
    const text = fs.readFileSync(path.join(FIXTURES, 'fmc-session-2020-12-03.hex'), 'utf8');
    const analyzer = new Analyzer();
    const cache = new MetadataCache();
    const file = path.join(FIXTURES, 'fmc-session-2020-12-03.hex');
    let connections = 0;
    const hostsSeen = new Set<string>();
    text.split('\n').forEach((line, i) => {
      const m = /^S->C ([0-9a-f]+)$/.exec(line.trim());
      if (!m) return;
      const msg = Buffer.from(m[1], 'hex');
      if (msg.readUInt16BE(2) !== MessageType.MessageBundle) return;
      for (const bytes of decodeBundle(msg.subarray(8)).records) {
        const record = decodeRecord(bytes);
        if (record.recordType === 71) {
          connections++;
          hostsSeen.add(String(record.fields.initiatorIpAddress)).add(String(record.fields.responderIpAddress));
        }
        analyzer.add(record, cache.add(record) ? {} : cache.names(record), { file, line: i + 1 });
      }
    });
    assert.equal(connections, 38);
    const hosts = analyzer.hosts();
    assert.deepEqual(hosts.map((h) => h.ip).sort(), [...hostsSeen].sort(), 'every initiator and responder is a host');
    assert.deepEqual(hosts.filter((h) => h.verdict !== 'clean'), []);
    const client = analyzer.timeline('192.168.50.50');
    assert.ok(client && client.events.length > 0);
    assert.match(client.events.find((e) => e.peer === '52.114.128.70')?.summary ?? '', /HTTPS.*SSL client.*Microsoft.*vortex-win\.data\.microsoft\.com.*Allow/);
  });
});
