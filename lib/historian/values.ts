// How a sample's value and quality sit in a row. Values are typed in two columns: `num` REAL holds
// numbers (and booleans as 0/1, bigints as the nearest double) so min/max/avg run in SQL over one
// column, `text` holds strings (and the exact bigint, a Buffer's hex), and `kind` says which type
// to give back. One REAL column alone would lose strings; one TEXT column would make every
// aggregate parse text. Quality is a small integer ordered good < uncertain < stale < bad, so
// max(quality) over a step is its worst quality (the order of combineQuality in lib/tags).
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

/**
 * One row of INSERT_SAMPLES_JSON_SQL (schema.ts) as JSON text: `[tag_id,ts,num,text,kind,quality]`.
 * Numbers JSON has no word for are written as SQLite reads them: ±Infinity as ±9e999 (which is
 * what SQLite itself writes for them); NaN as null, as SQLite stores a bound NaN.
 */
export function sampleRowJson(tagId: number, ts: number, value: TagValue, quality: Quality): string {
  const [num, text, kind] = encodeValue(value);
  return `[${tagId},${Math.round(ts)},${jsonNumber(num)},${text === null ? 'null' : JSON.stringify(text)},${kind},${QUALITY_CODES[quality] ?? QUALITY_CODES.bad}]`;
}

function jsonNumber(n: number | null): string {
  if (n === null || Number.isNaN(n)) return 'null';
  if (n === Infinity) return '9e999';
  if (n === -Infinity) return '-9e999';
  return String(n);
}
