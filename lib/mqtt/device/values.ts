// One tag's value read out of a device payload by its profile: the mapped text values, the type,
// the sentinels that mean "no reading", the scaling. A value that cannot be read is a reason, never
// a guess: the sample is bad and says why.
import type { MqttTag } from '../../profiles/types';
import type { TagValue } from '../../tags/contract';

export type ReadValue = { ok: true; value: TagValue } | { ok: false; reason: string };

const TRUE_TEXT = new Set(['true', 'on', '1', 'yes']);
const FALSE_TEXT = new Set(['false', 'off', '0', 'no']);

/** The boolean a text means (`on`, `OFF`, ` 1 `...), for a device's payload and a write alike; undefined: neither. */
export function booleanOfText(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  return TRUE_TEXT.has(t) ? true : FALSE_TEXT.has(t) ? false : undefined;
}

function shown(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    // nested deeper than JSON.stringify's stack goes (the payload's nesting is not limited)
    s = Array.isArray(v) ? 'an array' : 'an object';
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** The tag's value of `raw` (a JSON value, or the text of a plain payload). */
export function tagValueOf(tag: MqttTag, raw: unknown): ReadValue {
  if (raw === undefined) return { ok: false, reason: tag.path ? `no value at ${tag.path.text}` : 'empty payload' };
  if (raw === null) return { ok: false, reason: `${tag.path ? tag.path.text : 'payload'} is null (the device has no reading)` };
  if (tag.values && (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean')) {
    const mapped = tag.values[String(raw)];
    if (mapped !== undefined) raw = mapped;
    else if (tag.type !== 'number' || typeof raw !== 'number') return { ok: false, reason: `${shown(raw)} is not one of ${Object.keys(tag.values).join(', ')}` };
  }
  switch (tag.type) {
    case 'number': {
      let n: number;
      if (typeof raw === 'number') n = raw;
      else if (typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw))) n = Number(raw);
      else if (typeof raw === 'boolean') n = raw ? 1 : 0;
      else return { ok: false, reason: `${shown(raw)} is not a number` };
      if (!Number.isFinite(n)) return { ok: false, reason: `${shown(raw)} is not a finite number` };
      if (tag.invalid?.includes(n)) return { ok: false, reason: `${n} means "no reading" for this device` };
      return { ok: true, value: tag.scale === 1 && tag.offset === 0 ? n : n * tag.scale + tag.offset };
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return { ok: true, value: raw };
      if (typeof raw === 'number' && (raw === 0 || raw === 1)) return { ok: true, value: raw === 1 };
      const b = typeof raw === 'string' ? booleanOfText(raw) : undefined;
      if (b !== undefined) return { ok: true, value: b };
      return { ok: false, reason: `${shown(raw)} is not true or false` };
    }
    case 'string':
      if (typeof raw === 'string') return { ok: true, value: raw };
      if (typeof raw === 'number' || typeof raw === 'boolean') return { ok: true, value: String(raw) };
      return { ok: false, reason: `${shown(raw)} is not text` };
  }
}

/** The text a command publishes for `value` (the profile's values map, else the value as text). */
export function commandText(tag: MqttTag, value: TagValue): string {
  const key = String(value);
  return tag.command?.values?.[key] ?? key;
}
