/**
 * The event list, virtualized: a sizer as tall as all rows, and only a pool of rows for the
 * visible slice (plus a little overscan) in the DOM, repositioned on scroll. Rows come in pages
 * from the host (kept in a small LRU), so neither side ever holds 100k row elements and the host
 * never sends the whole timeline at once. Every event string is set with textContent.
 */
import type { TimelineEvent } from '../../common/timeline';
import type { EventsPage } from '../../common/webviewProtocol';
import { codicon, el, LANE_LABELS, shortTime } from './format';

export const ROW_HEIGHT = 22;
const PAGE_SIZE = 200;
const MAX_PAGES = 40;
const OVERSCAN = 8;

export interface EventListCallbacks {
  fetchPage(offset: number, count: number): Promise<EventsPage>;
  onSelect(event: TimelineEvent | undefined, index: number): void;
  onOpen(event: TimelineEvent): void;
  onShowConnection(event: TimelineEvent): void;
  onViewportChange(): void;
  onError(error: unknown): void;
}

interface RowElements {
  root: HTMLDivElement;
  time: HTMLSpanElement;
  lane: HTMLSpanElement;
  severity: HTMLSpanElement;
  link: HTMLButtonElement;
  /** The number of linked events, beside the link icon. */
  linkCount: HTMLSpanElement;
  summary: HTMLSpanElement;
  peer: HTMLSpanElement;
  open: HTMLButtonElement;
  index: number;
  /** What the row shows, to skip refilling unchanged rows. */
  event: TimelineEvent | undefined;
  stamp: number;
}

export class EventList {
  readonly element: HTMLDivElement;
  private readonly sizer: HTMLDivElement;
  private readonly rows: RowElements[] = [];
  private readonly pages = new Map<number, TimelineEvent[]>();
  private readonly inFlight = new Map<number, Promise<void>>();
  private generation = 0;
  private total = 0;
  private selected = -1;
  private selectedConnection: string | undefined;
  private frame = 0;
  /** Bumped when selection or data changes, so every row is refilled once. */
  private stamp = 0;

