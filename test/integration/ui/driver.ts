/**
 * Drives a real VS Code window as a user would: the workbench (VS Code server + web UI in headless
 * Chromium) with our extension loaded from this checkout as an Extension Development Host.
 * UI tests run in plain Node (mocha), not in the extension host; see ../README.md.
 *
 *   const vscode = await VSCodeWorkbench.open({ env: { ESTREAMER_SIM_PORT: '12345' } });
 *   await vscode.runCommand('eStreamer: Show Log');
 *   await vscode.waitForNotification(/connected/i);
 *   await vscode.close();
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Browser, FrameLocator, Locator, Page } from 'playwright-core';
import { repoRoot, startVSCodeServer, type VSCodeServer } from '../harness/server';
import { launchChromium, openWorkbench } from '../harness/workbench';

export const testOutputDir = path.join(repoRoot, 'test-output');
export const fixtureWorkspace = path.join(repoRoot, 'test/integration/fixtures/workspace');

export interface OpenWorkbenchOptions {
  /** Workspace folder to open. Default: a fresh temp copy of test/integration/fixtures/workspace. */
  folder?: string;
  /** Extra environment for the VS Code server and so for our extension's host (e.g. a simulator port). */
  env?: NodeJS.ProcessEnv;
  /** Extension(s) under development. Default: this checkout (build it first: npm run build). */
  extensionDevelopmentPaths?: string[];
}

const selectors = {
  statusBar: '.statusbar',
  windowTitle: '.titlebar',
  statusBarItem: '.statusbar-item',
  quickInput: '.quick-input-widget',
  quickInputBox: '.quick-input-widget input',
  quickInputRow: '.quick-input-list .monaco-list-row',
  notificationToasts: '.notifications-toasts',
} as const;

export class VSCodeWorkbench {
  private constructor(
    readonly page: Page,
    /** Lines the workbench and the extension host logged (console.*), oldest first. */
    readonly consoleLines: string[],
    /** The workspace folder on disk. */
    readonly folder: string,
    private readonly server: VSCodeServer,
    private readonly browser: Browser,
    private readonly ownedFolder: string | undefined,
  ) {}

