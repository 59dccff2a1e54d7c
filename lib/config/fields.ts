// Node configuration fields, declared once per node type: what kind of value each field holds, its
// limits and its default. The same declaration reads a deployed node's raw config (lib resolvers)
// and checks the edit dialog (resources/edgegw-fields.js is built from these declarations), so the
// editor and the runtime cannot disagree about a limit. Browser-safe: no Node.js or Node-RED imports.

/** A field counts only when another field holds one of some values (or is ticked). */
export type FieldCondition = { readonly field: string; readonly in: readonly string[] } | { readonly field: string; readonly ticked: true };

interface FieldBase {
  /** the field counts only under this condition; otherwise it is neither checked nor read */
  readonly when?: FieldCondition;
  /** how an error names the field when that differs from its key (e.g. "reconnect.maxMs") */
  readonly label?: string;
  /** an i18n key the editor shows instead of the rule (the node's own locale catalogue) */
  readonly message?: string;
  /**
   * The refusal in words leading with the value, `{got}` standing for it (e.g. "{got} is not a baud
   * rate"): keeps an established message that does not read "must ..., got ...".
   */
  readonly refused?: string;
}

/**
 * Rules that differ with another field's value (e.g. a forward target's limits per destination
 * type, a whole number of samples for a count window): the case for that value replaces the rules
 * it names. The default never varies, so a blank field reads the same whatever the other holds.
 */
export interface FieldVariants<S> {
  readonly field: string;
  readonly cases: Readonly<Record<string, Partial<Omit<S, 'default' | 'when' | 'variants'>>>>;
}

export interface NumberField extends FieldBase {
  readonly kind: 'number' | 'integer';
  /** taken when the field is missing or blank; without one the field is optional (undefined) */
  readonly default?: number;
  readonly min?: number;
  readonly max?: number;
  /** an exclusive lower bound (a value must be above it) */
  readonly above?: number;
  /** the only values allowed */
  readonly oneOf?: readonly number[];
  /** 0 is allowed besides the range (0 = off) */
  readonly zeroAllowed?: boolean;
  /** must be at least another field's value; `says` names it in the error */
  readonly atLeast?: { readonly field: string; readonly says: string };
  /** e.g. "s", "ms": shown after the bound in messages */
  readonly unit?: string;
  /** the rule in words, instead of the one made from min/max/above (keeps an established message) */
  readonly rule?: string;
  readonly variants?: FieldVariants<NumberField>;
}

export interface EnumField extends FieldBase {
  readonly kind: 'enum';
  readonly values: readonly string[];
  readonly default: string;
  readonly rule?: string;
}

export interface StringField extends FieldBase {
  readonly kind: 'string';
  readonly default?: string;
  /** blank is an error (the default is then taken only when the field is missing altogether) */
  readonly required?: boolean;
  /** a regular expression source the trimmed text must match (when not blank) */
  readonly pattern?: string;
  readonly flags?: string;
  readonly rule?: string;
  readonly variants?: FieldVariants<StringField>;
}

export interface BooleanField extends FieldBase {
  readonly kind: 'boolean';
  /** without one, a missing field reads undefined (the resolver decides from other fields) */
  readonly default?: boolean;
}

export type FieldSpec = NumberField | EnumField | StringField | BooleanField;

/** A node type's fields, with the prefix its errors carry (e.g. "circuit breaker "). */
export interface FieldSchema {
  readonly fields: Readonly<Record<string, FieldSpec>>;
  readonly errorPrefix?: string;
}

/** The value a field spec reads to. */
export type FieldValue<S extends FieldSpec> = S extends NumberField
  ? S extends { default: number }
    ? number
    : number | undefined
  : S extends EnumField
    ? S['values'][number]
    : S extends BooleanField
      ? S extends { default: boolean }
        ? boolean
        : boolean | undefined
      : string;

export type FieldValues<F extends Readonly<Record<string, FieldSpec>>> = { [K in keyof F]: FieldValue<F[K]> };

/** A configuration field with a value its declaration refuses. Other config errors extend it. */
export class ConfigFieldError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly reason: string,
    prefix = '',
  ) {
    super(`${prefix}${field}: ${reason}`);
    this.name = 'ConfigFieldError';
  }
}

