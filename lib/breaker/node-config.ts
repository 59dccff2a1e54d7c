// The circuit-breaker node's settings, checked at deploy; each error names its field.
import type { CircuitBreakerOptions } from './circuit-breaker';
import { readFields, type RawConfig } from '../config/fields';
import { BREAKER_FIELDS } from './fields';

/** The node's raw config, as saved by the editor (see BREAKER_FIELDS for each field's rules). */
export type BreakerSettings = RawConfig;

export interface BreakerNodeConfig {
  breaker: CircuitBreakerOptions;
  fallback: boolean;
  /** id of the downstream node whose completions and errors are the outcomes ('' for none) */
  watch: string;
}

export function resolveBreakerConfig(s: BreakerSettings): BreakerNodeConfig {
  const f = readFields(BREAKER_FIELDS, s);
  const breaker: CircuitBreakerOptions = {
    resetTimeoutMs: f.openTimeout * 1000,
    maxResetTimeoutMs: (f.maxOpenTimeout ?? f.openTimeout) * 1000,
    halfOpenProbes: f.probes,
  };
  if (f.thresholdType === 'consecutive') breaker.failureThreshold = f.failures;
  else breaker.failureRate = { rate: f.rate / 100, windowMs: f.window * 1000, minCalls: f.minCalls };
  return { breaker, fallback: f.fallback, watch: f.watch };
}
