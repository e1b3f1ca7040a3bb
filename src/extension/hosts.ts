import * as path from 'node:path';
import * as vscode from 'vscode';
import { analyzeDumps } from '../analysis';
import type { HostSummary, RecordRef, Verdict } from '../common/timeline';
import { Command } from './commands';
import type { ConnectionManager } from './connections';
import { displayText } from './format';
import { createLogger } from './logger';
import { configuredDumpFolder } from './settings';

const log = createLogger('hosts');

/** What Open Host Timeline… accepts: nothing (pick), an IP, a host tree item, or the dump CodeLens' {ip, file, line}. */
export type HostArg = string | { ip?: string; host?: HostSummary; file?: string; line?: number } | undefined;

const VERDICT_ORDER: Record<Verdict, number> = { compromised: 0, suspicious: 1, clean: 2 };

export const VERDICT_ICON: Record<Verdict, string> = { compromised: 'error', suspicious: 'warning', clean: 'pass' };

/** Compromised first, then suspicious, then clean; worst score first within each. */
export function sortHosts(hosts: readonly HostSummary[]): HostSummary[] {
  return [...hosts].sort((a, b) => VERDICT_ORDER[a.verdict] - VERDICT_ORDER[b.verdict] || b.score - a.score || a.ip.localeCompare(b.ip));
}

export type OpenTimeline = (ip: string, focus?: RecordRef) => unknown;

/** Open Host Timeline… and Show Compromised Hosts, over the window's Analyzer. */
export class HostCommands {
  /** Dump folders already read into the analysis this session (never read one twice). */
  private readonly loadedFolders = new Set<string>();

  constructor(
    private readonly manager: ConnectionManager,
    private readonly openTimeline: OpenTimeline,
    /** Reveals the Hosts group of the given verdict in the eStreamer view. */
    private readonly revealVerdict: (verdict: Verdict) => Promise<void>,
  ) {}

  register(): vscode.Disposable {
    return vscode.Disposable.from(
      vscode.commands.registerCommand(Command.OpenHostTimeline, (arg?: HostArg) => this.openHostTimeline(arg)),
      vscode.commands.registerCommand(Command.ShowCompromisedHosts, () => this.showCompromised()),
    );
  }

  async openHostTimeline(arg?: HostArg): Promise<string | undefined> {
    const ip = typeof arg === 'string' ? arg : (arg?.ip ?? arg?.host?.ip);
    const focus = typeof arg === 'object' && arg.file && arg.line ? { file: arg.file, line: arg.line } : undefined;
    // From a dump's CodeLens the host may come from an earlier session: read that dump folder first.
    if (ip && focus && !this.manager.analyzer.timeline(ip)) await this.loadDumpFolder(path.dirname(focus.file));
    const chosen = ip ?? (await this.pickHost());
    if (!chosen) return undefined;
    if (!this.manager.analyzer.timeline(chosen)) {
      void vscode.window.showWarningMessage(`No events for ${chosen} in this window's streams yet. Connect to the FMC that sees it, or wait for its events to arrive.`);
      return undefined;
    }
    log.info(`opening the timeline of ${chosen}${focus ? ` at ${focus.file}:${focus.line}` : ''}`);
    await this.openTimeline(chosen, focus);
    return chosen;
  }

  private async pickHost(): Promise<string | undefined> {
    if (this.manager.analyzer.hosts().length === 0) await this.loadConfiguredDumps();
    const hosts = sortHosts(this.manager.analyzer.hosts());
    if (hosts.length === 0) {
      void vscode.window.showInformationMessage('No hosts yet: connect to an FMC (or start the built-in simulator) and let events arrive.', 'Connect to FMC').then((b) => b && vscode.commands.executeCommand(Command.Connect));
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      hosts.map((h) => ({
        label: `$(${VERDICT_ICON[h.verdict]}) ${h.ip}`,
        description: `${h.verdict} · score ${h.score}${h.netbiosNames[0] ? ` · ${displayText(h.netbiosNames[0])}` : ''}`,
        detail: h.reasons[0] !== undefined ? displayText(h.reasons[0]) : `${h.eventCount} events`,
        ip: h.ip,
      })),
      { title: 'eStreamer: Open Host Timeline', placeHolder: 'Pick a host (compromised first)', matchOnDescription: true, matchOnDetail: true },
    );
    return picked?.ip;
  }

  /**
   * Feeds the .estreamer files of a folder into the window's Analyzer, unless a live connection
   * writes there (its records are already in) or it was read before.
   */
  async loadDumpFolder(folder: string): Promise<void> {
    if (this.loadedFolders.has(folder) || this.manager.connections.some((c) => c.dumpDir === folder)) return;
    this.loadedFolders.add(folder);
    let issues = 0;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `eStreamer: analysing dumps in ${folder}` }, () =>
      analyzeDumps([folder], {
        analyzer: this.manager.analyzer,
        onIssue: (issue) => {
          if (issues++ < 20) log.warn(`${issue.file}:${issue.line}: ${issue.message}`);
        },
      }),
    );
    log.info(`analysed the dumps in ${folder}: ${this.manager.analyzer.hosts().length} hosts known, ${issues} issue(s)`);
  }

  /** With nothing streamed yet, the dumps already in the dump folder (one sub-folder per FMC) are the data. */
  private async loadConfiguredDumps(): Promise<void> {
    const root = configuredDumpFolder();
    if (!root) return;
    let entries: [string, vscode.FileType][];
    try {
      entries = await vscode.workspace.fs.readDirectory(root);
    } catch {
      return; // No dump folder yet: nothing to read.
    }
    for (const [name, type] of entries) {
      if (type === vscode.FileType.Directory && !name.startsWith('.')) await this.loadDumpFolder(path.join(root.fsPath, name));
    }
  }

  async showCompromised(): Promise<number> {
    if (this.manager.analyzer.hosts().length === 0) await this.loadConfiguredDumps();
    const hosts = this.manager.analyzer.hosts();
    const compromised = hosts.filter((h) => h.verdict === 'compromised');
    if (compromised.length === 0) {
      const suspicious = hosts.filter((h) => h.verdict === 'suspicious').length;
      void vscode.window.showInformationMessage(
        hosts.length === 0
          ? 'No hosts yet: connect to an FMC (or start the built-in simulator) and let events arrive.'
          : `None of the ${hosts.length} hosts seen is compromised${suspicious ? ` (${suspicious} suspicious)` : ''}.`,
      );
    }
    await this.revealVerdict(compromised.length ? 'compromised' : 'suspicious');
    return compromised.length;
  }
}
