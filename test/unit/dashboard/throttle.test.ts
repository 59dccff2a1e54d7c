// The per-widget throttle: at most maxPerSecond deliveries per key, the latest value wins, keys are
// independent, and nothing is delivered after a key is dropped or the throttle closed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThrottleConfigError, WidgetThrottle } from '../../../lib/dashboard/throttle';
import { ManualClock } from './fixtures';

test('the first value goes at once; values within the interval are held and the latest one is sent at its end', () => {
  const clock = new ManualClock();
  const got: Array<[string, number, number]> = [];
  const th = new WidgetThrottle<number>(4, (k, v) => got.push([k, v, clock.now()]), clock);
  th.offer('w', 1);
  assert.deepEqual(got, [['w', 1, 0]]);
  clock.advance(100);
  th.offer('w', 2);
  clock.advance(50);
  th.offer('w', 3);
  assert.equal(got.length, 1, 'held within the 250 ms interval');
  clock.advance(100);
  assert.deepEqual(got[1], ['w', 3, 250], 'the latest value, at the end of the interval');
  assert.deepEqual(th.stats(), { keys: 1, delivered: 2, superseded: 1 });
});

test('10 changes a second for 1,000 tags on one widget: at most 4 deliveries a second, the last value last', () => {
  const clock = new ManualClock();
  const got: number[] = [];
  const th = new WidgetThrottle<number>(4, (_k, v) => got.push(v), clock);
  let value = 0;
  for (let step = 0; step < 100; step++) {
    for (let tag = 0; tag < 1000; tag++) th.offer('device page', ++value);
    clock.advance(100);
  }
  clock.advance(1000);
  assert.ok(got.length <= 4 * 10 + 1, `${got.length} deliveries in 10 s`);
  assert.ok(got.length >= 4 * 10 - 1, `${got.length} deliveries in 10 s: the widget still moves`);
  assert.equal(got[got.length - 1], value, 'the latest value wins');
});

test('keys are throttled apart: one busy widget does not hold back another', () => {
  const clock = new ManualClock();
  const got: string[] = [];
  const th = new WidgetThrottle<string>(2, (k, v) => got.push(`${k}=${v}`), clock);
  th.offer('a', 'a1');
  th.offer('a', 'a2');
  th.offer('b', 'b1');
  assert.deepEqual(got, ['a=a1', 'b=b1']);
  clock.advance(500);
  assert.deepEqual(got, ['a=a1', 'b=b1', 'a=a2']);
});

test('a dropped key and a closed throttle deliver nothing they held, and leave no timer', () => {
  const clock = new ManualClock();
  const got: number[] = [];
  const th = new WidgetThrottle<number>(1, (_k, v) => got.push(v), clock);
  th.offer('a', 1);
  th.offer('a', 2);
  th.offer('b', 1);
  th.offer('b', 2);
  th.drop('a');
  assert.equal(clock.pending, 1);
  th.close();
  assert.equal(clock.pending, 0);
  clock.advance(5000);
  assert.deepEqual(got, [1, 1]);
  assert.equal(th.stats().keys, 0);
});

test('a rate that is not above 0 is refused, naming the field', () => {
  assert.throws(
    () => new WidgetThrottle(0, () => undefined),
    (e: unknown) => e instanceof ThrottleConfigError && e.field === 'maxPerSecond',
  );
  assert.throws(() => new WidgetThrottle(Number.NaN, () => undefined), ThrottleConfigError);
});

test('a value that asks for a longer pause holds the next one that long; a small one after it asks for the interval again', () => {
  const clock = new ManualClock();
  const got: Array<[string, number]> = [];
  const th = new WidgetThrottle<string>(4, (_k, v) => got.push([v, clock.now()]), clock);
  th.offer('w', 'big', 500);
  clock.advance(300);
  th.offer('w', 'small');
  clock.advance(100);
  assert.equal(got.length, 1, 'past the 250 ms interval, within the 500 ms the big one asked for');
  clock.advance(100);
  assert.deepEqual(got, [
    ['big', 0],
    ['small', 500],
  ]);
  clock.advance(250);
  th.offer('w', 'next');
  assert.deepEqual(got.at(-1), ['next', 750], 'after a small one, the interval');
  th.close();
});
