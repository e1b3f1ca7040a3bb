import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as os from 'node:os';
import * as vscode from 'vscode';
import { DEFAULT_PORT, EVENT_FAMILIES, parseStart, readProfiles, type FmcProfile } from './settings';

/**
 * The short guided flow that creates an FMC profile: host, port, .pkcs12, families, start.
 * The password is asked separately (askPassword) so it can be re-asked alone after a failure.
 */
const STEPS = 5;

function title(step: number): string {
  return `New FMC connection (${step}/${STEPS})`;
}

export async function createProfileFlow(): Promise<FmcProfile | undefined> {
  const host = await vscode.window.showInputBox({
    title: title(1),
    prompt: 'Host name or IP address of the FMC (Firepower Management Center)',
    placeHolder: 'e.g. 10.0.0.1 or fmc.example.com',
    ignoreFocusOut: true,
    validateInput: (v) => (!v.trim() ? 'Enter the FMC host name or IP address.' : /\s/.test(v.trim()) ? 'A host name has no spaces.' : undefined),
  });
  if (host === undefined) return undefined;

  const portText = await vscode.window.showInputBox({
    title: title(2),
    prompt: 'eStreamer port on the FMC',
    value: String(DEFAULT_PORT),
    ignoreFocusOut: true,
    validateInput: (v) => (/^\d+$/.test(v.trim()) && +v > 0 && +v < 65536 ? undefined : 'Enter a port number from 1 to 65535 (eStreamer uses 8302).'),
  });
  if (portText === undefined) return undefined;

  const pkcs12 = await askPkcs12Path(title(3));
  if (pkcs12 === undefined) return undefined;

  const families = await vscode.window.showQuickPick(
    EVENT_FAMILIES.map((f) => ({ label: f.label, detail: f.detail, picked: f.picked, id: f.id })),
    { title: title(4), placeHolder: 'Event families to request (Enter keeps the selection)', canPickMany: true, ignoreFocusOut: true },
  );
  if (!families) return undefined;
  if (families.length === 0) {
    void vscode.window.showWarningMessage('Pick at least one event family to stream; nothing was saved.');
    return undefined;
  }

  const start = await askStart(title(5));
  if (start === undefined) return undefined;

  return {
    name: uniqueName(host.trim(), +portText),
    host: host.trim(),
    port: +portText,
    pkcs12,
    families: families.map((f) => f.id),
    start,
  };
}

function uniqueName(host: string, port: number): string {
  const taken = new Set(readProfiles().map((p) => p.name));
  const base = port === DEFAULT_PORT ? host : `${host}:${port}`;
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base} (${i})`)) return `${base} (${i})`;
}

/**
 * An input box for the .pkcs12 path with a Browse button. Typing a path works everywhere (a web
 * workbench may not show the native dialog); an empty Enter or the button opens the file picker.
 */
export function askPkcs12Path(boxTitle: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const box = vscode.window.createInputBox();
    const browse: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('folder-opened'), tooltip: 'Browse for the .pkcs12 file' };
    box.title = boxTitle;
    box.prompt = 'Path of the .pkcs12 client file from System > Integration > eStreamer (press Enter on an empty box to browse)';
    box.placeholder = '/path/to/client.pkcs12';
    box.ignoreFocusOut = true;
    box.buttons = [browse];
    let settled = false;
    const finish = (value: string | undefined) => {
      if (settled) return;
      settled = true;
      resolve(value);
      box.dispose();
    };
    // The file dialog may take over the quick input (the web workbench's dialog is one): while it
    // is open, our box hiding is not a cancel.
    let browsing = false;
    const pickFile = async () => {
      browsing = true;
      const picked = await vscode.window.showOpenDialog({
        title: 'Choose the .pkcs12 client file',
        canSelectMany: false,
        openLabel: 'Use this client file',
        filters: { 'eStreamer client (PKCS#12)': ['pkcs12', 'p12', 'pfx'], 'All files': ['*'] },
      });
      browsing = false;
      if (settled) return;
      box.show();
      if (picked?.[0]) {
        box.value = picked[0].fsPath;
        await accept();
      }
    };
    const accept = async () => {
      const typed = box.value.trim();
      if (!typed) return void pickFile();
      const file = typed.startsWith('~/') ? path.join(os.homedir(), typed.slice(2)) : path.resolve(typed);
      box.busy = true;
      const problem = await checkReadableFile(file);
      box.busy = false;
      if (problem) box.validationMessage = problem;
      else finish(file);
    };
    box.onDidChangeValue(() => (box.validationMessage = undefined));
    box.onDidTriggerButton(() => void pickFile());
    box.onDidAccept(() => void accept());
    box.onDidHide(() => !browsing && finish(undefined));
    box.show();
  });
}

async function checkReadableFile(file: string): Promise<string | undefined> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return `${file} is not a file. Enter the path of the .pkcs12 file.`;
    await fs.access(file, fs.constants.R_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `No file at ${file}. Check the path, or press Enter on an empty box to browse.` : `Cannot read ${file} (${code ?? 'error'}).`;
  }
}

async function askStart(boxTitle: string): Promise<string | undefined> {
  const choices: (vscode.QuickPickItem & { value: string })[] = [
    { label: 'Resume from the bookmark', detail: 'Continue after the last record already in the dump (the oldest event if there is none)', value: 'bookmark' },
    { label: 'Now', detail: 'Only events from now on', value: 'now' },
    { label: 'Oldest available', detail: 'Everything the FMC still keeps', value: 'oldest' },
    { label: 'From a time…', detail: 'Enter an ISO 8601 time such as 2026-12-03T10:00:00Z', value: 'time' },
  ];
  const picked = await vscode.window.showQuickPick(choices, { title: boxTitle, placeHolder: 'Where should the stream start?', ignoreFocusOut: true });
  if (!picked) return undefined;
  if (picked.value !== 'time') return picked.value;
  const yesterday = new Date(Date.now() - 24 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  return vscode.window.showInputBox({
    title: boxTitle,
    prompt: 'Start time (ISO 8601 with a zone)',
    value: yesterday,
    ignoreFocusOut: true,
    validateInput: (v) => {
      const parsed = parseStart(v);
      return typeof parsed === 'object' && 'error' in parsed ? parsed.error : undefined;
    },
  });
}

/** Asks for the .pkcs12 password in a masked box. Empty is allowed (FMC files may have none). */
export function askPassword(profile: FmcProfile, reason?: string): Thenable<string | undefined> {
  return vscode.window.showInputBox({
    title: `Password for ${path.basename(profile.pkcs12)} (${profile.name})`,
    prompt: `${reason ? reason + ' ' : ''}The password you set when creating the eStreamer client on the FMC. It is kept in VS Code's secret storage only.`,
    password: true,
    ignoreFocusOut: true,
  });
}
