// Exponential backoff with jitter: reconnecting a Modbus line or a CAN interface, reopening a
// Modbus server's port, suspending a silent unit, retrying a destination of the store-and-forward
// queue.
// Jitter spreads the retries of many gateways that lost the same server at the same moment,
// so they do not come back as one storm.

export interface BackoffOptions {
  minMs: number;
  maxMs: number;
  /** growth per attempt (default 2) */
  factor?: number;
  /** fraction of the delay that is randomised, 0..1 (default 0.3): delay in [d*(1-jitter), d] */
  jitter?: number;
  /** random source in [0,1) (injectable for tests) */
  random?: () => number;
}

export class BackoffConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`backoff ${field}: ${message}`);
    this.name = 'BackoffConfigError';
  }
}

export class ExponentialBackoff {
  readonly minMs: number;
  readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private attempt = 0;

  constructor(opts: BackoffOptions) {
    if (!Number.isFinite(opts.minMs) || opts.minMs < 0) throw new BackoffConfigError('minMs', `must be a number >= 0, got ${opts.minMs}`);
    if (!Number.isFinite(opts.maxMs) || opts.maxMs < opts.minMs) throw new BackoffConfigError('maxMs', `must be >= minMs (${opts.minMs}), got ${opts.maxMs}`);
    const jitter = opts.jitter ?? 0.3;
    if (!(jitter >= 0 && jitter <= 1)) throw new BackoffConfigError('jitter', `must be within 0..1, got ${jitter}`);
    const factor = opts.factor ?? 2;
    if (!(factor >= 1)) throw new BackoffConfigError('factor', `must be >= 1, got ${factor}`);
    this.minMs = opts.minMs;
    this.maxMs = opts.maxMs;
    this.factor = factor;
    this.jitter = jitter;
    this.random = opts.random ?? Math.random;
  }

  /** The next delay (ms), growing from minMs towards maxMs, never above maxMs. */
  next(): number {
    const base = Math.min(this.maxMs, this.minMs * Math.pow(this.factor, this.attempt));
    if (this.attempt < 64) this.attempt++;
    return Math.round(base * (1 - this.jitter * this.random()));
  }

  reset(): void {
    this.attempt = 0;
  }
}