  constructor(
    container: HTMLElement,
    private readonly callbacks: EventListCallbacks,
  ) {
    this.element = el('div', 'event-list');
    this.element.tabIndex = 0;
    this.element.setAttribute('role', 'listbox');
    this.element.setAttribute('aria-label', 'Events');
    this.sizer = el('div', 'event-list-sizer');
    this.element.appendChild(this.sizer);
    container.appendChild(this.element);
    this.element.addEventListener('scroll', () => {
      this.scheduleRender();
      this.callbacks.onViewportChange();
    });
    this.element.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => this.scheduleRender()).observe(this.element);
  }

  get count(): number {
    return this.total;
  }

  get selectedIndex(): number {
    return this.selected;
  }

  /** Row elements currently in the DOM (the virtualization keeps this small). */
  get renderedRowCount(): number {
    return this.sizer.childElementCount;
  }

  eventAt(index: number): TimelineEvent | undefined {
    return this.pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
  }

  /** Index of the first row whose top is visible. */
  get topIndex(): number {
    return Math.min(this.total - 1, Math.floor(this.element.scrollTop / ROW_HEIGHT));
  }

  get scrollTop(): number {
    return this.element.scrollTop;
  }

  /** The pages holding the rows seen when `row` is at the top, for a reset without placeholders. */
  pagesAround(row: number): number[] {
    const rows = Math.ceil((this.element.clientHeight || 400) / ROW_HEIGHT);
    const from = Math.floor(Math.max(0, row - OVERSCAN) / PAGE_SIZE);
    const to = Math.floor((Math.max(0, row) + rows + OVERSCAN) / PAGE_SIZE);
    const pages: number[] = [];
    for (let p = from; p <= to; p++) pages.push(p);
    return pages;
  }

  get pageSize(): number {
    return PAGE_SIZE;
  }

  /**
   * New query or new data: forget every page except the fresh `pages` given (fetched for the
   * new view, so live updates repaint without a flash of placeholders). `keep` re-anchors scroll
   * and selection at the given indices (the caller located the same events in the new list).
   */
  reset(total: number, keep?: { top?: number; topOffset?: number; selected?: number }, pages: readonly EventsPage[] = []): void {
    this.generation++;
    this.stamp++;
    this.pages.clear();
    for (const page of pages) this.pages.set(Math.floor(page.offset / PAGE_SIZE), page.events);
    this.inFlight.clear();
    this.total = total;
    this.sizer.style.height = `${total * ROW_HEIGHT}px`;
    this.selected = keep?.selected !== undefined && keep.selected < total ? keep.selected : -1;
    if (this.selected < 0) this.selectedConnection = undefined;
    if (keep?.top !== undefined && keep.top >= 0) this.element.scrollTop = keep.top * ROW_HEIGHT + (keep.topOffset ?? 0);
    else if (keep?.top === undefined) this.element.scrollTop = 0;
    this.renderNow();
  }

  setScrollTop(px: number): void {
    this.element.scrollTop = px;
    this.renderNow();
  }

  /** Select a row (−1 clears), scroll it into view and report the event once its page is here. */
  async select(index: number, opts: { reveal?: boolean } = {}): Promise<void> {
    if (index >= this.total) index = this.total - 1;
    this.selected = index;
    this.stamp++;
    if (index < 0) {
      this.selectedConnection = undefined;
      this.renderNow();
      this.callbacks.onSelect(undefined, -1);
      return;
    }
    if (opts.reveal !== false) this.reveal(index);
    this.renderNow();
    const event = this.eventAt(index) ?? (await this.loadEvent(index));
    if (this.selected !== index) return;
    this.selectedConnection = event?.connectionKey;
    this.stamp++;
    this.element.setAttribute('aria-activedescendant', `row-${index}`);
    this.renderNow();
    this.callbacks.onSelect(event, index);
  }

  private async loadEvent(index: number): Promise<TimelineEvent | undefined> {
    const page = Math.floor(index / PAGE_SIZE);
    await this.fetch(page);
    return this.eventAt(index);
  }

  reveal(index: number): void {
    const top = index * ROW_HEIGHT;
    const h = this.element.clientHeight;
    if (top < this.element.scrollTop) this.element.scrollTop = top;
    else if (top + ROW_HEIGHT > this.element.scrollTop + h) this.element.scrollTop = top + ROW_HEIGHT - h;
  }

  private scheduleRender(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.renderNow();
    });
  }

  /**
   * Rows keep the index they show while it stays in view, so a smooth scroll refills only the
   * few rows that entered (text changes force layout; transforms alone do not).
   */
  private renderNow(): void {
    const h = this.element.clientHeight || 400;
    const first = Math.max(0, Math.floor(this.element.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.total, Math.ceil((this.element.scrollTop + h) / ROW_HEIGHT) + OVERSCAN);
    const needed = Math.max(0, last - first);
    const byIndex = new Map<number, RowElements>();
    const free: RowElements[] = [];
    for (const row of this.rows) {
      if (row.index >= first && row.index < last && !byIndex.has(row.index)) byIndex.set(row.index, row);
      else free.push(row);
    }
    while (this.rows.length < needed) {
      const row = this.createRow();
      this.rows.push(row);
      this.sizer.appendChild(row.root);
      free.push(row);
    }
    while (this.rows.length > needed) {
      const row = free.pop()!;
      row.root.remove();
      this.rows.splice(this.rows.indexOf(row), 1);
    }
    const missing = new Set<number>();
    for (let index = first; index < last; index++) {
      const row = byIndex.get(index) ?? free.pop()!;
      const event = this.eventAt(index);
      if (!event) missing.add(Math.floor(index / PAGE_SIZE));
      if (row.index !== index || row.event !== event || row.stamp !== this.stamp) this.fillRow(row, index, event);
    }
    for (const page of missing) this.fetch(page).catch((e: unknown) => this.callbacks.onError(e));
  }

  private fetch(page: number): Promise<void> {
    if (this.pages.has(page)) return Promise.resolve();
    const pending = this.inFlight.get(page);
    if (pending) return pending;
    const generation = this.generation;
    const request = this.callbacks
      .fetchPage(page * PAGE_SIZE, PAGE_SIZE)
      .then((result) => {
        if (generation !== this.generation) return; // filters or data changed meanwhile
        this.pages.set(page, result.events);
        if (result.total !== this.total) {
          this.total = result.total;
          this.sizer.style.height = `${this.total * ROW_HEIGHT}px`;
        }
        this.evict(page);
        this.scheduleRender();
      })
      .finally(() => {
        if (generation === this.generation) this.inFlight.delete(page);
      });
    this.inFlight.set(page, request);
    return request;
  }

  /** Keep the pages nearest the current one; an LRU by distance is enough for scrolling. */
  private evict(current: number): void {
    if (this.pages.size <= MAX_PAGES) return;
    const keep = Math.floor(this.topIndex / PAGE_SIZE);
    const selectedPage = Math.floor(this.selected / PAGE_SIZE);
    const byDistance = [...this.pages.keys()].filter((p) => p !== current && p !== selectedPage).sort((a, b) => Math.abs(b - keep) - Math.abs(a - keep));
    while (this.pages.size > MAX_PAGES && byDistance.length) this.pages.delete(byDistance.shift()!);
  }

  private createRow(): RowElements {
    const root = el('div', 'row');
    root.setAttribute('role', 'option');
    const time = el('span', 'cell time');
    const lane = el('span', 'cell lane');
    const severity = el('span', 'cell sev');
    const link = el('button', 'cell link');
    link.title = 'Linked events (same connection): show only this connection';
    link.tabIndex = -1;
    const linkCount = el('span', 'count');
    link.append(codicon('link'), linkCount);
    const summary = el('span', 'cell summary');
    const peer = el('span', 'cell peer');
    const open = el('button', 'cell open');
    open.title = 'Open record: reveal this line in its .estreamer dump';
    open.setAttribute('aria-label', 'Open record');
    open.tabIndex = -1;
    open.append(codicon('go-to-file'));
    root.append(time, lane, severity, link, summary, peer, open);
    const row: RowElements = { root, time, lane, severity, link, linkCount, summary, peer, open, index: -1, event: undefined, stamp: -1 };
    root.addEventListener('mousedown', () => void this.select(row.index, { reveal: false }));
    root.addEventListener('dblclick', () => this.withEvent(row.index, (e) => this.callbacks.onOpen(e)));
    open.addEventListener('click', (ev) => {
      ev.stopPropagation();
      this.withEvent(row.index, (e) => this.callbacks.onOpen(e));
    });
    link.addEventListener('click', (ev) => {
      ev.stopPropagation();
      this.withEvent(row.index, (e) => e.connectionKey && this.callbacks.onShowConnection(e));
    });
    return row;
  }

  private withEvent(index: number, fn: (event: TimelineEvent) => unknown): void {
    const event = this.eventAt(index);
    if (event) fn(event);
  }

  private fillRow(row: RowElements, index: number, event: TimelineEvent | undefined): void {
    row.index = index;
    row.event = event;
    row.stamp = this.stamp;
    row.root.id = `row-${index}`;
    row.root.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
    row.root.setAttribute('aria-selected', String(index === this.selected));
    if (!event) {
      row.root.className = index === this.selected ? 'row loading selected' : 'row loading';
      row.time.textContent = '…';
      row.lane.textContent = row.severity.textContent = row.linkCount.textContent = row.summary.textContent = row.peer.textContent = '';
      row.open.style.visibility = 'hidden';
      row.link.style.visibility = 'hidden';
      return;
    }
    row.root.className = 'row' + (index === this.selected ? ' selected' : '') +
      (event.indicatorKind ? ' indicator' : '') +
      (this.selectedConnection !== undefined && event.connectionKey === this.selectedConnection ? ' linked' : '');
    row.root.dataset.eventId = event.id;
    row.time.textContent = shortTime(event.time);
    row.lane.textContent = LANE_LABELS[event.lane] ?? event.lane;
    row.severity.textContent = String(event.severity);
    row.severity.className = `cell sev sev-${event.severity}`;
    row.linkCount.textContent = event.links.length ? String(event.links.length) : '';
    // visibility, not hidden: a hidden grid item would shift the columns after it
    row.link.style.visibility = event.links.length ? 'visible' : 'hidden';
    row.summary.textContent = event.summary;
    row.summary.title = event.summary;
    row.peer.textContent = event.peer ?? '';
    row.open.style.visibility = 'visible';
  }

  private onKey(e: KeyboardEvent): void {
    const pageRows = Math.max(1, Math.floor(this.element.clientHeight / ROW_HEIGHT) - 1);
    let next = this.selected;
    switch (e.key) {
      case 'ArrowDown':
        next = Math.min(this.total - 1, this.selected + 1);
        break;
      case 'ArrowUp':
        next = Math.max(0, this.selected - 1);
        break;
      case 'PageDown':
        next = Math.min(this.total - 1, Math.max(0, this.selected) + pageRows);
        break;
      case 'PageUp':
        next = Math.max(0, this.selected - pageRows);
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = this.total - 1;
        break;
      case 'Enter':
        this.withEvent(this.selected, (ev) => this.callbacks.onOpen(ev));
        e.preventDefault();
        return;
      default:
        return;
    }
    e.preventDefault();
    if (next !== this.selected && next >= 0) void this.select(next);
  }
}
