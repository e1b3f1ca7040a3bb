import * as path from 'node:path';
import * as os from 'node:os';
import * as vscode from 'vscode';
import type { EventFamilyName } from '../protocol';

/** Every setting key the extension reads, in one place so renames stay honest. */
export const enum Setting {
  Section = 'estreamer',
  Profiles = 'profiles',
  DumpFolder = 'dumpFolder',
  RotateSizeMiB = 'dump.rotateSizeMiB',
  StallTimeoutSeconds = 'connection.stallTimeoutSeconds',
  ReconnectMinSeconds = 'connection.reconnectMinSeconds',
  ReconnectMaxSeconds = 'connection.reconnectMaxSeconds',
  VerifyServer = 'connection.verifyServer',
  TimelineWindowHours = 'timeline.windowHours',
}

export const DEFAULT_PORT = 8302;

export const EVENT_FAMILIES: readonly { id: EventFamilyName; label: string; detail: string; picked: boolean }[] = [
  { id: 'intrusion', label: 'Intrusion', detail: 'Intrusion events with the impact flag', picked: true },
  { id: 'connection', label: 'Connection', detail: 'Connection and Security Intelligence events', picked: true },
  { id: 'file', label: 'File', detail: 'File events', picked: true },
  { id: 'malware', label: 'Malware', detail: 'AMP malware events', picked: true },
  { id: 'ioc', label: 'Indications of compromise', detail: 'IOCs set by the FMC on hosts', picked: true },
  { id: 'discovery', label: 'Discovery', detail: 'Host, service and OS discovery (RNA)', picked: true },
  { id: 'user', label: 'User activity', detail: 'User logins and identity changes', picked: true },
  { id: 'metadata', label: 'Metadata', detail: 'Names for the ids in events (rule messages, policies, zones…)', picked: true },
  { id: 'correlation', label: 'Correlation', detail: 'Correlation policy events', picked: false },
  { id: 'impact', label: 'Impact alerts', detail: 'Intrusion impact alerts', picked: false },
  { id: 'extraData', label: 'Extra data', detail: 'Intrusion extra data (XFF, URI, HTTP host)', picked: false },
  { id: 'packets', label: 'Packets', detail: 'Packet bytes of intrusion events (large)', picked: false },
];

export const DEFAULT_FAMILIES: readonly EventFamilyName[] = EVENT_FAMILIES.filter((f) => f.picked).map((f) => f.id);

/** Where a stream starts: after the dumped bookmark, now, the FMC's oldest event, or a time. */
export type StartSpec = 'bookmark' | 'now' | 'oldest' | { time: Date };

