import * as assert from 'node:assert/strict';
import { Analyzer } from '../../../src/analysis/analyzer';
import { MetadataCache } from '../../../src/metadata';
import type { EStreamerRecord } from '../../../src/protocol/types';
import { OS_UUID, SI_POLICY, T0, connection, fileEvent, intrusion, iocSet, malware, meta, newHost, newOs, userLogin } from './records';

const FILE = '/dumps/fmc-1/2026-12-03T10-00-00Z.estreamer';
const ATTACKER = '203.0.113.66';
const VICTIM = '10.1.1.5';

/**
 * Feeds records as the dump reader does, one line each (line 1 is the dump header): metadata
 * records go into a real MetadataCache, and every event gets its names from it.
 */
function feed(records: EStreamerRecord[], analyzer = new Analyzer(), cache = new MetadataCache()): Analyzer {
  records.forEach((rec, i) => {
    const names = cache.add(rec) ? {} : cache.names(rec);
    analyzer.add(rec, names, { file: FILE, line: i + 2 });
  });
  return analyzer;
}

/** Rule 2001219 "Apache Struts …" and classification 5 attempted-admin, as the FMC sends them. */
const ADMIN = [
  meta.rule(2001219, 'SERVER-WEBAPP Apache Struts remote code execution attempt'),
  meta.classification(5, 'attempted-admin', 'Attempted Administrator Privilege Gain'),
];

