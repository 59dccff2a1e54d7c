export { CircuitBreaker, CircuitOpenError, CircuitConfigError } from './circuit-breaker';
export type { CircuitState, CircuitBreakerOptions, CircuitStateChange } from './circuit-breaker';
