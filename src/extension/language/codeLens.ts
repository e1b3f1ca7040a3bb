import * as vscode from 'vscode';
import { Disposable } from '../../common/lifecycle';
import { ipsInLine } from '../../dump/inspect';

const OPEN_HOST_TIMELINE = 'estreamer.openHostTimeline';
/** Lenses are made for the visible lines only (a dump has up to ~100k lines), at most this many. */
const MAX_LINES = 300;

/** "Show timeline for <host>" above each visible record line, one lens per IP on it. */
export class HostCodeLensProvider extends Disposable implements vscode.CodeLensProvider {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changed.event;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    super();
    const refresh = (e: { textEditor: vscode.TextEditor }): void => {
      if (e.textEditor.document.languageId !== 'estreamer') return;
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.changed.fire(), 150);
    };
    this._register(vscode.window.onDidChangeTextEditorVisibleRanges(refresh));
    this._register({ dispose: () => this.timer && clearTimeout(this.timer) });
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const lenses: vscode.CodeLens[] = [];
    for (const line of this.linesToCover(document)) {
      const text = document.lineAt(line).text;
      if (text.startsWith('#')) continue;
      for (const m of ipsInLine(text)) {
        lenses.push(
          new vscode.CodeLens(new vscode.Range(line, m.start, line, m.end), {
            title: `Show timeline for ${m.ip}`,
            tooltip: `Open the timeline of ${m.ip} (${m.key}) at this record`,
            command: OPEN_HOST_TIMELINE,
            arguments: [{ ip: m.ip, file: document.uri.fsPath, line: line + 1 }],
          }),
        );
      }
    }
    return lenses;
  }

  private linesToCover(document: vscode.TextDocument): number[] {
    const editors = vscode.window.visibleTextEditors.filter((e) => e.document === document);
    const ranges = editors.flatMap((e) => e.visibleRanges);
    // Not shown yet (e.g. asked by a command): the top of the file.
    if (ranges.length === 0) ranges.push(new vscode.Range(0, 0, Math.min(document.lineCount, MAX_LINES) - 1, 0));
    const lines = new Set<number>();
    for (const r of ranges) {
      for (let l = r.start.line; l <= r.end.line && l < document.lineCount && lines.size < MAX_LINES; l++) lines.add(l);
    }
    return [...lines].sort((a, b) => a - b);
  }
}
