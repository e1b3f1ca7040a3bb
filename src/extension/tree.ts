import * as vscode from 'vscode';
import { Disposable } from '../common/lifecycle';
import type { HostSummary, Verdict } from '../common/timeline';
import { Command } from './commands';
import type { FmcConnection } from './connection';
import type { ConnectionManager } from './connections';
import { sortHosts, VERDICT_ICON } from './hosts';
import type { ProfileSecrets } from './secrets';
import { affectsSettings, readProfiles, Setting, type FmcProfile } from './settings';
import { describeState, displayText, formatCount, formatDuration } from './format';
import { createLogger } from './logger';

const log = createLogger('view');

export const VIEW_ID = 'estreamer.explorer';
const REFRESH_MS = 1000;

type Node =
  | { kind: 'section'; section: 'connections' | 'hosts' }
  | { kind: 'profile'; profile: FmcProfile }
  | { kind: 'stat'; id: string; label: string; description?: string; icon: string; children?: Node[]; tooltip?: string; command?: vscode.Command }
  | { kind: 'verdict'; verdict: Verdict }
  | { kind: 'host'; host: HostSummary };

const VERDICT_LABEL: Record<Verdict, string> = { compromised: 'Compromised', suspicious: 'Suspicious', clean: 'Clean' };

/**
 * The eStreamer view: FMC connections with their live counters, and the hosts of the analysis
 * grouped by verdict. Empty (so the welcome view shows) until a profile exists or hosts are known.
 * Refreshes at most once a second however fast records arrive.
 */
