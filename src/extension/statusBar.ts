import * as vscode from 'vscode';
import { Disposable } from '../common/lifecycle';
import type { FmcConnection } from './connection';
import type { ConnectionManager } from './connections';
import { describeState, formatCount } from './format';
import { VIEW_ID } from './tree';

const TICK_MS = 1000;

/**
 * One status bar item per active connection: state, events so far and events per second.
 * Ticks once a second while anything is active (the rate decays even when no record arrives);
 * a click focuses the eStreamer view.
 */
export class ConnectionStatusBar extends Disposable {
  private readonly items = new Map<string, vscode.StatusBarItem>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly manager: ConnectionManager) {
    super();
    this._register(manager.onDidChange(() => this.ensureTicking()));
    this._register({
      dispose: () => {
        clearInterval(this.timer);
        this.items.forEach((i) => i.dispose());
        this.items.clear();
      },
    });
  }

  /** Renders now (a state change must not wait for the tick), then keeps ticking while active. */
  private ensureTicking(): void {
    this.update();
    if (!this.timer && this.manager.active.length) this.timer = setInterval(() => this.update(), TICK_MS);
  }

  private update(): void {
    const active = this.manager.active;
    const shown = new Set(active.map((c) => c.profile.name));
    for (const [name, item] of this.items) {
      if (!shown.has(name)) {
        item.dispose();
        this.items.delete(name);
      }
    }
    for (const c of active) this.render(c);
    if (active.length === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private render(c: FmcConnection): void {
    let item = this.items.get(c.profile.name);
    if (!item) {
      item = vscode.window.createStatusBarItem(`estreamer.connection.${c.profile.name}`, vscode.StatusBarAlignment.Left, 10);
      item.name = `eStreamer: ${c.profile.name}`;
      item.command = { command: `${VIEW_ID}.focus`, title: 'Show the eStreamer view' };
      this.items.set(c.profile.name, item);
      item.show();
    }
    const s = c.snapshot();
    const rate = s.eventsPerSecond < 10 ? s.eventsPerSecond.toFixed(1) : Math.round(s.eventsPerSecond).toString();
    switch (c.state.kind) {
      case 'streaming':
        item.text = `$(radio-tower) ${c.profile.name}: ${formatCount(s.records)} events · ${rate}/s`;
        item.backgroundColor = undefined;
        break;
      case 'connecting':
        item.text = `$(loading~spin) ${c.profile.name}: connecting`;
        item.backgroundColor = undefined;
        break;
      default:
        item.text = `$(warning) ${c.profile.name}: ${describeState(c.state)} · ${formatCount(s.records)} events`;
        item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    }
    item.tooltip = new vscode.MarkdownString(
      `**eStreamer ${c.profile.name}** (${c.endpoint})\n\n${describeState(c.state)} · ${formatCount(s.records)} events · ${rate}/s · ${s.errors} errors · ${s.reconnects} reconnects\n\nDump: \`${c.dumpDir}\``,
    );
  }
}
