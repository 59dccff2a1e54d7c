// The sketch's bucket counts against a Map of the same additions (the store they replaced): any
// order of indices, counts merged, and spreads past the typed array's range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BucketCounts, MAX_DENSE } from '../../../lib/stats/bucket-counts';
import { PercentileCollector, EXACT_LIMIT, RELATIVE_ACCURACY } from '../../../lib/stats/percentiles';

function model(adds: Array<[number, number]>): Array<[number, number]> {
  const m = new Map<number, number>();
  for (const [i, c] of adds) m.set(i, (m.get(i) ?? 0) + c);
  return [...m].sort((a, b) => a[0] - b[0]);
}

test('bucket counts hold what a Map of the same additions holds, in index order', () => {
  const index = fc.oneof(fc.integer({ min: -40, max: 40 }), fc.integer({ min: -3 * MAX_DENSE, max: 3 * MAX_DENSE }), fc.integer({ min: -35_000, max: 35_000 }));
  fc.assert(
    fc.property(fc.array(fc.tuple(index, fc.integer({ min: 1, max: 1000 })), { maxLength: 300 }), (adds) => {
      const b = new BucketCounts();
      for (const [i, c] of adds) b.add(i, c);
      const want = model(adds);
      assert.deepEqual(b.ascending(), want);
      assert.equal(
        b.total(),
        want.reduce((n, [, c]) => n + c, 0),
      );
    }),
    { numRuns: 300 },
  );
});

test('a drift down and up one bucket at a time keeps every count', () => {
  const b = new BucketCounts();
  const adds: Array<[number, number]> = [];
  for (let i = 0; i < 1500; i++) adds.push([-i, 1], [i, 2]);
  for (const [i, c] of adds) b.add(i, c);
  assert.deepEqual(b.ascending(), model(adds));
});

test('an hour at 1 s: the first 1,024 values exact, the hour within the sketch accuracy, the same after a state round trip', () => {
  const p = new PercentileCollector('sketch');
  const values: number[] = [];
  // a flow temperature: 55 °C with a daily wave and sensor noise, two decimals
  for (let s = 0; s < 3600; s++) {
    const v = Math.round((55 + 8 * Math.sin(s / 600) + ((s * 7919) % 97) / 97 - 0.5) * 100) / 100;
    values.push(v);
    p.add(v);
    if (s + 1 === EXACT_LIMIT) {
      assert.equal(p.exact, true);
      const sorted = [...values].sort((a, b) => a - b);
      const h = (sorted.length - 1) * 0.95;
      assert.equal(p.quantiles([0.95])[0], sorted[Math.floor(h)] + (h - Math.floor(h)) * (sorted[Math.ceil(h)] - sorted[Math.floor(h)]));
    }
  }
  assert.equal(p.exact, false);
  const sorted = [...values].sort((a, b) => a - b);
  const got = p.quantiles([0.5, 0.95, 0.99]);
  [0.5, 0.95, 0.99].forEach((q, k) => {
    const truth = sorted[Math.floor(q * (sorted.length - 1))];
    assert.ok(Math.abs(got[k] - truth) <= RELATIVE_ACCURACY * Math.abs(truth), `p${q * 100}: ${got[k]} vs ${truth}`);
  });
  const copy = new PercentileCollector('sketch');
  copy.restore(JSON.parse(JSON.stringify(p.state())));
  assert.deepEqual(copy.quantiles([0.5, 0.95, 0.99]), got);
  // a state saved by a version that kept 10,000 values exact continues into the sketch
  const old = new PercentileCollector('sketch');
  old.restore({ mode: 'sketch', values: values.slice(0, 3000) });
  assert.equal(old.exact, true);
  for (const v of values.slice(3000)) old.add(v);
  assert.equal(old.exact, false);
  assert.deepEqual(old.quantiles([0.5, 0.95, 0.99]), got);
});
