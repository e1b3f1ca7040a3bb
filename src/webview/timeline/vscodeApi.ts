/** The slice of the webview API VS Code injects as `acquireVsCodeApi` (callable once per page). */
import type { FromWebviewMessage, TimelineViewState } from '../../common/webviewProtocol';

export interface VsCodeApi {
  postMessage(message: FromWebviewMessage): void;
  getState(): unknown;
  setState(state: TimelineViewState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export function getVsCodeApi(): VsCodeApi {
  return acquireVsCodeApi();
}
