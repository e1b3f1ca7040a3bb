import * as vscode from 'vscode';
import { Command } from './commands';
import type { ConnectionManager } from './connections';
import type { ConnectionFailure } from './failures';
import { createLogger, getLogChannel } from './logger';
import { askPassword, askPkcs12Path, createProfileFlow } from './profileFlow';
import type { ProfileSecrets } from './secrets';
import { configuredDumpFolder, readProfiles, readStreamSettings, removeProfile, saveProfile, type FmcProfile } from './settings';

const log = createLogger('commands');

/** What a tree item or a CodeLens may pass to the connection commands. */
type ProfileArg = string | { profile?: FmcProfile; name?: string } | undefined;

function profileNameOf(arg: ProfileArg): string | undefined {
  if (typeof arg === 'string') return arg;
  return arg?.profile?.name ?? arg?.name;
}

/**
 * Connect / Disconnect / Reconnect / Forget profile / Open Dump Folder. Everything here is UI:
 * the connection itself is FmcConnection over the core client.
 */
export class ConnectionCommands {
  /** Chosen once per window when no workspace folder is open. */
  private askedDumpRoot: vscode.Uri | undefined;

  constructor(
    private readonly manager: ConnectionManager,
    private readonly secrets: ProfileSecrets,
  ) {}

  register(): vscode.Disposable {
    return vscode.Disposable.from(
      vscode.commands.registerCommand(Command.Connect, (arg?: ProfileArg) => this.connect(profileNameOf(arg))),
      vscode.commands.registerCommand(Command.Disconnect, (arg?: ProfileArg) => this.disconnect(profileNameOf(arg))),
      vscode.commands.registerCommand(Command.Reconnect, (arg?: ProfileArg) => this.reconnect(profileNameOf(arg))),
      vscode.commands.registerCommand(Command.ForgetProfile, (arg?: ProfileArg) => this.forget(profileNameOf(arg))),
      vscode.commands.registerCommand(Command.OpenDumpFolder, (arg?: ProfileArg) => this.openDumpFolder(profileNameOf(arg))),
      this.secrets.onDidChange((name) => log.info(`The password of profile "${name}" changed in secret storage; it is used from the next connection on.`)),
    );
  }

  /** Connects a saved profile (by name) or one picked / created now. Resolves true when streaming. */
  async connect(name?: string): Promise<boolean> {
    const profile = name ? readProfiles().find((p) => p.name === name) : await this.pickOrCreateProfile();
    if (!profile) {
      if (name) void vscode.window.showErrorMessage(`There is no FMC profile named "${name}" in the setting estreamer.profiles.`);
      return false;
    }
    const existing = this.manager.get(profile.name);
    if (existing?.isActive) {
      void vscode.window.showInformationMessage(`${profile.name} is already connected (${existing.state.kind}). Use eStreamer: Reconnect to start it again.`);
      return existing.state.kind === 'streaming';
    }
    let password = await this.secrets.get(profile.name);
    if (password === undefined) {
      password = await askPassword(profile);
      if (password === undefined) return false;
      await this.secrets.store(profile.name, password);
    }
    const dumpRoot = await this.dumpRoot();
    if (!dumpRoot) return false;
    return this.start(profile, password, dumpRoot);
  }

