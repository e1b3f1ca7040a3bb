/**
 * Runs an extension test module (the `run()` contract of @vscode/test-electron) inside a real
 * VS Code: VS Code server on loopback + web workbench in headless Chromium + Node extension host.
 */
import { startVSCodeServer } from './server';
import { launchChromium, openWorkbench } from './workbench';

export interface ExtensionTestRun {
  extensionDevelopmentPaths: string[];
  extensionTestsPath: string;
  folder?: string;
  /** Whole-run limit; the suite's own mocha timeouts are per test. */
  timeoutMs?: number;
}

export async function runExtensionTests(run: ExtensionTestRun): Promise<number> {
  const timeoutMs = run.timeoutMs ?? Number(process.env.INTEGRATION_TIMEOUT_MS ?? 10 * 60_000);
  const started = Date.now();
  const server = await startVSCodeServer();
  const browser = await launchChromium().catch(async (error: unknown) => {
    await server.dispose();
    throw error;
  });
  let exitCode = 1;
  try {
    const { page, exitCode: reported } = await openWorkbench(
      browser,
      server,
      {
        folder: run.folder,
        extensionDevelopmentPaths: run.extensionDevelopmentPaths,
        extensionTestsPath: run.extensionTestsPath,
      },
      (type, text) => {
        if (isKnownNoise(text)) return;
        (type === 'error' ? process.stderr : process.stdout).write(`${text}\n`);
      },
    );
    page.on('pageerror', (error) => process.stderr.write(`[workbench] page error: ${error.message}\n`));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const outcome = await Promise.race([reported, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      process.stderr.write(`[harness] no result from the extension tests within ${timeoutMs / 1000} s\n`);
      await page.screenshot({ path: 'test-output/integration-timeout.png' }).catch(() => undefined);
      exitCode = 1;
    } else {
      exitCode = outcome;
    }
  } finally {
    if (exitCode !== 0) process.stderr.write(`--- VS Code server log ---\n${server.log()}--- end of server log ---\n`);
    await browser.close().catch(() => undefined);
    await server.dispose();
  }
  process.stdout.write(`[harness] extension tests finished with exit code ${exitCode} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return exitCode;
}

/**
 * Messages this offline setup always produces and that say nothing about our extension
 * (../shared/VSCODE-TESTING.md lists them). INTEGRATION_VERBOSE=1 shows them anyway.
 */
function isKnownNoise(text: string): boolean {
  if (process.env.INTEGRATION_VERBOSE) return false;
  return [/ENOTFOUND open-vsx\.org/, /^\[Service Worker\]/, /socket \(renderer-/, /connection token/, /^Updating additional builtin extensions cache$/, /^ChatSessionStore:/, /^Creation of workbench contribution/].some(
    (pattern) => pattern.test(text),
  );
}