describe('analysis: verdicts', () => {
  it('calls the target of an unblocked impact 1 attempted-admin attack compromised, naming the signature and line', () => {
    const a = feed([...ADMIN, intrusion({ src: ATTACKER, dst: VICTIM, at: T0 + 60, impact: 1 })]);
    const victim = a.summaryOf(VICTIM);
    assert.ok(victim);
    assert.equal(victim.verdict, 'compromised');
    assert.equal(victim.firstIndicator?.time, '2026-12-03T10:01:00.250000Z');
    assert.equal(victim.firstIndicator?.recordType, 400);
    assert.equal(victim.firstIndicator?.line, 4);
    assert.match(victim.reasons[0], /Apache Struts remote code execution attempt/);
    assert.match(victim.reasons[0], /attempted-admin, impact 1/);
    assert.match(victim.reasons[0], /1:2001219:3/);
    assert.match(victim.reasons[0], /2026-12-03T10-00-00Z\.estreamer:4/);
    // The attacker is indexed (it appears in the event) but is not the compromised one.
    assert.equal(a.summaryOf(ATTACKER)?.verdict, 'clean');
    assert.equal(a.hosts()[0].ip, VICTIM, 'compromised hosts sort first');
  });

  it('recognises the classification description as well as the short name', () => {
    // Some FMCs name classifications by their description only.
    const a = feed([meta.classification(5, 'Attempted Administrator Privilege Gain', ''), intrusion({ src: ATTACKER, dst: VICTIM, at: T0, impact: 2 })]);
    assert.equal(a.summaryOf(VICTIM)?.verdict, 'compromised');
    const b = feed([meta.classification(5, 'Unsuccessful User Privilege Gain', ''), intrusion({ src: ATTACKER, dst: VICTIM, at: T0, impact: 1 })]);
    assert.equal(b.summaryOf(VICTIM)?.verdict, 'clean', 'unsuccessful-user is not an IOC class');
  });

  it('treats blocked attempts and impact 3/4 events as context, not compromise', () => {
    const a = feed([
      ...ADMIN,
      meta.classification(6, 'web-application-attack', 'Web Application Attack'),
      intrusion({ src: ATTACKER, dst: VICTIM, at: T0, impact: 1, blocked: 1 }),
      intrusion({ src: ATTACKER, dst: VICTIM, at: T0 + 1, impact: 3 }),
      intrusion({ src: ATTACKER, dst: VICTIM, at: T0 + 2, impact: 4, classificationId: 6 }),
    ]);
    const v = a.summaryOf(VICTIM);
    assert.equal(v?.verdict, 'clean');
    assert.equal(v?.firstIndicator, undefined);
    assert.ok(v?.reasons.some((r) => /3 blocked or low-impact attacks/.test(r)), v?.reasons.join('\n'));
    assert.equal(v?.laneCounts.intrusion, 3);
  });

  it('ignores classes outside the IOC list even at impact 1', () => {
    const a = feed([meta.classification(5, 'misc-activity', 'Misc activity'), intrusion({ src: ATTACKER, dst: VICTIM, at: T0, impact: 1 })]);
    assert.equal(a.summaryOf(VICTIM)?.verdict, 'clean');
  });

  it('blames the internal host for malware-cnc signatures whichever way the packet went', () => {
    const a = feed([
      meta.classification(5, 'malware-cnc', 'Known malware command and control traffic'),
      intrusion({ src: ATTACKER, dst: VICTIM, at: T0, impact: 2 }),
    ]);
    assert.equal(a.summaryOf(VICTIM)?.verdict, 'compromised');
    assert.equal(a.summaryOf(ATTACKER)?.verdict, 'clean');
  });

  it('flags an allowed connection on a CnC Security Intelligence list and only suspects a blocked one', () => {
    const si = [meta.siList(7, SI_POLICY, 'CnC'), meta.siSide(2, 'Destination'), meta.ruleAction(1, 'Block'), meta.ruleAction(2, 'Allow')];
    const a = feed([...si, connection({ src: VICTIM, dst: ATTACKER, at: T0, siSide: 2, siList: 7 })]);
    const v = a.summaryOf(VICTIM);
    assert.equal(v?.verdict, 'compromised');
    assert.equal(v?.indicators[0].kind, 'si-cnc');
    assert.match(v?.reasons[0] ?? '', /Security Intelligence list 'CnC'/);
    assert.equal(a.summaryOf(ATTACKER)?.verdict, 'clean');

    const b = feed([...si, connection({ src: VICTIM, dst: ATTACKER, at: T0, siSide: 2, siList: 7, action: 1 })]);
    assert.equal(b.summaryOf(VICTIM)?.verdict, 'suspicious');
    assert.equal(b.summaryOf(VICTIM)?.indicators[0].kind, 'si-cnc-blocked');
  });

  it('flags malware files that got through and not the ones that were blocked', () => {
    const through = feed([fileEvent({ src: ATTACKER, dst: VICTIM, at: T0, action: 1 })]);
    assert.equal(through.summaryOf(VICTIM)?.verdict, 'compromised');
    assert.match(through.summaryOf(VICTIM)?.reasons[0] ?? '', /malware file "invoice\.pdf\.exe".*action Detect \(not blocked\)/i);
    const blocked = feed([fileEvent({ src: ATTACKER, dst: VICTIM, at: T0, action: 4 })]);
    assert.equal(blocked.summaryOf(VICTIM)?.verdict, 'clean');
    const clean = feed([fileEvent({ src: ATTACKER, dst: VICTIM, at: T0, action: 1, disposition: 1, recordType: 500 })]);
    assert.equal(clean.summaryOf(VICTIM)?.verdict, 'clean');
  });

  it('flags AMP executions, droppers and botnets, not quarantines', () => {
    const amp = [meta.malwareType(1090519054, 'Threat Detected'), meta.malwareType(77, 'Dropper Infection Detected'), meta.malwareSubtype(2, 'Execute'), meta.malwareSubtype(4, 'Scan')];
    const executed = feed([...amp, malware({ host: VICTIM, at: T0, eventTypeId: 1090519054, subtype: 2 })]);
    assert.equal(executed.summaryOf(VICTIM)?.verdict, 'compromised');
    assert.equal(executed.summaryOf(VICTIM)?.indicators[0].kind, 'amp-executed');
    const dropper = feed([...amp, malware({ host: VICTIM, at: T0, eventTypeId: 77 })]);
    assert.equal(dropper.summaryOf(VICTIM)?.indicators[0].kind, 'amp-dropper');
    const quarantined = feed([malware({ host: VICTIM, at: T0, eventTypeId: 553648143 })]);
    assert.equal(quarantined.summaryOf(VICTIM)?.verdict, 'clean');
    const detected = feed([...amp, malware({ host: VICTIM, at: T0, eventTypeId: 1090519054, subtype: 4 })]);
    assert.equal(detected.summaryOf(VICTIM)?.verdict, 'suspicious');
  });

  it("takes the FMC's IOC tag as compromise, names the IOC, and anchors on the IOC state's first seen", () => {
    const a = feed([
      meta.iocName(3, 'Impact 1 Attack', 'Impact 1 Intrusion Event - attempted-admin'),
      iocSet({ host: VICTIM, at: T0 + 300, iocId: 3, firstSeen: T0 + 120 }),
    ]);
    const v = a.summaryOf(VICTIM);
    assert.equal(v?.verdict, 'compromised');
    assert.equal(v?.firstIndicator?.kind, 'ioc-tag');
    assert.equal(v?.firstIndicator?.time, '2026-12-03T10:02:00.000000Z');
    assert.match(v?.reasons[0] ?? '', /IOC 'Impact 1 Intrusion Event - attempted-admin \(Impact 1 Attack\)' set by the FMC/);
  });

  it('picks the earliest indicator as the first, whatever order the records arrive in', () => {
    const a = feed([
      ...ADMIN,
      meta.malwareSubtype(2, 'Execute'),
      malware({ host: VICTIM, at: T0 + 600, eventTypeId: 1090519054, subtype: 2 }),
      fileEvent({ src: ATTACKER, dst: VICTIM, at: T0 + 400, action: 1 }),
      intrusion({ src: ATTACKER, dst: VICTIM, at: T0 + 60, impact: 1 }),
    ]);
    const v = a.summaryOf(VICTIM);
    assert.equal(v?.firstIndicator?.recordType, 400);
    assert.equal(v?.firstIndicator?.line, 7);
    assert.deepEqual(v?.indicators.map((i) => i.recordType), [400, 502, 125]);
  });

  it('ignores metadata, and survives records with missing or odd fields', () => {
    const a = new Analyzer();
    a.add(ADMIN[1], {}, { file: FILE, line: 1 });
    a.add({ ...intrusion({ src: ATTACKER, dst: VICTIM, at: T0, impact: 1 }), fields: { eventSecond: 'garbage' as unknown as number } }, {}, { file: FILE, line: 2 });
    a.add({ ...connection({ src: VICTIM, dst: ATTACKER, at: T0 }), status: 'malformed' }, {}, { file: FILE, line: 3 });
    assert.equal(a.recordsRead, 3);
    assert.equal(a.hosts().length, 0);
  });
});

