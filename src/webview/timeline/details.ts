/**
 * The details pane: the selected event, its record's decoded fields and the raw bytes as hex with
 * each field's offset (like the hex editor's data inspector). Hovering a field highlights its bytes.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { TimelineEvent } from '../../common/timeline';
import type { RecordDetails } from '../../common/webviewProtocol';
import { el, hex2, LANE_LABELS, SEVERITY_LABELS } from './format';

/** Hex rows beyond this are elided: a details pane is not a hex editor for 64 KiB packets. */
const HEX_LIMIT = 4096;

export class DetailsPane {
  readonly element: HTMLElement;
  private current: TimelineEvent | undefined;
  /** The event selected before this one: the pane shows the time between the two. */
  private previous: TimelineEvent | undefined;

  constructor(
    container: HTMLElement,
    private readonly callbacks: { onOpen(event: TimelineEvent): void; onShowConnection(event: TimelineEvent): void },
  ) {
    this.element = el('section', 'details');
    this.element.setAttribute('aria-label', 'Record details');
    container.appendChild(this.element);
    this.clear();
  }

  get event(): TimelineEvent | undefined {
    return this.current;
  }

  clear(): void {
    this.current = undefined;
    this.element.replaceChildren(el('p', 'details-empty', 'Select an event to see its record: decoded fields and raw bytes.'));
  }

  showLoading(event: TimelineEvent): void {
    if (this.current && this.current.id !== event.id) this.previous = this.current;
    this.current = event;
    this.element.replaceChildren(...this.eventHeader(event), el('p', 'details-empty', 'Loading the record…'));
  }

  showError(event: TimelineEvent, message: string): void {
    if (this.current?.id !== event.id) return;
    this.element.replaceChildren(...this.eventHeader(event), el('p', 'details-error', `Could not read the record: ${message}`));
  }

  show(event: TimelineEvent, details: RecordDetails): void {
    if (this.current?.id !== event.id) return;
    const bytes = new Uint8Array(details.raw);
    const fieldsTable = el('table', 'fields');
    const head = el('tr');
    for (const h of ['Field', 'Value', 'Offset', 'Len']) head.appendChild(el('th', undefined, h));
    fieldsTable.appendChild(head);
    const hex = this.hexView(bytes, details);
    details.fields.forEach((f, i) => {
      const tr = el('tr', 'field');
      tr.dataset.field = String(i);
      tr.append(
        el('td', 'fname', f.name),
        el('td', 'fvalue', f.value),
        el('td', 'foff', f.offset !== undefined ? `0x${f.offset.toString(16).padStart(4, '0')}` : ''),
        el('td', 'flen', f.length !== undefined ? String(f.length) : ''),
      );
      tr.addEventListener('mouseenter', () => highlight(hex, i, true));
      tr.addEventListener('mouseleave', () => highlight(hex, i, false));
      fieldsTable.appendChild(tr);
    });
    const status = details.status === 'ok' ? [] : [el('p', 'details-error', `Record ${details.status}${details.reason ? `: ${details.reason}` : ''}`)];
    this.element.replaceChildren(
      ...this.eventHeader(event),
      el('h3', undefined, `Record ${details.recordType} · ${details.name} (${details.family}) · ${bytes.length} bytes`),
      ...status,
      fieldsTable,
      el('h3', undefined, 'Raw bytes'),
      hex,
    );
  }

  private eventHeader(event: TimelineEvent): HTMLElement[] {
    const title = el('h2', 'details-title', event.summary);
    const meta = el('dl', 'details-meta');
    const add = (k: string, v: string | undefined): void => {
      if (v === undefined || v === '') return;
      meta.append(el('dt', undefined, k), el('dd', undefined, v));
    };
    add('Time', event.time);
    add('Lane', LANE_LABELS[event.lane]);
    add('Severity', SEVERITY_LABELS[event.severity]);
    add('Peer', event.peer);
    add('Indicator', event.indicatorKind);
    add('Connection', event.connectionKey);
    add('Linked', event.links.length ? `${event.links.length} event(s) of the same connection` : undefined);
    add('Record', `${event.ref.file}:${event.ref.line}`);
    if (this.previous && this.previous.id !== event.id) add('Since previous', `${formatDelta(event.timeMs - this.previous.timeMs)} (from ${this.previous.time})`);
    const actions = el('div', 'details-actions');
    const open = document.createElement('vscode-button');
    open.icon = 'go-to-file';
    open.textContent = 'Open record';
    open.title = 'Reveal this record in its .estreamer dump, beside the panel (Enter)';
    open.addEventListener('click', () => this.callbacks.onOpen(event));
    actions.appendChild(open);
    if (event.connectionKey) {
      const group = document.createElement('vscode-button');
      group.secondary = true;
      group.icon = 'filter';
      group.textContent = 'Only this connection';
      group.addEventListener('click', () => this.callbacks.onShowConnection(event));
      actions.appendChild(group);
    }
    return [title, meta, actions];
  }

  private hexView(bytes: Uint8Array, details: RecordDetails): HTMLElement {
    const owner = new Int32Array(bytes.length).fill(-1);
    details.fields.forEach((f, i) => {
      if (f.offset === undefined || f.length === undefined) return;
      for (let b = f.offset; b < Math.min(bytes.length, f.offset + f.length); b++) owner[b] = i;
    });
    const pre = el('div', 'hex');
    const shown = Math.min(bytes.length, HEX_LIMIT);
    for (let row = 0; row < shown; row += 16) {
      const line = el('div', 'hex-row');
      line.appendChild(el('span', 'hex-off', row.toString(16).padStart(4, '0')));
      const hexCells = el('span', 'hex-bytes');
      let ascii = '';
      for (let b = row; b < Math.min(shown, row + 16); b++) {
        const cell = el('span', owner[b] >= 0 ? `byte f${owner[b] % 2}` : 'byte', hex2(bytes[b]));
        if (owner[b] >= 0) {
          cell.dataset.field = String(owner[b]);
          cell.title = details.fields[owner[b]].name;
        }
        hexCells.appendChild(cell);
        ascii += bytes[b] >= 0x20 && bytes[b] < 0x7f ? String.fromCharCode(bytes[b]) : '.';
      }
      line.append(hexCells, el('span', 'hex-ascii', ascii));
      pre.appendChild(line);
    }
    if (bytes.length > shown) pre.appendChild(el('div', 'hex-more', `… ${bytes.length - shown} more bytes (open the record to see the whole line)`));
    return pre;
  }
}

/** Signed, human-sized duration: "+1 h 2 min", "−3.250 s", "+12 ms". */
export function formatDelta(ms: number): string {
  const sign = ms < 0 ? '−' : '+';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${rest.toFixed(rest < 10 ? 3 : 0)} ms`;
  if (rest < 60_000) return `${sign}${(rest / 1000).toFixed(3)} s`;
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)} ${unit}`);
      rest %= size;
    }
  }
  if (rest >= 1000 && parts.length < 2) parts.push(`${Math.round(rest / 1000)} s`);
  return sign + parts.join(' ');
}

function highlight(hex: HTMLElement, field: number, on: boolean): void {
  for (const cell of hex.querySelectorAll(`.byte[data-field="${field}"]`)) cell.classList.toggle('hl', on);
}
