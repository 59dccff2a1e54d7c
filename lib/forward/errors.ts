// Errors and setting readers shared by the forwarding destinations. A destination's configuration comes
// from the editor and from credentials; every error names the destination and the field, and no
// text that leaves a destination (errors, describe, status detail) ever carries a secret.
import { ConfigFieldError, readValue, type FieldSpec, type FieldValue } from '../config/fields';

export type DestinationKind = 'http' | 'influxdb' | 'postgres';

/** A destination's configuration is wrong: `field` names the setting. */
export class DestinationConfigError extends ConfigFieldError {
  constructor(
    readonly destination: DestinationKind,
    field: string,
    problem: string,
    value?: unknown,
  ) {
    super(field, value, problem, `${destination} destination: `);
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

/**
 * A number, choice or switch setting read with its declaration (lib/forward/fields.ts): its default
 * when absent, numeric text taken as the number; a refused value is a DestinationConfigError.
 */
export function destinationSetting<S extends FieldSpec>(destination: DestinationKind, field: string, spec: S, value: unknown): FieldValue<S> {
  try {
    return readValue(field, spec, value);
  } catch (err) {
    if (err instanceof ConfigFieldError) throw new DestinationConfigError(destination, field, err.reason, value);
    throw err;
  }
}

/** The message of anything thrown, for an outcome's error text. */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message || String(code ?? err.name);
  }
  return String(err);
}
