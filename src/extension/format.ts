import type { ClientState } from '../client/client';

/** Short words for a client state, shared by the status bar and the tree. */
export function describeState(state: ClientState): string {
  switch (state.kind) {
    case 'connecting':
      return 'connecting…';
    case 'streaming':
      return 'streaming';
    case 'stalled':
      return 'stalled (no data)';
    case 'reconnecting':
      return `reconnecting in ${Math.max(1, Math.round(state.inMs / 1000))} s (attempt ${state.attempt})`;
    case 'stopped':
      return `stopped${state.reason ? `: ${state.reason}` : ''}`;
  }
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

/**
 * FMC-supplied text (NetBIOS names, reasons quoting signature messages or file names) for a
 * one-line label: line breaks and control characters become spaces, bidi controls and invisible
 * characters go (an override could make "invoice‮fdp.exe" read as "invoiceexe.pdf"), and very long
 * text is cut with an ellipsis.
 */
export function displayText(text: string, maxLength = 300): string {
  const shown = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/g, '');
  return shown.length > maxLength ? shown.slice(0, maxLength - 1) + '…' : shown;
}
