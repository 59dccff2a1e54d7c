export { CircuitBreaker, CircuitOpenError, reasonWords } from './circuit-breaker';
export { BREAKER_FIELDS } from './fields';
export type { BreakerReason, BreakerReasonCode, CircuitState, CircuitBreakerOptions, CircuitStateChange, FailureRateOptions } from './circuit-breaker';
export { OutcomeWindow } from './outcome-window';
export { resolveBreakerConfig, resolveObservedCallConfig, isServerErrorResponse, type BreakerNodeConfig, type BreakerSettings, type ObservedCallConfig } from './node-config';
export { PendingCalls, LastGoodMessages, markStale, type PendingCall } from './calls';
export { MessageBreaker } from './message-breaker';
