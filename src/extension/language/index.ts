/**
 * Language features of `.estreamer` dumps: hover (raw bytes decoded field by field), outline
 * grouped by record family, "Show timeline for <host>" CodeLenses, and the record link format.
 */
import * as vscode from 'vscode';
import { revealRecordBeside } from '../timeline/timelinePanel';
import { HostCodeLensProvider } from './codeLens';
import { DumpHoverProvider } from './hover';
import { DumpSymbolProvider } from './symbols';

export const DUMP_LANGUAGE = 'estreamer';

export function registerLanguageFeatures(_context: vscode.ExtensionContext): vscode.Disposable {
  const selector: vscode.DocumentSelector = { language: DUMP_LANGUAGE };
  const lenses = new HostCodeLensProvider();
  return vscode.Disposable.from(
    vscode.languages.registerHoverProvider(selector, new DumpHoverProvider()),
    vscode.languages.registerDocumentSymbolProvider(selector, new DumpSymbolProvider(), { label: 'eStreamer records' }),
    lenses,
    vscode.languages.registerCodeLensProvider(selector, lenses),
  );
}

/**
 * A record's link: the dump's file URI with a `#L<line>` fragment. VS Code's opener (markdown,
 * hovers, `vscode.open`) selects that line; as plain text the address is `<path>:<line>`.
 */
export function recordUri(file: string, line: number): vscode.Uri {
  return vscode.Uri.file(file).with({ fragment: `L${line}` });
}

/** Opens the dump at the record's line, revealed and selected, beside the active editor. */
export function revealRecord(uri: vscode.Uri, line: number): Promise<void> {
  return revealRecordBeside({ file: uri.fsPath, line });
}
