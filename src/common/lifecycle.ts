/** Minimal disposable kit for the core (no `vscode` import), after VS Code's own lifecycle.ts. */
export interface IDisposable {
  dispose(): void;
}

export function toDisposable(fn: () => void): IDisposable {
  let done = false;
  return {
    dispose() {
      if (!done) {
        done = true;
        fn();
      }
    },
  };
}

export class Disposable implements IDisposable {
  private readonly toDispose = new Set<IDisposable>();
  private disposed = false;

  protected get isDisposed(): boolean {
    return this.disposed;
  }

  /** Registers a child; if this owner is already disposed the child is disposed at once. */
  protected _register<T extends IDisposable>(child: T): T {
    if (this.disposed) {
      child.dispose();
    } else {
      this.toDispose.add(child);
    }
    return child;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const errors: unknown[] = [];
    for (const d of this.toDispose) {
      try {
        d.dispose();
      } catch (e) {
        errors.push(e);
      }
    }
    this.toDispose.clear();
    if (errors.length) throw errors[0];
  }
}

/** Holds one disposable at a time ("current connection", "current panel"). */
export class MutableDisposable<T extends IDisposable> implements IDisposable {
  private current: T | undefined;
  get value(): T | undefined {
    return this.current;
  }
  set value(next: T | undefined) {
    if (this.current === next) return;
    this.current?.dispose();
    this.current = next;
  }
  dispose(): void {
    this.value = undefined;
  }
}
