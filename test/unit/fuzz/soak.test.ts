/**
 * A small fault soak (bench/soak.ts runs the long one): the compromise scenario over real TLS,
 * real client, real dump writer, a fault on every connection and a slow consumer; the dumps read
 * back must match the ground truth exactly.
 */
import * as assert from 'node:assert/strict';
import { formatSoakReport, soak, type SoakReport } from '../../../bench/soakEngine';

describe('fault soak (small): simulator → faults → client → dumps, against the ground truth', function () {
  this.timeout(120_000);
  let report: SoakReport;
  before(async () => {
    report = await soak({ hosts: 40, faultEvery: 280, seed: 5, slowEvery: 5, slowMs: 20, idleMs: 1500 });
  });

  it('every fault happened and was recovered from; the client stopped only when idle', () => {
    const figures = formatSoakReport(report);
    assert.equal(report.finalError, undefined, figures);
    assert.match(report.finalState, /idle/, figures);
    const planned = report.faults['drop-after-bytes'];
    assert.ok(planned >= 7, figures);
    assert.equal(report.connections, planned + 1, `one connection per fault, then a clean one\n${figures}`);
    assert.equal(report.reconnects, planned, figures);
    assert.ok(report.stalls >= 1 && report.serverErrors >= 1 && report.slowWrites > 0, figures);
  });

  it('lost 0, duplicated 0 against the ground truth', () => {
    const figures = formatSoakReport(report);
    assert.ok(report.okRecords > 1500, figures);
    assert.equal(report.okRecords, report.expectedRecords, figures);
    assert.equal(report.lost, 0, figures);
    assert.equal(report.extra, 0, figures);
    assert.equal(report.duplicated, 0, figures);
  });

  it('the injected unknown and malformed records are kept, each with its status and reason', () => {
    const figures = formatSoakReport(report);
    assert.equal(report.unknownKept + report.malformedKept, report.injectedBadRecords, figures);
    assert.ok(report.unknownKept >= 2 && report.malformedKept >= 1, figures);
    assert.equal(report.badWithoutReason, 0, figures);
  });
});
