/**
 * The timeline webview (built bundle, strict CSP, Chromium) given events whose summaries and peers
 * carry the whole hostile corpus, the 1 MiB string included: text shown as text, nothing run,
 * every row one row high. The page and its host stand-in are test/webview's harness, reused as is:
 * the events are swapped in through its testHost before the list is refreshed.
 */
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { HOSTILE, HUGE } from './corpus';

// Imported at run time: the harness is compiled with the DOM types of test/webview's tsconfig.
interface Harness {
  BUNDLE: string;
  CHROMIUM: string;
  launchChromium(): Promise<Browser>;
  openTimelinePage(browser: Browser, o?: { count?: number; seed?: number }): Promise<{ page: import('playwright-core').Page; errors: string[]; violations(): Promise<string[]> }>;
}
const HARNESS = path.resolve(__dirname, '../../webview/harness.ts');

const TEXTS = [...Object.values(HOSTILE), HUGE];

// The page's globals, for the predicates that run there (this file compiles without the DOM types).
declare const document: { querySelectorAll(selector: string): Iterable<{ textContent: string | null }>; querySelector(selector: string): { textContent: string | null } | null };

describe('hostile text in the timeline webview (Chromium, built bundle)', function () {
  this.timeout(120_000);
  let harness: Harness;
  let browser: Browser | undefined;

  before(async function () {
    harness = (await import(HARNESS)) as Harness;
    if (!existsSync(harness.BUNDLE) || !existsSync(harness.CHROMIUM)) {
      // The unit run follows `npm run build` in `npm test`; alone, say what is missing.
      console.warn(`  skipped: needs ${harness.BUNDLE} (npm run build) and ${harness.CHROMIUM}`);
      this.skip();
    }
    browser = await harness.launchChromium();
  });
  after(async () => browser?.close());

  it('shows every hostile summary and peer as text, runs nothing, keeps each row one line high', async () => {
    const t = await harness.openTimelinePage(browser!, { count: 100, seed: 3 });
    const { page } = t;
    await page.evaluate(
      `(() => {
        const texts = ${JSON.stringify(TEXTS)};
        const host = window.testHost;
        // The huge text once (summary of one event), the others on every row.
        host.timeline().events.forEach((e, i) => { e.summary = i < texts.length ? texts[i] : texts[i % (texts.length - 1)]; e.peer = texts[(i + 3) % (texts.length - 1)]; });
        host.addEvents(0); // signals the change: the list asks for its rows again
      })()`,
    );
    const marker = HOSTILE.script;
    // A predicate function, not a string: the page's CSP forbids eval.
    await page.waitForFunction((m) => [...document.querySelectorAll('.event-list .row .summary')].some((c) => c.textContent === m), marker, { timeout: 20_000 });
    const shown = (await page.evaluate(`[...document.querySelectorAll('.event-list .row:not(.loading) .summary')].map((c) => c.textContent)`)) as string[];
    const visible = shown.filter((s) => TEXTS.includes(s));
    assert.ok(visible.length >= Math.min(shown.length, 10), `rows show the texts exactly: ${JSON.stringify(shown.slice(0, 5)).slice(0, 300)}`);

    // Open the details of a row carrying markup and one carrying the huge string.
    for (const text of [HOSTILE.img, HUGE]) {
      const index = TEXTS.indexOf(text);
      await page.evaluate(`window.testHost.focus(window.testHost.timeline().events[${index}].ref)`);
      await page.waitForFunction((want) => document.querySelector('.details-title')?.textContent === want, text, { timeout: 20_000 });
    }

    const heights = (await page.evaluate(`[...document.querySelectorAll('.event-list .row')].map((r) => r.getBoundingClientRect().height)`)) as number[];
    assert.ok(heights.length > 5);
    assert.equal(new Set(heights).size, 1, `row heights differ: ${[...new Set(heights)].join(', ')}`);
    const injected = await page.evaluate(`document.querySelectorAll('img, iframe, svg, script:not([src]), [onerror], [onload]').length`);
    assert.equal(injected, 0, 'markup from the texts became elements');
    assert.equal(await page.evaluate('window.__pwned'), undefined, 'a payload ran');
    assert.deepEqual(t.errors, []);
    assert.deepEqual(await t.violations(), []);
    await (page.context() as BrowserContext).close();
  });
});
