import * as vscode from 'vscode';
import { Disposable } from '../common/lifecycle';
import { Analyzer } from '../analysis';
import { FmcConnection } from './connection';
import { createLogger } from './logger';
import type { FmcProfile, StreamSettings } from './settings';

/** Context key that is true while any connection is active (menus and the palette use it). */
const CONNECTED_CONTEXT = 'estreamer.connected';

/**
 * The window's FMC connections by profile name, and the one Analyzer every connection feeds with
 * its records and their dump addresses (the hosts list and the timeline read from it).
 */
export class ConnectionManager extends Disposable {
  private readonly byName = new Map<string, FmcConnection>();
  private readonly listeners = new Map<string, vscode.Disposable[]>();
  private readonly log = createLogger('connection');

  private readonly changed = this._register(new vscode.EventEmitter<FmcConnection | undefined>());
  /** A connection was added, removed, changed state or counted records (fires often: throttle). */
  readonly onDidChange = this.changed.event;

  readonly analyzer = new Analyzer();

  get connections(): FmcConnection[] {
    return [...this.byName.values()];
  }

  get(name: string): FmcConnection | undefined {
    return this.byName.get(name);
  }

  get active(): FmcConnection[] {
    return this.connections.filter((c) => c.isActive);
  }

  /** Creates (replacing any old one of the same profile) a connection; start() it to connect. */
  create(profile: FmcProfile, dumpRoot: string, settings: StreamSettings): FmcConnection {
    this.remove(profile.name);
    const connection = new FmcConnection(profile, dumpRoot, settings, this.log);
    this.byName.set(profile.name, connection);
    this.listeners.set(profile.name, [
      connection.onDidChange(() => {
        this.updateContext();
        this.changed.fire(connection);
      }),
      connection.onRecords(({ records, addresses, names }) => {
        records.forEach((record, i) => {
          const ref = addresses[i];
          if (ref) this.analyzer.add(record, names(record), ref);
        });
      }),
    ]);
    this.changed.fire(connection);
    return connection;
  }

  async disconnect(name: string): Promise<void> {
    await this.byName.get(name)?.stop();
  }

  private remove(name: string): void {
    const old = this.byName.get(name);
    if (!old) return;
    this.listeners.get(name)?.forEach((d) => d.dispose());
    this.listeners.delete(name);
    this.byName.delete(name);
    old.dispose();
    this.updateContext();
    this.changed.fire(undefined);
  }

  private updateContext(): void {
    void vscode.commands.executeCommand('setContext', CONNECTED_CONTEXT, this.active.length > 0);
  }

  override dispose(): void {
    for (const name of [...this.byName.keys()]) this.remove(name);
    super.dispose();
  }
}
