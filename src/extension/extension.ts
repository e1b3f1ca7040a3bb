import * as vscode from 'vscode';
import { Command } from './commands';
import { ConnectionCommands } from './connectCommands';
import { ConnectionManager } from './connections';
import { HostCommands } from './hosts';
import { registerLanguageFeatures } from './language';
import { getLogChannel } from './logger';
import { ProfileSecrets } from './secrets';
import { timelineWindowMs } from './settings';
import { SimulatorFeature } from './simulator';
import { ConnectionStatusBar } from './statusBar';
import { openTimeline, registerTimeline } from './timeline';
import { EStreamerTree } from './tree';

/** What activate() returns: the live state, for the integration tests and other extensions. */
export interface EStreamerApi {
  readonly connections: ConnectionManager;
}

/**
 * Thin activation: each feature registers itself through its own `register(context)` and hands
 * back what it created; nothing else happens here.
 */
export function activate(context: vscode.ExtensionContext): EStreamerApi {
  context.subscriptions.push(getLogChannel());
  context.subscriptions.push(vscode.commands.registerCommand(Command.ShowLog, () => getLogChannel().show()));

  const secrets = new ProfileSecrets(context.secrets);
  const manager = new ConnectionManager();
  const connectionCommands = new ConnectionCommands(manager, secrets);
  const tree = new EStreamerTree(manager, secrets);
  const simulator = new SimulatorFeature(context.globalStorageUri, secrets, connectionCommands);
  context.subscriptions.push(secrets, manager, tree, simulator, new ConnectionStatusBar(manager));
  context.subscriptions.push(connectionCommands.register(), simulator.register());

  registerTimeline(context, {
    timeline: (ip) => manager.analyzer.timeline(ip, { beforeMs: timelineWindowMs() }),
    onDidChange: manager.analyzer.onDidChange,
  });
  context.subscriptions.push(new HostCommands(manager, openTimeline, (verdict) => tree.revealVerdict(verdict)).register());
  context.subscriptions.push(registerLanguageFeatures(context));

  return { connections: manager };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
