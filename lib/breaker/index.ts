export { CircuitBreaker, CircuitOpenError, CircuitConfigError } from './circuit-breaker';
export type { CircuitState, CircuitBreakerOptions, CircuitStateChange, FailureRateOptions } from './circuit-breaker';
export { OutcomeWindow } from './outcome-window';
