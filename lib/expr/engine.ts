// CalcEngine: the current input values of one tag-calc program and its evaluation. Inputs come
// as tag samples (a scan or one tag); each evaluation yields one sample per definition, with the
// worst input quality, and bad (with the reason) for NaN, Infinity or a failed evaluation.
import { combineQuality, type Quality, type TagSample, type TagValue } from '../tags/contract';
import type { CalcProgram, Definition } from './definitions';
import { sandbox } from './sandbox';
import type { ScopeRef, TagRef } from './validate';

export type MissingInput = 'uncertain' | 'skip';

export interface CalcEngineOptions {
  /** device of the results */
  device: string;
  /** a never-seen input: result with quality uncertain and value null, or no result */
  missing?: MissingInput;
  /** longest one definition may take, in ms (default 50): longer makes its result bad */
  budgetMs?: number;
  /** clock for result timestamps and rates (default Date.now) */
  now?: () => number;
  /** source written into each result sample */
  source?: string;
}

interface InputState {
  tag: TagRef;
  seen: boolean;
  value: number | boolean;
  quality: Quality;
  ts: number;
  unit?: string;
  error?: string;
  prevValue?: number;
  prevTs?: number;
  /** convert/rate/delta symbols computed from this input */
  derived: ScopeRef[];
}

interface ResultState {
  quality: Quality;
  missing: boolean;
}

const NOT_NUMBER = 'value is not a number or boolean';

export class CalcEngine {
  readonly program: CalcProgram;
  private readonly scope = new Map<string, unknown>();
  private readonly inputs = new Map<string, InputState>();
  private readonly results = new Map<string, ResultState>();
  /** per definition, the input state or result each ref reads (resolved once) */
  private readonly plans: { def: Definition; reads: ({ input: InputState; ref: ScopeRef } | { result: string })[] }[];
  private readonly conversions = new Map<string, { a: number; b: number } | string>();
  private readonly missing: MissingInput;
  private readonly budgetMs: number;
  private readonly now: () => number;
  private readonly device: string;
  private readonly source?: string;
  /** evaluations that ran over the budget, since creation */
  overBudget = 0;

  constructor(program: CalcProgram, opts: CalcEngineOptions) {
    this.program = program;
    this.device = opts.device;
    this.missing = opts.missing ?? 'uncertain';
    this.budgetMs = opts.budgetMs ?? 50;
    this.now = opts.now ?? Date.now;
    this.source = opts.source;
    for (const ref of program.refs.values()) {
      if (ref.kind === 'result') continue;
      let input = this.inputs.get(ref.tag.key);
      if (!input) {
        input = { tag: ref.tag, seen: false, value: 0, quality: 'uncertain', ts: 0, derived: [] };
        this.inputs.set(ref.tag.key, input);
      }
      if (ref.kind !== 'tag') input.derived.push(ref);
    }
    this.plans = program.definitions.map((def) => ({
      def,
      reads: def.refs.map((ref) => (ref.kind === 'result' ? { result: ref.name } : { input: this.inputs.get(ref.tag.key)!, ref })),
    }));
  }

  /** Tag keys ("<device>/<tag>", "*\/<tag>" for a bare name) the program reads. */
  inputKeys(): string[] {
    return [...this.inputs.keys()];
  }

