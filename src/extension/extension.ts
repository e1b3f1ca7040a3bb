import * as vscode from 'vscode';
import { Command } from './commands';
import { getLogChannel } from './logger';

/**
 * Thin activation: each feature registers itself through its own `register(context)` and hands
 * back what it created; nothing else happens here.
 */
export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(getLogChannel());
  context.subscriptions.push(
    vscode.commands.registerCommand(Command.ShowLog, () => getLogChannel().show()),
  );
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
