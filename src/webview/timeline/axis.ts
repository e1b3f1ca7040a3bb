/**
 * The shared time axis: one row per lane on a canvas, a mark per event at its time, coloured by
 * severity (intrusion impact maps straight onto it), the first indicator drawn as a line across
 * all lanes. Wheel zooms around the pointer, Shift+wheel or Alt/middle-drag pans, dragging
 * brushes a range (which filters the list), a click picks the nearest event.
 * Keyboard on the focused axis: + / - zoom, ← / → pan, 0 resets, Esc clears the range.
 * Canvas, not SVG: 100k marks are binned per pixel column, so a frame costs O(events) arithmetic
 * and O(width × lanes) drawing, never 100k DOM nodes.
 */
import { LANES, type Severity } from '../../common/timeline';
import { MarkFlag } from '../../common/webviewProtocol';
import { formatMs, LANE_LABELS, readThemeColors, type ThemeColors } from './format';

export interface Marks {
  count: number;
  timeMs: Float64Array;
  lane: Uint8Array;
  severity: Uint8Array;
  flags: Uint8Array;
}

export interface TimeRange {
  fromMs: number;
  toMs: number;
}

export interface AxisCallbacks {
  onBrush(range: TimeRange | undefined): void;
  onViewChange(view: TimeRange): void;
  onPick(markIndex: number): void;
}

const GUTTER = 118;
const TOP = 20;
const LANE_H = 18;
const MIN_SPAN_MS = 1;

export class TimeAxis {
  readonly canvas: HTMLCanvasElement;
  private marks: Marks = { count: 0, timeMs: new Float64Array(0), lane: new Uint8Array(0), severity: new Uint8Array(0), flags: new Uint8Array(0) };
  private sorted = true;
  private firstIndicatorMs: number | undefined;
  private window: TimeRange = { fromMs: 0, toMs: 1 };
  private view: TimeRange = { fromMs: 0, toMs: 1 };
  private brush: TimeRange | undefined;
  private dragging: { kind: 'brush' | 'pan'; startX: number; startView: TimeRange; currentX: number } | undefined;
  private lanesShown = new Set<number>(LANES.map((_, i) => i));
  private severitiesShown = new Set<number>([1, 2, 3, 4, 5]);
  private selectedTime: number | undefined;
  private colors: ThemeColors | undefined;
  private frame = 0;
  private width = 0;

