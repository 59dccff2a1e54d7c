// Window figures against a naive two-pass computation on random series (fast-check), including
// series at 1e9 with small noise, where the one-pass sum-of-squares variance loses every digit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FigureAccumulator } from '../../../lib/stats/figures';
import { PercentileCollector, EXACT_LIMIT, RELATIVE_ACCURACY } from '../../../lib/stats/percentiles';

interface Naive {
  count: number;
  sum: number;
  min: number;
  max: number;
  mean: number;
  stddev: number;
  timeWeightedMean: number;
}

/** Two passes: the mean first, then squared deviations from it. */
function naive(values: number[], ts: number[], endTs: number): Naive {
  const n = values.length;
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  let area = 0;
  let weight = 0;
  for (let i = 0; i < n; i++) {
    const until = i + 1 < n ? ts[i + 1] : endTs;
    area += (values[i] - mean) * (until - ts[i]);
    weight += until - ts[i];
  }
  return {
    count: n,
    sum,
    min: Math.min(...values),
    max: Math.max(...values),
    mean,
    stddev: n > 1 ? Math.sqrt(ss / (n - 1)) : 0,
    timeWeightedMean: weight > 0 ? mean + area / weight : mean,
  };
}

/** Agreement to 1e-9 of the scale, plus a few units in the last place of the values themselves. */
function close(actual: number, expected: number, scale: number, what: string, magnitude = 0): void {
  const tol = 1e-9 * Math.max(1, Math.abs(scale)) + 16 * Number.EPSILON * magnitude;
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} != ${expected} (tolerance ${tol})`);
}

const series = (offset: number, noise: number) =>
  fc.array(fc.record({ v: fc.double({ min: -noise, max: noise, noNaN: true }), dt: fc.integer({ min: 0, max: 5000 }) }), { minLength: 1, maxLength: 300 }).map((rows) => {
    let t = 1_700_000_000_000;
    return rows.map((r) => ({ v: offset + r.v, ts: (t += r.dt) }));
  });

function check(rows: Array<{ v: number; ts: number }>, spread: number, offset: number): void {
  const acc = new FigureAccumulator(undefined);
  for (const r of rows) acc.add(r.v, r.ts);
  const endTs = rows[rows.length - 1].ts + 1000;
  const f = acc.figures(endTs);
  const n = naive(
    rows.map((r) => r.v),
    rows.map((r) => r.ts),
    endTs,
  );
  assert.equal(f.count, n.count);
  assert.equal(f.min, n.min);
  assert.equal(f.max, n.max);
  assert.equal(f.first, rows[0].v);
  assert.equal(f.last, rows[rows.length - 1].v);
  close(f.sum, n.sum, Math.abs(n.sum) + spread * rows.length, 'sum');
  close(f.mean, n.mean, Math.abs(n.mean) + spread, 'mean');
  close(f.timeWeightedMean, n.timeWeightedMean, Math.abs(n.mean) + spread, 'time-weighted mean');
  // the deviation is compared relative to the spread of the values, not their offset
  close(f.stddev, n.stddev, spread, 'stddev', offset);
}

test('figures equal a two-pass computation on random series', () => {
  fc.assert(
    fc.property(series(0, 1e6), (rows) => check(rows, 1e6, 0)),
    { numRuns: 300 },
  );
});

test('figures hold at a 1e9 offset with small noise (where one-pass sum of squares fails)', () => {
  fc.assert(
    fc.property(series(1e9, 1), (rows) => check(rows, 1, 1e9)),
    { numRuns: 300 },
  );
  // the failure this guards against, shown on a fixed series: the textbook one-pass formula
  const values = [1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16];
  let s = 0;
  let s2 = 0;
  for (const v of values) {
    s += v;
    s2 += v * v;
  }
  const onePass = Math.sqrt(Math.max(0, (s2 - (s * s) / 4) / 3));
  const acc = new FigureAccumulator(undefined);
  values.forEach((v, i) => acc.add(v, i));
  assert.ok(Math.abs(acc.figures(4).stddev - Math.sqrt(30)) < 1e-6, `Welford: ${acc.figures(4).stddev}`);
  assert.ok(Math.abs(onePass - Math.sqrt(30)) > 0.1, `one-pass happens to be right here (${onePass}); the example no longer shows the failure`);
});

test('exact percentiles equal sorting and interpolating between ranks', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 500 }), (values) => {
      const p = new PercentileCollector('exact');
      for (const v of values) p.add(v);
      const sorted = [...values].sort((a, b) => a - b);
      const ref = (q: number) => {
        const h = (sorted.length - 1) * q;
        const lo = Math.floor(h);
        const hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
      };
      const got = p.quantiles([0.5, 0.95, 0.99]);
      [0.5, 0.95, 0.99].forEach((q, i) => close(got[i], ref(q), Math.abs(ref(q)) + 1, `p${q * 100}`));
    }),
    { numRuns: 200 },
  );
});

test('the time-window sketch is exact up to its limit, then within its relative accuracy', () => {
  const p = new PercentileCollector('sketch');
  const values: number[] = [];
  for (let i = 0; i < EXACT_LIMIT; i++) {
    const v = ((i * 7919) % 10007) + 0.5;
    values.push(v);
    p.add(v);
  }
  assert.equal(p.exact, true);
  const sorted = [...values].sort((a, b) => a - b);
  assert.equal(p.quantiles([0.5])[0], sorted[Math.floor((sorted.length - 1) * 0.5)] + 0.5 * (sorted[Math.ceil((sorted.length - 1) * 0.5)] - sorted[Math.floor((sorted.length - 1) * 0.5)]));
  for (let i = 0; i < 90_000; i++) {
    const v = -500 + ((i * 104729) % 100_003) / 10;
    values.push(v);
    p.add(v);
  }
  assert.equal(p.exact, false);
  values.sort((a, b) => a - b);
  const got = p.quantiles([0.5, 0.95, 0.99]);
  [0.5, 0.95, 0.99].forEach((q, i) => {
    const truth = values[Math.floor(q * (values.length - 1))];
    assert.ok(Math.abs(got[i] - truth) <= RELATIVE_ACCURACY * Math.abs(truth) + 1e-9, `p${q * 100}: ${got[i]} vs ${truth}`);
  });
  // the state survives a JSON round trip (persistence)
  const copy = new PercentileCollector('sketch');
  copy.restore(JSON.parse(JSON.stringify(p.state())));
  assert.deepEqual(copy.quantiles([0.5, 0.95, 0.99]), got);
});

test('a single sample, and a restored accumulator, give the same figures', () => {
  const a = new FigureAccumulator('exact');
  a.add(5, 1000);
  assert.deepEqual(
    { ...a.figures(2000) },
    { count: 1, bad: 0, late: 0, sum: 5, min: 5, max: 5, mean: 5, timeWeightedMean: 5, stddev: 0, first: 5, last: 5, firstTs: 1000, lastTs: 1000, p50: 5, p95: 5, p99: 5 },
  );
  a.add(7, 1500);
  a.bad = 2;
  const b = new FigureAccumulator('exact');
  b.restore(JSON.parse(JSON.stringify(a.state())));
  assert.deepEqual(b.figures(2000), a.figures(2000));
  assert.equal(a.figures(2000).timeWeightedMean, 6);
});