/** Raw field values come from flow JSON or edit-dialog inputs: anything at all. */
export type RawConfig = Readonly<Record<string, unknown>>;

function isBlank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

/** The text of a raw value for a message (an object reads as its JSON). */
export function shown(v: unknown): string {
  if (typeof v === 'string' || (typeof v === 'object' && v !== null)) return JSON.stringify(v);
  return String(v);
}

function numberRule(spec: NumberField): string {
  if (spec.rule) return spec.rule;
  const what = spec.kind === 'integer' ? 'an integer' : 'a number';
  const unit = spec.unit ? ` ${spec.unit}` : '';
  if (spec.oneOf) return `must be one of ${spec.oneOf.join(', ')}${unit}`;
  let range = '';
  if (spec.min !== undefined && spec.max !== undefined) range = ` within ${spec.min}..${spec.max}${unit}`;
  else if (spec.min !== undefined) range = ` >= ${spec.min}${unit}`;
  else if (spec.above !== undefined) range = ` > ${spec.above}${unit}`;
  else if (spec.max !== undefined) range = ` <= ${spec.max}${unit}`;
  if (spec.above !== undefined && spec.min !== undefined) range += ` and > ${spec.above}${unit}`;
  return `must be ${spec.zeroAllowed ? '0 or ' : ''}${what}${range}`;
}

/** Why a field refuses a value, or undefined when it takes it. `read` gives the other fields' values. */
function refusal(spec: FieldSpec, raw: unknown, read: (field: string) => unknown): string | undefined {
  switch (spec.kind) {
    case 'number':
    case 'integer': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : NaN;
      // a number given as text reads bare in the message, as the number it is
      const rule = () => `${numberRule(spec)}, got ${Number.isFinite(n) ? String(raw).trim() : shown(raw)}`;
      if (!Number.isFinite(n)) return rule();
      if (spec.zeroAllowed && n === 0) return undefined;
      if (spec.kind === 'integer' && !Number.isInteger(n)) return rule();
      if (spec.oneOf && !spec.oneOf.includes(n)) return rule();
      if (spec.min !== undefined && n < spec.min) return rule();
      if (spec.max !== undefined && n > spec.max) return rule();
      if (spec.above !== undefined && n <= spec.above) return rule();
      if (spec.atLeast) {
        const other = read(spec.atLeast.field);
        const unit = spec.unit ? ` ${spec.unit}` : '';
        if (typeof other === 'number' && n < other) return `must be >= ${spec.atLeast.says} (${other}${unit}), got ${n}${unit}`;
      }
      return undefined;
    }
    case 'enum': {
      const text = typeof raw === 'string' ? raw.trim() : String(raw);
      if (spec.values.includes(text)) return undefined;
      return spec.rule
        ? `${spec.rule}, got ${shown(raw)}`
        : `must be ${spec.values.length === 2 ? `"${spec.values[0]}" or "${spec.values[1]}"` : `one of ${spec.values.join(', ')}`}, got ${shown(raw)}`;
    }
    case 'boolean':
      return typeof raw === 'boolean' || raw === 'true' || raw === 'false' ? undefined : `must be true or false, got ${shown(raw)}`;
    case 'string': {
      if (typeof raw !== 'string' && typeof raw !== 'number') return `must be text, got ${shown(raw)}`;
      const text = String(raw).trim();
      if (spec.pattern !== undefined && text !== '' && !new RegExp(spec.pattern, spec.flags).test(text)) return `${spec.rule ?? `must match ${spec.pattern}`}, got ${shown(raw)}`;
      return undefined;
    }
  }
}

/** A refused value as a message quotes it: a number given as text reads bare, as the number it is. */
function gotText(spec: FieldSpec, raw: unknown): string {
  const numeric = (spec.kind === 'number' || spec.kind === 'integer') && (typeof raw === 'number' || typeof raw === 'string') && Number.isFinite(Number(String(raw).trim()));
  return numeric ? String(raw).trim() : shown(raw);
}

