// The circuit-breaker node's settings, checked at deploy; each error names its field.
import { CircuitConfigError, type CircuitBreakerOptions } from './circuit-breaker';
import { textOf } from '../system/text/text-of';

export interface BreakerSettings {
  thresholdType?: unknown;
  failures?: unknown;
  /** percent */
  rate?: unknown;
  /** seconds */
  window?: unknown;
  minCalls?: unknown;
  /** seconds */
  openTimeout?: unknown;
  /** seconds */
  maxOpenTimeout?: unknown;
  probes?: unknown;
  fallback?: unknown;
  watch?: unknown;
}

export interface BreakerNodeConfig {
  breaker: CircuitBreakerOptions;
  fallback: boolean;
  /** id of the downstream node whose completions and errors are the outcomes ('' for none) */
  watch: string;
}

function num(field: string, v: unknown, dflt: number, min: number, integer = false): number {
  if (v === undefined || v === '') return dflt;
  const n = typeof v === 'number' ? v : Number(textOf(v).trim());
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new CircuitConfigError(field, `must be ${integer ? 'an integer' : 'a number'} >= ${min}, got "${textOf(v)}"`);
  }
  return n;
}

export function resolveBreakerConfig(s: BreakerSettings): BreakerNodeConfig {
  const type = s.thresholdType ?? 'consecutive';
  if (type !== 'consecutive' && type !== 'rate') throw new CircuitConfigError('thresholdType', `must be "consecutive" or "rate", got "${textOf(type)}"`);
  const openS = num('openTimeout', s.openTimeout, 30, 0);
  const maxOpenS = num('maxOpenTimeout', s.maxOpenTimeout, openS, 0);
  if (maxOpenS < openS) throw new CircuitConfigError('maxOpenTimeout', `must be >= the open timeout (${openS} s), got ${maxOpenS} s`);
  const breaker: CircuitBreakerOptions = {
    resetTimeoutMs: openS * 1000,
    maxResetTimeoutMs: maxOpenS * 1000,
    halfOpenProbes: num('probes', s.probes, 1, 1, true),
  };
  if (type === 'consecutive') {
    breaker.failureThreshold = num('failures', s.failures, 5, 1, true);
  } else {
    const rate = num('rate', s.rate, 50, 0);
    if (rate <= 0 || rate > 100) throw new CircuitConfigError('rate', `must be a percentage in (0, 100], got ${rate}`);
    const windowS = num('window', s.window, 60, 0);
    if (windowS <= 0) throw new CircuitConfigError('window', `must be > 0 seconds, got ${windowS}`);
    breaker.failureRate = { rate: rate / 100, windowMs: windowS * 1000, minCalls: num('minCalls', s.minCalls, 10, 1, true) };
  }
  return { breaker, fallback: Boolean(s.fallback), watch: typeof s.watch === 'string' ? s.watch.trim() : '' };
}
