// What a tag store is configured with, parsed from the editor's text fields: user tags
// (constants and setpoints) and max-age rules. Errors name the line and the field.
import { ConfigFieldError } from '../config/fields';
import type { TagValue } from './contract';

/** A line of a table field ("userTags", "maxAgeRules") or the max age given in code is wrong. */
export class TagConfigError extends ConfigFieldError {
  constructor(
    reason: string,
    field: string,
    readonly line?: number,
    readonly tag?: string,
  ) {
    super(field, undefined, reason);
    this.message = `${field}${line !== undefined ? ` line ${line}` : ''}${tag ? ` (${tag})` : ''}: ${reason}`;
    this.name = 'TagConfigError';
  }
}

/** A user tag's value was refused (wrong type, out of range, unknown tag). */
export class TagValueError extends Error {
  constructor(
    readonly tag: string,
    readonly reason: string,
  ) {
    super(`user tag ${tag}: ${reason}`);
    this.name = 'TagValueError';
  }
}

export type UserTagType = 'number' | 'integer' | 'boolean' | 'string';
const TYPES: readonly UserTagType[] = ['number', 'integer', 'boolean', 'string'];

export interface UserTagDefinition {
  name: string;
  type: UserTagType;
  min?: number;
  max?: number;
  unit?: string;
  /** the value before anything set it (and before a persisted value is loaded) */
  initial?: TagValue;
}

const TAG_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const RANGE = /^(-?[0-9.eE+-]+)\.\.(-?[0-9.eE+-]+)$/;

function strictNumber(text: string): number | undefined {
  return NUMBER.test(text) ? Number(text) : undefined;
}

/**
 * One user tag per line: `name type [min..max] [unit] [= initial]`, e.g.
 *   setpoint_temp number 5..30 degC = 21
 *   pump_enabled boolean = false
 * Blank lines and lines starting with # are ignored.
 */
export function parseUserTags(text: string): UserTagDefinition[] {
  const out: UserTagDefinition[] = [];
  const seen = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const raw = lines[i].trim();
    if (!raw || raw.startsWith('#')) continue;
    const eq = raw.indexOf('=');
    const head = (eq >= 0 ? raw.slice(0, eq) : raw).trim().split(/\s+/);
    const initialText = eq >= 0 ? raw.slice(eq + 1).trim() : undefined;
    const [name, type, ...rest] = head;
    if (!TAG_NAME.test(name)) throw new TagConfigError(`"${name}" is not a tag name (letters, digits, _ . -)`, 'userTags', line);
    if (seen.has(name)) throw new TagConfigError(`already defined on line ${seen.get(name)}`, 'userTags', line, name);
    seen.set(name, line);
    if (!TYPES.includes(type as UserTagType)) throw new TagConfigError(`type "${type ?? ''}" is not one of ${TYPES.join(', ')}`, 'userTags', line, name);
    const def: UserTagDefinition = { name, type: type as UserTagType };
    for (const part of rest) {
      const range = RANGE.exec(part);
      if (range) {
        if (def.type !== 'number' && def.type !== 'integer') throw new TagConfigError(`a range needs a number or integer tag`, 'userTags', line, name);
        const min = strictNumber(range[1]);
        const max = strictNumber(range[2]);
        if (min === undefined || max === undefined || min > max) throw new TagConfigError(`range "${part}" is not MIN..MAX with MIN <= MAX`, 'userTags', line, name);
        def.min = min;
        def.max = max;
      } else if (def.unit === undefined) def.unit = part;
      else throw new TagConfigError(`unexpected "${part}" (expected name type [min..max] [unit] [= initial])`, 'userTags', line, name);
    }
    if (initialText !== undefined) {
      if (!initialText) throw new TagConfigError('the initial value after "=" is empty', 'userTags', line, name);
      const parsed = def.type === 'string' ? initialText : def.type === 'boolean' ? (initialText === 'true' ? true : initialText === 'false' ? false : undefined) : strictNumber(initialText);
      if (parsed === undefined) throw new TagConfigError(`initial value "${initialText}" is not a ${def.type}`, 'userTags', line, name);
      try {
        def.initial = validateUserValue(def, parsed);
      } catch (err) {
        throw new TagConfigError(`initial value: ${(err as TagValueError).reason}`, 'userTags', line, name);
      }
    }
    out.push(def);
  }
  return out;
}

/** The value, checked against the definition's type and range; throws TagValueError. */
export function validateUserValue(def: UserTagDefinition, value: unknown): TagValue {
  switch (def.type) {
    case 'boolean':
      if (typeof value !== 'boolean') throw new TagValueError(def.name, `${JSON.stringify(value)} is not a boolean`);
      return value;
    case 'string':
      if (typeof value !== 'string') throw new TagValueError(def.name, `${JSON.stringify(value)} is not a string`);
      if (value.length > 1000) throw new TagValueError(def.name, `text longer than 1000 characters`);
      return value;
    default: {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new TagValueError(def.name, `${JSON.stringify(value)} is not a finite number`);
      if (def.type === 'integer' && !Number.isInteger(value)) throw new TagValueError(def.name, `${value} is not an integer`);
      if (def.min !== undefined && value < def.min) throw new TagValueError(def.name, `${value} is below the minimum ${def.min}`);
      if (def.max !== undefined && value > def.max) throw new TagValueError(def.name, `${value} is above the maximum ${def.max}`);
      return value;
    }
  }
}

export interface MaxAgeRules {
  /** ms; 0 or absent: never stale */
  defaultMs?: number;
  /** ms per "<device>/<tag>" or per "<device>": a tag's own rule wins over its device's */
  rules: Record<string, number>;
}

/** The max age in ms that applies to a tag (Infinity: never stale). */
export function maxAgeOf(rules: MaxAgeRules | undefined, device: string, name: string): number {
  if (!rules) return Infinity;
  const ms = rules.rules[`${device}/${name}`] ?? rules.rules[device] ?? rules.defaultMs ?? 0;
  return ms > 0 ? ms : Infinity;
}

/**
 * One rule per line: `<device> = <seconds>` or `<device>/<tag> = <seconds>`; 0 means never stale.
 * A tag rule wins over its device's, which wins over the default.
 */
export function parseMaxAgeRules(text: string, defaultSeconds?: number): MaxAgeRules {
  const rules: MaxAgeRules = { rules: {} };
  if (defaultSeconds !== undefined) {
    if (!Number.isFinite(defaultSeconds) || defaultSeconds < 0) throw new TagConfigError(`${defaultSeconds} is not a number of seconds >= 0`, 'maxAge');
    rules.defaultMs = defaultSeconds * 1000;
  }
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (!raw || raw.startsWith('#')) continue;
    const m = /^([^=\s]+)\s*=\s*(\S+)$/.exec(raw);
    if (!m) throw new TagConfigError('expected "<device> = <seconds>" or "<device>/<tag> = <seconds>"', 'maxAgeRules', i + 1);
    const seconds = strictNumber(m[2]);
    if (seconds === undefined || seconds < 0) throw new TagConfigError(`"${m[2]}" is not a number of seconds >= 0`, 'maxAgeRules', i + 1, m[1]);
    if (m[1].startsWith('/') || m[1].endsWith('/')) throw new TagConfigError(`"${m[1]}" is not <device> or <device>/<tag>`, 'maxAgeRules', i + 1);
    rules.rules[m[1]] = seconds * 1000;
  }
  return rules;
}
