/**
 * Hostile text from the FMC's records (signature messages, file names, malware names, NetBIOS and
 * user names, URLs) through dumps into the compromise analysis: the summaries keep markup as
 * plain text (nothing stripped or turned into HTML) and stay one line each.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeDumps } from '../../../src/analysis';
import { DumpWriter } from '../../../src/dump/writer';
import { MetadataCache } from '../../../src/metadata';
import type { EStreamerRecord } from '../../../src/protocol/types';
import { T0, connection, fileEvent, intrusion, malware, meta, newHost, userLogin } from '../analysis/records';
import { HOSTILE, LINE_BREAKS } from './corpus';

const ATTACKER = '203.0.113.66';
const CASES = Object.entries(HOSTILE).filter(([label]) => label !== 'empty');

describe('hostile text through dumps into the analysis summaries', function () {
  this.timeout(60_000);
  let dir: string;
  let summaries: Map<string, { reasons: string[]; netbios: string[]; users: string[]; events: string[] }>;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'estreamer-hostile-analysis-'));
    const records: EStreamerRecord[] = [meta.classification(5, 'attempted-admin', 'Attempted Administrator Privilege Gain')];
    CASES.forEach(([, text], i) => {
      const victim = `10.9.0.${i + 1}`;
      const sid = 3_000_000 + i;
      const at = T0 + i * 60;
      records.push(
        meta.rule(sid, text),
        newHost({ host: victim, at, netbios: text }),
        userLogin({ host: victim, at: at + 1, user: text }),
        connection({ src: victim, dst: ATTACKER, at: at + 2, url: text }),
        intrusion({ src: ATTACKER, dst: victim, at: at + 3, impact: 1, sid }),
        fileEvent({ src: ATTACKER, dst: victim, at: at + 4, action: 1, name: text }),
        malware({ host: victim, at: at + 5, eventTypeId: 1090519054, detection: text }),
      );
    });
    const metadata = new MetadataCache();
    const writer = new DumpWriter({ dir, fmc: '10.0.0.1:8302', names: metadata });
    await writer.write(records);
    await writer.close();
    const analyzer = await analyzeDumps([dir]);
    summaries = new Map();
    for (const h of analyzer.hosts()) {
      const events = analyzer.timeline(h.ip)?.events.map((e) => e.summary) ?? [];
      summaries.set(h.ip, { reasons: h.reasons, netbios: h.netbiosNames, users: h.users, events });
    }
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('every victim is found and its names are kept exactly (data, not display)', () => {
    CASES.forEach(([label, text], i) => {
      const s = summaries.get(`10.9.0.${i + 1}`);
      assert.ok(s, `${label}: victim not in the analysis`);
      assert.ok(s.netbios.includes(text), `${label}: NetBIOS name changed: ${JSON.stringify(s.netbios)}`);
      assert.ok(s.users.includes(text), `${label}: user name changed: ${JSON.stringify(s.users)}`);
    });
  });

  it('markup in signature messages and file names stays plain text in reasons and event summaries', () => {
    for (const label of ['script', 'img', 'svg', 'entity', 'markdown']) {
      const i = CASES.findIndex(([l]) => l === label);
      const s = summaries.get(`10.9.0.${i + 1}`)!;
      const all = [...s.reasons, ...s.events].join('\n');
      assert.ok(all.includes(HOSTILE[label]), `${label}: '${HOSTILE[label]}' not found verbatim in ${JSON.stringify(all.slice(0, 600))}`);
    }
  });

  it('no reason or event summary breaks into several lines, whatever the record text held', () => {
    for (const [ip, s] of summaries) {
      for (const text of [...s.reasons, ...s.events]) assert.doesNotMatch(text, LINE_BREAKS, `${ip}: ${JSON.stringify(text)}`);
    }
  });
});
