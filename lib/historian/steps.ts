// Downsampling: a tag's samples (in time order) as one row per step that has samples, the step
// numbered from the query's start ((ts - from) / step, the row's ts the step's start). min, max and
// avg are over the numeric field (numbers, booleans as 0/1, bigints; strings and NaN have none,
// as SQL's aggregates skip NULL), a step's quality is its worst, `last` is the step's last sample
// with its own type and quality, and count is every sample of the step.
import type { Aggregate, HistorianRow } from './query';
import { decodeValue, qualityOf, type EncodedSample } from './values';

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

function rowOf(step: Step, from: number, size: number, agg: Aggregate): Omit<HistorianRow, 'tag'> {
  const ts = from + step.index * size;
  if (agg === 'last') return { ts, value: decodeValue(step.last.num, step.last.text, step.last.kind), quality: qualityOf(step.last.quality), count: step.count };
  return { ts, value: aggregateOf(step, agg), quality: qualityOf(step.worst), count: step.count };
}

/** At most `limit` rows, one per step of `size` ms from `from` that has samples. */
export function downsample(samples: readonly EncodedSample[], from: number, size: number, agg: Aggregate, limit: number): Array<Omit<HistorianRow, 'tag'>> {
  const rows: Array<Omit<HistorianRow, 'tag'>> = [];
  let step: Step | undefined;
  for (const s of samples) {
    const index = Math.floor((s.ts - from) / size);
    if (!step || step.index !== index) {
      if (step) {
        rows.push(rowOf(step, from, size, agg));
        if (rows.length >= limit) return rows;
      }
      step = { index, count: 0, worst: 0, numbers: 0, min: Infinity, max: -Infinity, sum: 0, error: 0, last: s };
    }
    step.count++;
    step.last = s;
    if (s.quality > step.worst) step.worst = s.quality;
    const x = s.num;
    if (typeof x === 'number' && !Number.isNaN(x)) {
      step.numbers++;
      if (x < step.min) step.min = x;
      if (x > step.max) step.max = x;
      const t = step.sum + x;
      step.error += Math.abs(step.sum) >= Math.abs(x) ? step.sum - t + x : x - t + step.sum;
      step.sum = t;
    }
  }
  if (step && rows.length < limit) rows.push(rowOf(step, from, size, agg));
  return rows;
}
