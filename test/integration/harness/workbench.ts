/**
 * Opens VS Code's web workbench (served by ./server) in Debian's Chromium through playwright-core.
 * The URL's `payload` makes the window an Extension Development Host, and with
 * `extensionTestsPath` it runs a test module in the (Node) extension host exactly as
 * @vscode/test-electron does; the result comes back through `window.codeAutomationExit`.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { VSCodeServer } from './server';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a closed network: without the background-networking ones Chromium keeps dialling out. */
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}. Install it with: apt-get install -y chromium (or set CHROMIUM_PATH).`);
  }
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
}

export interface WorkbenchPayload {
  /** Folder opened as the workspace (absolute path on this machine). */
  folder?: string;
  /** Extension(s) under development, loaded from source (absolute paths). */
  extensionDevelopmentPaths: string[];
  /** Compiled test module exporting run(): Promise<void>; omit to just open the window. */
  extensionTestsPath?: string;
}

export interface OpenedWorkbench {
  page: Page;
  /** Resolves with the exit code the workbench reports (only when extensionTestsPath was given). */
  exitCode: Promise<number>;
}

/** What the extension host prints (console.*) arrives here, one call per console call. */
export type WorkbenchLogListener = (type: string, text: string) => void;

export function workbenchUrl(server: VSCodeServer, payload: WorkbenchPayload): string {
  const remote = (absolutePath: string) => `vscode-remote://${server.authority}${absolutePath}`;
  const pairs: [string, string][] = payload.extensionDevelopmentPaths.map((p) => ['extensionDevelopmentPath', remote(p)]);
  if (payload.extensionTestsPath) pairs.push(['extensionTestsPath', remote(payload.extensionTestsPath)]);
  const query = new URLSearchParams();
  if (payload.folder) query.set('folder', payload.folder);
  query.set('payload', JSON.stringify(pairs));
  return `${server.url}/?${query.toString()}`;
}

export async function openWorkbench(
  browser: Browser,
  server: VSCodeServer,
  payload: WorkbenchPayload,
  onLog: WorkbenchLogListener = () => undefined,
): Promise<OpenedWorkbench> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  let reportExit: (code: number) => void = () => undefined;
  const exitCode = new Promise<number>((resolve) => (reportExit = resolve));
  await page.exposeFunction('codeAutomationLog', (type: string, args: unknown) => onLog(type, formatLogArgs(args)));
  await page.exposeFunction('codeAutomationExit', (code: number) => reportExit(code));
  await page.goto(workbenchUrl(server, payload));
  return { page, exitCode };
}

function formatLogArgs(args: unknown): string {
  if (!Array.isArray(args)) return String(args);
  return args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
}
