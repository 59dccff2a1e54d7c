// CalcEngine: the current input values of one tag-calc program and its evaluation. Inputs come
// as tag samples (a scan or one tag); each evaluation yields one sample per definition, with the
// worst input quality, and bad (with the reason) for NaN, Infinity or a failed evaluation.
// Results are rounded as people read them (lib/tags/readable): to the definition's {decimals}, or
// to the most decimals any of its inputs has shown (10.100000000000001 reads 10.1).
import type { Quality, TagSample, TagValue } from '../tags/contract';
import type { CalcProgram, Definition } from './definitions';
import { sandbox } from './sandbox';
import { fastFunctions } from './fast-functions';
import type { ScopeRef, TagRef } from './validate';
import { inputDecimals, readableComputed, roundToDecimals } from '../tags/readable';

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
  /** its scope symbol ("tag:<key>") */
  symbol: string;
  seen: boolean;
  value: number | boolean;
  quality: Quality;
  ts: number;
  unit?: string;
  error?: string;
  /** the most decimals its values have shown (bounded): the default precision of what reads it */
  decimals: number;
  prevValue?: number;
  prevTs?: number;
  /** convert/rate/delta symbols computed from this input */
  derived: ScopeRef[];
}

interface ResultState {
  rank: number;
  missing: boolean;
  /** the decimals its value was rounded to, for the definitions that read it */
  decimals: number;
}

/** What one definition reads: an input (tag or derived symbol) or an earlier result, by index. */
type Read = { input: InputState; ref: ScopeRef; derived: boolean; result?: undefined } | { result: number; name: string; input?: undefined };

interface Plan {
  def: Definition;
  reads: Read[];
  symbol: string;
  /** the unit of the result samples: the declared one, or the target of a lone "x to unit" */
  unit?: string;
  /** found over its time budget: its results are bad from then on */
  overBudget?: string;
}

// combineQuality's order, as numbers, so the hot loop allocates nothing
const RANK: Record<Quality, number> = { good: 0, uncertain: 1, stale: 2, bad: 3 };
const BY_RANK: Quality[] = ['good', 'uncertain', 'stale', 'bad'];
/** every how many evaluations each definition is timed against its budget */
const TIMING_EVERY = 64;

const NOT_NUMBER = 'value is not a number or boolean';

