/**
 * The extension as a user meets it, in a real VS Code window (VS Code server + web workbench in
 * headless Chromium): the command palette, the quick input, notifications, the status bar and the
 * eStreamer view. The FMC is the project's simulator over real TLS on loopback, run by this test
 * so that the test knows the password it types; the built-in one is started through the palette.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Simulator } from '../../../src/sim/simulator';
import { VSCodeWorkbench } from './driver';

interface Fmc {
  sim: Simulator;
  port: number;
  pkcs12: string;
}

/** A simulated FMC whose client file lives outside the workspace and VS Code's data dirs. */
async function startFmc(dir: string): Promise<Fmc> {
  const sim = await Simulator.create({ scenario: 'compromise', host: '127.0.0.1', port: 0 });
  const { port } = await sim.start();
  const pkcs12 = path.join(dir, `client-${port}.pkcs12`);
  fs.writeFileSync(pkcs12, sim.credentials.pkcs12);
  return { sim, port, pkcs12 };
}

/** Every file under `dir` whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  const wanted = Buffer.from(needle, 'utf8');
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    try {
      if (fs.readFileSync(file).includes(wanted)) hits.push(file);
    } catch {
      // Sockets, files removed meanwhile: nothing to read.
    }
  }
  return hits;
}

function recordLines(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.estreamer'))
    .reduce((n, f) => n + fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter((l) => l && !l.startsWith('#')).length, 0);
}

function eventsIn(text: string): number {
  const m = /([\d,]+) events/.exec(text);
  return m ? Number(m[1].replace(/,/g, '')) : -1;
}

describe('extension UI: connect to an FMC as a user would', function () {
  this.timeout(240_000);
  let vscode: VSCodeWorkbench;
  let scratch: string;
  let fmc: Fmc;

  before(async function () {
    scratch = fs.mkdtempSync(path.join(tmpdir(), 'estreamer-ui-fmc-'));
    fmc = await startFmc(scratch);
    vscode = await VSCodeWorkbench.open();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      await vscode.screenshot(`extension-ui-failed-${this.currentTest.title}`);
      console.log(vscode.consoleLines.slice(-40).join('\n'));
    }
  });

  after(async function () {
    await vscode?.close();
    await fmc?.sim.stop();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  /** Waits until the open quick input shows this title (each step of the flow has its own). */
  async function step(title: string | RegExp): Promise<void> {
    await vscode.page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ state: 'visible', timeout: 15_000 });
  }

  /** Connect to FMC → New FMC connection… → host, port, file, password, families, start. */
  async function createProfileAndConnect(password: string, port = fmc.port, options: { browse?: boolean } = {}): Promise<void> {
    await vscode.runCommand('eStreamer: Connect to FMC');
    // With saved profiles (the built-in simulator's) the first step is the profile picker.
    await vscode.pickRow(/New FMC connection/);
    await step('(1/5)');
    await vscode.answerQuickInput('127.0.0.1');
    await step('(2/5)');
    await vscode.answerQuickInput(String(port));
    await step('(3/5)');
    if (options.browse) {
      // Enter on the empty box opens the file dialog (in the web workbench VS Code's own, a quick input).
      await vscode.answerQuickInput('');
      // The dialog lists the folder's files as the path is typed; then its OK button takes the file.
      await vscode.chooseInFileDialog('Choose the .pkcs12 client file', fmc.pkcs12, 'Use this client file');
    } else {
      await vscode.answerQuickInput(fmc.pkcs12);
    }
    await step('(4/5)');
    // The families pick starts with the usual families selected; Enter keeps them.
    await vscode.press('Enter');
    await step('(5/5)');
    await vscode.pickRow('Oldest available');
    await step(/^Password for/);
    await vscode.answerQuickInput(password, { password: true });
  }

  it('shows a welcome with Connect and Start Built-in Simulator while nothing is configured', async () => {
    await vscode.page.locator('.activitybar .action-item [aria-label^="eStreamer"]').first().click();
    const welcome = vscode.page.locator('.welcome-view-content', { hasText: 'No FMC is configured yet' });
    await welcome.waitFor({ state: 'visible', timeout: 20_000 });
    assert.ok(await welcome.getByRole('button', { name: 'Connect to FMC' }).isVisible());
    assert.ok(await welcome.getByRole('button', { name: 'Start Built-in Simulator' }).isVisible());
    await vscode.screenshot('extension-welcome');
  });

  it('has a Get Started walkthrough: install, simulator, connect, timeline', async () => {
    await vscode.runCommand('Welcome: Open Walkthrough...');
    await vscode.pickRow('Get started with eStreamer');
    const page = vscode.page.locator('.gettingStartedContainer');
    for (const title of ['Install eStreamer for VS Code', 'Start the built-in FMC simulator', 'Connect and stream', "Open a host's timeline"]) {
      await page.getByText(title, { exact: true }).first().waitFor({ state: 'visible', timeout: 20_000 });
    }
    await vscode.screenshot('extension-walkthrough');
    await vscode.press('Escape');
  });

  it('starts the built-in simulator from the palette and offers to connect', async () => {
    await vscode.runCommand('eStreamer: Start Built-in Simulator');
    const toast = await vscode.waitForNotification(/built-in FMC simulator is running on 127\.0\.0\.1:\d+/, 60_000);
    assert.ok(await toast.getByRole('button', { name: 'Connect' }).isVisible(), 'the notification offers to connect');
    await vscode.screenshot('extension-simulator-started');
  });

  it('says the password is wrong and offers to re-enter it, then connects with the right one', async () => {
    await createProfileAndConnect('not-the-password');
    const toast = await vscode.waitForNotification(/password does not open the \.pkcs12 file/, 30_000);
    await vscode.screenshot('extension-wrong-password');
    assert.ok(await toast.getByRole('button', { name: 'Show Log' }).isVisible(), 'the error offers the log');
    await toast.getByRole('button', { name: 'Re-enter Password' }).click();
    await step(/^Password for/);
    await vscode.answerQuickInput(fmc.sim.credentials.password, { password: true });
    await vscode.waitForStatusBarItem(new RegExp(`127\\.0\\.0\\.1:${fmc.port}: [\\d,]+ events`), 60_000);
  });

  it('streams into .estreamer files in the workspace while the status bar count grows', async () => {
    const item = await vscode.waitForStatusBarItem(new RegExp(`127\\.0\\.0\\.1:${fmc.port}: [\\d,]+ events`));
    const first = eventsIn(await item.innerText());
    const dumpDir = path.join(vscode.folder, 'estreamer', `127.0.0.1_${fmc.port}`);
    // The compromise scenario is finite: wait until the count stops moving, then compare with the files.
    let last = first;
    let stableFor = 0;
    while (stableFor < 3) {
      await vscode.page.waitForTimeout(1_000);
      const now = eventsIn(await item.innerText());
      assert.ok(now >= last, `the status bar count went down from ${last} to ${now}`);
      stableFor = now === last ? stableFor + 1 : 0;
      last = now;
    }
    await vscode.screenshot('extension-streaming');
    assert.ok(last > 0, 'the status bar counts events');
    assert.ok(last >= first);
    assert.equal(recordLines(dumpDir), last, `the status bar count equals the record lines in ${dumpDir}`);
  });

  it('lists the compromised host in the eStreamer view', async () => {
    const compromised = fmc.sim.truth?.compromised.map((h) => h.ip) ?? [];
    assert.ok(compromised.length > 0, 'the scenario has compromised hosts');
    // A click on the status bar item opens the view.
    await (await vscode.waitForStatusBarItem(`127.0.0.1:${fmc.port}`)).click();
    const group = vscode.page.locator('.monaco-list-row', { hasText: /^Compromised/ }).first();
    await group.waitFor({ state: 'visible', timeout: 20_000 });
    for (const ip of compromised) {
      const row = vscode.page.locator('.monaco-list-row', { hasText: new RegExp(`(?<![\\d.])${ip.replace(/\./g, '\\.')}(?![\\d.]).*score`) });
      await row.first().waitFor({ state: 'visible', timeout: 20_000 });
    }
    await vscode.screenshot('extension-view-hosts');
  });

  it('opens a host timeline from a quick pick that lists compromised hosts first, with verdict and score', async () => {
    const compromised = new Set(fmc.sim.truth?.compromised.map((h) => h.ip));
    await vscode.runCommand('eStreamer: Open Host Timeline…');
    const rows = vscode.page.locator('.quick-input-list .monaco-list-row');
    await rows.first().waitFor({ state: 'visible', timeout: 15_000 });
    const texts = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
    await vscode.screenshot('extension-open-host-timeline');
    const firstRows = texts.slice(0, compromised.size);
    for (const row of firstRows) {
      assert.match(row, /compromised · score \d+/, `a top row is not a compromised host: ${texts.join(' | ')}`);
      assert.ok([...compromised].some((ip) => row.includes(ip)), `unexpected host first: ${row}`);
    }
    const first = [...compromised].find((ip) => firstRows[0].includes(ip))!;
    await vscode.press('Enter');
    // The timeline panel opens as an editor tab named after the host.
    await vscode.page.locator('.tabs-container .tab', { hasText: first }).first().waitFor({ state: 'visible', timeout: 30_000 });
    await vscode.screenshot('extension-timeline-opened');
    // Keys typed into a webview stay there: give the focus back to the workbench (the view).
    await (await vscode.waitForStatusBarItem(`127.0.0.1:${fmc.port}`)).click();
  });

  it('stops on Disconnect: the status bar item goes away and the dump stops growing', async () => {
    await vscode.runCommand('eStreamer: Disconnect');
    await vscode.page
      .locator('.statusbar .statusbar-item', { hasText: `127.0.0.1:${fmc.port}:` })
      .waitFor({ state: 'detached', timeout: 20_000 });
    const dumpDir = path.join(vscode.folder, 'estreamer', `127.0.0.1_${fmc.port}`);
    const lines = recordLines(dumpDir);
    await vscode.page.waitForTimeout(1_000);
    assert.equal(recordLines(dumpDir), lines);
  });

  it('reconnects a saved profile without asking for the password again (it is in secret storage)', async () => {
    await vscode.runCommand('eStreamer: Connect to FMC');
    await vscode.pickRow(new RegExp(`^127\\.0\\.0\\.1:${fmc.port}$`));
    await vscode.waitForStatusBarItem(new RegExp(`127\\.0\\.0\\.1:${fmc.port}: [\\d,]+ events`), 60_000);
    assert.equal(await vscode.page.locator('.quick-input-widget input[type="password"]').isVisible(), false, 'no password prompt');
    await vscode.runCommand('eStreamer: Disconnect');
    await vscode.page
      .locator('.statusbar .statusbar-item', { hasText: `127.0.0.1:${fmc.port}:` })
      .waitFor({ state: 'detached', timeout: 20_000 });
  });

  it('cancels a connection attempt from the progress notification', async () => {
    // A listener that accepts TCP and never answers TLS: the attempt hangs until cancelled.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      // This time the client file comes from the file dialog rather than a typed path.
      await createProfileAndConnect(fmc.sim.credentials.password, port, { browse: true });
      const progress = await vscode.waitForNotification(`connecting to 127.0.0.1:${port}`, 20_000);
      await vscode.waitForStatusBarItem(`127.0.0.1:${port}: connecting`);
      await progress.getByRole('button', { name: 'Cancel' }).click();
      await vscode.page.locator('.statusbar .statusbar-item', { hasText: `127.0.0.1:${port}:` }).waitFor({ state: 'detached', timeout: 15_000 });
      await vscode.page.waitForTimeout(1_000);
      const errors = (await vscode.notifications()).filter((t) => t.includes(`127.0.0.1:${port}`));
      assert.deepEqual(errors, [], 'a cancelled attempt is not reported as a failure');
    } finally {
      sockets.forEach((s) => s.destroy());
      silent.close();
    }
  });

  it('keeps the password in secret storage only: not in settings, not in any file', async () => {
    const password = fmc.sim.credentials.password;
    // The harness keeps VS Code's user data, server data and extensions under one scratch folder.
    const scratchDir = (vscode as unknown as { server: { scratchDir: string } }).server.scratchDir;
    assert.ok(scratchDir && fs.existsSync(scratchDir), 'the VS Code scratch folder is known');
    const settingsFiles = filesContaining(scratchDir, '"pkcs12"');
    assert.ok(settingsFiles.length > 0, 'the profile was saved to a settings file under the scratch folder');
    // That includes our log: it is there, it told the connection story, and the password is not in it.
    const logs = filesContaining(scratchDir, `[connection] 127.0.0.1:${fmc.port}: connecting to`);
    assert.ok(logs.length > 0, 'the eStreamer log file was not found under the scratch folder');
    assert.deepEqual(filesContaining(scratchDir, password), [], 'the password is in a file of VS Code\'s data');
    assert.deepEqual(filesContaining(vscode.folder, password), [], 'the password is in a workspace file');
  });
});
