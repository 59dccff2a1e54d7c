// Logical levels (on/off as the user thinks of the pin) and the messages that set them. Active-low
// is applied here rather than in sysfs, so a twin and a real line see the same raw levels and an
// edge is named after the logical level (with active-low, pressing a button to ground is rising).
import type { RawLevel } from './line';

/** A payload that does not name a level; carries what it was. */
export class GpioPayloadError extends Error {
  constructor(readonly payload: unknown) {
    super(`payload ${describe(payload)} is not a level: send true/false, 1/0 or "on"/"off"`);
    this.name = 'GpioPayloadError';
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (value === undefined) return 'undefined';
  if (Buffer.isBuffer(value)) return `a Buffer of ${value.length} bytes`;
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return `a ${typeof value}`;
}

const ON_WORDS = new Set(['on', 'true', '1', 'high']);
const OFF_WORDS = new Set(['off', 'false', '0', 'low']);

/** The logical level a payload asks for: true/false, 1/0, "on"/"off" (also "true"/"false", "1"/"0", "high"/"low"). */
export function levelOf(payload: unknown): boolean {
  if (typeof payload === 'boolean') return payload;
  if (payload === 1 || payload === 0) return payload === 1;
  if (typeof payload === 'string') {
    const word = payload.trim().toLowerCase();
    if (ON_WORDS.has(word)) return true;
    if (OFF_WORDS.has(word)) return false;
  }
  throw new GpioPayloadError(payload);
}

export function rawOf(level: boolean, activeLow: boolean): RawLevel {
  return level !== activeLow ? 1 : 0;
}

export function levelOfRaw(raw: RawLevel, activeLow: boolean): boolean {
  return (raw === 1) !== activeLow;
}
