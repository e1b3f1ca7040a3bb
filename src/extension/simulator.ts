import * as vscode from 'vscode';
import { Simulator } from '../sim/simulator';
import { Disposable, MutableDisposable, toDisposable } from '../common/lifecycle';
import { Command } from './commands';
import type { ConnectionCommands } from './connectCommands';
import { createLogger } from './logger';
import type { ProfileSecrets } from './secrets';
import { DEFAULT_FAMILIES, saveProfile, type FmcProfile } from './settings';

export const SIMULATOR_PROFILE = 'Built-in simulator';
const log = createLogger('simulator');

/** What Start Built-in Simulator resolves with (the integration tests read it). */
export interface SimulatorInfo {
  profile: string;
  port: number;
  pkcs12: string;
}

/**
 * Start Built-in Simulator: runs the core simulator's compromise scenario in the extension host
 * on 127.0.0.1, writes its client certificate and CA (never its password) into the extension's
 * global storage, keeps the password in SecretStorage, saves the "Built-in simulator" profile and
 * offers to connect. The simulator lives until the window closes.
 */
export class SimulatorFeature extends Disposable {
  private readonly running = this._register(new MutableDisposable<{ dispose(): void; info: SimulatorInfo }>());

  constructor(
    private readonly storage: vscode.Uri,
    private readonly secrets: ProfileSecrets,
    private readonly connections: ConnectionCommands,
  ) {
    super();
  }

  register(): vscode.Disposable {
    return vscode.commands.registerCommand(Command.StartSimulator, (options?: { offerToConnect?: boolean }) => this.start(options?.offerToConnect ?? true));
  }

  async start(offerToConnect: boolean): Promise<SimulatorInfo | undefined> {
    let info = this.running.value?.info;
    if (!info) {
      try {
        info = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'eStreamer: starting the built-in FMC simulator…' }, () => this.launch());
      } catch (error) {
        log.error(`The simulator did not start: ${(error as Error).stack ?? error}`);
        void vscode.window.showErrorMessage(`The built-in simulator did not start: ${(error as Error).message}`, 'Show Log').then((b) => b && vscode.commands.executeCommand(Command.ShowLog));
        return undefined;
      }
    }
    if (offerToConnect) void this.offerConnect(info);
    return info;
  }

  private async launch(): Promise<SimulatorInfo> {
    const simulator = await Simulator.create({ scenario: 'compromise', host: '127.0.0.1', port: 0, log: (line) => log.debug(line) });
    const { port } = await simulator.start();
    const stop = toDisposable(() => void simulator.stop().then(() => log.info('simulator stopped')));
    try {
      const dir = vscode.Uri.joinPath(this.storage, 'simulator');
      await vscode.workspace.fs.createDirectory(dir);
      const pkcs12 = vscode.Uri.joinPath(dir, 'client.pkcs12');
      // The .pkcs12 is encrypted with the password, which goes to SecretStorage only.
      await vscode.workspace.fs.writeFile(pkcs12, simulator.credentials.pkcs12);
      await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(dir, 'ca.pem'), new TextEncoder().encode(simulator.credentials.caPem));
      await this.secrets.store(SIMULATOR_PROFILE, simulator.credentials.password);
      const profile: FmcProfile = {
        name: SIMULATOR_PROFILE,
        host: '127.0.0.1',
        port,
        pkcs12: pkcs12.fsPath,
        families: [...DEFAULT_FAMILIES],
        // A new simulator listens on a new port, so it has no bookmark yet and starts from its
        // first record; a later connect to the same one resumes instead of dumping it twice.
        start: 'bookmark',
      };
      await saveProfile(profile);
      const info = { profile: SIMULATOR_PROFILE, port, pkcs12: pkcs12.fsPath };
      this.running.value = { dispose: () => stop.dispose(), info };
      log.info(`simulator listening on 127.0.0.1:${port} (compromise scenario); client file ${pkcs12.fsPath}`);
      return info;
    } catch (error) {
      stop.dispose();
      throw error;
    }
  }

  private async offerConnect(info: SimulatorInfo): Promise<void> {
    const connect = 'Connect';
    const picked = await vscode.window.showInformationMessage(
      `The built-in FMC simulator is running on 127.0.0.1:${info.port} with a compromise scenario. Connect to it now?`,
      connect,
    );
    if (picked === connect) await this.connections.connect(info.profile);
  }
}
