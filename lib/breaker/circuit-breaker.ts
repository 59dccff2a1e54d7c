// A circuit breaker with no knowledge of what it protects (Modbus units, HTTP targets, flows).
// Transitions happen lazily when the breaker is asked (allow/state), never on a timer, so a
// breaker owns no timer to leak and its clock can be injected for tests.
import { EventEmitter } from 'node:events';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** consecutive failures that open the breaker (>= 1) */
  failureThreshold: number;
  /** how long the breaker stays open before one trial call is let through (ms, >= 0) */
  resetTimeoutMs: number;
  /** clock, ms; Date.now by default */
  now?: () => number;
}

export interface CircuitStateChange {
  from: CircuitState;
  to: CircuitState;
  /** consecutive failures at the moment of the change */
  failures: number;
}

/** run() was refused because the breaker is open (or its one half-open trial is under way). */
export class CircuitOpenError extends Error {
  constructor(readonly retryInMs: number) {
    super(`circuit open; next trial in ${Math.ceil(retryInMs / 1000)} s`);
    this.name = 'CircuitOpenError';
  }
}

export class CircuitConfigError extends Error {
  constructor(readonly field: string, message: string) {
    super(`circuit breaker ${field}: ${message}`);
    this.name = 'CircuitConfigError';
  }
}

/**
 * closed: calls pass; `failureThreshold` consecutive failures open it.
 * open: calls are refused until `resetTimeoutMs` has passed, then it turns half-open.
 * half-open: exactly one trial call passes; its success closes the breaker, its failure opens it
 * again for another `resetTimeoutMs`. A trial whose outcome never arrives (the caller forgot, or
 * released it) frees the slot after `resetTimeoutMs`, so the breaker cannot stick half-open.
 *
 * Events: 'state' (CircuitStateChange) on every transition.
 */
export class CircuitBreaker extends EventEmitter {
  readonly failureThreshold: number;
  readonly resetTimeoutMs: number;
  private readonly now: () => number;
  private current: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private trialStartedAt: number | null = null;

  constructor(opts: CircuitBreakerOptions) {
    super();
    if (!Number.isInteger(opts.failureThreshold) || opts.failureThreshold < 1) {
      throw new CircuitConfigError('failureThreshold', `must be an integer >= 1, got ${opts.failureThreshold}`);
    }
    if (!Number.isFinite(opts.resetTimeoutMs) || opts.resetTimeoutMs < 0) {
      throw new CircuitConfigError('resetTimeoutMs', `must be a number >= 0, got ${opts.resetTimeoutMs}`);
    }
    this.failureThreshold = opts.failureThreshold;
    this.resetTimeoutMs = opts.resetTimeoutMs;
    this.now = opts.now ?? Date.now;
  }

  /** The current state (an open breaker whose reset time has passed reports half-open). */
  state(): CircuitState {
    this.advance();
    return this.current;
  }

  /** Consecutive failures counted so far. */
  failureCount(): number {
    return this.failures;
  }

  /** ms until a call may pass again (0 when one may pass now). */
  retryInMs(): number {
    this.advance();
    if (this.current === 'open') return Math.max(0, this.openedAt + this.resetTimeoutMs - this.now());
    if (this.current === 'half-open' && this.trialStartedAt !== null) {
      return Math.max(0, this.trialStartedAt + this.resetTimeoutMs - this.now());
    }
    return 0;
  }

  /**
   * Whether a call may go ahead now. In half-open, true is returned once: the caller owns the
   * trial and must report success(), failure() or release().
   */
  allow(): boolean {
    this.advance();
    if (this.current === 'closed') return true;
    if (this.current === 'open') return false;
    if (this.trialStartedAt !== null) return false;
    this.trialStartedAt = this.now();
    return true;
  }

  /** Whether a call would be allowed, without taking the half-open trial. */
  wouldAllow(): boolean {
    this.advance();
    return this.current === 'closed' || (this.current === 'half-open' && this.trialStartedAt === null);
  }

  success(): void {
    this.failures = 0;
    this.trialStartedAt = null;
    if (this.current !== 'closed') this.transition('closed');
  }

  failure(): void {
    this.advance();
    this.failures++;
    if (this.current === 'half-open') {
      this.trialStartedAt = null;
      this.open();
    } else if (this.current === 'closed' && this.failures >= this.failureThreshold) {
      this.open();
    }
  }

  /** The call's outcome says nothing about the protected thing (e.g. it was cancelled): free the trial. */
  release(): void {
    this.trialStartedAt = null;
  }

  /** Back to closed with no failures counted (e.g. after a reconfiguration). */
  reset(): void {
    this.failures = 0;
    this.trialStartedAt = null;
    if (this.current !== 'closed') this.transition('closed');
  }

  /** Runs fn when allowed, counting a rejection as a failure; refuses with CircuitOpenError otherwise. */
  async run<T>(fn: () => Promise<T> | T, isFailure: (err: unknown) => boolean = () => true): Promise<T> {
    if (!this.allow()) throw new CircuitOpenError(this.retryInMs());
    let result: T;
    try {
      result = await fn();
    } catch (err) {
      if (isFailure(err)) this.failure();
      else this.success();
      throw err;
    }
    this.success();
    return result;
  }

  private open(): void {
    this.openedAt = this.now();
    this.transition('open');
  }

  private advance(): void {
    const t = this.now();
    if (this.current === 'open' && t >= this.openedAt + this.resetTimeoutMs) {
      this.trialStartedAt = null;
      this.transition('half-open');
    } else if (this.current === 'half-open' && this.trialStartedAt !== null && t >= this.trialStartedAt + this.resetTimeoutMs) {
      this.trialStartedAt = null;
    }
  }

  private transition(to: CircuitState): void {
    const from = this.current;
    if (from === to) {
      // open -> open (a failed trial) is still news: the retry time moved
      if (to === 'open') this.emit('state', { from, to, failures: this.failures } satisfies CircuitStateChange);
      return;
    }
    this.current = to;
    this.emit('state', { from, to, failures: this.failures } satisfies CircuitStateChange);
  }
}
