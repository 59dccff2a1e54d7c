// The figures of one window of one tag, accumulated one sample at a time.
// Variance is Welford's (one pass, numerically stable: a series at 1e9 with small noise keeps its
// digits, where sum(x^2) - n*mean^2 loses all of them). The time-weighted mean holds each value
// until the next sample (sample-and-hold), the last one until the window's end, and is updated
// the same incremental way. Percentiles: see percentiles.ts.
// The figures are exact here (windows merge them); readableFigures rounds a closed window's as
// people read them, to the precision of its samples (docs/stats-alarm.md, "Precision").
import { PercentileCollector, type PercentileState } from './percentiles';
import { inputDecimals, readableComputed, roundToDecimals } from '../tags/readable';

export interface WindowFigures {
  /** good samples that went into the numbers */
  count: number;
  /** samples left out: quality not good, or a value that is no finite number */
  bad: number;
  /** samples that arrived for a window already closed (counted here, in the next window) */
  late: number;
  sum: number;
  min: number;
  max: number;
  mean: number;
  timeWeightedMean: number;
  /** sample standard deviation (n - 1); 0 for a single sample */
  stddev: number;
  first: number;
  last: number;
  firstTs: number;
  lastTs: number;
  p50?: number;
  p95?: number;
  p99?: number;
  /** the most decimals a sample's value had (bounded, lib/tags/readable inputDecimals); absent: whole numbers */
  decimals?: number;
}

export interface AccumulatorState {
  count: number;
  bad: number;
  late: number;
  sum: number;
  min: number;
  max: number;
  mean: number;
  m2: number;
  first: number;
  last: number;
  firstTs: number;
  lastTs: number;
  twMean: number;
  twWeight: number;
  percentiles?: PercentileState;
  decimals?: number;
}

// Running figures: eleven doubles an accumulator, kept in a Float64Array (a FigureSlab's chunk,
// shared by the accumulators of a window set, or the accumulator's own) rather than as object
// fields, which V8 holds as a boxed heap number each (16 bytes and a pointer; docs/performance.md,
// "Third cut"). The same operations in the same order on the same doubles: the answers are those
// of the fields, bit for bit.
const SUM = 0;
const MIN = 1;
const MAX = 2;
const MEAN = 3;
const M2 = 4;
const FIRST = 5;
const LAST = 6;
const FIRST_TS = 7;
const LAST_TS = 8;
const TW_MEAN = 9;
const TW_WEIGHT = 10;
/** doubles an accumulator */
export const FIGURE_STRIDE = 11;

function clearFigures(f: Float64Array, at: number): void {
  f[at + SUM] = 0;
  f[at + MIN] = Infinity;
  f[at + MAX] = -Infinity;
  f[at + MEAN] = 0;
  f[at + M2] = 0;
  f[at + FIRST] = NaN;
  f[at + LAST] = NaN;
  f[at + FIRST_TS] = NaN;
  f[at + LAST_TS] = NaN;
  f[at + TW_MEAN] = 0;
  f[at + TW_WEIGHT] = 0;
}

const FIRST_CHUNK_SLOTS = 8;
const MAX_CHUNK_SLOTS = 512;

/**
 * The running figures of many accumulators: chunks of Float64Array (the first of 8 slots, each
 * next one twice the last, up to 512: 44 KB), slots handed back by release() taken again first.
 * A chunk is never moved or grown, so an accumulator keeps a reference to its own.
 */
export class FigureSlab {
  private chunk = new Float64Array(0);
  private used = 0;
  private nextSlots = FIRST_CHUNK_SLOTS;
  private readonly freeChunks: Float64Array[] = [];
  private readonly freeAt: number[] = [];
  /** slots in use (tests, benches) */
  inUse = 0;

  /** A slot for `acc`: sets its chunk and offset. */
  take(acc: FigureAccumulator): void {
    this.inUse++;
    if (this.freeAt.length > 0) {
      acc.f = this.freeChunks.pop()!;
      acc.at = this.freeAt.pop()!;
      return;
    }
    if (this.used === this.chunk.length) {
      this.chunk = new Float64Array(this.nextSlots * FIGURE_STRIDE);
      this.used = 0;
      this.nextSlots = Math.min(MAX_CHUNK_SLOTS, this.nextSlots * 2);
    }
    acc.f = this.chunk;
    acc.at = this.used;
    this.used += FIGURE_STRIDE;
  }

  give(f: Float64Array, at: number): void {
    this.inUse--;
    this.freeChunks.push(f);
    this.freeAt.push(at);
  }
}

export class FigureAccumulator {
  count = 0;
  bad = 0;
  late = 0;
  /** the most decimals a sample's value had */
  decimals = 0;
  percentiles: PercentileCollector | undefined;
  /** where the running figures are: f[at .. at + FIGURE_STRIDE) */
  f: Float64Array;
  at = 0;
  private readonly slab: FigureSlab | undefined;

