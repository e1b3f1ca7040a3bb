/**
 * Runs the BUILT webview bundle (dist/webview/timeline.js) in Debian's Chromium through
 * playwright-core, in a page served from a fake origin under the same strict CSP the panel uses,
 * with test/webview/page/shim.ts standing in for the VS Code host. Shared by the tests and
 * bench/timeline.ts.
 */
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { newNonce, timelineHtml } from '../../src/extension/timeline/timelineHtml';

export const ROOT = path.resolve(__dirname, '../..');
export const ORIGIN = 'https://webview.test';
export const BUNDLE = path.join(ROOT, 'dist/webview/timeline.js');
export const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install it with 'flock /tmp/apt.lock apt-get install -y chromium'.`);
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run 'npm run build' first.`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}

let shimCode: Promise<string> | undefined;

function bundleShim(): Promise<string> {
  shimCode ??= build({
    entryPoints: [path.join(__dirname, 'page/shim.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  }).then((r) => r.outputFiles[0].text);
  return shimCode;
}

export interface PageOptions {
  count?: number;
  seed?: number;
  payloads?: boolean;
  theme?: 'light' | 'dark' | 'high-contrast';
  width?: number;
  height?: number;
}

export interface TimelinePage {
  page: Page;
  /** CSP violations reported in the page (securitypolicyviolation events). */
  violations: () => Promise<string[]>;
  /** Console errors and uncaught page errors. */
  errors: string[];
}

/** Opens the test page and waits until the list shows its first rows. */
export async function openTimelinePage(browser: Browser, o: PageOptions = {}): Promise<TimelinePage> {
  const shim = await bundleShim();
  const context = await browser.newContext({ viewport: { width: o.width ?? 1400, height: o.height ?? 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  // tsx compiles page.evaluate callbacks with esbuild's keepNames, which calls a __name helper
  // that only exists in Node: give the page an identity one (test tooling, not the bundle).
  await page.addInitScript('globalThis.__name = (fn) => fn;');
  // Init scripts run before any page script; this one only records what the CSP blocks.
  await page.addInitScript(() => {
    const w = window as unknown as { __cspViolations: string[] };
    w.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`));
  });
  await page.route(`${ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    const send = (body: string | Buffer, contentType: string): Promise<void> => route.fulfill({ status: 200, body, contentType });
    switch (url.pathname) {
      case '/index.html': {
        const nonce = newNonce();
        let html = timelineHtml({
          cspSource: ORIGIN,
          nonce,
          scriptUri: `${ORIGIN}/dist/webview/timeline.js`,
          styleUri: `${ORIGIN}/media/timeline.css`,
          codiconsUri: `${ORIGIN}/dist/webview/codicons/codicon.css`,
          title: 'Timeline test',
        });
        // The stand-in host: theme variables (VS Code injects these) and the acquireVsCodeApi shim, same nonce.
        html = html
          .replace('</head>', `<link rel="stylesheet" href="${ORIGIN}/page/themes.css">\n</head>`)
          .replace('<script type="module"', `<script nonce="${nonce}" src="${ORIGIN}/page/shim.js"></script>\n<script type="module"`);
        return send(html, 'text/html');
      }
      case '/dist/webview/timeline.js':
        return send(readFileSync(BUNDLE), 'text/javascript');
      case '/dist/webview/codicons/codicon.css':
        return send(readFileSync(path.join(ROOT, 'dist/webview/codicons/codicon.css')), 'text/css');
      case '/dist/webview/codicons/codicon.ttf':
        return send(readFileSync(path.join(ROOT, 'dist/webview/codicons/codicon.ttf')), 'font/ttf');
      case '/media/timeline.css':
        return send(readFileSync(path.join(ROOT, 'media/timeline.css')), 'text/css');
      case '/page/themes.css':
        return send(readFileSync(path.join(__dirname, 'page/themes.css')), 'text/css');
      case '/page/shim.js':
        return send(shim, 'text/javascript');
      default:
        return route.fulfill({ status: 404, body: '' });
    }
  });
  const q = new URLSearchParams({ count: String(o.count ?? 2000), seed: String(o.seed ?? 1), payloads: o.payloads ? '1' : '0', theme: o.theme ?? 'light' });
  await page.goto(`${ORIGIN}/index.html?${q}`);
  await waitForRows(page);
  return {
    page,
    errors,
    violations: () => page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations),
  };
}

/** Waits until the list shows loaded rows (not placeholders). */
export async function waitForRows(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelectorAll('.event-list .row:not(.loading)').length > 0, undefined, { timeout: 20_000 });
}

/** The status line's "N of M events". */
export async function statusCounts(page: Page): Promise<{ shown: number; total: number }> {
  const text = (await page.textContent('.status')) ?? '';
  const m = /([\d,]+) of ([\d,]+) events/.exec(text);
  if (!m) throw new Error(`status line not understood: '${text}'`);
  return { shown: Number(m[1].replace(/,/g, '')), total: Number(m[2].replace(/,/g, '')) };
}
