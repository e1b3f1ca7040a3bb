/**
 * Stands in for the VS Code webview host inside the test page: defines acquireVsCodeApi, and
 * answers the bundle's messages with the REAL host-side TimelineSession over generated
 * HostTimeline data. Messages cross as structured clones, asynchronously, as in VS Code.
 * Configured by the page URL: ?count=…&seed=…&payloads=1&theme=light|dark|high-contrast.
 */
import { Emitter } from '../../../src/common/events';
import type { HostTimeline, RecordRef } from '../../../src/common/timeline';
import type { FromWebviewMessage, ToWebviewMessage } from '../../../src/common/webviewProtocol';
import { TimelineSession } from '../../../src/extension/timeline/timelineSession';
import { generateDetails, generateTimeline, linkConnections } from '../generate';

const params = new URLSearchParams(location.search);
const count = Number(params.get('count') ?? '2000');
const seed = Number(params.get('seed') ?? '1');
document.body.className = `vscode-${params.get('theme') ?? 'light'}`;

let timeline: HostTimeline = generateTimeline({ count, seed, payloads: params.get('payloads') === '1' });
// Milestones for bench/timeline.ts, in ms since navigation start.
const times: { generatedAt: number; readyAt?: number; firstRowsAt?: number } = { generatedAt: performance.now() };
(window as unknown as { __shimTimes: typeof times }).__shimTimes = times;
const firstRows = new MutationObserver(() => {
  if (document.querySelector('.event-list .row:not(.loading)')) {
    times.firstRowsAt = performance.now();
    firstRows.disconnect();
  }
});
firstRows.observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ['class'] });
const changes = new Emitter<void>();
const posted: ToWebviewMessage[] = [];

interface TestHost {
  timeline: () => HostTimeline;
  opened: RecordRef[];
  exported: string[];
  posted: ToWebviewMessage[];
  gone: string[];
  /** Appends n events after the last one (as a live stream would) and signals a change. */
  addEvents(n: number): void;
  removeHost(): void;
  focus(ref: RecordRef): void;
}

const session = new TimelineSession(
  timeline.host.ip,
  { timeline: (ip) => (ip === timeline.host.ip ? timeline : undefined), onDidChange: changes.event },
  {
    post: (m) => {
      posted.push(m);
      const data = structuredClone(m);
      setTimeout(() => window.dispatchEvent(new MessageEvent('message', { data })), 0);
    },
    recordDetails: async (ref) => {
      const e = timeline.events.find((x) => x.ref.line === ref.line && x.ref.file === ref.file);
      if (!e) throw new Error(`no record at ${ref.file}:${ref.line}`);
      return generateDetails(e);
    },
    openRecord: async (ref) => void host.opened.push(ref),
    exportDocument: async (md) => void host.exported.push(md),
    hostGone: (reason) => void host.gone.push(reason),
  },
);

const host: TestHost = {
  timeline: () => timeline,
  opened: [],
  exported: [],
  posted,
  gone: [],
  addEvents(n) {
    const events = timeline.events.slice();
    const last = events[events.length - 1];
    for (let k = 0; k < n; k++) {
      const timeMs = last.timeMs + (k + 1) * 1000;
      events.push({
        ...last,
        id: `live${events.length}`,
        time: new Date(timeMs).toISOString().replace('Z', '000Z'),
        timeMs,
        summary: `Live event ${k}`,
        links: [],
        connectionKey: undefined,
        ref: { ...last.ref, line: last.ref.line + k + 1 },
      });
    }
    linkConnections(events);
    const to = new Date(Math.max(Date.parse(timeline.window.to), events[events.length - 1].timeMs)).toISOString();
    timeline = { ...timeline, host: { ...timeline.host, eventCount: events.length }, window: { ...timeline.window, to }, events };
    changes.fire();
  },
  removeHost() {
    timeline = { ...timeline, host: { ...timeline.host, ip: '0.0.0.0' } };
    changes.fire();
  },
  focus: (ref) => session.focus(ref),
};
(window as unknown as { testHost: TestHost }).testHost = host;

const STATE_KEY = 'vscode-webview-state';
(window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => ({
  postMessage: (m: FromWebviewMessage) => {
    const data = structuredClone(m);
    if (m.type === 'ready') times.readyAt ??= performance.now();
    setTimeout(() => void session.handleMessage(data), 0);
  },
  getState: () => {
    const s = sessionStorage.getItem(STATE_KEY);
    return s ? JSON.parse(s) : undefined;
  },
  setState: (s: unknown) => sessionStorage.setItem(STATE_KEY, JSON.stringify(s)),
});
