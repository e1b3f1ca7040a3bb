import * as vscode from 'vscode';
import { Disposable } from '../common/lifecycle';

const KEY_PREFIX = 'estreamer.pkcs12-password:';

/**
 * The .pkcs12 passwords, one per profile, kept only in VS Code's SecretStorage (the OS keychain on
 * the desktop). Other windows may change them at any time, so callers listen to onDidChange.
 */
export class ProfileSecrets extends Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<string>());
  /** Fires with the profile name whose password was stored or deleted (here or in another window). */
  readonly onDidChange = this.changed.event;

  constructor(private readonly storage: vscode.SecretStorage) {
    super();
    this._register(
      storage.onDidChange((e) => {
        if (e.key.startsWith(KEY_PREFIX)) this.changed.fire(e.key.slice(KEY_PREFIX.length));
      }),
    );
  }

  get(profileName: string): Thenable<string | undefined> {
    return this.storage.get(KEY_PREFIX + profileName);
  }

  store(profileName: string, password: string): Thenable<void> {
    return this.storage.store(KEY_PREFIX + profileName, password);
  }

  delete(profileName: string): Thenable<void> {
    return this.storage.delete(KEY_PREFIX + profileName);
  }
}
