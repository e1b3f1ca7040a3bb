/**
 * Stand-in for the VS Code executable that @vscode/test-electron's runTests() spawns
 * (`vscodeExecutablePath`). Desktop VS Code cannot be downloaded on this machine, so this takes
 * the same command line — `--extensionTestsPath=… --extensionDevelopmentPath=… [folder]` plus
 * desktop flags that do not apply — and runs the tests in the VS Code server + web workbench.
 * Started through ./vscode-shim (a shell script, since runTests spawns an executable).
 */
import { runExtensionTests } from './runExtensionTests';

function parseVSCodeArgs(argv: string[]): { developmentPaths: string[]; testsPath?: string; folder?: string } {
  const developmentPaths: string[] = [];
  let testsPath: string | undefined;
  let folder: string | undefined;
  for (const arg of argv) {
    const match = /^--([^=]+)=(.*)$/.exec(arg);
    if (match?.[1] === 'extensionDevelopmentPath') developmentPaths.push(match[2]);
    else if (match?.[1] === 'extensionTestsPath') testsPath = match[2];
    else if (!arg.startsWith('-')) folder = arg;
    // Anything else (--no-sandbox, --user-data-dir=…, --disable-updates …) is for desktop VS Code.
  }
  return { developmentPaths, testsPath, folder };
}

async function main(): Promise<number> {
  const { developmentPaths, testsPath, folder } = parseVSCodeArgs(process.argv.slice(2));
  if (!testsPath || developmentPaths.length === 0) {
    process.stderr.write('vscode-shim: expected --extensionDevelopmentPath=<dir> and --extensionTestsPath=<file>\n');
    return 2;
  }
  return runExtensionTests({ extensionDevelopmentPaths: developmentPaths, extensionTestsPath: testsPath, folder });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`vscode-shim: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