export class CalcEngine {
  readonly program: CalcProgram;
  private readonly scope = new Map<string, unknown>();
  private readonly inputs = new Map<string, InputState>();
  /** device -> tag -> input read by device path, and tag -> input read by bare name: no key strings built per sample */
  private readonly byDevice = new Map<string, Map<string, InputState>>();
  private readonly byName = new Map<string, InputState>();
  private readonly results: ResultState[];
  /** per definition, the input state or result each ref reads (resolved once) */
  private readonly plans: Plan[];
  private evaluations = 0;
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
    for (const [symbol, fn] of fastFunctions()) this.scope.set(symbol, fn);
    for (const ref of program.refs.values()) {
      if (ref.kind === 'result') continue;
      let input = this.inputs.get(ref.tag.key);
      if (!input) {
        input = { tag: ref.tag, symbol: `tag:${ref.tag.key}`, seen: false, value: 0, quality: 'uncertain', ts: 0, decimals: 0, derived: [] };
        this.inputs.set(ref.tag.key, input);
      }
      if (ref.kind !== 'tag') input.derived.push(ref);
    }
    for (const input of this.inputs.values()) {
      const { device, name } = input.tag;
      if (device === undefined) this.byName.set(name, input);
      else {
        let tags = this.byDevice.get(device);
        if (!tags) this.byDevice.set(device, (tags = new Map()));
        tags.set(name, input);
      }
    }
    const index = new Map(program.definitions.map((d, i) => [d.name, i]));
    this.results = program.definitions.map(() => ({ rank: RANK.uncertain, missing: true, decimals: 0 }));
    this.plans = program.definitions.map((def) => ({
      def,
      symbol: `def:${def.name}`,
      unit: def.unit ?? convertedUnit(def),
      reads: def.refs.map((ref): Read => (ref.kind === 'result' ? { result: index.get(ref.name)!, name: ref.name } : { input: this.inputs.get(ref.tag.key)!, ref, derived: ref.kind !== 'tag' })),
    }));
  }

  /** Tag keys ("<device>/<tag>", "*\/<tag>" for a bare name) the program reads. */
  inputKeys(): string[] {
    return [...this.inputs.keys()];
  }

  /** Takes new input samples; true when one of them changed an input's value or quality. */
  update(samples: readonly TagSample[]): boolean {
    let changed = false;
    const byName = this.byName.size ? this.byName : undefined;
    // the samples of a scan mostly share one device: its table is looked up once per run of them
    let device: string | undefined;
    let tags: Map<string, InputState> | undefined;
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i];
      if (!s || typeof s.name !== 'string') continue;
      if (s.device !== device) {
        device = s.device;
        tags = this.byDevice.get(device);
      }
      const byPath = tags?.get(s.name);
      if (byPath && this.take(byPath, s)) changed = true;
      const bare = byName?.get(s.name);
      if (bare && this.take(bare, s)) changed = true;
    }
    return changed;
  }

  private take(input: InputState, s: TagSample): boolean {
    let value: number | boolean;
    let quality: Quality = s.quality ?? 'good';
    let error = s.error;
    // a quality outside the contract is not a good one: "weird" reads as bad, with the reason
    if (!Object.prototype.hasOwnProperty.call(RANK, quality)) {
      error = `${s.device}/${s.name}: unknown quality ${JSON.stringify(String(quality)).slice(0, 80)} (good, uncertain, stale or bad)`;
      quality = 'bad';
    }
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
    if (typeof value === 'number' && !Number.isInteger(value)) {
      const d = inputDecimals(value);
      if (d > input.decimals) input.decimals = d;
    }
    input.quality = quality;
    input.ts = ts;
    input.unit = s.unit;
    input.error = quality === 'good' ? undefined : error;
    this.scope.set(input.symbol, value);
    for (let i = 0; i < input.derived.length; i++) this.scope.set(input.derived[i].symbol, this.derive(input, input.derived[i]));
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
    // Each definition is timed on the first evaluation and every TIMING_EVERY-th after it: the
    // allow list admits no loops, so a definition's cost hardly varies, and two clock reads per
    // definition per evaluation would cost more than many definitions themselves.
    const timing = this.evaluations++ % TIMING_EVERY === 0;
    for (let p = 0; p < this.plans.length; p++) {
      const plan = this.plans[p];
      const reads = plan.reads;
      let rank = 0;
      let missing: string | undefined;
      let problem: string | undefined;
      let blocked = false;
      let decimals = 0;
      for (let r = 0; r < reads.length; r++) {
        const read = reads[r];
        const input = read.input;
        if (input === undefined) {
          const res = this.results[read.result];
          if (res.missing) missing ??= read.name;
          else if (res.rank > rank) rank = res.rank;
          if (res.decimals > decimals) decimals = res.decimals;
          continue;
        }
        if (input.decimals > decimals) decimals = input.decimals;
        if (!input.seen) {
          missing ??= input.tag.key.replace(/^\*\//, '');
          continue;
        }
        const q = RANK[input.quality];
        if (q > rank) rank = q;
        if (q !== 0 && input.error) problem ??= input.error;
        if (read.derived) {
          const d = this.scope.get(read.ref.symbol);
          if (d === undefined) missing ??= `${read.ref.kind}(${input.tag.key.replace(/^\*\//, '')}): no previous sample yet`;
          else if (typeof d === 'string') {
            rank = RANK.bad;
            problem = d;
            blocked = true;
          }
        }
      }
      const state = this.results[p];
      if (missing !== undefined) {
        state.missing = true;
        state.rank = RANK.uncertain;
        if (this.missing === 'uncertain') out.push(this.sample(plan, null, 'uncertain', ts, `missing input: ${missing}`));
        continue;
      }
      let value: unknown;
      if (plan.overBudget) {
        blocked = true;
        rank = RANK.bad;
        problem = plan.overBudget;
      }
      if (!blocked) {
        const started = timing ? performance.now() : 0;
        try {
          value = plan.def.compiled.evaluate(this.scope);
        } catch (err) {
          problem ??= `evaluation failed: ${(err as Error).message}`;
          rank = RANK.bad;
        }
        if (timing) {
          const took = performance.now() - started;
          if (took > this.budgetMs) {
            this.overBudget++;
            plan.overBudget = `time budget exceeded: ${took.toFixed(1)} ms > ${this.budgetMs} ms (the definition is disabled until redeployed)`;
            rank = RANK.bad;
            problem = plan.overBudget;
          }
        }
      }
      let result: number | boolean | null = null;
      if (typeof value === 'number') {
        if (Number.isFinite(value)) result = plan.def.decimals === undefined ? readableComputed(value, decimals) : roundToDecimals(value, plan.def.decimals);
        else {
          rank = RANK.bad;
          problem ??= Number.isNaN(value) ? 'result is NaN' : `result is ${value > 0 ? '' : '-'}Infinity (division by zero?)`;
        }
      } else if (typeof value === 'boolean') result = value;
      else if (value !== undefined) {
        rank = RANK.bad;
        problem ??= `result is not a number (${(value as object)?.constructor?.name ?? typeof value})`;
      }
      this.scope.set(plan.symbol, result ?? NaN);
      state.missing = false;
      state.rank = rank;
      state.decimals = plan.def.decimals ?? decimals;
      out.push(this.sample(plan, result, BY_RANK[rank], ts, rank === 0 ? undefined : problem));
    }
    return out;
  }

  private sample(plan: Plan, value: number | boolean | null, quality: Quality, ts: number, error?: string): TagSample {
    const s: TagSample = { device: this.device, name: plan.def.name, value, quality, ts };
    if (plan.unit) s.unit = plan.unit;
    if (this.source) s.source = this.source;
    if (error) s.error = error;
    return s;
  }
}

/** A definition that is only `x to kWh` takes kWh as its unit. */
function convertedUnit(def: Definition): string | undefined {
  return def.refs.length === 1 && def.refs[0].kind === 'convert' && /^\s*\S+\s+to\s+\S+\s*$/.test(def.expression) ? def.refs[0].unit : undefined;
}
