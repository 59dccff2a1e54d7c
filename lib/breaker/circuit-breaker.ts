// A circuit breaker with no knowledge of what it protects (Modbus units, HTTP targets, flows).
// Transitions happen lazily when the breaker is asked (allow/state), never on a timer, so a
// breaker owns no timer to leak and its clock can be injected for tests.
import { EventEmitter } from 'node:events';
import { ConfigFieldError } from '../config/fields';
import { OutcomeWindow } from './outcome-window';

export type CircuitState = 'closed' | 'open' | 'half-open';

/** Open when, within the last `windowMs`, at least `minCalls` outcomes arrived and `rate` of them failed. */
export interface FailureRateOptions {
  /** fraction of failures that opens the breaker, 0 < rate <= 1 */
  rate: number;
  windowMs: number;
  /** outcomes needed in the window before the rate counts (>= 1) */
  minCalls: number;
}

export interface CircuitBreakerOptions {
  /** consecutive failures that open the breaker (>= 1); optional when failureRate is given */
  failureThreshold?: number;
  /** a failure-rate threshold, alone or beside the consecutive one (whichever trips first) */
  failureRate?: FailureRateOptions;
  /** how long the breaker stays open before half-open probes are let through (ms, >= 0) */
  resetTimeoutMs: number;
  /** the open time grows by backoffFactor on each reopening without a close, up to this (ms); resetTimeoutMs by default (no growth) */
  maxResetTimeoutMs?: number;
  /** growth of the open time per reopening (> 1); 2 by default */
  backoffFactor?: number;
  /** calls let through in half-open; all must succeed to close it (>= 1); 1 by default */
  halfOpenProbes?: number;
  /** clock, ms; Date.now by default */
  now?: () => number;
}

/** Why a breaker changed state, as a code a status catalogue translates. */
export type BreakerReasonCode = 'consecutiveFailures' | 'failureRate' | 'probeFailed' | 'probesSucceeded' | 'callSucceeded' | 'openTimeOver' | 'reset';

/** Why a breaker changed state: its code and the figures the words carry (e.g. { failures: 5 }). */
export interface BreakerReason {
  readonly code: BreakerReasonCode;
  readonly figures: Readonly<Record<string, number>>;
}

const REASON_WORDS: Record<BreakerReasonCode, (f: Readonly<Record<string, number>>) => string> = {
  consecutiveFailures: (f) => `${f.failures} consecutive failures`,
  failureRate: (f) => `failure rate ${f.percent}% (${f.failures}/${f.calls}) within ${f.seconds} s`,
  probeFailed: () => 'a half-open probe failed',
  probesSucceeded: (f) => `${f.probes} half-open ${f.probes === 1 ? 'probe' : 'probes'} succeeded`,
  callSucceeded: () => 'a call succeeded',
  openTimeOver: (f) => `open for ${f.seconds} s`,
  reset: () => 'reset',
};

/** A reason in English words, for logs and messages (a status translates the code instead). */
export function reasonWords(reason: BreakerReason): string {
  return REASON_WORDS[reason.code](reason.figures);
}

export interface CircuitStateChange {
  from: CircuitState;
  to: CircuitState;
  /** consecutive failures at the moment of the change */
  failures: number;
  /** why it changed, in words (e.g. "5 consecutive failures") */
  reason: string;
  /** why it changed, as a code with its figures */
  why: BreakerReason;
  /** when it opened: how long it stays open (ms) */
  openTimeoutMs?: number;
}

/** run() was refused because the breaker is open (or its half-open probes are under way). */
export class CircuitOpenError extends Error {
  constructor(readonly retryInMs: number) {
    super(`circuit open; next trial in ${Math.ceil(retryInMs / 1000)} s`);
    this.name = 'CircuitOpenError';
  }
}

function check(ok: boolean, field: string, value: unknown, message: string): void {
  if (!ok) throw new ConfigFieldError(field, value, message, 'circuit breaker ');
}

/**
 * closed: calls pass; `failureThreshold` consecutive failures (or the failure rate) open it.
 * open: calls are refused until the open time has passed, then it turns half-open. The open
 * time starts at `resetTimeoutMs` and grows on each reopening up to `maxResetTimeoutMs`.
 * half-open: `halfOpenProbes` calls pass; when all succeed the breaker closes, one failure opens
 * it again. A probe whose outcome never arrives (the caller forgot, or released it) frees its
 * slot after `resetTimeoutMs`, so the breaker cannot stick half-open.
 *
 * Events: 'state' (CircuitStateChange) on every transition.
 */