  static async open(options: OpenWorkbenchOptions = {}): Promise<VSCodeWorkbench> {
    let ownedFolder: string | undefined;
    let folder = options.folder;
    if (!folder) {
      ownedFolder = folder = mkdtempSync(path.join(tmpdir(), 'estreamer-ui-workspace-'));
      cpSync(fixtureWorkspace, folder, { recursive: true });
    }
    const server = await startVSCodeServer({ env: options.env });
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const consoleLines: string[] = [];
      const { page } = await openWorkbench(
        browser,
        server,
        { folder, extensionDevelopmentPaths: options.extensionDevelopmentPaths ?? [repoRoot] },
        (type, text) => consoleLines.push(`[${type}] ${text}`),
      );
      const workbench = new VSCodeWorkbench(page, consoleLines, folder, server, browser, ownedFolder);
      await page.locator(selectors.statusBar).waitFor({ state: 'visible', timeout: 60_000 });
      // The title proves the URL payload was honoured (otherwise our extension is not loaded).
      await page.locator(selectors.windowTitle, { hasText: '[Extension Development Host]' }).waitFor({ timeout: 30_000 });
      return workbench;
    } catch (error) {
      await browser?.close().catch(() => undefined);
      const log = server.log();
      await server.dispose();
      if (ownedFolder) rmSync(ownedFolder, { recursive: true, force: true });
      throw new Error(`${(error as Error).message}\n--- VS Code server log ---\n${log}`);
    }
  }

  /** Everything the VS Code server printed (extension host start, load errors of our extension…). */
  serverLog(): string {
    return this.server.log();
  }

  /**
   * Opens the command palette (F1), types `>query` and returns the labels of the rows it lists.
   * Right after the window opens, our extension's contributions may not be registered yet, so
   * an empty list is retried until `timeoutMs`.
   */
  async commandPaletteEntries(query: string, timeoutMs = 30_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.openQuickInput('F1', `>${query}`);
      const rows = this.page.locator(`${selectors.quickInputRow} .label-name`);
      await rows.first().waitFor({ state: 'visible', timeout: 5_000 }).catch(() => undefined);
      const labels = (await rows.allInnerTexts())
        .map((label) => label.replace(/\s+/g, ' ').trim())
        // The palette shows its empty state as a row too.
        .filter((label) => label !== 'No matching commands');
      if (labels.length > 0 || Date.now() > deadline) return labels;
      await this.page.waitForTimeout(1_000);
    }
  }

  /**
   * Runs a command through F1 by its palette title, e.g. 'eStreamer: Connect to FMC', picking the
   * row whose label is exactly that title (retried while the extension is still loading).
   */
  async runCommand(title: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const exactTitle = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    for (;;) {
      const labels = await this.commandPaletteEntries(title, Math.max(0, deadline - Date.now()));
      if (labels.some((label) => exactTitle.test(label))) break;
      if (Date.now() > deadline) throw new Error(`no command "${title}" in the command palette; it lists: ${labels.join(' | ') || 'nothing'}`);
      await this.page.waitForTimeout(1_000);
    }
    await this.pickRow(exactTitle);
  }

  /** Opens a workspace file through Quick Open (Ctrl+P), as a user would. */
  async openFile(relativePath: string): Promise<void> {
    await this.openQuickInput('Control+P', relativePath);
    await this.pickRow(path.basename(relativePath));
    await this.page
      .locator('.tabs-container .tab.active', { hasText: path.basename(relativePath) })
      .waitFor({ state: 'visible', timeout: 15_000 });
  }

  /** Types into whatever quick input is open (input boxes and quick picks of our commands) and presses Enter. */
  async answerQuickInput(text: string, options: { password?: boolean } = {}): Promise<void> {
    const input = this.page.locator(selectors.quickInputBox);
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    if (options.password) {
      await this.page.locator(`${selectors.quickInput} input[type="password"]`).waitFor({ timeout: 10_000 });
    }
    await this.fillQuickInput(text);
    await this.page.keyboard.press('Enter');
  }

  /**
   * Sets the open quick input's value and checks that it took. A quick input that is still being
   * set up (VS Code's simple file dialog puts its starting folder in the box once it has listed
   * it) can overwrite what was typed a moment earlier, so this waits for the box to settle first
   * and types again when the value read back is not the one typed.
   */
  async fillQuickInput(text: string, attempts = 5): Promise<void> {
    const input = this.page.locator(selectors.quickInputBox);
    let seen = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      await this.waitForQuickInputValue(() => true);
      await input.fill(text);
      // Long enough for a pending reset of the box (an async listing) to land before we read back.
      await this.page.waitForTimeout(300);
      seen = await input.inputValue();
      if (seen === text) return;
    }
    throw new Error(`the quick input kept "${seen}" instead of "${text}" after ${attempts} attempts`);
  }

  /**
   * Waits until the open quick input's value satisfies `accept` and stays the same for two reads
   * 250 ms apart; returns it.
   */
  async waitForQuickInputValue(accept: (value: string) => boolean, timeoutMs = 15_000): Promise<string> {
    const input = this.page.locator(selectors.quickInputBox);
    const deadline = Date.now() + timeoutMs;
    let previous: string | undefined;
    for (;;) {
      const value = await input.inputValue({ timeout: Math.max(1, deadline - Date.now()) });
      if (value === previous && accept(value)) return value;
      if (Date.now() > deadline) throw new Error(`the quick input value did not settle on an expected value; last: "${value}"`);
      previous = value;
      await this.page.waitForTimeout(250);
    }
  }

  /**
   * Picks `filePath` in VS Code's own file dialog (the web workbench's simple file dialog, a quick
   * input titled `title`) and takes it with the dialog's OK button `okLabel`. The dialog starts
   * busy: it shows a folder and resets the box to that folder once listed, so the path is typed
   * only after that, checked before OK, and typed again if the dialog stays open.
   */
  async chooseInFileDialog(title: string | RegExp, filePath: string, okLabel: string, attempts = 3): Promise<void> {
    await this.waitForQuickInputTitle(title);
    const dialogTitle = this.page.locator(`${selectors.quickInput} .quick-input-title`, { hasText: title });
    const fileRow = this.page.locator(selectors.quickInputRow, { hasText: path.basename(filePath) }).first();
    // Its own starting value: a folder path ending in the separator, with that folder listed.
    await this.waitForQuickInputValue((value) => /[/\\]$/.test(value));
    await this.page.locator(selectors.quickInputRow).first().waitFor({ state: 'visible', timeout: 15_000 });
    for (let attempt = 1; ; attempt++) {
      // A slow OK may close the dialog just after we gave up waiting: never type into the next box.
      if (attempt > 1 && !(await dialogTitle.isVisible())) return;
      await this.fillQuickInput(filePath);
      // The dialog lists the file's folder as the path is typed.
      await fileRow.waitFor({ state: 'visible', timeout: 10_000 });
      const value = await this.waitForQuickInputValue(() => true);
      if (value === filePath) {
        await this.page.getByRole('button', { name: okLabel }).click();
        const closed = await dialogTitle
          .waitFor({ state: 'hidden', timeout: 10_000 })
          .then(() => true)
          .catch(() => false);
        if (closed) return;
      }
      if (attempt >= attempts) {
        throw new Error(`the file dialog "${String(title)}" did not take ${filePath} after ${attempts} attempts; its box shows "${await this.page.locator(selectors.quickInputBox).inputValue().catch(() => '?')}"`);
      }
    }
  }

  /** Waits until the open quick input shows this title (each step of a multi-step flow has its own). */
  async waitForQuickInputTitle(title: string | RegExp, timeoutMs = 15_000): Promise<void> {
    await this.page.locator(`${selectors.quickInput} .quick-input-title`, { hasText: title }).waitFor({ state: 'visible', timeout: timeoutMs });
  }

  /** Picks the row of the open quick pick whose label matches. */
  async pickRow(label: string | RegExp): Promise<void> {
    const row = this.page.locator(selectors.quickInputRow).filter({
      has: this.page.locator('.label-name', { hasText: label }),
    });
    await row.first().waitFor({ state: 'visible', timeout: 15_000 });
    await row.first().click();
  }

  /** Texts of the notification toasts now visible. */
  async notifications(): Promise<string[]> {
    const toasts = this.page.locator(`${selectors.notificationToasts} .notification-list-item-message`);
    return (await toasts.allInnerTexts()).map((t) => t.trim());
  }

  /** Waits for a toast containing the text; returns the toast's locator (to click its buttons). */
  async waitForNotification(text: string | RegExp, timeoutMs = 20_000): Promise<Locator> {
    // 1.100 renders toasts under .notifications-toasts; match the text, not deeper classes.
    const toast = this.page.locator(`${selectors.notificationToasts} .notification-toast`, { hasText: text }).first();
    await toast.waitFor({ state: 'visible', timeout: timeoutMs });
    return toast;
  }

  /** Texts of all status bar items, left to right. */
  async statusBarTexts(): Promise<string[]> {
    const items = this.page.locator(`${selectors.statusBar} ${selectors.statusBarItem}`);
    return (await items.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()).filter((t) => t.length > 0);
  }

  /** Waits for a status bar item containing the text; returns its locator (click it, read it again). */
  async waitForStatusBarItem(text: string | RegExp, timeoutMs = 20_000): Promise<Locator> {
    const item = this.page.locator(`${selectors.statusBar} ${selectors.statusBarItem}`, { hasText: text }).first();
    await item.waitFor({ state: 'visible', timeout: timeoutMs });
    return item;
  }

  /**
   * The content frame of a webview (panel or view). VS Code nests two iframes: the host
   * `iframe.webview` and the extension's page in `#active-frame`. With several webviews open,
   * pass the index of the host iframe in DOM order.
   */
  webview(index = 0): FrameLocator {
    return this.page.locator('iframe.webview').nth(index).contentFrame().frameLocator('#active-frame');
  }

  /** Saves a PNG of the window to test-output/<name>.png and returns its path. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(testOutputDir, { recursive: true });
    const file = path.join(testOutputDir, `${name.replace(/[^\w.-]+/g, '-')}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /**
   * For a mocha `afterEach(function () { … })`: when the test just failed, saves a screenshot named
   * after it and prints the last console lines of the workbench and the extension host.
   */
  async reportIfFailed(test: Mocha.Test | undefined): Promise<void> {
    if (test?.state !== 'failed') return;
    const file = await this.screenshot(`failed-${test.fullTitle()}`).catch((error: Error) => `(no screenshot: ${error.message})`);
    console.log(`--- screenshot: ${file}\n--- last console lines of the window:\n${this.consoleLines.slice(-40).join('\n')}`);
  }

  /** Presses a key or chord in the workbench (e.g. 'Escape', 'Control+Shift+P'). */
  async press(key: string): Promise<void> {
    await this.page.keyboard.press(key);
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await this.server.dispose();
    if (this.ownedFolder) rmSync(this.ownedFolder, { recursive: true, force: true });
  }

  /**
   * Opens a quick input with `key` and types `text`. Just after load the first key press can be
   * swallowed while the workbench restores focus, so it retries a few times.
   */
  private async openQuickInput(key: string, text: string): Promise<void> {
    const input = this.page.locator(selectors.quickInputBox);
    for (let attempt = 1; ; attempt++) {
      await this.page.keyboard.press('Escape');
      await this.page.keyboard.press(key);
      try {
        await input.waitFor({ state: 'visible', timeout: 3_000 });
        break;
      } catch (error) {
        if (attempt >= 5) throw new Error(`the quick input did not open after pressing ${key} ${attempt} times: ${(error as Error).message}`);
      }
    }
    await input.fill(text);
  }
}
