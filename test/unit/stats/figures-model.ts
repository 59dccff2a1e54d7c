// The figure accumulator as it was before its running figures moved into a Float64Array (a dozen
// number fields), kept as the model the array-backed one must match bit for bit
// (figures-slab.test.ts).
import { PercentileCollector } from '../../../lib/stats/percentiles';
import type { AccumulatorState, WindowFigures } from '../../../lib/stats/figures';
import { inputDecimals, roundToDecimals } from '../../../lib/tags/readable';

export class FieldAccumulator {
  count = 0;
  bad = 0;
  late = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  mean = 0;
  m2 = 0;
  first = NaN;
  last = NaN;
  firstTs = NaN;
  lastTs = NaN;
  private twMean = 0;
  private twWeight = 0;
  /** the most decimals a sample's value had */
  decimals = 0;
  readonly percentiles: PercentileCollector | undefined;

  constructor(percentiles: 'exact' | 'sketch' | undefined) {
    this.percentiles = percentiles ? new PercentileCollector(percentiles) : undefined;
  }

  /** A good, finite value. Samples must come in time order (a late one is counted by the window). */
  add(value: number, ts: number): void {
    const n = ++this.count;
    if (n === 1) {
      this.first = value;
      this.firstTs = ts;
    } else {
      this.holdLast(ts);
    }
    this.last = value;
    this.lastTs = ts;
    // a value already whole at the decimals seen costs no string conversion
    if (roundToDecimals(value, this.decimals) !== value) this.decimals = Math.max(this.decimals, inputDecimals(value));
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    const delta = value - this.mean;
    this.mean += delta / n;
    this.m2 += delta * (value - this.mean);
    if (this.percentiles) this.percentiles.add(value);
  }

  /** The last value held from its timestamp until `ts`. */
  private holdLast(ts: number): void {
    const w = ts - this.lastTs;
    if (w > 0) {
      this.twWeight += w;
      this.twMean += (w * (this.last - this.twMean)) / this.twWeight;
    }
  }

  /**
   * Adds another accumulator's samples, all later than this one's (sliding windows merge their
   * panes this way): Chan et al.'s pairwise update for the variance, this one's last value held
   * until the other's first sample for the time-weighted mean.
   */
  merge(o: FieldAccumulator): void {
    this.bad += o.bad;
    this.late += o.late;
    if (o.decimals > this.decimals) this.decimals = o.decimals;
    if (o.percentiles && this.percentiles) this.percentiles.mergeFrom(o.percentiles);
    if (o.count === 0) return;
    if (this.count === 0) {
      this.first = o.first;
      this.firstTs = o.firstTs;
      this.twMean = o.twMean;
      this.twWeight = o.twWeight;
      this.mean = o.mean;
      this.m2 = o.m2;
    } else {
      this.holdLast(o.firstTs);
      if (o.twWeight > 0) {
        const w = this.twWeight + o.twWeight;
        this.twMean += (o.twWeight * (o.twMean - this.twMean)) / w;
        this.twWeight = w;
      }
      const n = this.count + o.count;
      const delta = o.mean - this.mean;
      this.mean += (delta * o.count) / n;
      this.m2 += o.m2 + (delta * delta * this.count * o.count) / n;
    }
    this.count += o.count;
    this.sum += o.sum;
    if (o.min < this.min) this.min = o.min;
    if (o.max > this.max) this.max = o.max;
    this.last = o.last;
    this.lastTs = o.lastTs;
  }

  /** The figures, the last value held until `endTs` (pass the last sample's ts for count windows). */
  figures(endTs: number): WindowFigures {
    const count = this.count;
    let tw = this.mean;
    if (count > 0) {
      let twMean = this.twMean;
      let weight = this.twWeight;
      const w = endTs - this.lastTs;
      if (w > 0) {
        weight += w;
        twMean += (w * (this.last - twMean)) / weight;
      }
      if (weight > 0) tw = twMean;
    }
    const f: WindowFigures = {
      count,
      bad: this.bad,
      late: this.late,
      sum: this.sum,
      min: count ? this.min : NaN,
      max: count ? this.max : NaN,
      mean: count ? this.mean : NaN,
      timeWeightedMean: count ? tw : NaN,
      stddev: count > 1 ? Math.sqrt(Math.max(0, this.m2 / (count - 1))) : count === 1 ? 0 : NaN,
      first: this.first,
      last: this.last,
      firstTs: this.firstTs,
      lastTs: this.lastTs,
    };
    if (this.decimals > 0) f.decimals = this.decimals;
    if (this.percentiles) {
      const [p50, p95, p99] = this.percentiles.quantiles([0.5, 0.95, 0.99]);
      f.p50 = p50;
      f.p95 = p95;
      f.p99 = p99;
    }
    return f;
  }

  /** `valuesFrom`: the exact percentile values before it left out (persisted apart, see windows.ts changes()). */
  state(valuesFrom = 0): AccumulatorState {
    return {
      count: this.count,
      bad: this.bad,
      late: this.late,
      sum: this.sum,
      min: this.min,
      max: this.max,
      mean: this.mean,
      m2: this.m2,
      first: this.first,
      last: this.last,
      firstTs: this.firstTs,
      lastTs: this.lastTs,
      twMean: this.twMean,
      twWeight: this.twWeight,
      decimals: this.decimals,
      percentiles: this.percentiles?.state(valuesFrom),
    };
  }

  restore(s: AccumulatorState): void {
    this.count = s.count;
    this.bad = s.bad;
    this.late = s.late ?? 0;
    this.sum = s.sum;
    this.min = s.min ?? Infinity;
    this.max = s.max ?? -Infinity;
    this.mean = s.mean;
    this.m2 = s.m2;
    this.first = s.first ?? NaN;
    this.last = s.last ?? NaN;
    this.firstTs = s.firstTs ?? NaN;
    this.lastTs = s.lastTs ?? NaN;
    this.twMean = s.twMean;
    this.twWeight = s.twWeight;
    this.decimals = s.decimals ?? 0;
    if (this.percentiles && s.percentiles) this.percentiles.restore(s.percentiles);
  }
}
