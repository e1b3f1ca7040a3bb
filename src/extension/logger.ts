import * as vscode from 'vscode';

/** One LogOutputChannel for the extension; each component logs through its own tag. */
let channel: vscode.LogOutputChannel | undefined;

export function getLogChannel(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('eStreamer', { log: true });
  return channel;
}

export interface Logger {
  trace(msg: string): void;
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string | Error): void;
}

export function createLogger(component: string): Logger {
  const tag = `[${component}]`;
  return {
    trace: (m) => getLogChannel().trace(`${tag} ${m}`),
    debug: (m) => getLogChannel().debug(`${tag} ${m}`),
    info: (m) => getLogChannel().info(`${tag} ${m}`),
    warn: (m) => getLogChannel().warn(`${tag} ${m}`),
    error: (m) => getLogChannel().error(typeof m === 'string' ? `${tag} ${m}` : `${tag} ${m.message}`),
  };
}
