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
