/**
 * A small seeded fuzz run of the codec and the dump reader (bench/fuzz.ts runs the large one):
 * nothing may escape the APIs' promises, hang or blow up memory.
 */
import * as assert from 'node:assert/strict';
import { buildCorpus, fuzz, makeInput, mutateBytes, type Corpus } from '../../../bench/fuzzEngine';
import { Rng } from '../../../src/protocol';

describe('fuzzing the codec and the dump reader (small seeded run)', () => {
  let corpus: Corpus;
  before(() => (corpus = buildCorpus(7)));

  it('the inputs are reproducible from (seed, index) and differ between indexes', () => {
    const a = makeInput(corpus, 7, 123);
    const b = makeInput(corpus, 7, 123);
    const c = makeInput(corpus, 7, 124);
    assert.deepEqual(a.input, b.input);
    assert.equal(a.target, b.target);
    assert.notDeepEqual(a.input, c.input);
  });

  it('mutations really change the seed bytes (flips, truncations, lying and huge lengths, nesting)', () => {
    const rng = new Rng(3);
    const seed = corpus.records[0];
    let changed = 0;
    for (let i = 0; i < 200; i++) if (!Buffer.from(mutateBytes(rng, seed, () => corpus.records[1])).equals(Buffer.from(seed))) changed++;
    assert.ok(changed > 180, `only ${changed} of 200 mutations changed the input`);
  });

  it('2 500 inputs over every target: 0 crashes, 0 hangs, 0 memory blow-ups', async function () {
    this.timeout(60_000);
    const report = await fuzz({ seed: 7, count: 2500, fileEvery: 60, corpus });
    for (const target of ['record', 'bundle', 'stream', 'error', 'streamingRequest', 'streamingInformation', 'eventStreamRequest', 'dumpLine', 'dumpFile']) {
      assert.ok((report.perTarget[target] ?? 0) > 0, `no input reached ${target}`);
    }
    const detail = report.failures.map((f) => `${f.kind} ${f.target} #${f.index}: ${f.message} input ${f.input.slice(0, 200)}`).join('\n');
    assert.equal(report.crashes, 0, detail);
    assert.equal(report.hangs, 0, detail);
    assert.equal(report.memoryBlowUps, 0, detail);
  });
});
