// The policies added for the circuit-breaker node: failure rate within a window, an open time
// that grows on reopenings up to a maximum, and several half-open probes.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker, OutcomeWindow, reasonWords, type CircuitBreakerOptions, type CircuitStateChange } from '../../../lib/breaker';
import { ConfigFieldError as CircuitConfigError } from '../../../lib/config/fields';

function clocked(opts: Omit<CircuitBreakerOptions, 'now'>) {
  const clock = { t: 5_000_000 };
  const breaker = new CircuitBreaker({ ...opts, now: () => clock.t });
  const changes: CircuitStateChange[] = [];
  breaker.on('state', (c: CircuitStateChange) => changes.push(c));
  return { clock, breaker, changes };
}

describe('CircuitBreaker policies', () => {
  test('failure rate: opens when the rate within the window reaches the threshold, not before minCalls', () => {
    const { breaker, changes, clock } = clocked({ failureRate: { rate: 0.5, windowMs: 10_000, minCalls: 6 }, resetTimeoutMs: 1000 });
    // alternating outcomes: never 2 consecutive failures, but 50% of them fail
    for (let i = 0; i < 5; i++) {
      if (i % 2 === 0) breaker.failure();
      else breaker.success();
      clock.t += 100;
    }
    assert.equal(breaker.state(), 'closed', '5 outcomes are fewer than minCalls');
    breaker.success();
    breaker.failure(); // 7 outcomes, 4 failures: 57%
    assert.equal(breaker.state(), 'open');
    assert.equal(changes.length, 1);
    assert.match(changes[0].reason, /failure rate 57% \(4\/7\) within 10 s/);
  });

  test('failure rate: outcomes older than the window no longer count', () => {
    const { breaker, clock } = clocked({ failureRate: { rate: 0.5, windowMs: 1000, minCalls: 4 }, resetTimeoutMs: 1000 });
    breaker.failure();
    breaker.failure();
    breaker.failure();
    clock.t += 2000; // the three failures leave the window
    breaker.success();
    breaker.success();
    breaker.success();
    breaker.failure();
    assert.equal(breaker.state(), 'closed', '1 failure of 4 within the window is 25%');
  });

  test('rate and consecutive thresholds together: whichever trips first', () => {
    const { breaker, changes } = clocked({ failureThreshold: 3, failureRate: { rate: 0.9, windowMs: 60_000, minCalls: 100 }, resetTimeoutMs: 1000 });
    breaker.failure();
    breaker.failure();
    breaker.failure();
    assert.equal(breaker.state(), 'open');
    assert.equal(changes[0].reason, '3 consecutive failures');
  });

  test('the open time doubles on each reopening up to the maximum and falls back after a close', () => {
    const { breaker, clock, changes } = clocked({ failureThreshold: 1, resetTimeoutMs: 1000, maxResetTimeoutMs: 5000 });
    const opens: number[] = [];
    breaker.failure();
    for (let i = 0; i < 4; i++) {
      opens.push(breaker.retryInMs());
      clock.t += breaker.retryInMs();
      assert.equal(breaker.allow(), true, 'the probe passes once the open time is over');
      breaker.failure();
    }
    opens.push(breaker.retryInMs());
    assert.deepEqual(opens, [1000, 2000, 4000, 5000, 5000]);
    assert.deepEqual(
      changes.filter((c) => c.to === 'open').map((c) => c.openTimeoutMs),
      [1000, 2000, 4000, 5000, 5000],
    );
    clock.t += 5000;
    assert.equal(breaker.allow(), true);
    breaker.success();
    assert.equal(breaker.state(), 'closed');
    breaker.failure();
    assert.equal(breaker.retryInMs(), 1000, 'a close starts the growth again');
  });

  test('N half-open probes: N calls pass, all must succeed to close; one failure reopens', () => {
    const { breaker, clock } = clocked({ failureThreshold: 1, resetTimeoutMs: 1000, halfOpenProbes: 3 });
    breaker.failure();
    clock.t += 1000;
    assert.equal(breaker.allow(), true);
    assert.equal(breaker.allow(), true);
    assert.equal(breaker.allow(), true);
    assert.equal(breaker.allow(), false, 'a fourth call waits');
    breaker.success();
    breaker.success();
    assert.equal(breaker.state(), 'half-open', 'two of three probes are not enough');
    assert.equal(breaker.allow(), false, 'two succeeded and one is under way: no slot');
    breaker.success();
    assert.equal(breaker.state(), 'closed');
    assert.match(breaker.reason(), /3 half-open probes succeeded/);

    breaker.failure();
    clock.t += 2000;
    assert.equal(breaker.allow(), true);
    assert.equal(breaker.allow(), true);
    breaker.success();
    breaker.failure();
    assert.equal(breaker.state(), 'open', 'one failed probe reopens');
    assert.equal(breaker.reason(), 'a half-open probe failed');
  });

  test('each change carries its reason as a code with figures, and the words are made from them', () => {
    const { breaker, clock, changes } = clocked({ failureThreshold: 2, resetTimeoutMs: 1000, maxResetTimeoutMs: 5000, halfOpenProbes: 1 });
    assert.equal(breaker.lastReason(), undefined);
    assert.equal(breaker.reason(), '');
    breaker.failure();
    breaker.failure();
    assert.deepEqual(breaker.lastReason(), { code: 'consecutiveFailures', figures: { failures: 2 } });
    clock.t += 1000;
    assert.equal(breaker.allow(), true);
    breaker.failure();
    clock.t += 2000;
    assert.equal(breaker.allow(), true);
    breaker.success();
    breaker.reset();
    assert.equal(changes.length, 5, 'a reset of a closed breaker is no change');
    assert.deepEqual(
      changes.map((c) => c.why),
      [
        { code: 'consecutiveFailures', figures: { failures: 2 } },
        { code: 'openTimeOver', figures: { seconds: 1 } },
        { code: 'probeFailed', figures: {} },
        { code: 'openTimeOver', figures: { seconds: 2 } },
        { code: 'probesSucceeded', figures: { probes: 1 } },
      ],
    );
    for (const c of changes) assert.equal(c.reason, reasonWords(c.why));
    assert.deepEqual(
      changes.map((c) => c.reason),
      ['2 consecutive failures', 'open for 1 s', 'a half-open probe failed', 'open for 2 s', '1 half-open probe succeeded'],
    );
    const rate = clocked({ failureRate: { rate: 0.5, windowMs: 10_000, minCalls: 2 }, resetTimeoutMs: 1000 });
    rate.breaker.success();
    rate.breaker.failure();
    assert.deepEqual(rate.breaker.lastReason(), { code: 'failureRate', figures: { percent: 50, failures: 1, calls: 2, seconds: 10 } });
    assert.equal(rate.breaker.reason(), 'failure rate 50% (1/2) within 10 s');
  });

  test('abandoned probes free their slots after the reset timeout', () => {
    const { breaker, clock } = clocked({ failureThreshold: 1, resetTimeoutMs: 300, halfOpenProbes: 2 });
    breaker.failure();
    clock.t += 300;
    assert.equal(breaker.allow(), true);
    assert.equal(breaker.allow(), true);
    assert.equal(breaker.allow(), false);
    assert.equal(breaker.retryInMs(), 300);
    clock.t += 300;
    assert.equal(breaker.allow(), true);
  });

  test('bad policy options name the field', () => {
    const bad: Array<[Partial<CircuitBreakerOptions>, string]> = [
      [{}, 'failureThreshold'],
      [{ failureRate: { rate: 0, windowMs: 1000, minCalls: 1 } }, 'failureRate.rate'],
      [{ failureRate: { rate: 1.5, windowMs: 1000, minCalls: 1 } }, 'failureRate.rate'],
      [{ failureRate: { rate: 0.5, windowMs: 0, minCalls: 1 } }, 'failureRate.windowMs'],
      [{ failureRate: { rate: 0.5, windowMs: 10, minCalls: 0.5 } }, 'failureRate.minCalls'],
      [{ failureThreshold: 1, maxResetTimeoutMs: 10 }, 'maxResetTimeoutMs'],
      [{ failureThreshold: 1, backoffFactor: 1 }, 'backoffFactor'],
      [{ failureThreshold: 1, halfOpenProbes: 0 }, 'halfOpenProbes'],
    ];
    for (const [opts, field] of bad) {
      assert.throws(
        () => new CircuitBreaker({ resetTimeoutMs: 100, ...opts }),
        (e: unknown) => e instanceof CircuitConfigError && e.field === field && e.message.includes(field),
        JSON.stringify(opts),
      );
    }
  });

  test('OutcomeWindow counts only the buckets within the window', () => {
    const w = new OutcomeWindow(1000);
    w.record(0, true);
    w.record(500, false);
    w.record(950, true);
    assert.deepEqual(w.counts(999), { calls: 3, failures: 2 });
    assert.deepEqual(w.counts(1450), { calls: 2, failures: 1 });
    assert.deepEqual(w.counts(3000), { calls: 0, failures: 0 });
  });
});
