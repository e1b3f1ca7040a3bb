/**
 * The test module VS Code loads into the extension host (`extensionTestsPath`), with the same
 * `run()` contract as @vscode/test-electron. Runs every bundled `*.test.js` beside it (built from
 * test/integration/suite/*.test.ts by scripts/build-integration-tests.mjs) in one mocha run.
 * Output goes through console.log: the extension host forwards it to the workbench, which hands
 * it to the harness, which prints it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type MochaType from 'mocha';

// mocha 12's main entry is ESM; its CommonJS build is what the extension host loads reliably.
const Mocha = require('mocha/lib/mocha.cjs') as typeof MochaType;

/** Prints one line per test and the plain closing line `N passed, N failed` that CI reads. */
class PlainReporter extends Mocha.reporters.Base {
  constructor(runner: MochaType.Runner, options?: MochaType.MochaOptions) {
    super(runner, options);
    let passed = 0;
    let failed = 0;
    const failures: { title: string; error: Error }[] = [];
    runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, (test) => {
      passed++;
      console.log(`  ok    ${test.fullTitle()} (${test.duration ?? 0} ms)`);
    });
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test, error: Error) => {
      failed++;
      failures.push({ title: test.fullTitle(), error });
      console.log(`  FAIL  ${test.fullTitle()}`);
    });
    runner.on(Mocha.Runner.constants.EVENT_TEST_PENDING, (test) => console.log(`  skip  ${test.fullTitle()}`));
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      failures.forEach(({ title, error }, i) => {
        console.log(`\n${i + 1}) ${title}\n${error.stack ?? error.message}`);
      });
      console.log(`\nintegration: ${passed} passed, ${failed} failed`);
    });
  }
}

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: Number(process.env.INTEGRATION_TEST_TIMEOUT_MS ?? 30_000),
    reporter: PlainReporter,
  });
  if (process.env.INTEGRATION_GREP) mocha.grep(process.env.INTEGRATION_GREP);
  const testFiles = fs
    .readdirSync(__dirname, { recursive: true })
    .map(String)
    .filter((name) => name.endsWith('.test.js'))
    .sort();
  for (const file of testFiles) mocha.addFile(path.join(__dirname, file));
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => {
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
        else if (testFiles.length === 0) reject(new Error(`no integration test files found in ${__dirname}`));
        else resolve();
      });
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}