describe('analysis: host index', () => {
  it('indexes a host that appears only as a destination', () => {
    const a = feed([connection({ src: VICTIM, dst: '198.51.100.7', at: T0 })]);
    const dst = a.summaryOf('198.51.100.7');
    assert.ok(dst, 'destination-only host is indexed');
    assert.equal(dst.eventCount, 1);
    assert.equal(a.timeline('198.51.100.7')?.events[0].peer, VICTIM);
  });

  it('keeps MAC, NetBIOS name, OS and users where the events say so, for IPv4 and IPv6 hosts', () => {
    const v6 = '2001:db8::5';
    const a = feed([
      newHost({ host: VICTIM, at: T0, mac: '00:11:22:33:44:55', netbios: 'WS-ALICE' }),
      meta.os(OS_UUID, 'Microsoft Windows 10'),
      newOs({ host: VICTIM, at: T0 + 1 }),
      userLogin({ host: VICTIM, at: T0 + 2, user: 'alice' }),
      newHost({ host: v6, at: T0 + 3, mac: '00:11:22:33:44:66' }),
      connection({ src: '10.1.1.9', dst: '2001:0db8:0000:0000:0000:0000:0000:0005', at: T0 + 4 }),
    ]);
    const v = a.summaryOf(VICTIM);
    assert.deepEqual(v?.macs, ['00:11:22:33:44:55']);
    assert.deepEqual(v?.netbiosNames, ['WS-ALICE']);
    assert.deepEqual(v?.os, ['Microsoft Windows 10']);
    assert.deepEqual(v?.users, ['alice']);
    assert.equal(v?.laneCounts.discovery, 2);
    assert.equal(v?.laneCounts.user, 1);
    const six = a.summaryOf(v6);
    assert.equal(six?.eventCount, 2, 'the IPv6 host is one host whatever the spelling');
    assert.deepEqual(six?.macs, ['00:11:22:33:44:66']);
    assert.deepEqual(a.summaryOf('10.1.1.9')?.users, []);
  });
});

