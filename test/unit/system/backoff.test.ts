import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ExponentialBackoff } from '../../../lib/system/retry/backoff';

describe('ExponentialBackoff sequence', () => {
  test('every delay lies within [base*(1-jitter), base] of its own attempt, whatever the random source says', () => {
    const bases = [250, 500, 1000, 2000, 4000, 8000, 8000, 8000];
    for (const r of [0, 0.25, 0.5, 0.999999]) {
      const b = new ExponentialBackoff({ minMs: 250, maxMs: 8000, jitter: 0.3, random: () => r });
      const delays = bases.map(() => b.next());
      delays.forEach((d, i) => {
        assert.ok(d >= Math.floor(bases[i] * 0.7) && d <= bases[i], `random ${r}, attempt ${i}: ${d} outside [${bases[i] * 0.7}, ${bases[i]}]`);
      });
      assert.equal(delays[0], Math.round(250 * (1 - 0.3 * r)));
    }
  });

  test('a growth factor of 3 and the default jitter with Math.random stay within the bounds', () => {
    const b = new ExponentialBackoff({ minMs: 10, maxMs: 1000, factor: 3 });
    const bases = [10, 30, 90, 270, 810, 1000, 1000];
    for (let round = 0; round < 50; round++) {
      b.reset();
      for (const base of bases) {
        const d = b.next();
        assert.ok(d >= Math.floor(base * 0.7) && d <= base, `attempt base ${base}: ${d}`);
      }
    }
  });

  test('without jitter the sequence is exact, and stays at max after thousands of attempts (no overflow to NaN or Infinity)', () => {
    const b = new ExponentialBackoff({ minMs: 500, maxMs: 10_000, jitter: 0 });
    assert.deepEqual(
      Array.from({ length: 7 }, () => b.next()),
      [500, 1000, 2000, 4000, 8000, 10_000, 10_000],
    );
    for (let i = 0; i < 5000; i++) b.next();
    assert.equal(b.next(), 10_000);
    b.reset();
    assert.equal(b.next(), 500);
  });
});
