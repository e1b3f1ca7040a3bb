/**
 * `estreamer demo` end to end: the real simulator on loopback, the real client over TLS with the
 * simulator's PKCS#12, real dump files, and the analysis read back from them.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runDemo, truthCheck } from '../../../src/cli/commands/demo';

describe('estreamer demo (simulator → TLS → client → dumps → analysis)', function () {
  this.timeout(60_000);
  let out: string;
  before(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'estreamer-demo-'));
  });
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  it('streams the compromise scenario into dumps and finds exactly the compromised hosts, with their first indicator', async () => {
    // A stale dump from an earlier run must not leak into this one.
    fs.mkdirSync(path.join(out, 'dumps'), { recursive: true });
    fs.writeFileSync(path.join(out, 'dumps', '20200101-000000-0001.estreamer'), '#estreamer v1 fmc=old created=2020-01-01T00:00:00Z\n');

    const result = await runDemo({ out, seed: 5, hosts: 8, compromised: 1, idleMs: 800 });
    assert.ok(result.truth);
    assert.equal(result.truth.compromised.length, 1);
    assert.ok(result.files.length >= 1 && result.files.every((f) => f.startsWith(path.join(out, 'dumps')) && fs.existsSync(f)));
    assert.ok(!fs.existsSync(path.join(out, 'dumps', '20200101-000000-0001.estreamer')), 'the earlier demo dump was replaced');
    const expected = Object.values(result.truth.records_by_type).reduce((a, b) => a + b, 0);
    assert.equal(result.records, expected, 'every record the simulator sent was stored');
    assert.equal(result.analyzer.recordsRead, expected, 'and read back from the dumps');

    const check = truthCheck(result.analyzer, result.truth);
    assert.ok(check.agrees, check.lines.join('\n'));
    const victim = result.truth.compromised[0];
    const summary = result.analyzer.summaryOf(victim.ip);
    assert.equal(summary?.verdict, 'compromised');
    // The first indicator points at a real line of a real dump, and that line is the exploit.
    const fi = summary?.firstIndicator;
    assert.ok(fi && result.files.includes(fi.file));
    const line = fs.readFileSync(fi.file, 'utf8').split('\n')[fi.line - 1];
    assert.match(line, new RegExp(`^${victim.first_indicator.time.slice(0, 19)}\\.\\d{6}Z 400 intrusion `));
    // Nothing secret in the demo folder: only dumps and the ground truth.
    const names = fs.readdirSync(out, { recursive: true }).map(String).sort();
    assert.deepEqual(names.filter((n) => !n.endsWith('.estreamer') && n !== 'dumps'), ['truth.json']);
    assert.ok(!names.some((n) => /pkcs12|password|\.pem$|\.key$/i.test(n)));
  });
});
