/**
 * Browser side of the host timeline panel. Builds the page (header, filters, time axis, event
 * list, details), says `ready`, then renders what the host sends and asks it for pages, positions
 * and record details. View state (filters, selection, scroll, zoom) goes to setState so a reload
 * or a hidden tab comes back as it was.
 */
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import type { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/vscode-checkbox.js';
import { LANES, type Lane, type RecordRef, type Severity, type TimelineEvent } from '../../common/timeline';
import {
  defaultQuery,
  isTimelineViewState,
  MessageHandler,
  MessageType,
  type EventQuery,
  type FromWebviewEvent,
  type FromWebviewRequest,
  type ReplyTypes,
  type TimelineSnapshot,
  type TimelineViewState,
  type ToWebviewMessage,
} from '../../common/webviewProtocol';
import { TimeAxis, type Marks, type TimeRange } from './axis';
import { DetailsPane } from './details';
import { EventList, ROW_HEIGHT } from './eventList';
import { el, LANE_LABELS, SEVERITY_LABELS, shortTime } from './format';
import { getVsCodeApi } from './vscodeApi';

const SEVERITIES: Severity[] = [1, 2, 3, 4, 5];

class TimelineApp {
  private readonly vscode = getVsCodeApi();
  private readonly rpc: MessageHandler<FromWebviewRequest | FromWebviewEvent, ToWebviewMessage>;
  private snapshot: TimelineSnapshot | undefined;
  private query: EventQuery = defaultQuery();
  private restored: TimelineViewState | undefined;
  private reloadGeneration = 0;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;

  private readonly header = el('header', 'host');
  private readonly banner = el('div', 'banner');
  private readonly laneBoxes = new Map<Lane, VscodeCheckbox>();
  private readonly severityBoxes = new Map<Severity, VscodeCheckbox>();
  private readonly textField = document.createElement('vscode-textfield');
  private readonly rangeChip = el('span', 'range-chip');
  private readonly connectionChip = el('span', 'range-chip');
  private readonly status = el('span', 'status');
  private readonly axis: TimeAxis;
  private readonly list: EventList;
  private readonly details: DetailsPane;

  constructor(root: HTMLElement) {
    this.rpc = new MessageHandler<FromWebviewRequest | FromWebviewEvent, ToWebviewMessage>(
      (m) => this.vscode.postMessage(m as never),
      () => {
        throw new Error('The timeline webview answers no requests.');
      },
      (m) => this.onHostEvent(m),
    );
    const saved = this.vscode.getState();
    this.restored = isTimelineViewState(saved) ? saved : undefined;

    this.banner.hidden = true;
    this.banner.setAttribute('role', 'alert');
    const toolbar = this.buildToolbar();
    const axisBox = el('div', 'axis');
    this.axis = new TimeAxis(axisBox, {
      onBrush: (range) => this.setRange(range),
      onViewChange: () => this.saveState(),
      onPick: (markIndex) => void this.selectBy({ markIndex }),
    });
    const main = el('div', 'main');
    const listBox = el('div', 'list-box');
    const columns = el('div', 'row list-header');
    for (const [cls, text] of [['time', 'Time (UTC)'], ['lane', 'Lane'], ['sev', 'Sev'], ['link', ''], ['summary', 'Summary'], ['peer', 'Peer'], ['open', '']]) {
      columns.appendChild(el('span', `cell ${cls}`, text));
    }
    listBox.appendChild(columns);
    this.list = new EventList(listBox, {
      fetchPage: (offset, count) => this.request({ type: MessageType.QueryEvents, query: this.query, offset, count }),
      onSelect: (event) => this.onSelect(event),
      onOpen: (event) => this.openRecord(event.ref),
      onShowConnection: (event) => this.showConnection(event),
      onViewportChange: () => this.saveState(),
      onError: (e) => this.showBanner(`Could not load events: ${message(e)}`),
    });
    this.details = new DetailsPane(main, {
      onOpen: (event) => this.openRecord(event.ref),
      onShowConnection: (event) => this.showConnection(event),
    });
    main.prepend(listBox);
    root.replaceChildren(this.header, this.banner, toolbar, axisBox, main);
    this.header.appendChild(el('p', 'details-empty', 'Loading the host timeline…'));

    window.addEventListener('message', (e: MessageEvent<ToWebviewMessage>) => void this.rpc.handleMessage(e.data));
    window.addEventListener('keydown', (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key === 'f') {
        e.preventDefault();
        this.textField.focus();
      }
    });
    this.rpc.sendEvent({ type: MessageType.Ready });
  }

  private request<T extends FromWebviewRequest>(message: T): Promise<ReplyTypes[T['type']]> {
    return this.rpc.sendRequest<ReplyTypes[T['type']]>(message);
  }

  // ── host events ──────────────────────────────────────────────────────────────────────────

  private onHostEvent(m: ToWebviewMessage): void {
    switch (m.type) {
      case MessageType.Init: {
        const state = this.restored && this.restored.ip === m.snapshot.host.ip ? this.restored : undefined;
        this.restored = undefined;
        if (state) this.query = { ...defaultQuery(), ...state.query };
        this.applySnapshot(m.snapshot);
        this.syncFilterControls();
        if (state?.axis) this.axis.setView(state.axis);
        void this.reload({ selectedId: state?.selectedEventId, topId: state?.topEventId, scrollTop: state?.scrollTop }).then(() => {
          if (m.focus) void this.focusRecord(m.focus);
        });
        return;
      }
      case MessageType.Updated: {
        const top = this.list.eventAt(this.list.topIndex);
        this.applySnapshot(m.snapshot);
        void this.reload({ selectedId: this.details.event?.id, topId: top?.id, topOffset: this.list.scrollTop % ROW_HEIGHT, scrollTop: this.list.scrollTop });
        return;
      }
      case MessageType.Focus:
        void this.focusRecord(m.ref);
        return;
      case MessageType.HostGone:
        this.showBanner(m.reason);
        return;
    }
  }

  private applySnapshot(snapshot: TimelineSnapshot): void {
    this.snapshot = snapshot;
    const marks: Marks = {
      count: snapshot.marks.count,
      timeMs: new Float64Array(snapshot.marks.timeMs),
      lane: new Uint8Array(snapshot.marks.lane),
      severity: new Uint8Array(snapshot.marks.severity),
      flags: new Uint8Array(snapshot.marks.flags),
    };
    this.axis.setData(marks, { fromMs: Date.parse(snapshot.window.from), toMs: Date.parse(snapshot.window.to) });
    this.renderHeader(snapshot);
    for (const lane of LANES) this.laneBoxes.get(lane)!.label = `${LANE_LABELS[lane]} (${snapshot.host.laneCounts[lane] ?? 0})`;
  }

  /** Re-query the list, keeping the same events at the top and selected when they still match. */
  private async reload(keep: { selectedId?: string; topId?: string; topOffset?: number; scrollTop?: number } = {}): Promise<void> {
    const generation = ++this.reloadGeneration;
    try {
      const [top, selected] = await Promise.all([
        keep.topId ? this.request({ type: MessageType.LocateEvent, query: this.query, eventId: keep.topId }) : undefined,
        keep.selectedId ? this.request({ type: MessageType.LocateEvent, query: this.query, eventId: keep.selectedId }) : undefined,
      ]);
      if (generation !== this.reloadGeneration) return;
      const topIndex = top && top.index >= 0 ? top.index : undefined;
      const anchored = keep.topId !== undefined || keep.scrollTop !== undefined;
      // Fetch the rows that will be on screen before swapping the data in: no flash of placeholders.
      const visibleRows = Math.ceil(this.list.element.clientHeight / ROW_HEIGHT);
      const firstRow =
        topIndex ??
        (keep.scrollTop !== undefined ? Math.floor(keep.scrollTop / ROW_HEIGHT) : selected && selected.index >= 0 ? Math.max(0, selected.index - visibleRows) : 0);
      const pageSize = this.list.pageSize;
      const pages = await Promise.all(
        this.list.pagesAround(firstRow).map((p) => this.request({ type: MessageType.QueryEvents, query: this.query, offset: p * pageSize, count: pageSize })),
      );
      if (generation !== this.reloadGeneration) return;
      this.list.reset(pages[0].total, { top: topIndex ?? (keep.scrollTop !== undefined ? -1 : undefined), topOffset: keep.topOffset, selected: selected?.index }, pages);
      if (topIndex === undefined && keep.scrollTop !== undefined) this.list.setScrollTop(keep.scrollTop);
      // Without a scroll anchor (a filter changed) bring the selected event into view.
      if (selected && selected.index >= 0) await this.list.select(selected.index, { reveal: !anchored });
      else if (keep.selectedId) this.details.clear();
      this.updateStatus();
      this.saveState();
    } catch (e) {
      this.showBanner(`Could not load events: ${message(e)}`);
    }
  }

  private async selectBy(target: { ref?: RecordRef; markIndex?: number }): Promise<boolean> {
    const found = await this.request({ type: MessageType.LocateEvent, query: this.query, ...target });
    if (found.index < 0) return false;
    await this.list.select(found.index);
    this.list.element.focus();
    return true;
  }

  /** Select the event of a record; clear filters first if they hide it. */
  private async focusRecord(ref: RecordRef): Promise<void> {
    if (await this.selectBy({ ref })) return;
    this.query = defaultQuery();
    this.syncFilterControls();
    await this.reload();
    if (!(await this.selectBy({ ref }))) this.showBanner(`Record ${ref.file}:${ref.line} is not in this host's timeline window.`);
  }

  // ── selection, actions ───────────────────────────────────────────────────────────────────

  private onSelect(event: TimelineEvent | undefined): void {
    this.axis.setSelectedTime(event?.timeMs);
    this.saveState();
    if (!event) return;
    if (this.details.event?.id === event.id) return; // a live refresh re-selected the same event
    this.details.showLoading(event);
    this.request({ type: MessageType.GetRecordDetails, ref: event.ref }).then(
      (d) => this.details.show(event, d),
      (e: unknown) => this.details.showError(event, message(e)),
    );
  }

  private openRecord(ref: RecordRef): void {
    this.rpc.sendEvent({ type: MessageType.OpenRecord, ref });
  }

  private showConnection(event: TimelineEvent): void {
    if (!event.connectionKey) return;
    this.query = { ...this.query, connectionKey: event.connectionKey };
    this.syncFilterControls();
    void this.reload({ selectedId: event.id });
  }

  private setRange(range: TimeRange | undefined): void {
    this.query = { ...this.query, fromMs: range?.fromMs, toMs: range?.toMs };
    this.syncFilterControls();
    void this.reload({ selectedId: this.details.event?.id });
  }

  // ── header, toolbar ──────────────────────────────────────────────────────────────────────

  private renderHeader(snapshot: TimelineSnapshot): void {
    const h = snapshot.host;
    const title = el('div', 'host-title');
    title.append(el('h1', undefined, h.ip), el('span', `verdict verdict-${h.verdict}`, h.verdict), el('span', 'score', `score ${h.score}`));
    const facts = el('dl', 'host-facts');
    const fact = (k: string, v: string): void => {
      if (v) facts.append(el('dt', undefined, k), el('dd', undefined, v));
    };
    fact('Names', h.netbiosNames.join(', '));
    fact('MAC', h.macs.join(', '));
    fact('OS', h.os.join(', '));
    fact('Users', h.users.join(', '));
    if (h.firstIndicator) {
      const dd = el('dd', 'first-indicator');
      const link = el('a', undefined, `${shortTime(h.firstIndicator.time)} — ${h.firstIndicator.description}`);
      link.href = '#';
      link.title = 'Select the first indicator in the list';
      const first = h.firstIndicator;
      link.addEventListener('click', (e) => {
        e.preventDefault();
        void this.focusRecord({ file: first.file, line: first.line });
      });
      dd.appendChild(link);
      facts.append(el('dt', undefined, 'First indicator'), dd);
    }
    fact('Window', `${shortTime(snapshot.window.from)} → ${shortTime(snapshot.window.to)}`);
    fact('Events', String(h.eventCount));
    const reasons = document.createElement('vscode-collapsible');
    reasons.heading = `Why ${h.verdict}: ${h.reasons.length} reason${h.reasons.length === 1 ? '' : 's'}`;
    reasons.open = h.verdict !== 'clean' && h.reasons.length <= 3;
    const ul = el('ul', 'reasons');
    for (const r of h.reasons) ul.appendChild(el('li', undefined, r));
    reasons.appendChild(ul);
    this.header.replaceChildren(title, facts, reasons);
  }

  private buildToolbar(): HTMLElement {
    const bar = el('div', 'toolbar');
    const lanes = this.checkboxGroup('Lanes', LANES, (lane) => LANE_LABELS[lane], 'lane', this.laneBoxes);
    const severities = this.checkboxGroup('Severity', SEVERITIES, (s) => SEVERITY_LABELS[s], 'severity', this.severityBoxes);
    this.textField.placeholder = 'Filter text (summary, peer, family, time)';
    this.textField.className = 'text-filter';
    let debounce: ReturnType<typeof setTimeout> | undefined;
    this.textField.addEventListener('input', () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => this.onFiltersChanged(), 150);
    });
    const actions = el('div', 'filter-group');
    this.rangeChip.hidden = true;
    this.rangeChip.addEventListener('click', () => {
      this.axis.setBrush(undefined);
      this.setRange(undefined);
    });
    this.connectionChip.hidden = true;
    this.connectionChip.addEventListener('click', () => {
      this.query = { ...this.query, connectionKey: undefined };
      this.syncFilterControls();
      void this.reload({ selectedId: this.details.event?.id });
    });
    const resetZoom = document.createElement('vscode-button');
    resetZoom.secondary = true;
    resetZoom.icon = 'zoom-out';
    resetZoom.textContent = 'Reset zoom';
    resetZoom.addEventListener('click', () => this.axis.resetView());
    const exportButton = document.createElement('vscode-button');
    exportButton.secondary = true;
    exportButton.icon = 'export';
    exportButton.textContent = 'Export Markdown';
    exportButton.title = 'Export the current view (header and filtered events) as Markdown for a case report';
    exportButton.addEventListener('click', () => {
      this.request({ type: MessageType.ExportView, query: this.query }).then(
        (r) => (this.status.textContent = `Exported ${r.markdown.split('\n').length} lines of Markdown.`),
        (e: unknown) => this.showBanner(`Export failed: ${message(e)}`),
      );
    });
    actions.append(this.rangeChip, this.connectionChip, resetZoom, exportButton, this.status);
    bar.append(lanes, severities, this.textField, actions);
    return bar;
  }

  /** A labelled group of filter checkboxes, all checked, each tagged data-<key>=<value> for tests and styling. */
  private checkboxGroup<T extends string | number>(name: string, values: readonly T[], label: (v: T) => string, key: string, boxes: Map<T, VscodeCheckbox>): HTMLElement {
    const group = el('div', 'filter-group');
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', name);
    for (const value of values) {
      const box = document.createElement('vscode-checkbox');
      box.label = label(value);
      box.checked = true;
      box.dataset[key] = String(value);
      box.addEventListener('change', () => this.onFiltersChanged());
      boxes.set(value, box);
      group.appendChild(box);
    }
    return group;
  }

  private onFiltersChanged(): void {
    this.query = {
      ...this.query,
      lanes: LANES.filter((l) => this.laneBoxes.get(l)!.checked),
      severities: SEVERITIES.filter((s) => this.severityBoxes.get(s)!.checked),
      text: this.textField.value,
    };
    this.axis.setFilters(this.query.lanes.map((l) => LANES.indexOf(l)), this.query.severities);
    void this.reload({ selectedId: this.details.event?.id });
  }

  private syncFilterControls(): void {
    for (const lane of LANES) this.laneBoxes.get(lane)!.checked = this.query.lanes.includes(lane);
    for (const s of SEVERITIES) this.severityBoxes.get(s)!.checked = this.query.severities.includes(s);
    if (this.textField.value !== this.query.text) this.textField.value = this.query.text;
    const range = this.query.fromMs !== undefined && this.query.toMs !== undefined ? { fromMs: this.query.fromMs, toMs: this.query.toMs } : undefined;
    this.axis.setBrush(range);
    this.axis.setFilters(this.query.lanes.map((l) => LANES.indexOf(l)), this.query.severities);
    this.rangeChip.hidden = !range;
    this.rangeChip.textContent = range ? `Range ${shortTime(new Date(range.fromMs).toISOString())} → ${shortTime(new Date(range.toMs).toISOString())} ✕` : '';
    this.rangeChip.title = 'Clear the time range (Esc on the axis)';
    this.connectionChip.hidden = !this.query.connectionKey;
    this.connectionChip.textContent = this.query.connectionKey ? `Connection ${this.query.connectionKey} ✕` : '';
    this.connectionChip.title = 'Show all connections again';
  }

  private updateStatus(): void {
    const all = this.snapshot?.marks.count ?? 0;
    this.status.textContent = `${this.list.count.toLocaleString('en-US')} of ${all.toLocaleString('en-US')} events`;
  }

  private showBanner(text: string): void {
    this.banner.textContent = text;
    this.banner.hidden = false;
  }

  private saveState(): void {
    if (this.saveTimer !== undefined) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      if (!this.snapshot) return;
      const view = this.axis.getView();
      this.vscode.setState({
        ip: this.snapshot.host.ip,
        query: this.query,
        selectedEventId: this.details.event?.id,
        topEventId: this.list.eventAt(this.list.topIndex)?.id,
        scrollTop: this.list.scrollTop,
        axis: view,
        dumpFiles: this.snapshot.dumpFiles,
      });
    }, 200);
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const app = new TimelineApp(document.getElementById('app') ?? document.body);
// Exposed for the Chromium tests and the benchmark, which read the list's DOM size through it.
(globalThis as { timelineApp?: TimelineApp }).timelineApp = app;
