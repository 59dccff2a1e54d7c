// How a sample's value and quality are stored. Values are typed in two fields: `num` holds numbers
// (and booleans as 0/1, bigints as the nearest double) so min/max/avg work over one field, `text`
// holds strings (and the exact bigint, a Buffer's hex), and `kind` says which type to give back.
// One number field alone would lose strings; one text field would make every aggregate parse text.
// Quality is a small integer ordered good < uncertain < stale < bad, so the max over a step is its
// worst quality (the order of combineQuality in lib/tags).
import type { Quality, TagValue } from '../tags/contract';

export const ValueKind = { Number: 0, Boolean: 1, String: 2, Null: 3, BigInt: 4, Buffer: 5 } as const;
export type ValueKind = (typeof ValueKind)[keyof typeof ValueKind];

export const QUALITY_CODES: Readonly<Record<Quality, number>> = { good: 0, uncertain: 1, stale: 2, bad: 3 };
const QUALITY_BY_CODE: readonly Quality[] = ['good', 'uncertain', 'stale', 'bad'];

export function qualityOf(code: unknown): Quality {
  return QUALITY_BY_CODE[Number(code)] ?? 'bad';
}

/** [num, text, kind] for a value. */
export function encodeValue(v: TagValue): [number | null, string | null, ValueKind] {
  switch (typeof v) {
    case 'number':
      return [v, null, ValueKind.Number];
    case 'boolean':
      return [v ? 1 : 0, null, ValueKind.Boolean];
    case 'string':
      return [null, v, ValueKind.String];
    case 'bigint':
      return [Number(v), v.toString(), ValueKind.BigInt];
    default:
      if (Buffer.isBuffer(v)) return [null, v.toString('hex'), ValueKind.Buffer];
      return [null, null, ValueKind.Null];
  }
}

export function decodeValue(num: unknown, text: unknown, kind: unknown): TagValue {
  switch (Number(kind)) {
    case ValueKind.Number:
      // SQLite stores NaN as NULL
      return typeof num === 'number' ? num : NaN;
    case ValueKind.Boolean:
      return num === 1;
    case ValueKind.String:
      return typeof text === 'string' ? text : '';
    case ValueKind.BigInt:
      return typeof text === 'string' ? BigInt(text) : null;
    case ValueKind.Buffer:
      return typeof text === 'string' ? Buffer.from(text, 'hex') : null;
    default:
      return null;
  }
}

/** A sample as a chunk holds it: ts in whole ms, the value's columns, the quality's code. */
export interface EncodedSample {
  ts: number;
  num: number | null;
  text: string | null;
  kind: ValueKind;
  quality: number;
}

export function encodeSample(ts: number, value: TagValue, quality: Quality): EncodedSample {
  const [num, text, kind] = encodeValue(value);
  // SQLite stores a bound NaN as NULL: the same here, so a value reads back the same either way
  return { ts: Math.round(ts), num: num !== null && Number.isNaN(num) ? null : num, text, kind, quality: QUALITY_CODES[quality] ?? QUALITY_CODES.bad };
}

/** A number as JSON text; the numbers JSON has no word for as SQLite reads them: ±Infinity as ±9e999 (JSON.parse reads them back as ±Infinity too), NaN as null (see encodeSample). */
export function jsonNumber(n: number | null): string {
  if (n === null || Number.isNaN(n)) return 'null';
  if (n === Infinity) return '9e999';
  if (n === -Infinity) return '-9e999';
  return String(n);
}