  private async start(profile: FmcProfile, password: string, dumpRoot: vscode.Uri): Promise<boolean> {
    const connection = this.manager.create(profile, dumpRoot.fsPath, readStreamSettings());
    // Later failures (after it streamed) get the same actionable message; the emitter dies with the connection.
    connection.onDidFail((failure) => void this.showFailure(profile, failure));
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `eStreamer: connecting to ${profile.name === connection.endpoint ? profile.name : `${profile.name} (${connection.endpoint})`}`, cancellable: true },
      (_progress, token) => connection.start(password, token),
    );
    if (outcome.ok) {
      log.info(`${profile.name}: streaming into ${connection.dumpDir}`);
      return true;
    }
    if ('failure' in outcome) void this.showFailure(profile, outcome.failure);
    return false;
  }

  /** An error notification that says what to do, with the matching buttons. */
  private async showFailure(profile: FmcProfile, failure: ConnectionFailure): Promise<void> {
    const reenter = 'Re-enter Password';
    const choose = 'Choose Client File';
    const showLog = 'Show Log';
    const openSettings = 'Open Settings';
    const settingFor: Partial<Record<ConnectionFailure['kind'], string>> = {
      'dump-unwritable': 'estreamer.dumpFolder',
      'server-unverified': 'estreamer.connection.verifyServer',
    };
    const actions =
      failure.kind === 'wrong-password'
        ? [reenter, showLog]
        : failure.kind === 'pkcs12-unreadable' || failure.kind === 'pkcs12-invalid'
          ? [choose, showLog]
          : settingFor[failure.kind]
            ? [openSettings, showLog]
            : [showLog];
    const picked = await vscode.window.showErrorMessage(`${profile.name}: ${failure.message}`, ...actions);
    if (picked === showLog) {
      getLogChannel().show(true);
    } else if (picked === openSettings) {
      await vscode.commands.executeCommand('workbench.action.openSettings', settingFor[failure.kind]);
    } else if (picked === reenter) {
      const password = await askPassword(profile, 'The last password did not open the file.');
      if (password === undefined) return;
      await this.secrets.store(profile.name, password);
      await this.connect(profile.name);
    } else if (picked === choose) {
      const file = await askPkcs12Path(`Client file for ${profile.name}`);
      if (file === undefined) return;
      await saveProfile({ ...profile, pkcs12: file });
      await this.connect(profile.name);
    }
  }

  private async pickOrCreateProfile(): Promise<FmcProfile | undefined> {
    const profiles = readProfiles((m) => log.warn(m));
    let profile: FmcProfile | undefined;
    if (profiles.length > 0) {
      type Item = vscode.QuickPickItem & { profile?: FmcProfile };
      const items: Item[] = [];
      for (const p of profiles) {
        const active = this.manager.get(p.name)?.isActive;
        const saved = (await this.secrets.get(p.name)) !== undefined;
        items.push({
          label: p.name,
          description: `${p.host}:${p.port}${active ? ' · connected' : ''}`,
          detail: `${p.families.join(', ')} · start ${p.start} · ${saved ? 'password saved' : 'password not saved yet'}`,
          profile: p,
        });
      }
      items.push({ label: '$(add) New FMC connection…', detail: 'Host, port, .pkcs12 client file, password, event families, start point' });
      const picked = await vscode.window.showQuickPick(items, { title: 'eStreamer: Connect to FMC', placeHolder: 'Pick a saved FMC or create a new connection', ignoreFocusOut: true });
      if (!picked) return undefined;
      profile = picked.profile;
    }
    if (!profile) {
      profile = await createProfileFlow();
      if (!profile) return undefined;
      // The password comes before saving: cancelling it leaves nothing half-made behind.
      const password = await askPassword(profile);
      if (password === undefined) return undefined;
      await this.secrets.store(profile.name, password);
      await saveProfile(profile);
      log.info(`Saved FMC profile "${profile.name}" (${profile.host}:${profile.port}); its password is in secret storage.`);
    }
    return profile;
  }

  /** The dump folder from the settings; without a workspace folder, asked once per window. */
  async dumpRoot(): Promise<vscode.Uri | undefined> {
    const configured = configuredDumpFolder();
    if (configured) return configured;
    if (this.askedDumpRoot) return this.askedDumpRoot;
    const picked = await vscode.window.showOpenDialog({
      title: 'No folder is open: where should the eStreamer dumps go?',
      canSelectFiles: false,
      canSelectFolders: true,
      canSelectMany: false,
      openLabel: 'Write dumps here',
    });
    this.askedDumpRoot = picked?.[0];
    if (!this.askedDumpRoot) void vscode.window.showInformationMessage('Not connected: choose a folder for the dumps, or open a workspace folder (setting estreamer.dumpFolder).');
    return this.askedDumpRoot;
  }

  private async pickConnection(name: string | undefined, verb: string, activeOnly: boolean): Promise<string | undefined> {
    if (name) return name;
    const candidates = activeOnly ? this.manager.active : this.manager.connections;
    if (candidates.length <= 1) return candidates[0]?.profile.name;
    const picked = await vscode.window.showQuickPick(
      candidates.map((c) => ({ label: c.profile.name, description: `${c.endpoint} · ${c.state.kind}` })),
      { placeHolder: `Which connection should ${verb}?` },
    );
    return picked?.label;
  }

  async disconnect(name?: string): Promise<void> {
    const target = await this.pickConnection(name, 'disconnect', true);
    if (!target) {
      if (this.manager.active.length === 0) void vscode.window.showInformationMessage('No FMC connection is active.');
      return;
    }
    await this.manager.disconnect(target);
    log.info(`${target}: disconnected by the user`);
  }

  async reconnect(name?: string): Promise<boolean> {
    // Without a connection in this window yet, Reconnect is Connect (pick or create a profile).
    if (!name && this.manager.connections.length === 0) return this.connect();
    const target = await this.pickConnection(name, 'reconnect', false);
    if (!target) return false;
    await this.manager.disconnect(target);
    return this.connect(target);
  }

  async forget(name?: string): Promise<void> {
    const profiles = readProfiles();
    const target =
      name ??
      (await vscode.window.showQuickPick(profiles.map((p) => ({ label: p.name, description: `${p.host}:${p.port}` })), { placeHolder: 'Forget which FMC profile and its password?' }))?.label;
    if (!target) return;
    const ok = await vscode.window.showWarningMessage(`Forget the FMC profile "${target}" and delete its password from secret storage? Dumps already written stay.`, { modal: true }, 'Forget');
    if (ok !== 'Forget') return;
    await this.manager.disconnect(target);
    await this.secrets.delete(target);
    await removeProfile(target);
    log.info(`Forgot profile "${target}" and its stored password.`);
  }

  async openDumpFolder(name?: string): Promise<void> {
    const connection = name ? this.manager.get(name) : this.manager.active[0] ?? this.manager.connections[0];
    const folder = connection ? vscode.Uri.file(connection.dumpDir) : await this.dumpRoot();
    if (!folder) return;
    try {
      await vscode.workspace.fs.createDirectory(folder);
    } catch (error) {
      void vscode.window.showErrorMessage(`Cannot create the dump folder ${folder.fsPath}: ${(error as Error).message}. Check the setting estreamer.dumpFolder.`);
      return;
    }
    const inWorkspace = vscode.workspace.getWorkspaceFolder(folder);
    if (inWorkspace) {
      // Reveal it in the Explorer rather than opening another window.
      await vscode.commands.executeCommand('revealInExplorer', folder);
    } else {
      await vscode.commands.executeCommand('vscode.openFolder', folder, { forceNewWindow: true });
    }
  }
}
