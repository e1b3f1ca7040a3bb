import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../harness/server';
import { VSCodeWorkbench } from './driver';

interface Manifest {
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    menus?: { commandPalette?: { command: string; when?: string }[] };
  };
}

const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Manifest;

/** Palette titles of the commands a user can always see (no `when` clause hides them). */
function alwaysVisibleCommandTitles(): string[] {
  const conditional = new Set((manifest.contributes.menus?.commandPalette ?? []).filter((m) => m.when).map((m) => m.command));
  return manifest.contributes.commands
    .filter((c) => !conditional.has(c.command))
    .map((c) => (c.category ? `${c.category}: ${c.title}` : c.title));
}

describe('workbench UI, driven as a user would', function () {
  let vscode: VSCodeWorkbench;

  before(async function () {
    vscode = await VSCodeWorkbench.open();
  });

  afterEach(async function () {
    await vscode?.reportIfFailed(this.currentTest);
  });

  after(async function () {
    await vscode?.close();
  });

  it('lists every declared eStreamer command', async () => {
    const expected = alwaysVisibleCommandTitles();
    assert.ok(expected.length > 0, 'package.json declares no command visible in the palette');
    const listed = await vscode.commandPaletteEntries('eStreamer: ');
    await vscode.screenshot('command-palette-estreamer');
    await vscode.press('Escape');
    for (const title of expected) assert.ok(listed.includes(title), `"${title}" is not in the palette; it shows: ${listed.join(' | ')}`);
  });

  it('runs eStreamer: Show Log, which opens the eStreamer log', async () => {
    await vscode.runCommand('eStreamer: Show Log');
    // The Output view shows our LogOutputChannel, selected by name in its channel picker.
    const output = vscode.page.locator('.part.panel', { hasText: 'Output' });
    await output.waitFor({ state: 'visible', timeout: 15_000 });
    await vscode.page.locator('.part.panel select', { hasText: 'eStreamer' }).first().waitFor({ state: 'attached', timeout: 15_000 });
    const selected = await vscode.page.locator('.part.panel select').evaluateAll((selects) =>
      // No DOM types in this Node project: describe the one property we read.
      (selects as unknown as { selectedOptions: ArrayLike<{ text: string }> }[]).map((s) => s.selectedOptions[0]?.text ?? ''),
    );
    await vscode.screenshot('show-log');
    assert.ok(selected.includes('eStreamer'), `the Output view shows ${JSON.stringify(selected)}, not eStreamer`);
  });

  it('opens a dump through Quick Open and shows its language in the status bar', async () => {
    await vscode.openFile('sample.estreamer');
    // The language indicator shows the first alias of the language contribution.
    await vscode.waitForStatusBarItem('eStreamer Dump');
    await vscode.screenshot('dump-open');
    assert.ok((await vscode.statusBarTexts()).includes('eStreamer Dump'));
  });
});