export class CircuitBreaker extends EventEmitter {
  readonly failureThreshold: number;
  readonly resetTimeoutMs: number;
  readonly maxResetTimeoutMs: number;
  readonly backoffFactor: number;
  readonly halfOpenProbes: number;
  readonly failureRate: FailureRateOptions | undefined;
  private readonly now: () => number;
  private readonly window: OutcomeWindow | undefined;
  private current: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private openTimeoutMs: number;
  /** opens since the last close: the exponent of the open time */
  private reopenings = 0;
  /** start times of the half-open probes under way */
  private probes: number[] = [];
  private probeSuccesses = 0;
  private lastChange: BreakerReason | undefined;

  constructor(opts: CircuitBreakerOptions) {
    super();
    const rate = opts.failureRate;
    check(opts.failureThreshold !== undefined || rate !== undefined, 'failureThreshold', undefined, 'a consecutive-failure threshold or a failure rate is required');
    if (opts.failureThreshold !== undefined || !rate) {
      check(Number.isInteger(opts.failureThreshold) && (opts.failureThreshold as number) >= 1, 'failureThreshold', opts.failureThreshold, `must be an integer >= 1, got ${opts.failureThreshold}`);
    }
    check(Number.isFinite(opts.resetTimeoutMs) && opts.resetTimeoutMs >= 0, 'resetTimeoutMs', opts.resetTimeoutMs, `must be a number >= 0, got ${opts.resetTimeoutMs}`);
    const max = opts.maxResetTimeoutMs ?? opts.resetTimeoutMs;
    check(
      Number.isFinite(max) && max >= opts.resetTimeoutMs,
      'maxResetTimeoutMs',
      opts.maxResetTimeoutMs,
      `must be a number >= resetTimeoutMs (${opts.resetTimeoutMs}), got ${opts.maxResetTimeoutMs}`,
    );
    const factor = opts.backoffFactor ?? 2;
    check(Number.isFinite(factor) && factor > 1, 'backoffFactor', opts.backoffFactor, `must be a number > 1, got ${opts.backoffFactor}`);
    const probes = opts.halfOpenProbes ?? 1;
    check(Number.isInteger(probes) && probes >= 1, 'halfOpenProbes', opts.halfOpenProbes, `must be an integer >= 1, got ${opts.halfOpenProbes}`);
    if (rate) {
      check(Number.isFinite(rate.rate) && rate.rate > 0 && rate.rate <= 1, 'failureRate.rate', rate.rate, `must be a fraction in (0, 1], got ${rate.rate}`);
      check(Number.isFinite(rate.windowMs) && rate.windowMs > 0, 'failureRate.windowMs', rate.windowMs, `must be a number > 0, got ${rate.windowMs}`);
      check(Number.isInteger(rate.minCalls) && rate.minCalls >= 1, 'failureRate.minCalls', rate.minCalls, `must be an integer >= 1, got ${rate.minCalls}`);
      this.window = new OutcomeWindow(rate.windowMs);
    }
    this.failureThreshold = opts.failureThreshold ?? Infinity;
    this.failureRate = rate;
    this.resetTimeoutMs = opts.resetTimeoutMs;
    this.maxResetTimeoutMs = max;
    this.backoffFactor = factor;
    this.halfOpenProbes = probes;
    this.openTimeoutMs = opts.resetTimeoutMs;
    this.now = opts.now ?? Date.now;
  }

  /** The current state (an open breaker whose open time has passed reports half-open). */
  state(): CircuitState {
    this.advance();
    return this.current;
  }

  /** Consecutive failures counted so far. */
  failureCount(): number {
    return this.failures;
  }

  /** Why the breaker last changed state, in words ('' before any change). */
  reason(): string {
    return this.lastChange ? reasonWords(this.lastChange) : '';
  }

  /** Why the breaker last changed state, as a code with its figures (undefined before any change). */
  lastReason(): BreakerReason | undefined {
    return this.lastChange;
  }

  /** How long the breaker stays (or stayed) open this time, ms. */
  currentOpenTimeoutMs(): number {
    return this.openTimeoutMs;
  }

