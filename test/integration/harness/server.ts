/**
 * Starts VS Code's own server (lib/vscode/out/server-main.js from the npm package code-server)
 * on a free loopback port, with its own temp user-data / server-data / extensions dirs, in its
 * own process group so the server and every extension host it forks end together.
 * Why the server and not the code-server wrapper: ../shared/VSCODE-TESTING.md ("Limits").
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '../../..');

let cachedServerMain: string | undefined;

/**
 * Path of VS Code's server-main.js. The install script is the one place that knows where
 * code-server lives; it installs it first if needed (about a minute, once per machine).
 */
export function serverMainPath(): string {
  cachedServerMain ??= execFileSync(process.execPath, [path.join(repoRoot, 'scripts/install-code-server.mjs'), '--print-path'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  return cachedServerMain;
}

/** Settings that keep the workbench quiet and offline: no start-up editor, updates, tips or AI. */
const quietUserSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'update.mode': 'none',
  'extensions.ignoreRecommendations': true,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'telemetry.telemetryLevel': 'off',
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
};

export interface VSCodeServer {
  /** host:port, used in vscode-remote:// URIs. */
  readonly authority: string;
  /** http://host:port */
  readonly url: string;
  /** Scratch dir of this run (user data, extensions, ...); removed by dispose(). */
  readonly scratchDir: string;
  /** Everything the server printed so far (it includes the extension host's own output). */
  log(): string;
  dispose(): Promise<void>;
}

export interface StartServerOptions {
  /** Extra environment for the server and so for the extension host it forks. */
  env?: NodeJS.ProcessEnv;
  /** Log level of the server ('info' by default; 'trace' helps when an extension will not load). */
  logLevel?: string;
}

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

export async function startVSCodeServer(options: StartServerOptions = {}): Promise<VSCodeServer> {
  const serverMain = serverMainPath();
  if (!existsSync(serverMain)) throw new Error(`VS Code server not found at ${serverMain}`);
  const scratchDir = mkdtempSync(path.join(tmpdir(), 'estreamer-vscode-'));
  const userDataDir = path.join(scratchDir, 'user-data');
  const serverDataDir = path.join(scratchDir, 'server-data');
  const extensionsDir = path.join(scratchDir, 'extensions');
  for (const dir of [userDataDir, serverDataDir, extensionsDir]) mkdirSync(dir, { recursive: true });
  // The server reads user settings from both places depending on the route taken; write both.
  for (const dir of [path.join(userDataDir, 'User'), path.join(serverDataDir, 'data', 'User')]) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'settings.json'), JSON.stringify(quietUserSettings, null, 2));
  }

  const port = await findFreePort();
  const authority = `127.0.0.1:${port}`;
  const args = [
    serverMain,
    '--host', '127.0.0.1',
    '--port', String(port),
    '--without-connection-token',
    '--accept-server-license-terms',
    // Needed for the workbench to honour the test payload in the URL (VS Code >= 1.101).
    '--enable-smoke-test-driver',
    '--disable-telemetry',
    '--disable-workspace-trust',
    '--log', options.logLevel ?? 'info',
    '--user-data-dir', userDataDir,
    '--server-data-dir', serverDataDir,
    '--extensions-dir', extensionsDir,
  ];
  let output = '';
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: scratchDir,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  let disposed = false;
  const dispose = async (): Promise<void> => {
    if (disposed) return;
    disposed = true;
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      killGroup(child.pid, 'SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), delay(5000).then(() => false)]);
      if (!stopped) killGroup(child.pid, 'SIGKILL');
    }
    // Extension hosts are in the same group; make sure none outlives the server.
    if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    rmSync(scratchDir, { recursive: true, force: true });
  };

  const server: VSCodeServer = { authority, url: `http://${authority}`, scratchDir, log: () => output, dispose };
  try {
    await waitUntilAnswering(server.url, exited, 60_000);
  } catch (error) {
    const log = output;
    await dispose();
    throw new Error(`${(error as Error).message}\n--- VS Code server log ---\n${log}`);
  }
  return server;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntilAnswering(url: string, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  let serverExit: number | null | undefined;
  void exited.then((code) => (serverExit = code));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (serverExit !== undefined) throw new Error(`VS Code server exited with code ${serverExit} before it answered`);
    if (await answers(url)) return;
    await delay(200);
  }
  throw new Error(`VS Code server did not answer at ${url} within ${timeoutMs / 1000} s`);
}

function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(url, (response) => {
      response.resume();
      resolve((response.statusCode ?? 500) < 500);
    });
    request.on('error', () => resolve(false));
    request.setTimeout(2000, () => request.destroy());
  });
}
