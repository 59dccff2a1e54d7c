// Errors and setting readers shared by the forwarding destinations. A destination's configuration comes
// from the editor and from credentials; every error names the destination and the field, and no
// text that leaves a destination (errors, describe, status detail) ever carries a secret.
import { ConfigFieldError } from '../config/fields';

export type DestinationKind = 'http' | 'influxdb' | 'postgres';

/** A destination's configuration is wrong: `field` names the setting. */
export class DestinationConfigError extends ConfigFieldError {
  constructor(
    readonly destination: DestinationKind,
    field: string,
    problem: string,
  ) {
    super(field, undefined, problem, `${destination} destination: `);
    this.name = 'DestinationConfigError';
  }
}

/** Parses an http(s) URL or throws a DestinationConfigError naming `field` (the URL itself redacted). */
export function parseHttpUrl(destination: DestinationKind, field: string, value: unknown): URL {
  if (typeof value !== 'string' || value.trim() === '') throw new DestinationConfigError(destination, field, 'is required (an http:// or https:// URL)');
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    // The raw text may hold a password: say what is wrong without echoing it.
    throw new DestinationConfigError(destination, field, 'is not a valid URL (expected e.g. http://127.0.0.1:8080/path)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DestinationConfigError(destination, field, `protocol "${url.protocol}" is not supported (use http: or https:)`);
  }
  return url;
}

export function optionalString(destination: DestinationKind, field: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new DestinationConfigError(destination, field, `must be a string, got ${typeof value}`);
  return value;
}

export function requiredString(destination: DestinationKind, field: string, value: unknown): string {
  const s = optionalString(destination, field, value);
  if (s === undefined || s.trim() === '') throw new DestinationConfigError(destination, field, 'is required');
  return s;
}

/** An integer setting within [min, max]; `fallback` when absent. Accepts numeric strings (editor fields). */
export function integerSetting(destination: DestinationKind, field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'string' ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new DestinationConfigError(destination, field, `must be an integer, got ${JSON.stringify(value)}`);
  if (n < min || n > max) throw new DestinationConfigError(destination, field, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function booleanSetting(destination: DestinationKind, field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null || value === '') return fallback;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new DestinationConfigError(destination, field, `must be true or false, got ${JSON.stringify(value)}`);
}

export function oneOf<T extends string>(destination: DestinationKind, field: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new DestinationConfigError(destination, field, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${JSON.stringify(value)}`);
}

/** The message of anything thrown, for an outcome's error text. */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message || String(code ?? err.name);
  }
  return String(err);
}
