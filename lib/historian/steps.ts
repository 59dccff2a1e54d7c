// Downsampling: a tag's samples (in time order) as one row per step that has samples, the step
// numbered from the query's start ((ts - from) / step, the row's ts the step's start). min, max and
// avg are over the numeric field (numbers, booleans as 0/1, bigints; strings and NaN have none,
// as SQL's aggregates skip NULL), a step's quality is its worst, `last` is the step's last sample
// with its own type and quality, and count is every sample of the step.
import type { Aggregate, HistorianRow } from './query';
import { decodeValue, qualityOf, type EncodedSample, type ValueKind } from './values';

interface Step {
  index: number;
  count: number;
  worst: number;
  numbers: number;
  min: number;
  max: number;
  sum: number;
  /** the compensation of sum (Kahan-Babuska-Neumaier, as SQLite's avg() sums) */
  error: number;
  last: EncodedSample;
}

function aggregateOf(step: Step, agg: Exclude<Aggregate, 'last'>): number | null {
  if (agg === 'count') return step.count;
  if (step.numbers === 0) return null;
  if (agg === 'min') return step.min;
  if (agg === 'max') return step.max;
  const total = Number.isFinite(step.sum) ? step.sum + step.error : step.sum;
  const avg = total / step.numbers;
  return Number.isNaN(avg) ? null : avg;
}

/** Rows of one tag's steps, fed its samples in time order; full once `limit` rows are made. */
export class Downsampler {
  readonly rows: Array<Omit<HistorianRow, 'tag'>> = [];
  private step: Step | undefined;

  constructor(
    private readonly from: number,
    private readonly size: number,
    private readonly agg: Aggregate,
    private readonly limit: number,
  ) {}

  get full(): boolean {
    return this.rows.length >= this.limit;
  }

  add(ts: number, num: number | null, text: string | null, kind: ValueKind, quality: number): void {
    const index = Math.floor((ts - this.from) / this.size);
    let step = this.step;
    if (!step || step.index !== index) {
      if (step) this.close(step);
      if (this.full) return;
      step = this.step = { index, count: 0, worst: 0, numbers: 0, min: Infinity, max: -Infinity, sum: 0, error: 0, last: { ts, num, text, kind, quality } };
    }
    step.count++;
    if (this.agg === 'last') step.last = { ts, num, text, kind, quality };
    if (quality > step.worst) step.worst = quality;
    if (typeof num === 'number' && !Number.isNaN(num)) {
      step.numbers++;
      if (num < step.min) step.min = num;
      if (num > step.max) step.max = num;
      const t = step.sum + num;
      step.error += Math.abs(step.sum) >= Math.abs(num) ? step.sum - t + num : num - t + step.sum;
      step.sum = t;
    }
  }

  /** The rows, the last step's included. */
  finish(): Array<Omit<HistorianRow, 'tag'>> {
    if (this.step) this.close(this.step);
    this.step = undefined;
    return this.rows;
  }

  private close(step: Step): void {
    if (this.full) return;
    const ts = this.from + step.index * this.size;
    const { last } = step;
    if (this.agg === 'last') this.rows.push({ ts, value: decodeValue(last.num, last.text, last.kind), quality: qualityOf(last.quality), count: step.count });
    else this.rows.push({ ts, value: aggregateOf(step, this.agg), quality: qualityOf(step.worst), count: step.count });
  }
}
