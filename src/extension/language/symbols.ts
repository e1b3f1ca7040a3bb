import * as vscode from 'vscode';
import { outlineLine } from '../../dump/inspect';
import { recordTypeName } from '../../protocol';

/** Above this many records per family the outline lists the first ones and a count. */
const MAX_PER_FAMILY = 5000;

const FAMILY_ORDER = ['ioc', 'intrusion', 'malware', 'file-malware', 'file', 'connection', 'correlation', 'impact', 'user', 'discovery', 'packet', 'extra-data', 'metadata', 'unknown'];

/** Outline: one group per record family (alerts first), each listing its records in file order. */
export class DumpSymbolProvider implements vscode.DocumentSymbolProvider {
  provideDocumentSymbols(document: vscode.TextDocument, token: vscode.CancellationToken): vscode.DocumentSymbol[] {
    const groups = new Map<string, { first: number; last: number; count: number; children: vscode.DocumentSymbol[] }>();
    for (let i = 0; i < document.lineCount; i++) {
      if ((i & 4095) === 0 && token.isCancellationRequested) return [];
      const text = document.lineAt(i).text;
      const o = outlineLine(text, i);
      if (!o) continue;
      let g = groups.get(o.family);
      if (!g) groups.set(o.family, (g = { first: i, last: i, count: 0, children: [] }));
      g.last = i;
      g.count++;
      if (g.children.length < MAX_PER_FAMILY) {
        const range = new vscode.Range(i, 0, i, text.length);
        const selection = new vscode.Range(i, 0, i, Math.min(text.length, o.time.length));
        g.children.push(new vscode.DocumentSymbol(`${o.recordType} ${recordTypeName(o.recordType)}`, o.time, vscode.SymbolKind.Event, range, selection));
      }
    }
    const rank = (f: string): number => (FAMILY_ORDER.includes(f) ? FAMILY_ORDER.indexOf(f) : FAMILY_ORDER.length);
    return [...groups]
      .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
      .map(([family, g]) => {
        const range = new vscode.Range(g.first, 0, g.last, document.lineAt(g.last).text.length);
        const detail = g.count > g.children.length ? `${g.count} records (first ${g.children.length} listed)` : `${g.count} records`;
        const group = new vscode.DocumentSymbol(family, detail, vscode.SymbolKind.Namespace, range, new vscode.Range(g.first, 0, g.first, 0));
        group.children = g.children;
        return group;
      });
  }
}
