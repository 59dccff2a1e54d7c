import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBuckets } from '../../../../lib/api/auth/token-buckets';

describe('TokenBuckets', () => {
  test('lets a burst through, then answers the seconds until the next token', () => {
    let now = 0;
    const b = new TokenBuckets({ perSecond: 2, burst: 3, sweepMs: 0, now: () => now });
    assert.deepEqual([b.take('k'), b.take('k'), b.take('k')], [0, 0, 0]);
    assert.equal(b.take('k'), 1, 'one token every 500 ms: wait rounded up to 1 s');
    assert.equal(b.take('other'), 0, 'buckets are per key');
    now += 500;
    assert.equal(b.take('k'), 0, 'refilled one token');
    assert.equal(b.take('k'), 1);
    b.close();
  });

  test('waitFor looks without taking', () => {
    let now = 0;
    const b = new TokenBuckets({ perSecond: 0.1, burst: 1, sweepMs: 0, now: () => now });
    assert.equal(b.waitFor('a'), 0);
    assert.equal(b.size, 0, 'looking creates no bucket');
    assert.equal(b.take('a'), 0);
    assert.equal(b.waitFor('a'), 10, 'a token every 10 s');
    now += 4000;
    assert.equal(b.waitFor('a'), 6);
    b.close();
  });

  test('the sweep drops buckets that have refilled; the cap drops the longest idle first', () => {
    let now = 0;
    const b = new TokenBuckets({ perSecond: 1, burst: 2, maxBuckets: 3, sweepMs: 0, now: () => now });
    for (const k of ['a', 'b', 'c']) b.take(k);
    now += 100;
    b.take('a'); // a is now the most recently used
    b.take('d'); // over the cap: b (longest idle) goes
    assert.equal(b.size, 3);
    now += 100;
    b.take('b');
    assert.equal(b.take('b'), 0, 'b was dropped, so it came back full');
    now += 5000;
    assert.equal(b.sweep(), 3, 'every bucket refilled after 5 s');
    assert.equal(b.size, 0);
    b.close();
  });

  test('a timer sweeps idle buckets', async () => {
    const b = new TokenBuckets({ perSecond: 1000, burst: 1, sweepMs: 20 });
    b.take('x');
    assert.equal(b.size, 1);
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(b.size, 0);
    b.close();
  });

  test('refuses a rate that cannot work', () => {
    assert.throws(() => new TokenBuckets({ perSecond: 0, burst: 1 }), RangeError);
    assert.throws(() => new TokenBuckets({ perSecond: 1, burst: 0.5 }), RangeError);
  });
});
