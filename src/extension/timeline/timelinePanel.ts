/**
 * The host timeline panel, VS Code side: one webview panel per host, a strict-CSP page, a
 * TimelineSession answering the webview, "Open record" revealing the dump line beside the panel,
 * and a WebviewPanelSerializer that restores panels after a window reload.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { analyzeDumps, type Analyzer } from '../../analysis';
import { Emitter } from '../../common/events';
import { Disposable } from '../../common/lifecycle';
import type { RecordRef } from '../../common/timeline';
import { isTimelineViewState, type FromWebviewMessage, type TimelineViewState } from '../../common/webviewProtocol';
import { createLogger } from '../logger';
import { readRecordDetails } from './recordDetails';
import { newNonce, timelineHtml } from './timelineHtml';
import { TimelineSession, type TimelineSource } from './timelineSession';

export const TIMELINE_VIEW_TYPE = 'estreamer.timeline';

/** How long a panel revived after a reload waits for the analysis to find its host again. */
const REVIVE_WAIT_MS = 20_000;

const log = createLogger('timeline');

export class TimelinePanel extends Disposable {
  readonly session: TimelineSession;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly ip: string,
    extensionUri: vscode.Uri,
    source: TimelineSource,
    onDisposed: (p: TimelinePanel) => void,
    revived = false,
  ) {
    super();
    const webview = panel.webview;
    const bundle = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    const media = vscode.Uri.joinPath(extensionUri, 'media');
    webview.options = { enableScripts: true, localResourceRoots: [bundle, media] };
    panel.title = `Timeline ${ip}`;
    this.session = this._register(
      new TimelineSession(
        ip,
        source,
        {
          post: (m) => void webview.postMessage(m),
          recordDetails: (ref) => readRecordDetails(ref),
          openRecord: (ref) => revealRecordBeside(ref),
          exportDocument: async (markdown) => {
            const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: markdown });
            await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
          },
          hostGone: (reason) => {
            log.warn(`closing the timeline of ${ip}: ${reason}`);
            void vscode.window.showWarningMessage(`Timeline closed: ${reason} Open the dumps or reconnect, then use "Open Host Timeline".`);
            panel.dispose();
          },
        },
        { waitForHostMs: revived ? REVIVE_WAIT_MS : 0 },
      ),
    );
    this._register(webview.onDidReceiveMessage((m: FromWebviewMessage) => void this.session.handleMessage(m)));
    this._register(panel.onDidDispose(() => {
      this.dispose();
      onDisposed(this);
    }));
    webview.html = timelineHtml({
      cspSource: webview.cspSource,
      nonce: newNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(bundle, 'timeline.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'timeline.css')).toString(),
      codiconsUri: webview.asWebviewUri(vscode.Uri.joinPath(bundle, 'codicons', 'codicon.css')).toString(),
      title: `Timeline ${ip}`,
    });
  }
}

/** Opens the record's dump with that line revealed and selected, beside the panel. */
export async function revealRecordBeside(ref: RecordRef): Promise<void> {
  try {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(ref.file));
    const line = Math.max(0, Math.min(doc.lineCount - 1, ref.line - 1));
    const range = doc.lineAt(line).range;
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, selection: range, preserveFocus: false, preview: true });
    editor.revealRange(range, vscode.TextEditorRevealType.InCenter);
  } catch (e) {
    void vscode.window.showErrorMessage(`Cannot open ${ref.file} at line ${ref.line}: ${(e as Error).message}. Was the dump moved or deleted?`);
  }
}

/** All timeline panels of the window, one per host. */
export class TimelinePanels extends Disposable implements vscode.WebviewPanelSerializer {
  private readonly panels = new Map<string, TimelinePanel>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly source: TimelineSource,
  ) {
    super();
    this._register(vscode.window.registerWebviewPanelSerializer(TIMELINE_VIEW_TYPE, this));
    this._register({ dispose: () => [...this.panels.values()].forEach((p) => p.panel.dispose()) });
  }

  get(ip: string): TimelinePanel | undefined {
    return this.panels.get(ip);
  }

  /** Opens (or focuses) the host's panel; with `focus`, selects that record's event. */
  open(ip: string, focus?: RecordRef): TimelinePanel {
    let p = this.panels.get(ip);
    if (p) {
      p.panel.reveal();
    } else {
      const panel = vscode.window.createWebviewPanel(TIMELINE_VIEW_TYPE, `Timeline ${ip}`, vscode.ViewColumn.Active, { enableScripts: true });
      p = this.adopt(panel, ip, false);
    }
    if (focus) p.session.focus(focus);
    return p;
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    if (!isTimelineViewState(state)) {
      log.info('a restored timeline panel had no host in its state; closing it');
      panel.dispose();
      return;
    }
    const existing = this.panels.get(state.ip);
    if (existing) {
      panel.dispose();
      existing.panel.reveal();
      return;
    }
    this.adopt(panel, state.ip, true, this.reviveSource(state));
  }

  /**
   * After a reload the window's analysis may not know the host yet (nothing streamed since):
   * re-read the dumps the panel showed, and prefer the live analysis as soon as it has the host.
   */
  private reviveSource(state: TimelineViewState): TimelineSource {
    const files = (state.dumpFiles ?? []).filter((f) => typeof f === 'string' && path.isAbsolute(f) && f.endsWith('.estreamer') && existsSync(f));
    if (files.length === 0 || this.source.timeline(state.ip)) return this.source;
    const loaded = new Emitter<void>();
    let fromDumps: Analyzer | undefined;
    analyzeDumps(files).then(
      (a) => {
        fromDumps = a;
        loaded.fire();
      },
      (e: unknown) => log.warn(`could not re-read the dumps of ${state.ip}: ${(e as Error).message}`),
    );
    return {
      timeline: (ip) => this.source.timeline(ip) ?? fromDumps?.timeline(ip),
      onDidChange: (listener) => {
        const live = this.source.onDidChange(listener);
        const dumps = loaded.event(listener);
        return { dispose: () => (live.dispose(), dumps.dispose()) };
      },
    };
  }

  private adopt(panel: vscode.WebviewPanel, ip: string, revived: boolean, source = this.source): TimelinePanel {
    const p = new TimelinePanel(panel, ip, this.extensionUri, source, (gone) => {
      if (this.panels.get(ip) === gone) this.panels.delete(ip);
    }, revived);
    this.panels.set(ip, p);
    return p;
  }
}
