/**
 * Timeline webview benchmark in Debian's Chromium (built bundle, strict CSP, real host-side
 * session in the page): first paint and scroll frame times for 10k and 100k events. Prints
 * figures; asserts nothing. Run: npm run bench:timeline  (target: first rows ≤ 0.5 s at 100k).
 */
import type { Page } from 'playwright-core';
import { launchChromium, openTimelinePage } from '../test/webview/harness';

const ROW_HEIGHT = 22;

interface FrameStats {
  frames: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
  longFrames: number;
}

/** Scrolls the list by `step` pixels a frame (or jumps to random rows) and records frame intervals. */
async function scrollFrames(page: Page, mode: 'smooth' | 'jump', frames: number): Promise<FrameStats> {
  return page.evaluate(
    ({ mode, frames, rowHeight }) =>
      new Promise<FrameStats>((resolve) => {
        const list = document.querySelector<HTMLElement>('.event-list')!;
        const deltas: number[] = [];
        let last = performance.now();
        let n = 0;
        let seed = 12345;
        const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
        const tick = (now: number): void => {
          deltas.push(now - last);
          last = now;
          if (mode === 'smooth') list.scrollTop += rowHeight * 3;
          else list.scrollTop = Math.floor(rand() * list.scrollHeight);
          if (++n < frames) requestAnimationFrame(tick);
          else {
            const sorted = deltas.slice(1).sort((a, b) => a - b);
            const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
            resolve({ frames: sorted.length, medianMs: q(0.5), p95Ms: q(0.95), maxMs: sorted[sorted.length - 1], longFrames: sorted.filter((d) => d > 50).length });
          }
        };
        requestAnimationFrame((now) => {
          last = now;
          requestAnimationFrame(tick);
        });
      }),
    { mode, frames, rowHeight: ROW_HEIGHT },
  );
}

/** Our code's cost per scroll step: set scrollTop, re-render the row pool, force layout (no paint). */
async function renderCost(page: Page, steps: number): Promise<{ medianMs: number; p95Ms: number; maxMs: number }> {
  return page.evaluate(
    ({ steps, rowHeight }) => {
      const list = (window as unknown as { timelineApp: { list: { setScrollTop(px: number): void; element: HTMLElement } } }).timelineApp.list;
      const costs: number[] = [];
      for (let k = 0; k < steps; k++) {
        const t0 = performance.now();
        list.setScrollTop(((k * 997) % 5000) * rowHeight);
        void list.element.offsetHeight;
        costs.push(performance.now() - t0);
      }
      costs.sort((a, b) => a - b);
      return { medianMs: costs[Math.floor(steps / 2)], p95Ms: costs[Math.floor(steps * 0.95)], maxMs: costs[steps - 1] };
    },
    { steps, rowHeight: ROW_HEIGHT },
  );
}

async function main(): Promise<void> {
  const browser = await launchChromium();
  try {
    console.log('events   gen(ms)  first-rows(ms)  after-ready(ms)  FCP(ms)  smooth scroll: median/p95/max ms, long  |  random jumps: median/p95/max ms, long');
    for (const count of [10_000, 100_000]) {
      const t = await openTimelinePage(browser, { count, height: 900 });
      const page = t.page;
      // The test page records when rows first appeared (MutationObserver would race; poll the DOM's state instead).
      const timing = await page.evaluate(() => {
        const w = window as unknown as { __shimTimes?: { generatedAt: number; readyAt?: number; firstRowsAt?: number } };
        const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN;
        return { ...w.__shimTimes, fcp };
      });
      await page.waitForTimeout(300);
      const smooth = await scrollFrames(page, 'smooth', 300);
      const jumps = await scrollFrames(page, 'jump', 200);
      const cost = await renderCost(page, 300);
      const rows = await page.locator('.event-list .row').count();
      const f = (n: number | undefined): string => (n === undefined || Number.isNaN(n) ? '   n/a' : n.toFixed(0).padStart(6));
      const s = (x: FrameStats): string => `${x.medianMs.toFixed(1)}/${x.p95Ms.toFixed(1)}/${x.maxMs.toFixed(1)}, ${x.longFrames}`;
      console.log(
        `${String(count).padStart(6)}  ${f(timing.generatedAt)}  ${f(timing.firstRowsAt)}          ${f(timing.firstRowsAt !== undefined && timing.readyAt !== undefined ? timing.firstRowsAt - timing.readyAt : undefined)}       ${f(timing.fcp)}   ${s(smooth).padEnd(28)}  |  ${s(jumps)}   (${rows} rows in DOM)`,
      );
      console.log(`        row-pool render + layout per scroll step: median ${cost.medianMs.toFixed(2)} ms, p95 ${cost.p95Ms.toFixed(2)} ms, max ${cost.maxMs.toFixed(2)} ms`);
      if (t.errors.length) console.log('page errors:', t.errors.join('\n'));
      await page.context().close();
    }
    console.log('first-rows = navigation start → first loaded list rows (includes generating the data in the stand-in host);');
    console.log("after-ready = the webview's ready message → first loaded rows (host snapshot + first page + render).");
    console.log('Frame times include the compositor and CPU contention on this machine (see the load average); the row-pool figure is our code alone.');
    console.log(`load average: ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  } finally {
    await browser.close();
  }
}

void main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
