// Moved to lib/system/backoff.ts (shared with the store-and-forward forwarder); kept for existing imports.
export { ExponentialBackoff, BackoffConfigError, type BackoffOptions } from '../../system/retry/backoff';