function converted(spec: FieldSpec, raw: unknown): unknown {
  switch (spec.kind) {
    case 'number':
    case 'integer':
      return typeof raw === 'number' ? raw : Number(String(raw).trim());
    case 'enum':
      return String(raw).trim();
    case 'boolean':
      return raw === true || raw === 'true';
    case 'string':
      return String(raw).trim();
  }
}

/** Reads fields of one schema from a raw config; `raw` missing fields take their defaults. */
export class FieldReader {
  private readonly values = new Map<string, unknown>();

  constructor(
    private readonly schema: FieldSchema,
    private readonly raw: RawConfig,
  ) {}

  /** Whether a field counts in this config (its condition holds). */
  applies(field: string): boolean {
    const when = this.spec(field).when;
    if (!when) return true;
    const other = this.lenient(when.field);
    return 'ticked' in when ? other === true : when.in.includes(String(other));
  }

  /** The field's value: its default when missing, blank or not applicable; throws ConfigFieldError when refused. */
  read(field: string): unknown {
    if (this.values.has(field)) return this.values.get(field);
    const spec = this.spec(field);
    const raw = this.raw[field];
    let value: unknown;
    if (!this.applies(field)) value = spec.default;
    else if (isBlank(raw)) {
      // a required text left blank is an error; one missing from an older flow takes its default
      if (spec.kind === 'string' && spec.required && (raw !== undefined || spec.default === undefined)) throw new ConfigFieldError(spec.label ?? field, raw, 'is required', this.schema.errorPrefix);
      value = spec.default;
    } else {
      const reason = refusal(spec, raw, (other) => this.lenient(other));
      if (reason !== undefined) throw new ConfigFieldError(spec.label ?? field, raw, spec.refused ? spec.refused.replace('{got}', gotText(spec, raw)) : reason, this.schema.errorPrefix);
      value = converted(spec, raw);
    }
    this.values.set(field, value);
    return value;
  }

  /** A field's value for deciding about another one: its default when it is itself refused. */
  private lenient(field: string): unknown {
    try {
      return this.read(field);
    } catch (err) {
      if (err instanceof ConfigFieldError) return this.spec(field).default;
      throw err;
    }
  }

  /** The field's declaration, with the variant the field it varies with selects. */
  private spec(field: string): FieldSpec {
    const spec = this.schema.fields[field];
    if (!spec) throw new Error(`no field "${field}" is declared`);
    if (!('variants' in spec) || !spec.variants) return spec;
    const variant = spec.variants.cases[String(this.lenient(spec.variants.field))];
    return variant ? ({ ...spec, ...variant } as FieldSpec) : spec;
  }
}

/** Every declared field of a raw config, typed; throws ConfigFieldError naming the first bad field. */
export function readFields<F extends Readonly<Record<string, FieldSpec>>>(schema: { readonly fields: F; readonly errorPrefix?: string }, raw: RawConfig): FieldValues<F> {
  const reader = new FieldReader(schema, raw);
  const out: Record<string, unknown> = {};
  for (const field of Object.keys(schema.fields)) out[field] = reader.read(field);
  return out as FieldValues<F>;
}

/** One value checked against an ad-hoc declaration (options given in code rather than a node's config). */
export function readValue<S extends FieldSpec>(field: string, spec: S, raw: unknown, errorPrefix?: string): FieldValue<S> {
  return new FieldReader({ fields: { [field]: spec }, errorPrefix }, { [field]: raw }).read(field) as FieldValue<S>;
}

/** Why one field of a raw config is refused, or undefined when it is fine: what an editor validator asks. */
export function fieldProblem(schema: FieldSchema, field: string, raw: RawConfig): ConfigFieldError | undefined {
  try {
    new FieldReader(schema, raw).read(field);
    return undefined;
  } catch (err) {
    if (err instanceof ConfigFieldError) return err;
    throw err;
  }
}

/**
 * What a new node of this schema saves: each field's default, '' where the field has none (the
 * reader then decides, e.g. by another field). For flows written by code (the runtime's devices
 * tab) so they carry the same values a node dragged into the editor does.
 */
export function savedDefaults(schema: FieldSchema): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [field, spec] of Object.entries(schema.fields)) out[field] = spec.default ?? '';
  return out;
}
