// Percentiles of a window. Count windows keep every value: exact (linear interpolation between
// the two nearest ranks, numpy's default / Excel PERCENTILE.INC). Time windows keep every value
// up to EXACT_LIMIT samples, also exact; beyond that the values move into a logarithmic bucket
// sketch (DDSketch, Masson et al. 2019) whose answers are within RELATIVE_ACCURACY (1 %) of the
// value of the true rank, in memory that grows with the log of the value range, not with the
// number of samples. A relative error is relative to the value: for data far from zero (a
// series around 1e9) that is a large absolute error, so percentiles of such data want count windows.
//
// The limit is what a tag costs: an hour at 1-second scans is 3,600 values, 32 KB a tag kept
// exact (3.2 MB a 100-tag device, more than everything else a device costs); its sketch is a few
// hundred bytes. 1,024 values keep a quarter of an hour at 1 s (and any window at 10 s scans up
// to almost three hours) exact.

import { BucketCounts } from './bucket-counts';

export const EXACT_LIMIT = 1_024;
export const RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
/** |x| below this counts as zero in the sketch */
const ZERO = 1e-300;

export interface PercentileState {
  mode: 'exact' | 'sketch';
  values?: number[];
  positive?: Array<[number, number]>;
  negative?: Array<[number, number]>;
  zeros?: number;
}

/** An array of `length` doubles, zero: one backing store of exactly that many unboxed doubles. */
function doubles(length: number): number[] {
  const a = new Array<number>(length).fill(0.5);
  a.fill(0);
  return a;
}

export class PercentileCollector {
  /**
   * The exact values: the first `n` of an array of doubles of a fixed capacity (its length), 16 at
   * first, twice as long when full. A plain array, not a Float64Array: a typed array of its own
   * costs each collector an ArrayBuffer object and a backing store besides, about 300 bytes a
   * window (docs/performance.md). Sorted as a Float64Array, in the same order as before.
   */
  private values: number[] = doubles(16);
  private n = 0;
  /** set once a sketch window passes EXACT_LIMIT */
  private positive: BucketCounts | undefined;
  private negative: BucketCounts | undefined;
  private zeros = 0;

  constructor(readonly mode: 'exact' | 'sketch') {}

  add(x: number): void {
    if (this.positive) {
      this.sketchAdd(x);
      return;
    }
    if (this.n === this.values.length) {
      if (this.mode === 'sketch' && this.n >= EXACT_LIMIT) {
        // the capacity doubles, so the switch happens at the first power of two past the limit
        this.toSketch();
        this.sketchAdd(x);
        return;
      }
      const grown = doubles(this.values.length * 2);
      for (let i = 0; i < this.n; i++) grown[i] = this.values[i];
      this.values = grown;
    }
    this.values[this.n++] = x;
  }

  /** Whether the answers are exact (false once a time window switched to the sketch). */
  get exact(): boolean {
    return !this.positive;
  }

  quantiles(qs: number[]): number[] {
    if (this.positive) return qs.map((q) => this.sketchQuantile(q));
    const n = this.n;
    if (n === 0) return qs.map(() => NaN);
    const sorted = new Float64Array(this.values.slice(0, n)).sort();
    return qs.map((q) => {
      const h = (n - 1) * q;
      const lo = Math.floor(h);
      const hi = Math.min(n - 1, lo + 1);
      return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    });
  }

  /** Adds every value (or sketch bucket) of another collector. */
  mergeFrom(o: PercentileCollector): void {
    if (o.positive) {
      if (!this.positive) this.toSketch();
      for (const [i, c] of o.positive.ascending()) this.positive!.add(i, c);
      for (const [i, c] of o.negative!.ascending()) this.negative!.add(i, c);
      this.zeros += o.zeros;
      this.n += o.n;
      return;
    }
    for (let i = 0; i < o.n; i++) this.add(o.values[i]);
  }

  private toSketch(): void {
    this.positive = new BucketCounts();
    this.negative = new BucketCounts();
    const n = this.n;
    this.n = 0;
    for (let i = 0; i < n; i++) this.sketchAdd(this.values[i]);
    this.values = [];
  }

  private sketchAdd(x: number): void {
    this.n++;
    if (Math.abs(x) < ZERO) this.zeros++;
    else {
      const store = x > 0 ? this.positive! : this.negative!;
      store.add(Math.ceil(Math.log(Math.abs(x)) / LOG_GAMMA));
    }
  }

  private sketchQuantile(q: number): number {
    const rank = q * (this.n - 1);
    let seen = 0;
    const bucketValue = (i: number) => (2 * Math.pow(GAMMA, i)) / (GAMMA + 1);
    const neg = this.negative!.ascending().reverse();
    for (const [i, c] of neg) {
      seen += c;
      if (seen > rank) return -bucketValue(i);
    }
    seen += this.zeros;
    if (seen > rank) return 0;
    const pos = this.positive!.ascending();
    for (const [i, c] of pos) {
      seen += c;
      if (seen > rank) return bucketValue(i);
    }
    return pos.length ? bucketValue(pos[pos.length - 1][0]) : 0;
  }

  /** The state to persist; `valuesFrom`: the exact values before it left out (the caller keeps them apart, exactValues). */
  state(valuesFrom = 0): PercentileState {
    if (this.positive) return { mode: this.mode, positive: this.positive.ascending(), negative: this.negative!.ascending(), zeros: this.zeros, values: [] };
    return { mode: this.mode, values: this.values.slice(valuesFrom, this.n) };
  }

  /** How many exact values are kept; undefined once the values moved into the sketch. */
  get exactCount(): number | undefined {
    return this.positive ? undefined : this.n;
  }

  /** The exact values from index `from` up to `to` (values are only ever appended while exact). */
  exactValues(from: number, to: number): number[] {
    return this.values.slice(from, Math.min(to, this.n));
  }

  restore(s: PercentileState): void {
    this.n = 0;
    if (s.positive) {
      this.positive = new BucketCounts();
      this.negative = new BucketCounts();
      for (const [i, c] of s.positive) this.positive.add(i, c);
      for (const [i, c] of s.negative ?? []) this.negative.add(i, c);
      this.zeros = s.zeros ?? 0;
      this.n = this.positive.total() + this.negative.total() + this.zeros;
      return;
    }
    this.positive = this.negative = undefined;
    this.values = doubles(Math.max(16, s.values?.length ?? 0));
    // as a Float64Array would hold them: numbers
    for (const v of s.values ?? []) this.values[this.n++] = Number(v);
  }
}
