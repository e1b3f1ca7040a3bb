/**
 * Fuzzing figures for the codec and the dump reader: `npx tsx bench/fuzz.ts [COUNT] [--seed N]`
 * (default 20 000 inputs, seed 1; `npx tsx bench/fuzz.ts 1000000` for the 10⁶ target).
 * Prints inputs tried, crashes, hangs and memory blow-ups (see bench/fuzzEngine.ts for what each
 * means) and, for every failure, the seed/index and input to turn into a regression test.
 * Exit code 1 when anything failed; figures only otherwise.
 */
import { fuzz, HANG_MS, MEMORY_FACTOR, MEMORY_SLACK } from './fuzzEngine';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const positional = process.argv.slice(2).find((a, i, all) => !a.startsWith('--') && !(all[i - 1] ?? '').startsWith('--'));
  const count = Number(positional ?? 20_000);
  const seed = Number(arg('seed') ?? 1);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const report = await fuzz({
    seed,
    count,
    fileEvery: 500,
    onProgress: (done, r) => process.stderr.write(`  ${done.toLocaleString('en-US')} / ${count.toLocaleString('en-US')}: ${r.crashes} crashes, ${r.hangs} hangs, ${r.memoryBlowUps} memory\n`),
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  console.log(`fuzz: seed ${seed}, ${report.inputs.toLocaleString('en-US')} inputs in ${seconds.toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU (node ${process.version})`);
  console.log(`  per target: ${Object.entries(report.perTarget).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(`  crashes (errors escaping the API's promise, broken invariants): ${report.crashes}`);
  console.log(`  hangs (> ${HANG_MS} ms for one input, twice): ${report.hangs}`);
  console.log(`  memory blow-ups (> ${MEMORY_FACTOR} × input + ${MEMORY_SLACK / 1048576} MiB of buffers): ${report.memoryBlowUps}`);
  console.log(`  slowest input: ${report.slowestMs.toFixed(1)} ms; largest buffer growth: ${report.largestGrowthRatio.toFixed(1)} × input size`);
  for (const f of report.failures) {
    console.log(`  ${f.kind} in ${f.target} (seed ${f.seed}, index ${f.index}): ${f.message}\n    input: ${f.input.length > 400 ? f.input.slice(0, 400) + '…' : f.input}`);
  }
  process.exitCode = report.crashes + report.hangs + report.memoryBlowUps > 0 ? 1 : 0;
}

void main();
