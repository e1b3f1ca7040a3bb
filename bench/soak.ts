/**
 * Fault soak figures: `npx tsx bench/soak.ts [--hosts N] [--fault-every EVENTS] [--seed S]`
 * (default 2 000 hosts ≈ 94 000 records, a fault every 3 000 events). See bench/soakEngine.ts.
 * Prints the figures; exit code 1 when anything was lost, duplicated or kept without a reason.
 */
import { formatSoakReport, soak } from './soakEngine';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const report = await soak({
    hosts: arg('hosts', 2000),
    faultEvery: arg('fault-every', 3000),
    seed: arg('seed', 1),
    log: process.argv.includes('--verbose') ? (l) => process.stderr.write(l + '\n') : undefined,
  });
  console.log(formatSoakReport(report));
  const bad = report.lost + report.extra + report.duplicated + report.badWithoutReason + (report.finalError ? 1 : 0);
  process.exitCode = bad > 0 || report.unknownKept + report.malformedKept < report.injectedBadRecords ? 1 : 0;
}

void main();