  constructor(
    private readonly container: HTMLElement,
    private readonly callbacks: AxisCallbacks,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'axis-canvas';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'Time axis: drag to select a range, wheel to zoom, Shift+wheel to pan');
    container.appendChild(this.canvas);
    this.canvas.style.height = `${TOP + LANES.length * LANE_H + 4}px`;
    new ResizeObserver(() => this.invalidate()).observe(container);
    this.canvas.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    this.canvas.addEventListener('mousedown', (e) => this.onMouseDown(e));
    window.addEventListener('mousemove', (e) => this.onMouseMove(e));
    window.addEventListener('mouseup', (e) => this.onMouseUp(e));
    this.canvas.addEventListener('dblclick', () => this.resetView());
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
    // Theme switches change the CSS variables: re-read colours on the next frame.
    new MutationObserver(() => {
      this.colors = undefined;
      this.invalidate();
    }).observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
  }

  setData(marks: Marks, window: TimeRange): void {
    this.marks = marks;
    this.sorted = true;
    this.firstIndicatorMs = undefined;
    for (let i = 0; i < marks.count; i++) {
      if (marks.flags[i] & MarkFlag.FirstIndicator) this.firstIndicatorMs = marks.timeMs[i];
    }
    for (let i = 1; i < marks.count; i++) {
      if (marks.timeMs[i] < marks.timeMs[i - 1]) {
        this.sorted = false;
        break;
      }
    }
    const grew = window.fromMs !== this.window.fromMs || window.toMs !== this.window.toMs;
    const wasWhole = this.view.fromMs === this.window.fromMs && this.view.toMs === this.window.toMs;
    this.window = { fromMs: window.fromMs, toMs: Math.max(window.toMs, window.fromMs + MIN_SPAN_MS) };
    // Follow the growing window only when the user has not zoomed in.
    if (grew && wasWhole) this.view = { ...this.window };
    this.invalidate();
  }

  getView(): TimeRange {
    return { ...this.view };
  }

  setView(view: TimeRange | undefined): void {
    this.view = view ? clampView(view, this.window) : { ...this.window };
    this.invalidate();
  }

  setBrush(range: TimeRange | undefined): void {
    this.brush = range;
    this.invalidate();
  }

  setFilters(lanes: readonly number[], severities: readonly number[]): void {
    this.lanesShown = new Set(lanes);
    this.severitiesShown = new Set(severities);
    this.invalidate();
  }

  setSelectedTime(timeMs: number | undefined): void {
    this.selectedTime = timeMs;
    this.invalidate();
  }

  resetView(): void {
    this.view = { ...this.window };
    this.callbacks.onViewChange(this.getView());
    this.invalidate();
  }

  invalidate(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private xOf(ms: number): number {
    return GUTTER + ((ms - this.view.fromMs) / (this.view.toMs - this.view.fromMs)) * (this.width - GUTTER);
  }

  private msOf(x: number): number {
    return this.view.fromMs + ((x - GUTTER) / Math.max(1, this.width - GUTTER)) * (this.view.toMs - this.view.fromMs);
  }

  private draw(): void {
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(GUTTER + 50, this.container.clientWidth);
    const height = TOP + LANES.length * LANE_H + 4;
    this.width = width;
    if (this.canvas.width !== Math.round(width * dpr) || this.canvas.height !== Math.round(height * dpr)) {
      this.canvas.width = Math.round(width * dpr);
      this.canvas.height = Math.round(height * dpr);
      this.canvas.style.width = `${width}px`;
    }
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const c = (this.colors ??= readThemeColors(this.container));
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const font = getComputedStyle(this.container).fontFamily || 'sans-serif';
    ctx.font = `11px ${font}`;
    ctx.textBaseline = 'middle';

    // Lane labels and separators.
    LANES.forEach((lane, i) => {
      const y = TOP + i * LANE_H;
      ctx.fillStyle = this.lanesShown.has(i) ? c.foreground : c.muted;
      ctx.fillText(LANE_LABELS[lane], 6, y + LANE_H / 2);
      ctx.fillStyle = c.border;
      ctx.fillRect(GUTTER, y + LANE_H - 1, width - GUTTER, 1);
    });

    // Ticks.
    const span = this.view.toMs - this.view.fromMs;
    const step = niceStep(span / Math.max(1, (width - GUTTER) / 110));
    ctx.fillStyle = c.muted;
    for (let t = Math.ceil(this.view.fromMs / step) * step; t <= this.view.toMs; t += step) {
      const x = Math.round(this.xOf(t));
      ctx.fillRect(x, TOP - 4, 1, LANES.length * LANE_H + 4);
      ctx.fillText(formatMs(t, span), x + 3, TOP / 2);
    }

    // Brushed range.
    const brush = this.dragging?.kind === 'brush' ? this.liveBrush() : this.brush;
    if (brush) {
      const x0 = Math.max(GUTTER, this.xOf(brush.fromMs));
      const x1 = Math.min(width, this.xOf(brush.toMs));
      ctx.globalAlpha = 0.45;
      ctx.fillStyle = c.brush;
      ctx.fillRect(x0, TOP, Math.max(1, x1 - x0), LANES.length * LANE_H);
      ctx.globalAlpha = 1;
    }

    // Marks, binned: per lane and pixel column keep the most severe event (and whether any is an indicator).
    const columns = Math.max(1, Math.ceil(width - GUTTER));
    const worst = new Uint8Array(columns * LANES.length);
    const indicator = new Uint8Array(columns * LANES.length);
    const { timeMs, lane, severity, flags } = this.marks;
    let start = 0;
    let end = this.marks.count;
    if (this.sorted) {
      start = lowerBound(timeMs, this.view.fromMs, this.marks.count);
      end = lowerBound(timeMs, this.view.toMs + 1e-6, this.marks.count);
    }
    const scale = (width - GUTTER) / span;
    const firstIndicatorMs = this.firstIndicatorMs;
    for (let i = start; i < end; i++) {
      const t = timeMs[i];
      if (t < this.view.fromMs || t > this.view.toMs) continue;
      if (!this.lanesShown.has(lane[i]) || !this.severitiesShown.has(severity[i])) continue;
      const col = Math.min(columns - 1, Math.floor((t - this.view.fromMs) * scale));
      const k = lane[i] * columns + col;
      const s = severity[i];
      if (worst[k] === 0 || s < worst[k]) worst[k] = s;
      if (flags[i] & MarkFlag.Indicator) indicator[k] = 1;
    }
    for (let l = 0; l < LANES.length; l++) {
      const y = TOP + l * LANE_H;
      for (let col = 0; col < columns; col++) {
        const s = worst[l * columns + col] as Severity | 0;
        if (!s) continue;
        ctx.fillStyle = c.severity[s];
        if (indicator[l * columns + col]) ctx.fillRect(GUTTER + col - 1, y + 1, 3, LANE_H - 3);
        else ctx.fillRect(GUTTER + col, y + 4, 2, LANE_H - 9);
      }
    }

    // First indicator: a line across every lane, labelled.
    if (firstIndicatorMs !== undefined && firstIndicatorMs >= this.view.fromMs && firstIndicatorMs <= this.view.toMs) {
      const x = Math.round(this.xOf(firstIndicatorMs));
      ctx.fillStyle = c.indicator;
      ctx.fillRect(x - 1, TOP - 6, 2, LANES.length * LANE_H + 6);
      const label = 'first indicator';
      const w = ctx.measureText(label).width;
      const lx = x + 4 + w > width ? x - 4 - w : x + 4;
      ctx.fillText(label, lx, TOP - 6);
    }

    // Selected event.
    if (this.selectedTime !== undefined && this.selectedTime >= this.view.fromMs && this.selectedTime <= this.view.toMs) {
      const x = Math.round(this.xOf(this.selectedTime));
      ctx.strokeStyle = c.focus;
      ctx.setLineDash([3, 2]);
      ctx.beginPath();
      ctx.moveTo(x + 0.5, TOP);
      ctx.lineTo(x + 0.5, TOP + LANES.length * LANE_H);
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }

  private liveBrush(): TimeRange | undefined {
    if (!this.dragging) return undefined;
    const a = this.msOf(this.dragging.startX);
    const b = this.msOf(this.dragging.currentX);
    return { fromMs: Math.min(a, b), toMs: Math.max(a, b) };
  }

  private localX(e: MouseEvent): number {
    return e.clientX - this.canvas.getBoundingClientRect().left;
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    const x = Math.max(GUTTER, this.localX(e));
    if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      const delta = (e.shiftKey ? e.deltaY || e.deltaX : e.deltaX) / Math.max(1, this.width - GUTTER);
      this.pan(delta * (this.view.toMs - this.view.fromMs));
    } else {
      this.zoom(Math.pow(1.0015, e.deltaY), this.msOf(x));
    }
  }

  private zoom(factor: number, aroundMs: number): void {
    const from = aroundMs - (aroundMs - this.view.fromMs) * factor;
    const to = aroundMs + (this.view.toMs - aroundMs) * factor;
    this.view = clampView({ fromMs: from, toMs: to }, this.window);
    this.callbacks.onViewChange(this.getView());
    this.invalidate();
  }

  private pan(deltaMs: number): void {
    this.view = clampView({ fromMs: this.view.fromMs + deltaMs, toMs: this.view.toMs + deltaMs }, this.window);
    this.callbacks.onViewChange(this.getView());
    this.invalidate();
  }

  private onMouseDown(e: MouseEvent): void {
    const x = this.localX(e);
    if (x < GUTTER) return;
    e.preventDefault();
    this.canvas.focus();
    const kind = e.button === 1 || e.altKey ? 'pan' : 'brush';
    this.dragging = { kind, startX: x, currentX: x, startView: this.getView() };
  }

  private onMouseMove(e: MouseEvent): void {
    if (!this.dragging) return;
    this.dragging.currentX = this.localX(e);
    if (this.dragging.kind === 'pan') {
      const v = this.dragging.startView;
      const dMs = ((this.dragging.startX - this.dragging.currentX) / Math.max(1, this.width - GUTTER)) * (v.toMs - v.fromMs);
      this.view = clampView({ fromMs: v.fromMs + dMs, toMs: v.toMs + dMs }, this.window);
      this.callbacks.onViewChange(this.getView());
    }
    this.invalidate();
  }

  private onMouseUp(e: MouseEvent): void {
    const drag = this.dragging;
    if (!drag) return;
    this.dragging = undefined;
    if (drag.kind === 'pan') return;
    const x = this.localX(e);
    if (Math.abs(x - drag.startX) < 3) {
      const pick = this.pick(x, e.clientY - this.canvas.getBoundingClientRect().top);
      if (pick >= 0) this.callbacks.onPick(pick);
      this.invalidate();
      return;
    }
    const a = this.msOf(drag.startX);
    const b = this.msOf(x);
    this.brush = { fromMs: Math.max(this.window.fromMs, Math.min(a, b)), toMs: Math.min(this.window.toMs, Math.max(a, b)) };
    this.callbacks.onBrush(this.brush);
    this.invalidate();
  }

  /** Nearest shown mark within a few pixels in the lane under the pointer; -1 if none. */
  private pick(x: number, y: number): number {
    const laneIndex = Math.floor((y - TOP) / LANE_H);
    if (laneIndex < 0 || laneIndex >= LANES.length) return -1;
    const tolMs = (5 * (this.view.toMs - this.view.fromMs)) / Math.max(1, this.width - GUTTER);
    const at = this.msOf(x);
    let best = -1;
    let bestD = Infinity;
    const { timeMs, lane, severity } = this.marks;
    const start = this.sorted ? lowerBound(timeMs, at - tolMs, this.marks.count) : 0;
    for (let i = start; i < this.marks.count; i++) {
      const d = Math.abs(timeMs[i] - at);
      if (this.sorted && timeMs[i] > at + tolMs) break;
      if (lane[i] !== laneIndex || !this.severitiesShown.has(severity[i]) || d > tolMs) continue;
      if (d < bestD) {
        best = i;
        bestD = d;
      }
    }
    return best;
  }

  private onKey(e: KeyboardEvent): void {
    const span = this.view.toMs - this.view.fromMs;
    const mid = this.view.fromMs + span / 2;
    switch (e.key) {
      case '+':
      case '=':
        this.zoom(0.7, mid);
        break;
      case '-':
      case '_':
        this.zoom(1 / 0.7, mid);
        break;
      case 'ArrowLeft':
        this.pan(-span * 0.15);
        break;
      case 'ArrowRight':
        this.pan(span * 0.15);
        break;
      case '0':
        this.resetView();
        break;
      case 'Escape':
        if (!this.brush) return;
        this.brush = undefined;
        this.callbacks.onBrush(undefined);
        this.invalidate();
        break;
      default:
        return;
    }
    e.preventDefault();
  }
}

function clampView(view: TimeRange, window: TimeRange): TimeRange {
  const whole = window.toMs - window.fromMs;
  let span = Math.min(whole, Math.max(MIN_SPAN_MS, view.toMs - view.fromMs));
  if (!Number.isFinite(span) || span <= 0) span = whole;
  let from = Math.max(window.fromMs, Math.min(view.fromMs, window.toMs - span));
  if (!Number.isFinite(from)) from = window.fromMs;
  return { fromMs: from, toMs: from + span };
}

function lowerBound(a: Float64Array, value: number, n: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 15e3, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5, 18e5, 36e5, 72e5, 108e5, 216e5, 432e5, 864e5, 1728e5, 6048e5];

function niceStep(rough: number): number {
  return STEPS.find((s) => s >= rough) ?? Math.ceil(rough / 864e5) * 864e5;
}