  /** `slab`: where to keep the running figures (release() gives them back); absent: an array of its own. */
  constructor(
    private readonly percentileMode: 'exact' | 'sketch' | undefined,
    slab?: FigureSlab,
  ) {
    this.percentiles = percentileMode ? new PercentileCollector(percentileMode) : undefined;
    this.slab = slab;
    if (slab) {
      this.f = EMPTY;
      slab.take(this);
    } else this.f = new Float64Array(FIGURE_STRIDE);
    clearFigures(this.f, this.at);
  }

  get sum(): number {
    return this.f[this.at + SUM];
  }
  get min(): number {
    return this.f[this.at + MIN];
  }
  get max(): number {
    return this.f[this.at + MAX];
  }
  get mean(): number {
    return this.f[this.at + MEAN];
  }
  get m2(): number {
    return this.f[this.at + M2];
  }
  get first(): number {
    return this.f[this.at + FIRST];
  }
  get last(): number {
    return this.f[this.at + LAST];
  }
  get firstTs(): number {
    return this.f[this.at + FIRST_TS];
  }
  get lastTs(): number {
    return this.f[this.at + LAST_TS];
  }

  /** Empty again, as if new (the slot is kept). */
  reset(): void {
    this.count = this.bad = this.late = this.decimals = 0;
    this.percentiles = this.percentileMode ? new PercentileCollector(this.percentileMode) : undefined;
    clearFigures(this.f, this.at);
  }

  /** Gives the slot back to the slab; the accumulator must not be used after. */
  release(): void {
    if (this.slab) this.slab.give(this.f, this.at);
    this.f = EMPTY;
  }

  /** A good, finite value. Samples must come in time order (a late one is counted by the window). */
  add(value: number, ts: number): void {
    const f = this.f;
    const at = this.at;
    const n = ++this.count;
    if (n === 1) {
      f[at + FIRST] = value;
      f[at + FIRST_TS] = ts;
    } else {
      this.holdLast(ts);
    }
    f[at + LAST] = value;
    f[at + LAST_TS] = ts;
    // a value already whole at the decimals seen costs no string conversion
    if (roundToDecimals(value, this.decimals) !== value) this.decimals = Math.max(this.decimals, inputDecimals(value));
    f[at + SUM] += value;
    if (value < f[at + MIN]) f[at + MIN] = value;
    if (value > f[at + MAX]) f[at + MAX] = value;
    const delta = value - f[at + MEAN];
    f[at + MEAN] += delta / n;
    f[at + M2] += delta * (value - f[at + MEAN]);
    if (this.percentiles) this.percentiles.add(value);
  }

  /** The last value held from its timestamp until `ts`. */
  private holdLast(ts: number): void {
    const f = this.f;
    const at = this.at;
    const w = ts - f[at + LAST_TS];
    if (w > 0) {
      f[at + TW_WEIGHT] += w;
      f[at + TW_MEAN] += (w * (f[at + LAST] - f[at + TW_MEAN])) / f[at + TW_WEIGHT];
    }
  }

  /**
   * Adds another accumulator's samples, all later than this one's (sliding windows merge their
   * panes this way): Chan et al.'s pairwise update for the variance, this one's last value held
   * until the other's first sample for the time-weighted mean.
   */
  merge(o: FigureAccumulator): void {
    this.bad += o.bad;
    this.late += o.late;
    if (o.decimals > this.decimals) this.decimals = o.decimals;
    if (o.percentiles && this.percentiles) this.percentiles.mergeFrom(o.percentiles);
    if (o.count === 0) return;
    const f = this.f;
    const at = this.at;
    const of = o.f;
    const oat = o.at;
    if (this.count === 0) {
      f[at + FIRST] = of[oat + FIRST];
      f[at + FIRST_TS] = of[oat + FIRST_TS];
      f[at + TW_MEAN] = of[oat + TW_MEAN];
      f[at + TW_WEIGHT] = of[oat + TW_WEIGHT];
      f[at + MEAN] = of[oat + MEAN];
      f[at + M2] = of[oat + M2];
    } else {
      this.holdLast(of[oat + FIRST_TS]);
      const oWeight = of[oat + TW_WEIGHT];
      if (oWeight > 0) {
        const w = f[at + TW_WEIGHT] + oWeight;
        f[at + TW_MEAN] += (oWeight * (of[oat + TW_MEAN] - f[at + TW_MEAN])) / w;
        f[at + TW_WEIGHT] = w;
      }
      const n = this.count + o.count;
      const delta = of[oat + MEAN] - f[at + MEAN];
      f[at + MEAN] += (delta * o.count) / n;
      f[at + M2] += of[oat + M2] + (delta * delta * this.count * o.count) / n;
    }
    this.count += o.count;
    f[at + SUM] += of[oat + SUM];
    if (of[oat + MIN] < f[at + MIN]) f[at + MIN] = of[oat + MIN];
    if (of[oat + MAX] > f[at + MAX]) f[at + MAX] = of[oat + MAX];
    f[at + LAST] = of[oat + LAST];
    f[at + LAST_TS] = of[oat + LAST_TS];
  }

