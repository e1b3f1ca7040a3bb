/**
 * The timeline webview in a real Chromium, against the built bundle, under the panel's strict CSP,
 * with the real host-side TimelineSession answering (test/webview/page/shim.ts).
 */
import * as assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { HostTimeline, TimelineEvent } from '../../src/common/timeline';
import { generateTimeline, PAYLOADS, XSS_GLOBALS } from './generate';
import { launchChromium, openTimelinePage, ROOT, statusCounts, waitForRows, type TimelinePage } from './harness';

const OUT = path.join(ROOT, 'test-output');
const ROW_HEIGHT = 22;
/** TimelineSession's default live-update interval (the shim does not override it). */
const THROTTLE_MS = 1000;
/**
 * Two posts are stamped after each snapshot is built, so a slow build of the earlier one on a
 * loaded machine can make them look a little closer than the interval the session waited.
 */
const THROTTLE_TOLERANCE_MS = 200;

function shortTime(iso: string): string {
  return iso.replace('T', ' ').replace(/Z$/, '');
}

async function waitForShown(page: Page, expected: number): Promise<void> {
  await page.waitForFunction(
    (n) => new RegExp(`^${n.toLocaleString('en-US')} of`).test(document.querySelector('.status')?.textContent ?? ''),
    expected,
    { timeout: 10_000 },
  );
}

async function selectedEventId(page: Page): Promise<string | undefined> {
  return (await page.getAttribute('.event-list .row.selected', 'data-event-id', { timeout: 5000 })) ?? undefined;
}

async function typeFilter(page: Page, text: string): Promise<void> {
  await page.locator('vscode-textfield input').fill(text);
}

async function assertClean(t: TimelinePage): Promise<void> {
  assert.deepEqual(await t.violations(), [], 'no CSP violations');
  assert.deepEqual(t.errors, [], 'no page or console errors');
}

