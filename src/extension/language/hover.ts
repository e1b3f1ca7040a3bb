import * as vscode from 'vscode';
import { formatFields, formatString, parseLine, toHex } from '../../dump/format';
import { fieldSpans, hexDump, ipsInLine } from '../../dump/inspect';
import { decodeRecord } from '../../protocol';
import type { FieldValue } from '../../protocol/types';

const OPEN_HOST_TIMELINE = 'estreamer.openHostTimeline';
const MAX_HEX_BYTES = 1024;
const MAX_VALUE_CHARS = 100;
const STATUS_KEYS = new Set(['status', 'reason', 'errorOffset']);

/** One line per value, never markdown: record text is attacker-controlled. */
function valueText(v: FieldValue): string {
  let text: string;
  if (typeof v === 'string') text = formatString(v);
  else if (v instanceof Uint8Array) text = toHex(v);
  else if (v !== null && typeof v === 'object') text = formatFields({ v }).map((t) => t.slice(2)).join(' ');
  else text = String(v);
  return text.length > MAX_VALUE_CHARS ? text.slice(0, MAX_VALUE_CHARS) + '…' : text;
}

/**
 * Hover on a record line: the record decoded again from its raw= bytes, field by field with byte
 * offsets, then a hex dump; links to the timeline of each host on the line.
 */
export class DumpHoverProvider implements vscode.HoverProvider {
  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const line = document.lineAt(position.line);
    if (line.isEmptyOrWhitespace || line.text.startsWith('#')) return undefined;
    let parsed;
    try {
      parsed = parseLine(line.text);
    } catch (e) {
      const md = new vscode.MarkdownString();
      md.appendText(`Not a readable record line: ${(e as Error).message}`);
      return new vscode.Hover(md, line.range);
    }
    const record = decodeRecord(parsed.raw);
    const spans = fieldSpans(parsed.raw, record);
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = { enabledCommands: [OPEN_HOST_TIMELINE] };
    md.appendMarkdown(`**${record.recordType} ${escapeMd(record.name)}** · ${escapeMd(record.family)} · ${record.raw.length} bytes`);
    if (record.status !== 'ok') md.appendMarkdown(` · **${record.status}**`);
    md.appendMarkdown('\n\n');
    if (record.reason) {
      md.appendText(record.reason);
      md.appendMarkdown('\n\n');
    }
    const links = ipsInLine(line.text).map((m) => {
      const args = encodeURIComponent(JSON.stringify([{ ip: m.ip, file: document.uri.fsPath, line: position.line + 1 }]));
      // ipsInLine only yields [0-9a-f.:] addresses and [A-Za-z0-9_@.[\]-] keys: nothing to escape.
      return `[$(timeline-view-icon) Show timeline for ${m.ip}](command:${OPEN_HOST_TIMELINE}?${args} "${m.key}")`;
    });
    if (links.length) md.appendMarkdown(links.join(' · ') + '\n\n');
    // The names the writer resolved from metadata: the pairs of the line that are not fields.
    const fieldKeys = new Set(formatFields(record.fields).map((t) => t.slice(0, t.indexOf('='))));
    const names = parsed.pairs.filter(([k]) => !fieldKeys.has(k) && !STATUS_KEYS.has(k));
    if (names.length) md.appendCodeblock(names.map(([k, v]) => `${k} = ${valueText(v)}`).join('\n'), 'text');
    const nameWidth = Math.max(5, ...spans.map((s) => s.name.length));
    const rows = spans.map(
      (s) => `${String(s.offset).padStart(6)} ${String(s.length).padStart(5)}  ${s.name.padEnd(nameWidth)}  ${valueText(s.value)}`,
    );
    md.appendCodeblock([`offset   len  ${'field'.padEnd(nameWidth)}  value`, ...rows].join('\n'), 'text');
    md.appendCodeblock(hexDump(record.raw, MAX_HEX_BYTES), 'text');
    return new vscode.Hover(md, line.range);
  }
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => '\\' + c);
}