describe('analysis: timelines', () => {
  const conn = { device: 1, instance: 3, second: T0 + 58, counter: 98 };

  it('ties intrusion, file and connection events of one connection together', () => {
    const a = feed([
      ...ADMIN,
      connection({ src: ATTACKER, dst: VICTIM, at: T0 + 58, conn, dport: 80 }),
      intrusion({ src: ATTACKER, dst: VICTIM, at: T0 + 60, impact: 1, conn }),
      fileEvent({ src: ATTACKER, dst: VICTIM, at: T0 + 61, action: 1, conn }),
      connection({ src: VICTIM, dst: '198.51.100.7', at: T0 + 70 }),
    ]);
    const t = a.timeline(VICTIM);
    assert.ok(t);
    const [c, i, f, other] = t.events;
    assert.deepEqual([c.recordType, i.recordType, f.recordType, other.recordType], [71, 400, 502, 71]);
    assert.deepEqual(new Set(c.links), new Set([i.id, f.id]));
    assert.deepEqual(new Set(i.links), new Set([c.id, f.id]));
    assert.deepEqual(other.links, []);
    assert.equal(i.connectionKey, `1/3/${T0 + 58}/98`);
    assert.equal(i.indicatorKind, 'intrusion-impact');
    assert.equal(c.indicatorKind, undefined);
    assert.equal(i.lane, 'intrusion');
    assert.equal(i.severity, 1);
    assert.equal(f.lane, 'file');
    assert.match(i.summary, /\[impact 1\] SERVER-WEBAPP Apache Struts .*\(1:2001219:3\) attempted-admin 203\.0\.113\.66:51234 -> 10\.1\.1\.5:80 tcp/);
    assert.deepEqual(i.ref, { file: FILE, line: 5 });
  });

  it('shows 24 h before the first indicator and everything after, or the window asked for', () => {
    const a = feed([
      ...ADMIN,
      connection({ src: VICTIM, dst: '198.51.100.1', at: T0 - 25 * 3600 }),
      connection({ src: VICTIM, dst: '198.51.100.2', at: T0 - 23 * 3600 }),
      intrusion({ src: ATTACKER, dst: VICTIM, at: T0, impact: 1 }),
      connection({ src: VICTIM, dst: '198.51.100.3', at: T0 + 72 * 3600 }),
    ]);
    const peers = (t = a.timeline(VICTIM)): Array<string | undefined> => t?.events.map((e) => e.peer) ?? [];
    assert.deepEqual(peers(), ['198.51.100.2', ATTACKER, '198.51.100.3']);
    assert.equal(a.timeline(VICTIM)?.window.from, '2026-12-02T10:00:00.250000Z');
    assert.deepEqual(peers(a.timeline(VICTIM, { beforeMs: 1000 })), [ATTACKER, '198.51.100.3']);
    assert.deepEqual(peers(a.timeline(VICTIM, { beforeMs: 26 * 3600_000, afterMs: 3600_000 })), ['198.51.100.1', '198.51.100.2', ATTACKER]);
    // A host without indicators shows everything it has.
    assert.equal(a.timeline('198.51.100.1')?.events.length, 1);
  });

  it('links an IOC tag to the intrusion event its IOC state points at', () => {
    const a = feed([
      ...ADMIN,
      intrusion({ src: ATTACKER, dst: VICTIM, at: T0, impact: 1, eventId: 7 }),
      iocSet({ host: VICTIM, at: T0 + 5, iocId: 3, firstSeen: T0 }),
    ]);
    const [i, ioc] = a.timeline(VICTIM)?.events ?? [];
    assert.equal(ioc.lane, 'ioc');
    assert.deepEqual(ioc.links, [i.id]);
    assert.deepEqual(i.links, [ioc.id]);
  });

  it('stays bounded on a beaconing host whose events all share one connection key', () => {
    const cache = new MetadataCache();
    for (const m of [meta.siList(7, SI_POLICY, 'CnC'), meta.siSide(2, 'Destination')]) cache.add(m);
    const beacon = connection({ src: VICTIM, dst: ATTACKER, at: T0, siSide: 2, siList: 7 });
    const names = cache.names(beacon);
    const a = new Analyzer();
    for (let i = 0; i < 2000; i++) a.add(beacon, names, { file: FILE, line: i + 1 });
    const v = a.summaryOf(VICTIM);
    assert.equal(v?.verdict, 'compromised');
    assert.equal(v?.indicators.length, 200, 'the list is capped');
    assert.match(v?.reasons[0] ?? '', /and 1999 more CnC connections/, 'the reasons count them all');
    const t = a.timeline(VICTIM);
    assert.equal(t?.events.length, 2000);
    assert.ok(t?.events.every((e) => e.links.length <= 32), 'links per event are capped');
  });

  it('tells a listener that subscribes after records arrived unheard once, and stops telling it once disposed', async () => {
    const a = new Analyzer();
    const cache = new MetadataCache();
    feed([...ADMIN, intrusion({ src: ATTACKER, dst: VICTIM, at: T0, impact: 1 })], a, cache);
    await Promise.resolve();
    let changes = 0;
    const subscription = a.onDidChange(() => changes++);
    await Promise.resolve();
    assert.equal(changes, 1, 'the records added before it subscribed');
    feed([intrusion({ src: ATTACKER, dst: VICTIM, at: T0 + 1, impact: 1 })], a, cache);
    await Promise.resolve();
    assert.equal(changes, 2);
    subscription.dispose();
    subscription.dispose();
    feed([intrusion({ src: ATTACKER, dst: VICTIM, at: T0 + 2, impact: 1 })], a, cache);
    await Promise.resolve();
    assert.equal(changes, 2, 'nothing after dispose');
    const again = a.onDidChange(() => changes++);
    await Promise.resolve();
    assert.equal(changes, 3, 'a new listener hears of the records added meanwhile');
    again.dispose();
  });

  it('is plain JSON and updates as records arrive', async () => {
    const a = new Analyzer();
    let changes = 0;
    a.onDidChange(() => changes++);
    const cache = new MetadataCache();
    feed([...ADMIN, intrusion({ src: ATTACKER, dst: VICTIM, at: T0, impact: 4 })], a, cache);
    assert.equal(a.summaryOf(VICTIM)?.verdict, 'clean');
    feed([intrusion({ src: ATTACKER, dst: VICTIM, at: T0 + 1, impact: 1 })], a, cache);
    assert.equal(a.summaryOf(VICTIM)?.verdict, 'compromised');
    await Promise.resolve();
    assert.equal(changes, 1, 'changes are coalesced');
    const t = a.timeline(VICTIM);
    assert.deepEqual(JSON.parse(JSON.stringify(t)), t);
    assert.deepEqual(JSON.parse(JSON.stringify(a.report().hosts)), a.report().hosts);
  });
});
