// RepeatedErrorLog (nodes/common): the first occurrence of each distinct error in full, the
// repeats counted, one "... repeated N times in the last 60 s" per minute and error, a summary
// of what is pending when the node closes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RepeatedErrorLog } from '../../nodes/common/repeated-errors';

function fakeClock() {
  const clock = { t: 0, timers: [] as Array<{ at: number; fn: () => void; cleared?: boolean; unref(): void }> };
  const advance = (ms: number) => {
    clock.t += ms;
    for (const timer of clock.timers.filter((x) => !x.cleared && x.at <= clock.t)) {
      timer.cleared = true;
      timer.fn();
    }
  };
  const opts = {
    now: () => clock.t,
    setTimer: (fn: () => void, ms: number) => {
      const timer = { at: clock.t + ms, fn, unref: () => undefined };
      clock.timers.push(timer);
      return timer;
    },
    clearTimer: (timer: unknown) => void ((timer as { cleared?: boolean }).cleared = true),
  };
  return { advance, opts };
}

test('first in full, repeats counted, one summary a minute per distinct error', () => {
  const lines: string[] = [];
  const { advance, opts } = fakeClock();
  const log = new RepeatedErrorLog((l) => lines.push(l), opts);
  const full: string[] = [];
  for (let i = 0; i < 185; i++) {
    log.report('queue plant: sqlite3 is not installed', () => full.push('sqlite'));
    if (i % 5 === 0) log.report('store: tag x is read-only');
    advance(35_000 / 185);
  }
  assert.deepEqual(full, ['sqlite'], 'the first occurrence only, by the caller');
  assert.deepEqual(lines, ['store: tag x is read-only']);
  advance(25_000);
  assert.deepEqual(lines.slice(1).sort(), ['queue plant: sqlite3 is not installed ... repeated 184 times in the last 60 s', 'store: tag x is read-only ... repeated 36 times in the last 60 s']);
  // a minute later the same error is new again: in full, then counted
  assert.equal(log.report('store: tag x is read-only'), true);
  assert.equal(log.report('store: tag x is read-only'), false);
  log.close();
  assert.equal(lines.at(-1), 'store: tag x is read-only ... repeated 1 time in the last 60 s');
  assert.equal(log.report('store: tag x is read-only'), true, 'a closed log forgets: a new node starts afresh');
});
