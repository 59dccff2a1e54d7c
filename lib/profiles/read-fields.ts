// Typed reads of a profile's fields: each refusal is a ProfileError naming the file, the line and
// the field, and unknown fields are refused too (a typo such as `stale_afer` must not pass as a
// silently ignored key).
import { ProfileError } from './errors';
import { compileJsonPath, JsonPathError, type JsonPath } from './json-path';
import { fieldName, type FieldPath, type SourceText } from './source-text';

type Obj = Record<string, unknown>;

export class FieldReader {
  constructor(
    private readonly src: SourceText,
    readonly path: FieldPath,
    readonly obj: Obj,
  ) {}

  static root(src: SourceText): FieldReader {
    const v = src.value;
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new ProfileError(src.file, src.lineOf([]), '', 'a profile is a mapping of fields (id, name, protocol, tags...)');
    return new FieldReader(src, [], v as Obj);
  }

  fail(key: string | number | undefined, reason: string): never {
    const path = key === undefined ? this.path : [...this.path, key];
    throw new ProfileError(this.src.file, this.src.lineOf(path), fieldName(path), reason);
  }

  /** Refuses any field not in `known`. */
  only(known: readonly string[]): void {
    for (const k of Object.keys(this.obj)) if (!known.includes(k)) this.fail(k, `unknown field; the fields here are ${known.join(', ')}`);
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined && this.obj[key] !== null;
  }

  string(key: string, opts: { required: true; pattern?: RegExp; rule?: string }): string;
  string(key: string, opts?: { required?: boolean; pattern?: RegExp; rule?: string }): string | undefined;
  string(key: string, opts: { required?: boolean; pattern?: RegExp; rule?: string } = {}): string | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) {
      if (opts.required) this.fail(key, 'is required');
      return undefined;
    }
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') this.fail(key, 'must be text');
    const s = String(v);
    if (opts.required && s.trim() === '') this.fail(key, 'must not be empty');
    if (opts.pattern && !opts.pattern.test(s)) this.fail(key, opts.rule ?? `does not match ${opts.pattern}`);
    return s;
  }

  number(key: string, opts: { default: number; min?: number; positive?: boolean; nonZero?: boolean }): number {
    const v = this.obj[key];
    if (v === undefined || v === null) return opts.default;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, `must be a number, not ${JSON.stringify(v)}`);
    if (opts.positive && v <= 0) this.fail(key, 'must be greater than 0');
    if (opts.nonZero && v === 0) this.fail(key, 'must not be 0');
    if (opts.min !== undefined && v < opts.min) this.fail(key, `must be at least ${opts.min}`);
    return v;
  }

  oneOf<T extends string>(key: string, values: readonly T[], fallback?: T): T {
    const v = this.obj[key];
    if ((v === undefined || v === null) && fallback !== undefined) return fallback;
    if (v === undefined || v === null) this.fail(key, `is required (${values.join(' or ')})`);
    if (!values.includes(v as T)) this.fail(key, `${JSON.stringify(v)} is not ${values.join(' or ')}`);
    return v as T;
  }

  jsonPath(key: string): JsonPath | undefined {
    const text = this.string(key);
    if (text === undefined) return undefined;
    try {
      return compileJsonPath(text);
    } catch (err) {
      if (err instanceof JsonPathError) this.fail(key, `not a path: ${err.message}`);
      throw err;
    }
  }

  object(key: string, required = false): FieldReader | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) {
      if (required) this.fail(key, 'is required');
      return undefined;
    }
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(key, 'must be a mapping of fields');
    return new FieldReader(this.src, [...this.path, key], v as Obj);
  }

  /** A list of mappings, each read by `read` with its own reader. */
  list<T>(key: string, read: (item: FieldReader, index: number) => T, opts: { required?: boolean } = {}): T[] {
    const v = this.obj[key];
    if (v === undefined || v === null) {
      if (opts.required) this.fail(key, 'is required');
      return [];
    }
    if (!Array.isArray(v)) this.fail(key, 'must be a list');
    if (opts.required && v.length === 0) this.fail(key, 'must list at least one entry');
    return v.map((item, i) => {
      if (!item || typeof item !== 'object' || Array.isArray(item))
        throw new ProfileError(this.src.file, this.src.lineOf([...this.path, key, i]), fieldName([...this.path, key, i]), 'must be a mapping of fields');
      return read(new FieldReader(this.src, [...this.path, key, i], item as Obj), i);
    });
  }

  /** A list of plain values (numbers, text, booleans). */
  scalars(key: string): (string | number | boolean)[] | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    const list = Array.isArray(v) ? v : [v];
    list.forEach((x, i) => {
      if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean')
        throw new ProfileError(this.src.file, this.src.lineOf([...this.path, key, i]), fieldName([...this.path, key, i]), 'must be a number, text or true/false');
    });
    return list as (string | number | boolean)[];
  }

  /** A mapping of text keys to plain values. */
  dictionary(key: string): Record<string, string | number | boolean> | undefined {
    const r = this.object(key);
    if (!r) return undefined;
    const out: Record<string, string | number | boolean> = Object.create(null) as Record<string, string | number | boolean>;
    for (const [k, v] of Object.entries(r.obj)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') r.fail(k, 'must be a number, text or true/false');
      out[k] = v as string | number | boolean;
    }
    return out;
  }
}
