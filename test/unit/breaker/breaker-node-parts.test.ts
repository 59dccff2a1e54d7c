// The circuit-breaker node's lib parts: its settings, the calls under way, the last good messages.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { resolveBreakerConfig, resolveObservedCallConfig, isServerErrorResponse, PendingCalls, LastGoodMessages, markStale, MessageBreaker } from '../../../lib/breaker';
import { ConfigFieldError as CircuitConfigError } from '../../../lib/config/fields';

describe('circuit-breaker node parts', () => {
  test('settings: defaults, rate mode, and errors naming the field', () => {
    assert.deepEqual(resolveBreakerConfig({}), { breaker: { resetTimeoutMs: 30_000, maxResetTimeoutMs: 30_000, halfOpenProbes: 1, failureThreshold: 5 }, fallback: false, watch: '' });
    assert.deepEqual(resolveBreakerConfig({ thresholdType: 'rate', rate: '25', window: '10', minCalls: '4', openTimeout: '2', maxOpenTimeout: '60', probes: '3', fallback: true, watch: ' n1 ' }), {
      breaker: { resetTimeoutMs: 2000, maxResetTimeoutMs: 60_000, halfOpenProbes: 3, failureRate: { rate: 0.25, windowMs: 10_000, minCalls: 4 } },
      fallback: true,
      watch: 'n1',
    });
    const field = (s: Record<string, unknown>) => {
      try {
        resolveBreakerConfig(s);
      } catch (e) {
        assert.ok(e instanceof CircuitConfigError);
        return e.field;
      }
      return undefined;
    };
    assert.equal(field({ thresholdType: 'sometimes' }), 'thresholdType');
    assert.equal(field({ failures: '2.5' }), 'failures');
    assert.equal(field({ thresholdType: 'rate', rate: 0 }), 'rate');
    assert.equal(field({ thresholdType: 'rate', window: 0 }), 'window');
    assert.equal(field({ probes: 0 }), 'probes');
    assert.equal(field({ openTimeout: 'x' }), 'openTimeout');
  });

  test('pending calls are bounded: the oldest goes, and is returned so a lost probe can be released', () => {
    const p = new PendingCalls(2);
    assert.equal(p.track('a', { topic: 'x', probe: true }), undefined);
    p.track('b', { topic: 'y', probe: false });
    assert.deepEqual(p.track('c', { topic: 'z', probe: false }), { topic: 'x', probe: true });
    assert.equal(p.has('a'), false);
    assert.deepEqual(p.take('b'), { topic: 'y', probe: false });
    assert.equal(p.take('b'), undefined);
    assert.equal(p.size, 1);
  });

  test('pending calls older than the call timeout are taken, oldest first; newer ones stay', () => {
    let now = 1000;
    const p = new PendingCalls(10, () => now);
    p.track('a', { topic: 'x', probe: false });
    now = 1200;
    p.track('b', { topic: 'y', probe: true });
    now = 1400;
    p.track('c', { topic: 'z', probe: false });
    now = 1700;
    assert.deepEqual(p.takeOlderThan(500), [
      { topic: 'x', probe: false },
      { topic: 'y', probe: true },
    ]);
    assert.equal(p.size, 1);
    assert.equal(p.has('c'), true);
    assert.deepEqual(p.takeOlderThan(500), []);
  });

  test('observed calls: a call timeout (30 s by default, above 0) and 5xx responses as failures', () => {
    assert.deepEqual(resolveObservedCallConfig({}), { callTimeoutMs: 30_000, serverErrorIsFailure: true });
    assert.deepEqual(resolveObservedCallConfig({ callTimeout: '2.5', serverErrorIsFailure: false }), { callTimeoutMs: 2500, serverErrorIsFailure: false });
    assert.throws(
      () => resolveObservedCallConfig({ callTimeout: 0 }),
      (e: unknown) => e instanceof CircuitConfigError && e.field === 'callTimeout',
    );
    assert.equal(isServerErrorResponse({ statusCode: 500 }), true);
    assert.equal(isServerErrorResponse({ statusCode: '503' }), true);
    assert.equal(isServerErrorResponse({ statusCode: 404 }), false);
    assert.equal(isServerErrorResponse({ statusCode: 200 }), false);
    assert.equal(isServerErrorResponse({}), false);
    assert.equal(isServerErrorResponse(undefined), false);
  });

  test('last good messages per topic are bounded and a refreshed topic stays', () => {
    const g = new LastGoodMessages<number>(2);
    g.set('a', 1);
    g.set('b', 2);
    g.set('a', 3);
    g.set('c', 4);
    assert.equal(g.get('b'), undefined, 'the least recently stored topic went');
    assert.equal(g.get('a'), 3);
    assert.equal(g.size, 2);
  });

  test('markStale sets the quality of the tag samples, without touching shared sample objects', () => {
    const sample = { device: 'd', name: 't', value: 1, quality: 'good', ts: 0 };
    const msg = markStale({ topic: 'd/t', tag: sample, tags: [sample] });
    assert.equal((msg.tag as { quality: string }).quality, 'stale');
    assert.equal((msg.tags as Array<{ quality: string }>)[0].quality, 'stale');
    assert.equal(sample.quality, 'good');
  });
});

