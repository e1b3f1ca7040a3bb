import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';

const extensionId = 'estreamer-tools.estreamer-vscode';

interface ManifestCommand {
  command: string;
  title: string;
}

function ourExtension(): vscode.Extension<unknown> {
  const extension = vscode.extensions.getExtension(extensionId);
  assert.ok(extension, `extension ${extensionId} is not loaded (check engines.vscode against VS Code ${vscode.version})`);
  return extension;
}

function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test run opens a workspace folder');
  return vscode.Uri.joinPath(folder.uri, name);
}

describe('extension', () => {
  it('activates in the real extension host', async () => {
    const extension = ourExtension();
    await extension.activate();
    assert.equal(extension.isActive, true);
    // The extension host runs the bundle from this checkout, not some installed copy.
    assert.equal(path.basename(extension.extensionPath), path.basename(path.resolve(__dirname, '../../../..')));
  });

  it('registers exactly the commands package.json declares', async () => {
    const extension = ourExtension();
    await extension.activate();
    const declared = ((extension.packageJSON.contributes?.commands ?? []) as ManifestCommand[]).map((c) => c.command).sort();
    // VS Code itself adds commands for each contributed view (`<view id>.focus` …); those are not ours.
    const viewIds = Object.values((extension.packageJSON.contributes?.views ?? {}) as Record<string, { id: string }[]>)
      .flat()
      .map((view) => view.id);
    const registered = (await vscode.commands.getCommands(true))
      .filter((id) => id.startsWith('estreamer.'))
      .filter((id) => !viewIds.some((viewId) => id.startsWith(`${viewId}.`)))
      .sort();
    assert.ok(declared.length > 0, 'package.json declares no commands');
    assert.deepEqual(
      registered,
      declared,
      'every contributed command must be registered by activate(), and every registered estreamer.* command declared',
    );
  });

  it('runs its Show Log command', async () => {
    await ourExtension().activate();
    // Throws if the command is declared but not registered, or its handler throws.
    await vscode.commands.executeCommand('estreamer.showLog');
  });
});

describe('estreamer language', () => {
  it('opens a .estreamer file with language id estreamer', async () => {
    const document = await vscode.workspace.openTextDocument(workspaceFile('sample.estreamer'));
    assert.equal(document.languageId, 'estreamer');
    await vscode.window.showTextDocument(document);
    assert.equal(vscode.window.activeTextEditor?.document.languageId, 'estreamer');
  });

  it('recognises a dump without the extension by its first line', async () => {
    const document = await vscode.workspace.openTextDocument(workspaceFile('dump-without-extension'));
    assert.equal(document.languageId, 'estreamer');
  });

  it('leaves other files alone', async () => {
    const document = await vscode.workspace.openTextDocument(workspaceFile('notes.txt'));
    assert.equal(document.languageId, 'plaintext');
  });

  it('comments lines with #', async () => {
    const document = await vscode.workspace.openTextDocument(workspaceFile('sample.estreamer'));
    const editor = await vscode.window.showTextDocument(document);
    editor.selection = new vscode.Selection(1, 0, 1, 0);
    await vscode.commands.executeCommand('editor.action.commentLine');
    assert.match(document.lineAt(1).text, /^# ?2026-12-03T10:00:01/);
    await vscode.commands.executeCommand('undo');
  });
});

describe('environment', () => {
  it('reaches the extension host from the test runner', () => {
    // runTest.ts sets this; other suites rely on the same path for e.g. a simulator port.
    assert.ok(process.env.ESTREAMER_TEST_WORKSPACE, 'ESTREAMER_TEST_WORKSPACE is not set in the extension host');
    assert.equal(
      vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
      process.env.ESTREAMER_TEST_WORKSPACE,
    );
  });
});
