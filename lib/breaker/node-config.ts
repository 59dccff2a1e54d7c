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

/** How calls observed on the watched node are judged (see watch in BREAKER_FIELDS). */
export interface ObservedCallConfig {
  /** a call with no outcome within this time counts as failed, ms */
  callTimeoutMs: number;
  /** a message completed with an HTTP statusCode of 500..599 (core http request) counts as failed */
  serverErrorIsFailure: boolean;
}

export function resolveObservedCallConfig(s: BreakerSettings): ObservedCallConfig {
  const f = readFields(BREAKER_FIELDS, s);
  return { callTimeoutMs: f.callTimeout * 1000, serverErrorIsFailure: f.serverErrorIsFailure };
}

/** Whether a completed message carries an HTTP server error (msg.statusCode 500..599, as core http request sets it). */
export function isServerErrorResponse(msg: Record<string, unknown> | undefined): boolean {
  const code = typeof msg?.statusCode === 'string' ? Number(msg.statusCode) : msg?.statusCode;
  return typeof code === 'number' && code >= 500 && code <= 599;
}