  /** Takes new input samples; true when one of them changed an input's value or quality. */
  update(samples: readonly TagSample[]): boolean {
    let changed = false;
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i];
      if (!s || typeof s.name !== 'string') continue;
      const byPath = this.inputs.get(`${s.device}/${s.name}`);
      if (byPath && this.take(byPath, s)) changed = true;
      const byName = this.inputs.get(`*/${s.name}`);
      if (byName && this.take(byName, s)) changed = true;
    }
    return changed;
  }

  private take(input: InputState, s: TagSample): boolean {
    let value: number | boolean;
    let quality: Quality = s.quality ?? 'good';
    let error = s.error;
    const v: TagValue = s.value;
    if (typeof v === 'number' || typeof v === 'boolean') value = v;
    else if (typeof v === 'bigint') value = Number(v);
    else {
      value = NaN;
      quality = 'bad';
      error = `${s.device}/${s.name}: ${NOT_NUMBER}`;
    }
    const ts = typeof s.ts === 'number' ? s.ts : this.now();
    const changed = !input.seen || value !== input.value || quality !== input.quality || s.unit !== input.unit;
    if (input.seen && ts !== input.ts && typeof input.value === 'number') {
      input.prevValue = input.value;
      input.prevTs = input.ts;
    }
    input.seen = true;
    input.value = value;
    input.quality = quality;
    input.ts = ts;
    input.unit = s.unit;
    input.error = quality === 'good' ? undefined : error;
    this.scope.set(`tag:${input.tag.key}`, value);
    for (const d of input.derived) this.scope.set(d.symbol, this.derive(input, d));
    return changed;
  }

  /** The value of a convert/rate/delta symbol, or undefined when it cannot be had yet. */
  private derive(input: InputState, ref: ScopeRef): number | string | undefined {
    const v = input.value;
    if (typeof v !== 'number') return undefined;
    if (ref.kind === 'convert') {
      if (!input.unit) return `${input.tag.key.replace(/^\*\//, '')} has no unit to convert from`;
      const key = `${input.unit}\u0000${ref.unit}`;
      let c = this.conversions.get(key);
      if (c === undefined) {
        c = sandbox().conversion(input.unit, ref.unit);
        this.conversions.set(key, c);
      }
      return typeof c === 'string' ? c : c.a + c.b * v;
    }
    if (input.prevValue === undefined || input.prevTs === undefined) return undefined;
    if (ref.kind === 'delta') return v - input.prevValue;
    return (v - input.prevValue) / ((input.ts - input.prevTs) / 1000);
  }

  /** Evaluates every definition in order; one sample per definition (none for a skipped one). */
  evaluate(): TagSample[] {
    const out: TagSample[] = [];
    const ts = this.now();
    for (let p = 0; p < this.plans.length; p++) {
      const { def, reads } = this.plans[p];
      let quality: Quality = 'good';
      let missing: string | undefined;
      let problem: string | undefined;
      let blocked = false;
      const qualities: Quality[] = [];
      for (let r = 0; r < reads.length; r++) {
        const read = reads[r];
        if ('result' in read) {
          const res = this.results.get(read.result)!;
          if (res.missing) missing ??= read.result;
          else qualities.push(res.quality);
          continue;
        }
        const { input, ref } = read;
        if (!input.seen) {
          missing ??= input.tag.key.replace(/^\*\//, '');
          continue;
        }
        qualities.push(input.quality);
        if (input.quality !== 'good' && input.error) problem ??= input.error;
        if (ref.kind !== 'tag') {
          const d = this.scope.get(ref.symbol);
          if (d === undefined) missing ??= `${ref.kind}(${input.tag.key.replace(/^\*\//, '')}): no previous sample yet`;
          else if (typeof d === 'string') {
            qualities.push('bad');
            problem = d;
            blocked = true;
          }
        }
      }
      if (missing !== undefined) {
        this.results.set(def.name, { quality: 'uncertain', missing: true });
        if (this.missing === 'uncertain') out.push(this.sample(def, null, 'uncertain', ts, `missing input: ${missing}`));
        continue;
      }
      if (qualities.length) quality = combineQuality(qualities);
      let value: unknown;
      const started = performance.now();
      if (blocked) value = undefined;
      else {
        try {
          value = def.compiled.evaluate(this.scope);
        } catch (err) {
          value = undefined;
          problem ??= `evaluation failed: ${(err as Error).message}`;
          quality = 'bad';
        }
      }
      const took = performance.now() - started;
      if (took > this.budgetMs) {
        this.overBudget++;
        quality = 'bad';
        problem = `time budget exceeded: ${took.toFixed(1)} ms > ${this.budgetMs} ms`;
      }
      let result: number | boolean | null = null;
      if (typeof value === 'number') {
        result = Number.isFinite(value) ? value : null;
        if (Number.isNaN(value)) {
          quality = 'bad';
          problem ??= 'result is NaN';
        } else if (!Number.isFinite(value)) {
          quality = 'bad';
          problem ??= `result is ${value > 0 ? '' : '-'}Infinity (division by zero?)`;
        }
      } else if (typeof value === 'boolean') result = value;
      else if (value !== undefined) {
        quality = 'bad';
        problem ??= `result is not a number (${(value as object)?.constructor?.name ?? typeof value})`;
      }
      this.scope.set(`def:${def.name}`, result ?? NaN);
      this.results.set(def.name, { quality, missing: false });
      out.push(this.sample(def, result, quality, ts, quality === 'good' ? undefined : problem));
    }
    return out;
  }

  private sample(def: Definition, value: number | boolean | null, quality: Quality, ts: number, error?: string): TagSample {
    const s: TagSample = { device: this.device, name: def.name, value, quality, ts };
    const unit = def.unit ?? this.convertedUnit(def);
    if (unit) s.unit = unit;
    if (this.source) s.source = this.source;
    if (error) s.error = error;
    return s;
  }

  /** A definition that is only `x to kWh` takes kWh as its unit. */
  private convertedUnit(def: Definition): string | undefined {
    return def.refs.length === 1 && def.refs[0].kind === 'convert' && /^\s*\S+\s+to\s+\S+\s*$/.test(def.expression) ? def.refs[0].unit : undefined;
  }
}