  /** ms until a call may pass again (0 when one may pass now). */
  retryInMs(): number {
    this.advance();
    const t = this.now();
    if (this.current === 'open') return Math.max(0, this.openedAt + this.openTimeoutMs - t);
    if (this.current === 'half-open' && !this.probeSlotFree()) {
      return this.probes.length ? Math.max(0, Math.min(...this.probes) + this.resetTimeoutMs - t) : 0;
    }
    return 0;
  }

  /**
   * Whether a call may go ahead now. In half-open, true is returned once per probe: the caller
   * owns the probe and must report success(), failure() or release().
   */
  allow(): boolean {
    this.advance();
    if (this.current === 'closed') return true;
    if (this.current === 'open' || !this.probeSlotFree()) return false;
    this.probes.push(this.now());
    return true;
  }

  /** Whether a call would be allowed, without taking a half-open probe. */
  wouldAllow(): boolean {
    this.advance();
    return this.current === 'closed' || (this.current === 'half-open' && this.probeSlotFree());
  }

  success(): void {
    this.advance();
    this.failures = 0;
    if (this.current === 'half-open') {
      this.probes.shift();
      this.probeSuccesses++;
      if (this.probeSuccesses < this.halfOpenProbes) return;
      this.close({ code: 'probesSucceeded', figures: { probes: this.halfOpenProbes } });
    } else if (this.current === 'open') {
      // a late answer to a call made before it opened: the protected thing works again
      this.close({ code: 'callSucceeded', figures: {} });
    } else {
      this.window?.record(this.now(), false);
    }
  }

  failure(): void {
    this.advance();
    this.failures++;
    if (this.current === 'half-open') {
      this.probes.shift();
      this.open({ code: 'probeFailed', figures: {} });
    } else if (this.current === 'closed') {
      this.window?.record(this.now(), true);
      if (this.failures >= this.failureThreshold) {
        this.open({ code: 'consecutiveFailures', figures: { failures: this.failures } });
        return;
      }
      const rate = this.failureRate;
      if (rate && this.window) {
        const { calls, failures } = this.window.counts(this.now());
        if (calls >= rate.minCalls && failures / calls >= rate.rate) {
          this.open({ code: 'failureRate', figures: { percent: Math.round((failures / calls) * 100), failures, calls, seconds: rate.windowMs / 1000 } });
        }
      }
    }
  }

  /** The call's outcome says nothing about the protected thing (e.g. it was cancelled): free its probe. */
  release(): void {
    this.probes.shift();
  }

  /** Back to closed with no failures counted (e.g. after a reconfiguration). */
  reset(): void {
    this.close({ code: 'reset', figures: {} });
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

  private probeSlotFree(): boolean {
    return this.probes.length + this.probeSuccesses < this.halfOpenProbes;
  }

  private close(reason: BreakerReason): void {
    this.failures = 0;
    this.reopenings = 0;
    this.probes = [];
    this.probeSuccesses = 0;
    this.openTimeoutMs = this.resetTimeoutMs;
    this.window?.clear();
    if (this.current !== 'closed') this.transition('closed', reason);
  }

  private open(reason: BreakerReason): void {
    this.openTimeoutMs = Math.min(this.maxResetTimeoutMs, this.resetTimeoutMs * this.backoffFactor ** this.reopenings);
    this.reopenings++;
    this.openedAt = this.now();
    this.probes = [];
    this.probeSuccesses = 0;
    this.transition('open', reason);
  }

  private advance(): void {
    const t = this.now();
    if (this.current === 'open' && t >= this.openedAt + this.openTimeoutMs) {
      this.probes = [];
      this.probeSuccesses = 0;
      this.transition('half-open', { code: 'openTimeOver', figures: { seconds: this.openTimeoutMs / 1000 } });
    } else if (this.current === 'half-open' && this.probes.length) {
      this.probes = this.probes.filter((startedAt) => t < startedAt + this.resetTimeoutMs);
    }
  }

  private transition(to: CircuitState, reason: BreakerReason): void {
    const from = this.current;
    this.lastChange = reason;
    const change: CircuitStateChange = { from, to, failures: this.failures, reason: reasonWords(reason), why: reason };
    if (to === 'open') change.openTimeoutMs = this.openTimeoutMs;
    if (from === to) {
      // open -> open (a failed trial) is still news: the retry time moved
      if (to === 'open') this.emit('state', change);
      return;
    }
    this.current = to;
    this.emit('state', change);
  }
}
