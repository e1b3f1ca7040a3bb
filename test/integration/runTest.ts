/**
 * Entry point of the in-VS-Code test suite: `npm run test:integration` (after `npm run build`).
 * It keeps @vscode/test-electron's runTests() as the way in. Desktop VS Code cannot be downloaded
 * on this machine, so by default `vscodeExecutablePath` is a stand-in (harness/vscode-shim) that
 * runs the same tests in the VS Code server + web workbench from code-server. Where desktop
 * VS Code exists, point VSCODE_EXECUTABLE at it and the same suite runs there.
 */
import { runTests } from '@vscode/test-electron';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { repoRoot } from './harness/server';

const fixtureWorkspace = path.join(repoRoot, 'test/integration/fixtures/workspace');

async function main(): Promise<number> {
  // The build script is plain ESM JavaScript shared with other tooling; load it dynamically.
  const { buildIntegrationSuite } = (await import(path.join(repoRoot, 'scripts/build-integration-tests.mjs'))) as {
    buildIntegrationSuite(): Promise<string>;
  };
  const extensionTestsPath = await buildIntegrationSuite();
  // Tests may create and edit files: give them a copy of the fixture workspace.
  const workspace = mkdtempSync(path.join(tmpdir(), 'estreamer-workspace-'));
  cpSync(fixtureWorkspace, workspace, { recursive: true });
  try {
    return await runTests({
      vscodeExecutablePath: process.env.VSCODE_EXECUTABLE ?? path.join(repoRoot, 'test/integration/harness/vscode-shim'),
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath,
      launchArgs: [workspace],
      // runTests passes our whole environment on (e.g. a simulator port); this adds to it.
      extensionTestsEnv: { ESTREAMER_TEST_WORKSPACE: workspace },
    });
  } catch (error) {
    // runTests rejects with "Test run failed with code N"; the suite already printed why.
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
