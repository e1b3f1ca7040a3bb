/**
 * The host timeline feature: `registerTimeline` from activate(), `openTimeline` for the
 * Open Host Timeline command and the dump's "Show timeline for <host>".
 */
import type * as vscode from 'vscode';
import type { RecordRef } from '../../common/timeline';
import { TimelinePanels } from './timelinePanel';
import type { TimelineSource } from './timelineSession';

export { TIMELINE_VIEW_TYPE } from './timelinePanel';
export type { TimelineSource } from './timelineSession';

let panels: TimelinePanels | undefined;

export function registerTimeline(context: vscode.ExtensionContext, source: TimelineSource): vscode.Disposable {
  const created = new TimelinePanels(context.extensionUri, source);
  panels = created;
  const registration = {
    dispose: () => {
      if (panels === created) panels = undefined;
      created.dispose();
    },
  };
  context.subscriptions.push(registration);
  return registration;
}

/** Opens or focuses the host's timeline panel; `focus` selects that record's event. */
export function openTimeline(ip: string, focus?: RecordRef): void {
  if (!panels) throw new Error('The timeline feature is not registered yet (registerTimeline runs in activate).');
  panels.open(ip, focus);
}
