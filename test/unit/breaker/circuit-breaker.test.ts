import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker, CircuitOpenError, type CircuitStateChange } from '../../../lib/breaker';
import { ConfigFieldError as CircuitConfigError } from '../../../lib/config/fields';

function clocked(failureThreshold = 3, resetTimeoutMs = 1000) {
  const clock = { t: 1_000_000 };
  const breaker = new CircuitBreaker({ failureThreshold, resetTimeoutMs, now: () => clock.t });
  const changes: string[] = [];
  breaker.on('state', (c: CircuitStateChange) => changes.push(`${c.from}->${c.to}`));
  return { clock, breaker, changes };
}

describe('CircuitBreaker', () => {
  test('stays closed below the threshold, and a success resets the count', () => {
    const { breaker } = clocked(3);
    breaker.failure();
    breaker.failure();
    assert.equal(breaker.state(), 'closed');
    breaker.success();
    assert.equal(breaker.failureCount(), 0);
    breaker.failure();
    breaker.failure();
    assert.equal(breaker.state(), 'closed');
    assert.equal(breaker.allow(), true);
  });

  test('opens after N consecutive failures and refuses calls until the reset timeout', () => {
    const { clock, breaker, changes } = clocked(3, 1000);
    for (let i = 0; i < 3; i++) breaker.failure();
    assert.equal(breaker.state(), 'open');
    assert.deepEqual(changes, ['closed->open']);
    assert.equal(breaker.allow(), false);
    assert.equal(breaker.retryInMs(), 1000);
    clock.t += 999;
    assert.equal(breaker.allow(), false);
    assert.equal(breaker.retryInMs(), 1);
  });

  test('half-open lets exactly one trial through; its success closes the breaker', () => {
    const { clock, breaker, changes } = clocked(2, 500);
    breaker.failure();
    breaker.failure();
    clock.t += 500;
    assert.equal(breaker.state(), 'half-open');
    assert.equal(breaker.wouldAllow(), true);
    assert.equal(breaker.allow(), true);
    assert.equal(breaker.allow(), false, 'a second caller must wait for the trial');
    assert.equal(breaker.wouldAllow(), false);
    breaker.success();
    assert.equal(breaker.state(), 'closed');
    assert.equal(breaker.allow(), true);
    assert.deepEqual(changes, ['closed->open', 'open->half-open', 'half-open->closed']);
  });

  test('a failed trial opens the breaker again for another reset timeout', () => {
    const { clock, breaker, changes } = clocked(1, 500);
    breaker.failure();
    clock.t += 600;
    assert.equal(breaker.allow(), true);
    breaker.failure();
    assert.equal(breaker.state(), 'open');
    assert.equal(breaker.retryInMs(), 500);
    clock.t += 500;
    assert.equal(breaker.state(), 'half-open');
    assert.deepEqual(changes, ['closed->open', 'open->half-open', 'half-open->open', 'open->half-open']);
  });

  test('an abandoned trial frees its slot after the reset timeout; release() frees it at once', () => {
    const { clock, breaker } = clocked(1, 200);
    breaker.failure();
    clock.t += 200;
    assert.equal(breaker.allow(), true);
    clock.t += 199;
    assert.equal(breaker.allow(), false);
    clock.t += 1;
    assert.equal(breaker.allow(), true, 'the abandoned trial must not block forever');
    breaker.release();
    assert.equal(breaker.state(), 'half-open');
    assert.equal(breaker.allow(), true);
  });

  test('run() counts outcomes and refuses with CircuitOpenError while open', async () => {
    const { clock, breaker } = clocked(2, 1000);
    assert.equal(await breaker.run(async () => 42), 42);
    await assert.rejects(
      breaker.run(async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    await assert.rejects(
      breaker.run(async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(breaker.state(), 'open');
    await assert.rejects(
      breaker.run(async () => 1),
      (err: unknown) => err instanceof CircuitOpenError && err.retryInMs === 1000,
    );
    clock.t += 1000;
    // an error the caller does not count as a failure closes the breaker (the target answered)
    await assert.rejects(
      breaker.run(
        async () => {
          throw new Error('answered no');
        },
        () => false,
      ),
      /answered no/,
    );
    assert.equal(breaker.state(), 'closed');
  });

  test('reset() closes and clears the count', () => {
    const { breaker } = clocked(1, 1000);
    breaker.failure();
    assert.equal(breaker.state(), 'open');
    breaker.reset();
    assert.equal(breaker.state(), 'closed');
    assert.equal(breaker.failureCount(), 0);
  });

  test('bad options name the field', () => {
    assert.throws(
      () => new CircuitBreaker({ failureThreshold: 0, resetTimeoutMs: 1 }),
      (e: unknown) => e instanceof CircuitConfigError && e.field === 'failureThreshold',
    );
    assert.throws(
      () => new CircuitBreaker({ failureThreshold: 1, resetTimeoutMs: -5 }),
      (e: unknown) => e instanceof CircuitConfigError && e.field === 'resetTimeoutMs',
    );
  });
});