  /** The figures, the last value held until `endTs` (pass the last sample's ts for count windows). */
  figures(endTs: number): WindowFigures {
    const f = this.f;
    const at = this.at;
    const count = this.count;
    let tw = f[at + MEAN];
    if (count > 0) {
      let twMean = f[at + TW_MEAN];
      let weight = f[at + TW_WEIGHT];
      const w = endTs - f[at + LAST_TS];
      if (w > 0) {
        weight += w;
        twMean += (w * (f[at + LAST] - twMean)) / weight;
      }
      if (weight > 0) tw = twMean;
    }
    const out: WindowFigures = {
      count,
      bad: this.bad,
      late: this.late,
      sum: f[at + SUM],
      min: count ? f[at + MIN] : NaN,
      max: count ? f[at + MAX] : NaN,
      mean: count ? f[at + MEAN] : NaN,
      timeWeightedMean: count ? tw : NaN,
      stddev: count > 1 ? Math.sqrt(Math.max(0, f[at + M2] / (count - 1))) : count === 1 ? 0 : NaN,
      first: f[at + FIRST],
      last: f[at + LAST],
      firstTs: f[at + FIRST_TS],
      lastTs: f[at + LAST_TS],
    };
    if (this.decimals > 0) out.decimals = this.decimals;
    if (this.percentiles) {
      const [p50, p95, p99] = this.percentiles.quantiles([0.5, 0.95, 0.99]);
      out.p50 = p50;
      out.p95 = p95;
      out.p99 = p99;
    }
    return out;
  }

  /** `valuesFrom`: the exact percentile values before it left out (persisted apart, see windows.ts changes()). */
  state(valuesFrom = 0): AccumulatorState {
    const f = this.f;
    const at = this.at;
    return {
      count: this.count,
      bad: this.bad,
      late: this.late,
      sum: f[at + SUM],
      min: f[at + MIN],
      max: f[at + MAX],
      mean: f[at + MEAN],
      m2: f[at + M2],
      first: f[at + FIRST],
      last: f[at + LAST],
      firstTs: f[at + FIRST_TS],
      lastTs: f[at + LAST_TS],
      twMean: f[at + TW_MEAN],
      twWeight: f[at + TW_WEIGHT],
      decimals: this.decimals,
      percentiles: this.percentiles?.state(valuesFrom),
    };
  }

  restore(s: AccumulatorState): void {
    const f = this.f;
    const at = this.at;
    this.count = s.count;
    this.bad = s.bad;
    this.late = s.late ?? 0;
    f[at + SUM] = s.sum;
    f[at + MIN] = s.min ?? Infinity;
    f[at + MAX] = s.max ?? -Infinity;
    f[at + MEAN] = s.mean;
    f[at + M2] = s.m2;
    f[at + FIRST] = s.first ?? NaN;
    f[at + LAST] = s.last ?? NaN;
    f[at + FIRST_TS] = s.firstTs ?? NaN;
    f[at + LAST_TS] = s.lastTs ?? NaN;
    f[at + TW_MEAN] = s.twMean;
    f[at + TW_WEIGHT] = s.twWeight;
    this.decimals = s.decimals ?? 0;
    if (this.percentiles && s.percentiles) this.percentiles.restore(s.percentiles);
  }
}

const EMPTY = new Float64Array(0);

/** the figures that are averages of the samples: two decimals more than the samples have */
const AVERAGED = ['mean', 'timeWeightedMean', 'stddev'] as const;
const AS_SAMPLES = ['sum', 'min', 'max', 'first', 'last', 'p50', 'p95', 'p99'] as const;

/**
 * A closed window's figures as people read them: to `decimals` when the node sets them, else to
 * the samples' own decimals (two more for mean, time-weighted mean and standard deviation), never
 * fewer than six significant digits (readableComputed). Counts are whole already.
 */
export function readableFigures(f: WindowFigures, decimals?: number): WindowFigures {
  const out: WindowFigures = { ...f };
  const round = (v: number, d: number) => (decimals === undefined ? readableComputed(v, d) : roundToDecimals(v, decimals));
  const samples = f.decimals ?? 0;
  for (const name of AS_SAMPLES) {
    const v = f[name];
    if (v !== undefined) out[name] = round(v, samples);
  }
  for (const name of AVERAGED) out[name] = round(f[name], samples + 2);
  return out;
}
