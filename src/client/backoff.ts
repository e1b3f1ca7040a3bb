/** Reconnect delays: exponential, bounded, with jitter so many clients do not reconnect in step. */
export interface BackoffOptions {
  /** First delay (ms). Default 1000. */
  initialMs?: number;
  /** Largest delay (ms). Default 60000. */
  maxMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Fraction of the delay drawn at random: delay × (1 - jitter … 1). Default 0.5. */
  jitter?: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number;
}

export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = Math.max(0, options.initialMs ?? 1000);
    this.maxMs = Math.max(this.initialMs, options.maxMs ?? 60_000);
    this.factor = Math.max(1, options.factor ?? 2);
    this.jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
    this.random = options.random ?? Math.random;
  }

  /** Attempts since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** The delay before the next attempt; grows until `maxMs`. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * Math.pow(this.factor, this.attempt));
    this.attempt++;
    return Math.round(ceiling * (1 - this.jitter * this.random()));
  }

  /** Call once a connection has proved healthy (records arrived). */
  reset(): void {
    this.attempt = 0;
  }
}
