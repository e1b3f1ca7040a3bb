#!/usr/bin/env node
// `npm test`: build, typecheck and lint (each must pass before anything runs), then every test
// tier. A failing tier does not stop the later ones, so one run reports every failure; the exit
// code is non-zero if any step failed.
import { spawnSync } from 'node:child_process';

const gates = ['build', 'typecheck', 'lint'];
// test:integration = test:vscode + test:ui, run as two tiers so a failure in one still runs the other.
const tiers = ['test:unit', 'test:grammar', 'test:webview', 'test:vscode', 'test:ui'];

function runScript(name) {
  const started = Date.now();
  console.log(`\n### npm run ${name}`);
  const { status, signal } = spawnSync('npm', ['run', '--silent', name], { stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  return { name, ok: status === 0, detail: status === null ? `signal ${signal}` : `exit ${status}`, seconds };
}

// Chromium and VS Code (code-server) for the browser and VS Code tiers; a no-op when present.
const setupStarted = Date.now();
console.log('\n### scripts/install-test-deps.sh');
const setup = spawnSync('bash', ['scripts/install-test-deps.sh'], { stdio: 'inherit' });
const results = [
  {
    name: 'install-test-deps',
    ok: setup.status === 0,
    detail: setup.status === null ? `signal ${setup.signal}` : `exit ${setup.status}`,
    seconds: ((Date.now() - setupStarted) / 1000).toFixed(0),
  },
];
for (const gate of gates) {
  if (!results[0].ok) break;
  const result = runScript(gate);
  results.push(result);
  if (!result.ok) break;
}
if (results.every((r) => r.ok)) for (const tier of tiers) results.push(runScript(tier));

console.log('\n### steps');
for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.detail}, ${r.seconds} s)`);
const skipped = ['install-test-deps', ...gates, ...tiers].filter((name) => !results.some((r) => r.name === name));
if (skipped.length) console.log(`not run: ${skipped.join(', ')}`);
process.exit(results.every((r) => r.ok) && skipped.length === 0 ? 0 : 1);