describe('timeline webview (Chromium, built bundle, strict CSP)', function () {
  this.timeout(120_000);
  let browser: Browser;
  const pages: TimelinePage[] = [];

  before(async () => {
    mkdirSync(OUT, { recursive: true });
    browser = await launchChromium();
  });
  afterEach(async () => {
    for (const t of pages.splice(0)) await t.page.context().close();
  });
  after(async () => {
    await browser?.close();
  });

  async function open(o: Parameters<typeof openTimelinePage>[1] = {}): Promise<TimelinePage> {
    const t = await openTimelinePage(browser, o);
    pages.push(t);
    return t;
  }

  const BACKGROUND = { light: 'rgb(255, 255, 255)', dark: 'rgb(31, 31, 31)', 'high-contrast': 'rgb(0, 0, 0)' };
  for (const theme of ['light', 'dark', 'high-contrast'] as const) {
    it(`renders the host header, lanes and first rows (${theme} theme, screenshot)`, async () => {
      const expected = generateTimeline({ count: 2000, seed: 1 });
      const t = await open({ count: 2000, seed: 1, theme });
      const { page } = t;
      assert.equal(await page.textContent('.host-title h1'), expected.host.ip);
      assert.equal(await page.textContent('.verdict'), 'compromised');
      for (const [lane, n] of Object.entries(expected.host.laneCounts)) {
        const label = await page.locator(`vscode-checkbox[data-lane="${lane}"]`).evaluate((b) => (b as unknown as { label: string }).label);
        assert.match(label, new RegExp(`\\(${n}\\)$`));
      }
      assert.deepEqual(await statusCounts(page), { shown: 2000, total: 2000 });
      const first = page.locator('.event-list .row[data-event-id="e0"]');
      assert.equal(await first.locator('.time').textContent(), shortTime(expected.events[0].time));
      assert.equal(await first.locator('.summary').textContent(), expected.events[0].summary);
      assert.match((await page.textContent('.first-indicator')) ?? '', new RegExp(shortTime(expected.host.firstIndicator!.time).replace(/\./g, '\\.')));
      // The axis painted marks: count opaque pixels of the canvas.
      const painted = await page.evaluate(() => {
        const c = document.querySelector<HTMLCanvasElement>('.axis-canvas')!;
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
        return n;
      });
      assert.ok(painted > 5000, `axis painted ${painted} pixels`);
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(bg, BACKGROUND[theme]);
      await page.locator('.event-list .row[data-event-id="e3"]').click();
      await page.waitForSelector('.hex-row');
      await page.screenshot({ path: path.join(OUT, `timeline-${theme}.png`) });
      await assertClean(t);
    });
  }

  it('draws codicons from the linked font under the CSP: row actions and the buttons of the bar and the details', async () => {
    const t = await open({ count: 2000, seed: 1 });
    const { page } = t;
    await page.locator('.event-list .row[data-event-id="e3"]').click();
    await page.waitForSelector('.details-actions vscode-button');
    await page.evaluate(() => document.fonts.ready);
    const fonts = await page.evaluate(async () => ({ loaded: await document.fonts.load('16px codicon'), codicon: document.fonts.check('16px codicon') }));
    assert.ok(fonts.loaded.length > 0 && fonts.codicon, 'the codicon font loaded through the webview origin');
    const openButton = page.locator('.event-list .row[data-event-id="e3"] .open');
    assert.equal(await openButton.getAttribute('aria-label'), 'Open record');
    const glyph = await openButton.locator('.codicon-go-to-file').evaluate((e) => {
      const style = getComputedStyle(e, '::before');
      return { font: style.fontFamily, content: style.content, width: e.getBoundingClientRect().width };
    });
    assert.match(glyph.font, /codicon/);
    assert.notEqual(glyph.content, 'none', 'the stylesheet gives the glyph its character');
    assert.ok(glyph.width > 8, `the glyph takes room (${glyph.width}px)`);
    // vscode-elements clones the stylesheet linked as vscode-codicon-stylesheet into its buttons.
    const icons = await page.evaluate(() =>
      [...document.querySelectorAll('vscode-button')].map((b) => {
        const icon = b.shadowRoot?.querySelector('vscode-icon');
        const glyph = icon?.shadowRoot?.querySelector('.codicon');
        return { label: b.textContent?.trim(), name: icon?.getAttribute('name'), font: glyph ? getComputedStyle(glyph, '::before').fontFamily : '' };
      }),
    );
    for (const [label, name] of [['Reset zoom', 'zoom-out'], ['Export Markdown', 'export'], ['Open record', 'go-to-file']]) {
      const b = icons.find((i) => i.label === label);
      assert.ok(b, `button ${label}: ${JSON.stringify(icons)}`);
      assert.equal(b.name, name, label);
      assert.match(b.font, /codicon/, `${label} draws its icon with the codicon font`);
    }
    await assertClean(t);
  });

  it('filters by lane, severity and text exactly as the host-side query does', async () => {
    const expected = generateTimeline({ count: 3000, seed: 7 });
    const t = await open({ count: 3000, seed: 7 });
    const { page } = t;
    const count = (keep: (e: TimelineEvent) => boolean): number => expected.events.filter(keep).length;

    await page.locator('vscode-checkbox[data-lane="connection"]').click();
    const noConn = (e: TimelineEvent): boolean => e.lane !== 'connection';
    await waitForShown(page, count(noConn));

    await page.locator('vscode-checkbox[data-severity="5"]').click();
    const noInfo = (e: TimelineEvent): boolean => noConn(e) && e.severity !== 5;
    await waitForShown(page, count(noInfo));

    await typeFilter(page, 'NMAP');
    const nmap = (e: TimelineEvent): boolean => noInfo(e) && e.summary.toLowerCase().includes('nmap');
    const n = count(nmap);
    assert.ok(n > 0 && n < count(noInfo));
    await waitForShown(page, n);
    await waitForRows(page);
    for (const summary of await page.locator('.event-list .row .summary').allTextContents()) assert.match(summary, /nmap/i);

    await typeFilter(page, '');
    await page.locator('vscode-checkbox[data-lane="connection"]').click();
    await page.locator('vscode-checkbox[data-severity="5"]').click();
    await waitForShown(page, 3000);
    await assertClean(t);
  });

  it('selects by mouse and keyboard, shows decoded fields with offsets and hex, opens the record', async () => {
    const expected = generateTimeline({ count: 2000, seed: 1 });
    const t = await open({ count: 2000, seed: 1 });
    const { page } = t;
    await page.locator('.event-list .row[data-event-id="e2"]').click();
    await page.waitForSelector('.hex-row');
    assert.equal(await page.textContent('.details-title'), expected.events[2].summary);
    const summaryField = page.locator('tr.field', { has: page.locator('td.fname', { hasText: /^summary$/ }) });
    assert.equal(await summaryField.locator('.fvalue').textContent(), expected.events[2].summary);
    const length = Number(await summaryField.locator('.flen').textContent());
    assert.equal(length, new TextEncoder().encode(expected.events[2].summary).length);
    await summaryField.hover();
    assert.equal(await page.locator('.byte.hl').count(), length, 'hovering a field highlights exactly its bytes');

    await page.keyboard.press('ArrowDown');
    await page.waitForFunction((s) => document.querySelector('.details-title')?.textContent === s, expected.events[3].summary);
    assert.equal(await selectedEventId(page), 'e3');
    // The time since the previously selected event (e2), as analysts compare two log lines.
    const since = page.locator('.details-meta dt', { hasText: 'Since previous' }).locator('xpath=following-sibling::dd[1]');
    assert.match(await since.innerText(), new RegExp(`^\\+.* \\(from ${expected.events[2].time.replace(/\./g, '\\.')}\\)$`));
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    await page.waitForFunction(() => document.querySelector('.event-list .row.selected')?.getAttribute('data-event-id') === 'e1');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (window as unknown as { testHost: { opened: unknown[] } }).testHost.opened.length === 1);
    assert.deepEqual(await page.evaluate(() => (window as unknown as { testHost: { opened: unknown[] } }).testHost.opened[0]), expected.events[1].ref);

    await page.locator('.event-list .row[data-event-id="e5"] .open').click();
    await page.waitForFunction(() => (window as unknown as { testHost: { opened: unknown[] } }).testHost.opened.length === 2);
    assert.deepEqual(await page.evaluate(() => (window as unknown as { testHost: { opened: unknown[] } }).testHost.opened[1]), expected.events[5].ref);
    await assertClean(t);
  });

  it('marks linked events of one connection and can show only that connection', async () => {
    const expected = generateTimeline({ count: 2000, seed: 1 });
    const linked = expected.events.find((e) => e.links.length >= 2 && e.lane === 'intrusion')!;
    const t = await open({ count: 2000, seed: 1 });
    const { page } = t;
    await page.evaluate((ref) => (window as unknown as { testHost: { focus(r: unknown): void } }).testHost.focus(ref), linked.ref);
    await page.waitForFunction((id) => document.querySelector('.event-list .row.selected')?.getAttribute('data-event-id') === id, linked.id);
    const visibleLinked = await page.locator('.event-list .row.linked').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event-id')));
    for (const id of visibleLinked) assert.ok(id === linked.id || linked.links.includes(id!), `${id} is highlighted as linked`);
    assert.ok(visibleLinked.length >= 2, 'the connection partner in view is highlighted');
    await page.locator('.event-list .row.selected .link').click();
    await waitForShown(page, linked.links.length + 1);
    await assertClean(t);
  });

  it('virtualizes 100k events: a few dozen rows in the DOM wherever the list is scrolled', async () => {
    const t = await open({ count: 100_000, seed: 3, height: 900 });
    const { page } = t;
    assert.deepEqual(await statusCounts(page), { shown: 100_000, total: 100_000 });
    const rowCount = (): Promise<number> => page.locator('.event-list .row').count();
    assert.ok((await rowCount()) < 80, `rows in DOM at top: ${await rowCount()}`);
    for (const index of [50_000, 99_990, 12_345]) {
      await page.evaluate((top) => (document.querySelector('.event-list')!.scrollTop = top), index * ROW_HEIGHT);
      await page.waitForFunction((i) => document.querySelector(`.event-list .row[data-event-id="e${i}"]`) !== null, index, { timeout: 10_000 });
      // Row positions and data agree: row-<index> carries event e<index> (unfiltered list).
      const mismatches = await page.locator('.event-list .row:not(.loading)').evaluateAll((rows) =>
        rows.filter((r) => r.id.replace('row-', 'e') !== r.getAttribute('data-event-id')).length,
      );
      assert.equal(mismatches, 0);
      assert.ok((await rowCount()) < 80, `rows in DOM at ${index}: ${await rowCount()}`);
    }
    await page.locator('.event-list').focus();
    await page.keyboard.press('End');
    await page.waitForFunction(() => document.querySelector('.event-list .row.selected')?.getAttribute('data-event-id') === 'e99999');
    await assertClean(t);
  });

  it('renders attacker-controlled URL, file name, user name and signature as text and runs none of them', async () => {
    const expected = generateTimeline({ count: 2000, seed: 1, payloads: true });
    const t = await open({ count: 2000, seed: 1, payloads: true });
    const { page } = t;
    const cases: Array<[string, string]> = [
      ['evil.test', `HTTP GET ${PAYLOADS.url}`],
      ['invoice.exe', `File malware download ${PAYLOADS.fileName}`],
      ['__xss_user', `User login ${PAYLOADS.user}`],
      ['iframe srcdoc', `[1:2019999:1] ${PAYLOADS.signature}`],
    ];
    for (const [needle, summary] of cases) {
      await typeFilter(page, needle);
      await page.waitForFunction((s) => [...document.querySelectorAll('.event-list .row .summary')].some((c) => c.textContent === s), summary);
      const row = page.locator('.event-list .row', { has: page.locator('.summary', { hasText: needle }) }).first();
      await row.click();
      await page.waitForFunction((s) => document.querySelector('.details-title')?.textContent === s && !!document.querySelector('.hex-row'), summary);
      const values = await page.locator('.fields .fvalue').allTextContents();
      assert.ok(values.includes(summary), 'decoded field shows the payload as text');
      await row.locator('.peer').hover();
    }
    const peerEvent = expected.events.find((e) => e.peer === PAYLOADS.peer)!;
    await typeFilter(page, 'evil.test');
    await page.waitForFunction((p) => [...document.querySelectorAll('.event-list .row .peer')].some((c) => c.textContent === p), peerEvent.peer!);
    assert.match((await page.textContent('.host-facts')) ?? '', new RegExp(PAYLOADS.user.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.ok((await page.locator('.reasons li').allTextContents()).some((r) => r.includes(PAYLOADS.signature)));
    // No markup from the payloads became elements (document only: the components' own shadow DOM has icons).
    assert.equal(await page.evaluate(() => document.querySelectorAll('img, iframe, svg, script:not([src]), b[onmouseover]').length), 0);
    const ran = await page.evaluate((names) => names.filter((n) => (window as unknown as Record<string, unknown>)[n] !== undefined), XSS_GLOBALS);
    assert.deepEqual(ran, [], 'no payload executed');

    await page.locator('vscode-button', { hasText: 'Export Markdown' }).click();
    await page.waitForFunction(() => (window as unknown as { testHost: { exported: string[] } }).testHost.exported.length === 1);
    const markdown = await page.evaluate(() => (window as unknown as { testHost: { exported: string[] } }).testHost.exported[0]);
    assert.ok(markdown.includes('evil.test'));
    assert.ok(!markdown.includes('<script>') && markdown.includes('&lt;script&gt;'), 'the export escapes markup');
    await assertClean(t);
  });

  it('brushing a range on the axis filters the list; Esc clears it; wheel and keys zoom', async () => {
    const expected = generateTimeline({ count: 4000, seed: 5 });
    const t = await open({ count: 4000, seed: 5 });
    const { page } = t;
    const box = (await page.locator('.axis-canvas').boundingBox())!;
    const y = box.y + 60;
    await page.mouse.move(box.x + 400, y);
    await page.mouse.down();
    await page.mouse.move(box.x + 600, y, { steps: 5 });
    await page.mouse.up();
    const range = await page.evaluate(() => {
      const app = (window as unknown as { timelineApp: { query: { fromMs?: number; toMs?: number } } }).timelineApp;
      return { fromMs: app.query.fromMs, toMs: app.query.toMs };
    });
    assert.ok(range.fromMs !== undefined && range.toMs !== undefined && range.toMs > range.fromMs);
    const inRange = expected.events.filter((e) => e.timeMs >= range.fromMs! && e.timeMs <= range.toMs!).length;
    assert.ok(inRange > 0 && inRange < 4000);
    await waitForShown(page, inRange);
    assert.ok(await page.isVisible('.range-chip:not([hidden])'));
    await page.locator('.axis-canvas').focus();
    await page.keyboard.press('Escape');
    await waitForShown(page, 4000);

    const span = (): Promise<number> =>
      page.evaluate(() => {
        const v = (window as unknown as { timelineApp: { axis: { getView(): { fromMs: number; toMs: number } } } }).timelineApp.axis.getView();
        return v.toMs - v.fromMs;
      });
    const whole = await span();
    await page.mouse.move(box.x + 500, y);
    await page.mouse.wheel(0, -400);
    await page.waitForFunction((w) => {
      const v = (window as unknown as { timelineApp: { axis: { getView(): { fromMs: number; toMs: number } } } }).timelineApp.axis.getView();
      return v.toMs - v.fromMs < w * 0.9;
    }, whole);
    await page.keyboard.press('+');
    const zoomed = await span();
    await page.keyboard.press('ArrowRight');
    assert.equal(Math.round(await span()), Math.round(zoomed), 'panning keeps the span');
    await page.keyboard.press('0');
    assert.equal(await span(), whole);
    await assertClean(t);
  });

  it('keeps scroll, selection and filters through throttled live updates', async () => {
    const t = await open({ count: 5000, seed: 2 });
    const { page } = t;
    await page.locator('vscode-checkbox[data-severity="5"]').click();
    const expected = generateTimeline({ count: 5000, seed: 2 }).events.filter((e) => e.severity !== 5);
    await waitForShown(page, expected.length);
    await page.evaluate((top) => (document.querySelector('.event-list')!.scrollTop = top), 1000 * ROW_HEIGHT);
    await page.waitForFunction((id) => !!document.querySelector(`.event-list .row[data-event-id="${id}"]`), expected[1003].id);
    await page.locator(`.event-list .row[data-event-id="${expected[1003].id}"]`).click();
    const scrollBefore = await page.evaluate(() => document.querySelector('.event-list')!.scrollTop);
    // Stamp every 'updated' the host posts with the page clock, so the test can check the spacing
    // the throttle promises rather than a count that depends on how fast the machine is.
    await page.evaluate(() => {
      const host = (window as unknown as { testHost: { posted: Array<{ type: string }> } }).testHost;
      const w = window as unknown as { __updates: Array<{ at: number; eventCount: number }> };
      w.__updates = [];
      const push = host.posted.push.bind(host.posted);
      host.posted.push = (...messages) => {
        for (const m of messages) {
          if (m.type === 'updated') w.__updates.push({ at: performance.now(), eventCount: (m as unknown as { snapshot: { host: { eventCount: number } } }).snapshot.host.eventCount });
        }
        return push(...messages);
      };
    });

    // Rows never fall back to "…" placeholders while updates swap the data in.
    await page.evaluate(() => {
      const w = window as unknown as { __placeholders: number };
      w.__placeholders = 0;
      new MutationObserver(() => {
        if (document.querySelector('.event-list .row.loading')) w.__placeholders++;
      }).observe(document.querySelector('.event-list')!, { subtree: true, attributes: true, attributeFilter: ['class'] });
    });
    // Five bursts of live events about 100 ms apart (further apart on a loaded machine).
    const BURSTS = 5;
    let lastBurstAt = 0;
    for (let k = 0; k < BURSTS; k++) {
      lastBurstAt = await page.evaluate(() => {
        (window as unknown as { testHost: { addEvents(n: number): void } }).testHost.addEvents(20);
        return performance.now();
      });
      if (k < BURSTS - 1) await page.waitForTimeout(100);
    }
    // The last burst always reaches the webview, however late the trailing update fires.
    await page
      .waitForFunction(() => /of 5,100 events/.test(document.querySelector('.status')?.textContent ?? ''), undefined, { timeout: 15_000 })
      .catch(async () => {
        const status = await page.textContent('.status');
        assert.fail(`the last burst never reached the view: status '${status}', updates ${JSON.stringify(await page.evaluate(() => (window as unknown as { __updates: unknown }).__updates))}`);
      });
    // Give a (wrong) extra update time to show up before counting.
    await page.waitForTimeout(THROTTLE_MS + 200);
    const updates = await page.evaluate(() => (window as unknown as { __updates: Array<{ at: number; eventCount: number }> }).__updates);
    const trace = updates.map((u) => `${Math.round(u.at)} ms: ${u.eventCount}`).join(', ');
    assert.ok(updates.length >= 1 && updates.length <= BURSTS, `${updates.length} updates for ${BURSTS} bursts (${trace})`);
    for (let k = 1; k < updates.length; k++) {
      const gap = updates[k].at - updates[k - 1].at;
      assert.ok(gap >= THROTTLE_MS - THROTTLE_TOLERANCE_MS, `updates ${k - 1} and ${k} only ${Math.round(gap)} ms apart (${trace})`);
    }
    const last = updates[updates.length - 1];
    assert.equal(last.eventCount, 5100, `the last update carries the last burst (${trace})`);
    assert.ok(last.at >= lastBurstAt, `the last update was posted after the last burst (${trace})`);
    assert.equal(await selectedEventId(page), expected[1003].id, 'selection kept');
    assert.equal(await page.evaluate(() => (window as unknown as { __placeholders: number }).__placeholders), 0, 'no placeholder flash');
    assert.equal(await page.evaluate(() => document.querySelector('.event-list')!.scrollTop), scrollBefore, 'scroll kept');
    assert.equal(await page.locator('vscode-checkbox[data-severity="5"]').evaluate((b) => (b as unknown as { checked: boolean }).checked), false, 'filter kept');
    await assertClean(t);
  });

  it('restores filters, selection and scroll after a reload (setState), and focuses a record from a dump', async () => {
    const t = await open({ count: 3000, seed: 4 });
    const { page } = t;
    await typeFilter(page, 'intrusion');
    const all: HostTimeline = generateTimeline({ count: 3000, seed: 4 });
    const matching = all.events.filter((e) => `${e.time} ${e.family} ${e.summary} ${e.peer ?? ''}`.toLowerCase().includes('intrusion'));
    await waitForShown(page, matching.length);
    await page.evaluate((top) => (document.querySelector('.event-list')!.scrollTop = top), 200 * ROW_HEIGHT);
    await page.waitForFunction((id) => !!document.querySelector(`.event-list .row[data-event-id="${id}"]`), matching[205].id);
    await page.locator(`.event-list .row[data-event-id="${matching[205].id}"]`).click();
    // State is saved on a 200 ms timer: wait for the save itself, not a guess at how late it runs.
    await page.waitForFunction(
      (id) => (JSON.parse(sessionStorage.getItem('vscode-webview-state') ?? '{}') as { selectedEventId?: string }).selectedEventId === id,
      matching[205].id,
      { timeout: 10_000 },
    );
    await page.reload();
    await waitForRows(page);
    await waitForShown(page, matching.length);
    assert.equal(await page.locator('vscode-textfield').evaluate((f) => (f as unknown as { value: string }).value), 'intrusion');
    await page.waitForFunction((id) => document.querySelector('.event-list .row.selected')?.getAttribute('data-event-id') === id, matching[205].id);
    assert.equal(await page.evaluate(() => Math.round(document.querySelector('.event-list')!.scrollTop / 22)), 200);
    await page.waitForFunction((s) => document.querySelector('.details-title')?.textContent === s, matching[205].summary);

    // "Show timeline for <host>" on a record the text filter hides: the filter is cleared and the event selected.
    const hidden = all.events.find((e) => e.lane === 'user')!;
    await page.evaluate((ref) => (window as unknown as { testHost: { focus(r: unknown): void } }).testHost.focus(ref), hidden.ref);
    await page.waitForFunction((id) => document.querySelector('.event-list .row.selected')?.getAttribute('data-event-id') === id, hidden.id);
    await waitForShown(page, 3000);
    await assertClean(t);
  });
});
