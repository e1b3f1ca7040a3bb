import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseCapture } from '../../../src/dump/capture';
import { DumpWriter } from '../../../src/dump/writer';
import { MetadataCache } from '../../../src/metadata';
import { decodeRecord } from '../../../src/protocol';

const extensionId = 'estreamer-tools.estreamer-vscode';

/** A real dump in the test workspace, written from the real FMC capture by the real writer. */
async function writeSessionDump(): Promise<{ uri: vscode.Uri; connectionLine: number }> {
  const extension = vscode.extensions.getExtension(extensionId);
  assert.ok(extension);
  await extension.activate();
  const capture = path.resolve(extension.extensionPath, '../shared/estreamer/fixtures/fmc-session-2020-12-03.hex');
  const records = parseCapture(fs.readFileSync(capture, 'utf8')).records.map((b) => decodeRecord(b));
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test run opens a workspace folder');
  const file = path.join(folder.uri.fsPath, 'dumps', 'session.estreamer');
  const writer = new DumpWriter({ dir: path.dirname(file), file, fmc: '10.101.101.198:8302', flags: 0x48900061, names: new MetadataCache() });
  const addresses = await writer.write(records);
  await writer.close();
  const first71 = records.findIndex((r) => r.recordType === 71);
  return { uri: vscode.Uri.file(file), connectionLine: addresses[first71].line };
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}

describe('.estreamer dumps in the editor', () => {
  let dump: { uri: vscode.Uri; connectionLine: number };
  before(async () => {
    dump = await writeSessionDump();
  });

  it('opens a written dump with language estreamer', async () => {
    const document = await vscode.workspace.openTextDocument(dump.uri);
    await vscode.window.showTextDocument(document);
    assert.equal(document.languageId, 'estreamer');
  });

  it('hovers a record line with its raw bytes decoded field by field, offsets and a hex dump', async () => {
    const position = new vscode.Position(dump.connectionLine - 1, 40);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', dump.uri, position);
    const text = hoverText(hovers);
    assert.match(text, /71 Connection Statistics/);
    assert.match(text, /^\s+\d+\s+2\s+initiatorPort\s+59265$/m, 'initiatorPort with its offset and width');
    assert.match(text, /^\s+16\s+4\s+discoveryHeader\.deviceId\s+1$/m);
    assert.match(text, /^000000 {2}00 00 00 47 /m, 'hex dump starts with the record type word');
    assert.match(text, /Show timeline for 192\.168\.50\.50/);
    assert.match(text, /^device = 10\.101\.101\.161$/m, 'names the writer resolved from the dump’s metadata');
  });

  it('outlines the records grouped by family', async () => {
    const symbols = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', dump.uri);
    const groups = new Map(symbols.map((s) => [s.name, s]));
    assert.deepEqual([...groups.keys()].sort(), ['connection', 'metadata']);
    assert.equal(groups.get('connection')?.children.length, 38);
    assert.equal(groups.get('metadata')?.children.length, 31);
    const first = groups.get('connection')!.children[0];
    assert.equal(first.name, '71 Connection Statistics');
    assert.equal(first.range.start.line, dump.connectionLine - 1);
  });

  it('offers "Show timeline for <host>" CodeLenses on the IPs of record lines', async () => {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', dump.uri, 100);
    const onConnection = lenses.filter((l) => l.range.start.line === dump.connectionLine - 1);
    const titles = onConnection.map((l) => l.command?.title);
    assert.ok(titles.includes('Show timeline for 192.168.50.50'), titles.join(', '));
    assert.ok(titles.includes('Show timeline for 52.114.128.70'), titles.join(', '));
    const lens = onConnection.find((l) => l.command?.title === 'Show timeline for 192.168.50.50')!;
    assert.equal(lens.command?.command, 'estreamer.openHostTimeline');
    assert.deepEqual(lens.command?.arguments, [{ ip: '192.168.50.50', file: dump.uri.fsPath, line: dump.connectionLine }]);
  });
});
