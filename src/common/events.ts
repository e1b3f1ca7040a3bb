import type { IDisposable } from './lifecycle';

/** A typed event: subscribe with a listener, get a disposable back (same shape as vscode.Event). */
export type Event<T> = (listener: (e: T) => void) => IDisposable;

/** Tiny emitter for the core, so it never needs `vscode.EventEmitter`. */
export class Emitter<T> implements IDisposable {
  private listeners = new Set<(e: T) => void>();

  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const l of [...this.listeners]) l(value);
  }

  dispose(): void {
    this.listeners.clear();
  }
}
