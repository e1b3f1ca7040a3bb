/** Formatting and theme colours shared by the axis, the list and the details pane. */
import type { Lane, Severity } from '../../common/timeline';

export const LANE_LABELS: Record<Lane, string> = {
  ioc: 'IOC',
  intrusion: 'Intrusion',
  file: 'File / malware',
  connection: 'Connection / SI',
  user: 'User',
  discovery: 'Discovery',
};

export const SEVERITY_LABELS: Record<Severity, string> = {
  1: '1 critical',
  2: '2 high',
  3: '3 medium',
  4: '4 low',
  5: '5 info',
};

/** CSS variables VS Code defines in every theme (light, dark, high contrast), with fallbacks. */
const SEVERITY_VARS: Record<Severity, [string, string]> = {
  1: ['--vscode-charts-red', '#e51400'],
  2: ['--vscode-charts-orange', '#d18616'],
  3: ['--vscode-charts-yellow', '#bf8803'],
  4: ['--vscode-charts-blue', '#1a85ff'],
  5: ['--vscode-descriptionForeground', '#808080'],
};

export interface ThemeColors {
  severity: Record<Severity, string>;
  foreground: string;
  muted: string;
  background: string;
  border: string;
  brush: string;
  focus: string;
  indicator: string;
}

export function readThemeColors(element: Element = document.body): ThemeColors {
  const style = getComputedStyle(element);
  const v = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  const severity = {} as Record<Severity, string>;
  for (const s of [1, 2, 3, 4, 5] as Severity[]) severity[s] = v(...SEVERITY_VARS[s]);
  return {
    severity,
    foreground: v('--vscode-foreground', '#616161'),
    muted: v('--vscode-descriptionForeground', '#808080'),
    background: v('--vscode-editor-background', '#ffffff'),
    border: v('--vscode-panel-border', '#80808059'),
    brush: v('--vscode-editor-selectionBackground', '#add6ff'),
    focus: v('--vscode-focusBorder', '#0078d4'),
    indicator: v('--vscode-charts-purple', '#8a2be2'),
  };
}

/** ISO time without the date when it is the same day as the anchor, for narrow columns. */
export function shortTime(iso: string): string {
  // "2026-12-03T10:00:01.123456Z" → "2026-12-03 10:00:01.123456"
  return iso.replace('T', ' ').replace(/Z$/, '');
}

export function formatMs(ms: number, spanMs: number): string {
  const iso = new Date(ms).toISOString();
  if (spanMs < 60_000) return iso.slice(11, 23);
  if (spanMs < 2 * 86_400_000) return iso.slice(11, 19);
  return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

export function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** Creates an element with a class and, optionally, text (always as text, never as markup). */
/** A codicon glyph (the font is linked by the panel's HTML), hidden from screen readers. */
export function codicon(name: string): HTMLSpanElement {
  const icon = el('span', `codicon codicon-${name}`);
  icon.setAttribute('aria-hidden', 'true');
  return icon;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}
