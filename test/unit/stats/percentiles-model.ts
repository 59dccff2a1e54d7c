// The percentile collector as it was before its exact values moved from a Float64Array of their
// own into a plain array of doubles, kept as the model the new one must match bit for bit
// (figures-slab.test.ts).
import { BucketCounts } from '../../../lib/stats/bucket-counts';
import { EXACT_LIMIT, RELATIVE_ACCURACY, type PercentileState } from '../../../lib/stats/percentiles';

const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
const ZERO = 1e-300;

export class TypedPercentileCollector {
  private values = new Float64Array(16);
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
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
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
    const sorted = this.values.slice(0, n).sort();
    return qs.map((q) => {
      const h = (n - 1) * q;
      const lo = Math.floor(h);
      const hi = Math.min(n - 1, lo + 1);
      return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    });
  }

  /** Adds every value (or sketch bucket) of another collector. */
  mergeFrom(o: TypedPercentileCollector): void {
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
    this.values = new Float64Array(0);
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
    return { mode: this.mode, values: Array.from(this.values.subarray(valuesFrom, this.n)) };
  }

  /** How many exact values are kept; undefined once the values moved into the sketch. */
  get exactCount(): number | undefined {
    return this.positive ? undefined : this.n;
  }

  /** The exact values from index `from` up to `to` (values are only ever appended while exact). */
  exactValues(from: number, to: number): number[] {
    return Array.from(this.values.subarray(from, Math.min(to, this.n)));
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
    this.values = new Float64Array(Math.max(16, s.values?.length ?? 0));
    for (const v of s.values ?? []) this.values[this.n++] = v;
  }
}