/** A saved FMC connection. Deliberately without a password: that lives in SecretStorage. */
export interface FmcProfile {
  name: string;
  host: string;
  port: number;
  /** Absolute path of the .pkcs12 client file on the machine that runs the extension host. */
  pkcs12: string;
  families: EventFamilyName[];
  /** 'bookmark' | 'now' | 'oldest' | ISO 8601 time with a zone. */
  start: string;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Parses a start setting; returns an error sentence for anything else. */
export function parseStart(text: string): StartSpec | { error: string } {
  const t = text.trim();
  if (t === 'bookmark' || t === 'now' || t === 'oldest') return t;
  if (ISO_TIME.test(t)) {
    const time = new Date(t);
    if (!Number.isNaN(time.getTime())) return { time };
  }
  return { error: `"${text}" is not a start point: use bookmark, now, oldest or an ISO time with a zone such as 2026-12-03T10:00:00Z.` };
}

function config(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(Setting.Section);
}

/** Profiles as saved, with defaults filled in and malformed entries dropped (and reported). */
export function readProfiles(onInvalid?: (message: string) => void): FmcProfile[] {
  const raw = config().get<unknown[]>(Setting.Profiles, []);
  const profiles: FmcProfile[] = [];
  for (const entry of Array.isArray(raw) ? raw : []) {
    const p = entry as Partial<FmcProfile> | null;
    if (!p || typeof p.name !== 'string' || !p.name || typeof p.host !== 'string' || !p.host || typeof p.pkcs12 !== 'string') {
      onInvalid?.(`Ignoring an FMC profile without a name, host or pkcs12 path in the setting estreamer.profiles: ${JSON.stringify(entry)}`);
      continue;
    }
    if (profiles.some((q) => q.name === p.name)) {
      onInvalid?.(`Two FMC profiles are named "${p.name}" in estreamer.profiles; using the first.`);
      continue;
    }
    profiles.push({
      name: p.name,
      host: p.host,
      port: Number.isInteger(p.port) && p.port! > 0 && p.port! < 65536 ? p.port! : DEFAULT_PORT,
      pkcs12: p.pkcs12,
      families: Array.isArray(p.families) && p.families.length ? [...p.families] : [...DEFAULT_FAMILIES],
      start: typeof p.start === 'string' && p.start ? p.start : 'bookmark',
    });
  }
  return profiles;
}

/** Adds or replaces (by name) a profile in the user's settings. */
export async function saveProfile(profile: FmcProfile): Promise<void> {
  const others = readProfiles().filter((p) => p.name !== profile.name);
  await writeProfiles([...others, profile]);
}

export async function removeProfile(name: string): Promise<void> {
  await writeProfiles(readProfiles().filter((p) => p.name !== name));
}

/**
 * Writes the profiles and resolves once this extension host reads them back: in a remote window
 * update() can resolve before the new value reaches the extension host, and callers connect
 * with what they just saved.
 */
async function writeProfiles(profiles: FmcProfile[]): Promise<void> {
  const wanted = JSON.stringify(profiles);
  const applied = () => JSON.stringify(readProfiles()) === wanted;
  const seen = new Promise<void>((resolve) => {
    const timeout = setTimeout(done, 5000);
    const listener = vscode.workspace.onDidChangeConfiguration(() => applied() && done());
    function done() {
      clearTimeout(timeout);
      listener.dispose();
      resolve();
    }
  });
  await config().update(Setting.Profiles, profiles, vscode.ConfigurationTarget.Global);
  if (!applied()) await seen;
}

export interface StreamSettings {
  rotateBytes: number;
  stallTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  verifyServer: boolean;
}

function bounded(value: number | undefined, fallback: number, min: number, max: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

export function readStreamSettings(): StreamSettings {
  const c = config();
  const reconnectMinMs = bounded(c.get<number>(Setting.ReconnectMinSeconds), 1, 0.1, 600) * 1000;
  return {
    rotateBytes: bounded(c.get<number>(Setting.RotateSizeMiB), 16, 1, 20) * 1024 * 1024,
    stallTimeoutMs: bounded(c.get<number>(Setting.StallTimeoutSeconds), 120, 10, 3600) * 1000,
    reconnectMinMs,
    reconnectMaxMs: Math.max(reconnectMinMs, bounded(c.get<number>(Setting.ReconnectMaxSeconds), 300, 1, 3600) * 1000),
    verifyServer: c.get<boolean>(Setting.VerifyServer, true),
  };
}

export function timelineWindowMs(): number {
  return bounded(config().get<number>(Setting.TimelineWindowHours), 24, 0, 720) * 3600 * 1000;
}

/**
 * The dump folder the settings name: absolute paths as given (with ~ expanded), relative ones
 * from the first workspace folder. Undefined when relative and no folder is open (ask the user).
 */
export function configuredDumpFolder(): vscode.Uri | undefined {
  const setting = config().get<string>(Setting.DumpFolder, 'estreamer').trim() || 'estreamer';
  const expanded = setting === '~' || setting.startsWith('~/') ? path.join(os.homedir(), setting.slice(1)) : setting;
  if (path.isAbsolute(expanded)) return vscode.Uri.file(expanded);
  const root = vscode.workspace.workspaceFolders?.[0];
  if (!root || root.uri.scheme !== 'file') return undefined;
  return vscode.Uri.joinPath(root.uri, expanded);
}

export function affectsSettings(e: vscode.ConfigurationChangeEvent, ...keys: Setting[]): boolean {
  return keys.some((k) => e.affectsConfiguration(`${Setting.Section}.${k}`));
}
