/**
 * The host timeline panel in a real VS Code window (server + web workbench in headless Chromium):
 * the built-in simulator streams its compromise scenario, Open Host Timeline… opens the panel of a
 * compromised host, a row's Open reveals its dump line, and a window reload restores the panel.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Simulator } from '../../../src/sim/simulator';
import { VSCodeWorkbench } from './driver';

describe('extension UI: host timeline panel', function () {
  this.timeout(300_000);
  let vscode: VSCodeWorkbench;
  let compromised: string[] = [];

  before(async function () {
    // The built-in simulator runs the compromise scenario with its default seed: ask the same
    // scenario (not started) which hosts it compromises.
    const truthOnly = await Simulator.create({ scenario: 'compromise', host: '127.0.0.1', port: 0 });
    compromised = truthOnly.truth?.compromised.map((h) => h.ip) ?? [];
    await truthOnly.stop().catch(() => undefined);
    assert.ok(compromised.length > 0, 'the scenario compromises hosts');
    vscode = await VSCodeWorkbench.open();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      await vscode.screenshot(`timeline-ui-failed-${this.currentTest.title}`);
      console.log(vscode.consoleLines.slice(-40).join('\n'));
    }
  });

  after(async function () {
    await vscode?.close();
  });

  it('streams the built-in simulator', async () => {
    await vscode.runCommand('eStreamer: Start Built-in Simulator');
    const toast = await vscode.waitForNotification(/built-in FMC simulator is running/, 60_000);
    await toast.getByRole('button', { name: 'Connect' }).click();
    const item = await vscode.waitForStatusBarItem(/: [\d,]+ events/, 60_000);
    // The scenario is finite: wait for the count to settle.
    let last = '';
    for (let stable = 0; stable < 3; ) {
      await vscode.page.waitForTimeout(1000);
      const now = await item.innerText();
      stable = now === last ? stable + 1 : 0;
      last = now;
    }
  });

  it('Open Host Timeline… opens the panel of a compromised host', async () => {
    const ip = compromised[0];
    await vscode.runCommand('eStreamer: Open Host Timeline…');
    await vscode.pickRow(new RegExp(`(?<![\\d.])${ip.replace(/\./g, '\\.')}(?![\\d.])`));
    const frame = vscode.webview();
    await frame.locator('.host-title h1', { hasText: ip }).waitFor({ timeout: 30_000 });
    assert.equal(await frame.locator('.verdict').textContent(), 'compromised');
    await frame.locator('.event-list .row:not(.loading)').first().waitFor({ timeout: 20_000 });
    assert.ok((await frame.locator('.reasons li').count()) > 0, 'the verdict says why');
    await vscode.screenshot('timeline-ui-panel');
  });

  it("a row's Open reveals that record's line of the dump beside the panel", async () => {
    const frame = vscode.webview();
    // The first indicator's link selects its event; its details name the record's file and line.
    await frame.locator('.first-indicator a').click();
    const record = frame.locator('.details-meta dt', { hasText: /^Record$/ }).locator('xpath=following-sibling::dd[1]');
    await record.waitFor({ timeout: 20_000 });
    const where = /^(.*\.estreamer):(\d+)$/.exec(await record.innerText());
    assert.ok(where, `record address shown: ${await record.innerText()}`);
    const [, file, line] = where;
    await frame.locator('.event-list .row.selected .open').click();
    // The editor beside shows the dump with that whole line selected (status bar "Ln N, Col M (K selected)").
    await vscode.waitForStatusBarItem(new RegExp(`Ln ${line}, Col \\d+ \\(\\d+ selected\\)`), 20_000);
    const tab = vscode.page.locator('.tab.active', { hasText: file.split('/').pop()! });
    await tab.first().waitFor({ timeout: 10_000 });
    const text = fs.readFileSync(file, 'utf8').split('\n')[Number(line) - 1];
    assert.match(text, /raw=/, 'the line is a record line');
    await vscode.screenshot('timeline-ui-open-record');
  });

  it('"Show timeline for <host>" in the dump focuses the panel on that record', async () => {
    const ip = compromised[0];
    const lens = vscode.page
      .locator('.codelens-decoration a', { hasText: new RegExp(`^Show timeline for ${ip.replace(/\./g, '\\.')}$`) })
      .filter({ visible: true });
    // Lenses come for the visible lines, a moment after the editor scrolled.
    await lens.first().waitFor({ timeout: 30_000 });
    // Lenses sit above their line: the last one may belong to the selected record itself, so take
    // the second from the top (another record, above the revealed one).
    const count = await lens.count();
    assert.ok(count > 1, `CodeLenses for ${ip} are shown in the dump (${count})`);
    const frame = vscode.webview();
    const record = frame.locator('.details-meta dt', { hasText: /^Record$/ }).locator('xpath=following-sibling::dd[1]');
    const before = await record.innerText();
    await lens.nth(1).click();
    await frame.locator('.details-meta dd', { hasText: /\.estreamer:\d+$/ }).filter({ hasNotText: before }).first().waitFor({ timeout: 20_000 });
    const where = /^(.*\.estreamer):(\d+)$/.exec(await record.innerText());
    assert.ok(where);
    const text = fs.readFileSync(where[1], 'utf8').split('\n')[Number(where[2]) - 1];
    assert.match(text, new RegExp(`(?<![\\d.])${ip.replace(/\./g, '\\.')}(?![\\d.])`), 'the focused record is about the host');
    assert.equal(await frame.locator('.event-list .row.selected').count(), 1);
  });

  it('a window reload restores the panel on the same host', async () => {
    const ip = compromised[0];
    await vscode.runCommand('Developer: Reload Window');
    await vscode.page.waitForTimeout(3000);
    const frame = vscode.webview();
    await frame.locator('.host-title h1', { hasText: ip }).waitFor({ timeout: 90_000 });
    await frame.locator('.event-list .row.selected').waitFor({ timeout: 30_000 });
    await vscode.screenshot('timeline-ui-restored');
  });
});