describe('MessageBreaker (the node’s breaker over messages)', () => {
  const config = (fallback: boolean) => ({ breaker: { failureThreshold: 1, resetTimeoutMs: 60_000 }, fallback, watch: '' });
  const copy = (m: Record<string, unknown>) => structuredClone(m);

  test('a late success does not close an open breaker; a success keeps a copy of its message without msg.breaker', () => {
    const guard = new MessageBreaker(config(true), copy);
    const good = { topic: 'd/t', payload: 21, tag: { device: 'd', name: 't', value: 21, quality: 'good', ts: 1 }, breaker: 'success' };
    guard.outcome(false, good, 'd/t');
    guard.outcome(true, undefined, undefined);
    assert.equal(guard.breaker.state(), 'open');
    guard.outcome(false, { topic: 'd/t', payload: 22 }, 'd/t');
    assert.equal(guard.breaker.state(), 'open', 'only a half-open probe closes it');
    assert.equal(guard.admit('d/t'), false);
    const stale = guard.fallbackFor('d/t')!;
    assert.equal(stale.payload, 22, 'the latest good message of the topic');
    assert.equal(stale.quality, 'stale');
    assert.equal(stale.breaker, undefined);
    assert.equal(guard.fallbackFor('other'), undefined);
    assert.equal(good.breaker, 'success', 'the flow’s message is untouched');
  });

  test('without the fallback nothing is kept; tracked calls are remembered until their outcome', () => {
    const guard = new MessageBreaker({ ...config(false), breaker: { failureThreshold: 3, resetTimeoutMs: 1000 } }, copy);
    guard.outcome(false, { payload: 1 }, 't');
    assert.equal(guard.fallbackFor('t'), undefined);
    assert.equal(guard.admit('t', 'm1'), true);
    assert.equal(guard.admit('t'), true);
    assert.equal(guard.pending.size, 1);
    assert.deepEqual(guard.pending.take('m1'), { topic: 't', probe: false });
  });

  test('calls whose outcome never comes count as failures once expired', () => {
    const guard = new MessageBreaker({ ...config(false), breaker: { failureThreshold: 2, resetTimeoutMs: 60_000 } }, copy);
    assert.equal(guard.admit('t', 'm1'), true);
    assert.equal(guard.admit('t', 'm2'), true);
    assert.equal(guard.expireCalls(60_000), 0, 'not yet');
    assert.equal(guard.expireCalls(-1), 2);
    assert.equal(guard.breaker.state(), 'open');
    assert.equal(guard.pending.size, 0);
  });
});