export class EStreamerTree extends Disposable implements vscode.TreeDataProvider<Node> {
  private readonly changed = this._register(new vscode.EventEmitter<Node | undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<Node>;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastRefresh = 0;
  /** Stable node objects, so reveal() and expansion state survive refreshes. */
  private readonly sections = { connections: { kind: 'section', section: 'connections' } as Node, hosts: { kind: 'section', section: 'hosts' } as Node };
  private readonly verdicts = new Map<Verdict, Node>((['compromised', 'suspicious', 'clean'] as Verdict[]).map((v) => [v, { kind: 'verdict', verdict: v }]));
  private passwordSaved = new Map<string, boolean>();

  constructor(
    private readonly manager: ConnectionManager,
    private readonly secrets: ProfileSecrets,
  ) {
    super();
    this.view = this._register(vscode.window.createTreeView(VIEW_ID, { treeDataProvider: this, showCollapseAll: true }));
    this._register(manager.onDidChange(() => this.scheduleRefresh()));
    this._register(manager.analyzer.onDidChange(() => this.scheduleRefresh()));
    this._register(secrets.onDidChange(() => void this.reloadSecrets()));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => affectsSettings(e, Setting.Profiles) && void this.reloadSecrets()));
    this._register({ dispose: () => clearTimeout(this.timer) });
    void this.reloadSecrets();
  }

  private async reloadSecrets(): Promise<void> {
    const next = new Map<string, boolean>();
    for (const p of readProfiles()) next.set(p.name, (await this.secrets.get(p.name)) !== undefined);
    this.passwordSaved = next;
    this.refreshNow();
  }

  private scheduleRefresh(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastRefresh + REFRESH_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refreshNow();
    }, wait);
  }

  private refreshNow(): void {
    this.lastRefresh = Date.now();
    this.changed.fire(undefined);
    const compromised = this.manager.analyzer.hosts().filter((h) => h.verdict === 'compromised').length;
    this.view.badge = compromised ? { value: compromised, tooltip: `${compromised} compromised host${compromised > 1 ? 's' : ''}` } : undefined;
  }

  /** Expands and selects the group of hosts with this verdict (Show Compromised Hosts). */
  async revealVerdict(verdict: Verdict): Promise<void> {
    await vscode.commands.executeCommand(`${VIEW_ID}.focus`);
    if (!this.hostsOf(verdict).length) return;
    this.refreshNow();
    const node = this.verdicts.get(verdict)!;
    // A view that was just opened may not have rendered its nodes yet: retry briefly.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.view.reveal(node, { expand: true, select: true, focus: true });
        return;
      } catch (error) {
        if (attempt >= 5) {
          log.warn(`could not reveal the ${verdict} hosts in the view: ${(error as Error).message}`);
          return;
        }
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }

  private profiles(): FmcProfile[] {
    const saved = readProfiles();
    // A connection whose profile was removed from the settings still shows until it is closed.
    for (const c of this.manager.connections) if (c.isActive && !saved.some((p) => p.name === c.profile.name)) saved.push(c.profile);
    return saved;
  }

  private hostsOf(verdict: Verdict): HostSummary[] {
    return sortHosts(this.manager.analyzer.hosts().filter((h) => h.verdict === verdict));
  }

  getChildren(node?: Node): Node[] {
    if (!node) {
      const roots: Node[] = [];
      if (this.profiles().length) roots.push(this.sections.connections);
      if (this.manager.analyzer.hosts().length || this.manager.connections.length) roots.push(this.sections.hosts);
      return roots;
    }
    switch (node.kind) {
      case 'section':
        return node.section === 'connections'
          ? this.profiles().map((profile) => ({ kind: 'profile', profile }))
          : (['compromised', 'suspicious', 'clean'] as Verdict[]).filter((v) => this.hostsOf(v).length).map((v) => this.verdicts.get(v)!);
      case 'profile':
        return this.statsOf(node.profile);
      case 'stat':
        return node.children ?? [];
      case 'verdict':
        return this.hostsOf(node.verdict).map((host) => ({ kind: 'host', host }));
      case 'host':
        return [];
    }
  }

  getParent(node: Node): Node | undefined {
    if (node.kind === 'verdict') return this.sections.hosts;
    if (node.kind === 'host') return this.verdicts.get(node.host.verdict);
    if (node.kind === 'profile') return this.sections.connections;
    return undefined;
  }

  private statsOf(profile: FmcProfile): Node[] {
    const c = this.manager.get(profile.name);
    const id = (s: string) => `${profile.name}/${s}`;
    const nodes: Node[] = [];
    if (!c) {
      nodes.push({ kind: 'stat', id: id('endpoint'), label: 'FMC', description: `${profile.host}:${profile.port}`, icon: 'server' });
      nodes.push({ kind: 'stat', id: id('families'), label: 'Families', description: profile.families.join(', '), icon: 'list-filter' });
      return nodes;
    }
    const s = c.snapshot();
    const families = [...s.byFamily.entries()].sort((a, b) => b[1] - a[1]);
    nodes.push({ kind: 'stat', id: id('state'), label: 'State', description: describeState(c.state), icon: stateIcon(c), tooltip: s.lastError?.message });
    nodes.push({
      kind: 'stat',
      id: id('events'),
      label: 'Events',
      description: `${formatCount(s.records)} · ${s.eventsPerSecond.toFixed(s.eventsPerSecond < 10 ? 1 : 0)}/s`,
      icon: 'pulse',
      children: families.map(([family, n]) => ({ kind: 'stat', id: id(`family/${family}`), label: family, description: formatCount(n), icon: 'symbol-event' })),
    });
    nodes.push({ kind: 'stat', id: id('errors'), label: 'Errors', description: String(s.errors), icon: s.errors ? 'warning' : 'check', tooltip: s.lastError ? `Last: ${s.lastError.message}` : undefined });
    nodes.push({ kind: 'stat', id: id('reconnects'), label: 'Reconnects', description: String(s.reconnects), icon: 'debug-restart' });
    nodes.push({
      kind: 'stat',
      id: id('bookmark'),
      label: 'Bookmark',
      description: s.bookmarkSecond !== undefined ? new Date(s.bookmarkSecond * 1000).toISOString().replace('.000Z', 'Z') : 'none yet',
      icon: 'bookmark',
    });
    nodes.push({ kind: 'stat', id: id('lag'), label: 'Lag', description: s.lagSeconds !== undefined ? formatDuration(s.lagSeconds) : '–', icon: 'watch', tooltip: 'Time between the newest record and now' });
    nodes.push({
      kind: 'stat',
      id: id('dump'),
      label: 'Dump folder',
      description: c.dumpDir,
      icon: 'folder',
      command: { command: Command.OpenDumpFolder, title: 'Open Dump Folder', arguments: [profile.name] },
    });
    return nodes;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'section': {
        const connections = node.section === 'connections';
        const item = new vscode.TreeItem(connections ? 'FMC connections' : 'Hosts', vscode.TreeItemCollapsibleState.Expanded);
        item.id = `section/${node.section}`;
        item.iconPath = new vscode.ThemeIcon(connections ? 'plug' : 'vm');
        if (!connections) item.description = `${this.manager.analyzer.hosts().length}`;
        return item;
      }
      case 'profile': {
        const c = this.manager.get(node.profile.name);
        const active = c?.isActive ?? false;
        const item = new vscode.TreeItem(node.profile.name, active ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `profile/${node.profile.name}`;
        item.contextValue = active ? 'estreamer.profile.active' : 'estreamer.profile.idle';
        item.iconPath = c ? new vscode.ThemeIcon(stateIcon(c)) : new vscode.ThemeIcon('debug-disconnect');
        item.description = c ? describeState(c.state) : this.passwordSaved.get(node.profile.name) === false ? 'not connected · no password saved' : 'not connected';
        item.tooltip = new vscode.MarkdownString(
          `**${node.profile.name}** — ${node.profile.host}:${node.profile.port}\n\nClient file: \`${node.profile.pkcs12}\`\n\nStart: ${node.profile.start}`,
        );
        return item;
      }
      case 'stat': {
        const item = new vscode.TreeItem(node.label, node.children?.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = `stat/${node.id}`;
        item.description = node.description;
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.tooltip = node.tooltip;
        item.command = node.command;
        return item;
      }
      case 'verdict': {
        const count = this.hostsOf(node.verdict).length;
        const item = new vscode.TreeItem(VERDICT_LABEL[node.verdict], node.verdict === 'clean' ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded);
        item.id = `verdict/${node.verdict}`;
        item.description = String(count);
        item.iconPath = new vscode.ThemeIcon(VERDICT_ICON[node.verdict], verdictColor(node.verdict));
        return item;
      }
      case 'host': {
        const h = node.host;
        const item = new vscode.TreeItem(h.ip, vscode.TreeItemCollapsibleState.None);
        item.id = `host/${h.ip}`;
        item.contextValue = 'estreamer.host';
        item.description = `score ${h.score}${h.netbiosNames[0] ? ` · ${displayText(h.netbiosNames[0])}` : ''} · ${h.eventCount} events`;
        item.iconPath = new vscode.ThemeIcon(VERDICT_ICON[h.verdict], verdictColor(h.verdict));
        const md = new vscode.MarkdownString(`**${h.ip}** — ${h.verdict}, score ${h.score}\n\n`);
        for (const reason of h.reasons.slice(0, 8)) md.appendMarkdown(`- ${escapeMarkdown(reason)}\n`);
        item.tooltip = md;
        item.command = { command: Command.OpenHostTimeline, title: 'Open Host Timeline', arguments: [{ ip: h.ip }] };
        return item;
      }
    }
  }
}

function stateIcon(c: FmcConnection): string {
  switch (c.state.kind) {
    case 'streaming':
      return 'radio-tower';
    case 'connecting':
      return 'loading~spin';
    case 'stalled':
      return 'warning';
    case 'reconnecting':
      return 'sync~spin';
    case 'stopped':
      return c.snapshot().lastError ? 'error' : 'debug-disconnect';
  }
}

function verdictColor(verdict: Verdict): vscode.ThemeColor | undefined {
  if (verdict === 'compromised') return new vscode.ThemeColor('list.errorForeground');
  if (verdict === 'suspicious') return new vscode.ThemeColor('list.warningForeground');
  return undefined;
}

/** Host reasons quote attacker-influenced names: show them as text, never as markup. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
