// The line's pieces without a peer: backoff, fair scheduling, option validation, frame timing.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { ExponentialBackoff, BackoffConfigError } from '../../../lib/system/retry/backoff';
import { FairScheduler, type QueuedRequest } from '../../../lib/modbus/line/unit-queue';
import { resolveLineOptions, LineConfigError, MAX_IN_FLIGHT } from '../../../lib/modbus/line/config';
import { interFrameDelayMs } from '../../../lib/modbus/transport/transport';
import type { LineOptions } from '../../../lib/modbus/line/types';

function req(unit: number, address = 0): QueuedRequest {
  return {
    unit,
    fc: 3,
    address,
    count: 1,
    where: { unit, area: 'holding', address, count: 1 },
    resolve: () => undefined,
    reject: () => undefined,
    queuedAt: 0,
  };
}

describe('ExponentialBackoff', () => {
  test('grows by the factor from min to max and never exceeds max', () => {
    const b = new ExponentialBackoff({ minMs: 100, maxMs: 1000, jitter: 0 });
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map(() => b.next()),
      [100, 200, 400, 800, 1000, 1000],
    );
    b.reset();
    assert.equal(b.next(), 100);
  });

  test('jitter stays within [d*(1-jitter), d]', () => {
    let r = 0;
    const b = new ExponentialBackoff({ minMs: 1000, maxMs: 1000, jitter: 0.5, random: () => r });
    r = 0;
    assert.equal(b.next(), 1000);
    r = 0.999999;
    assert.equal(b.next(), 500);
    const real = new ExponentialBackoff({ minMs: 200, maxMs: 5000 });
    for (let i = 0; i < 200; i++) {
      const d = real.next();
      assert.ok(d >= 0 && d <= 5000, `delay ${d}`);
    }
  });

  test('bad options name the field', () => {
    assert.throws(
      () => new ExponentialBackoff({ minMs: 10, maxMs: 5 }),
      (e: unknown) => e instanceof BackoffConfigError && e.field === 'maxMs',
    );
    assert.throws(
      () => new ExponentialBackoff({ minMs: -1, maxMs: 5 }),
      (e: unknown) => e instanceof BackoffConfigError && e.field === 'minMs',
    );
    assert.throws(
      () => new ExponentialBackoff({ minMs: 1, maxMs: 5, jitter: 2 }),
      (e: unknown) => e instanceof BackoffConfigError && e.field === 'jitter',
    );
  });
});

describe('FairScheduler', () => {
  const breaker = { failureThreshold: 3, resetTimeoutMs: 1000 };
  const backoff = { minMs: 100, maxMs: 1000 };

  test('serves units round-robin however deep each queue is', () => {
    const s = new FairScheduler(backoff, breaker);
    for (let i = 0; i < 10; i++) s.unit(1).items.push(req(1, i));
    for (let i = 0; i < 2; i++) s.unit(2).items.push(req(2, i));
    for (let i = 0; i < 2; i++) s.unit(3).items.push(req(3, i));
    const order: number[] = [];
    for (;;) {
      const pick = s.next(1);
      if (!pick) break;
      order.push(pick.req.unit);
    }
    assert.deepEqual(order, [1, 2, 3, 1, 2, 3, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  test('a unit holds at most its share of the in-flight slots', () => {
    const s = new FairScheduler(backoff, breaker);
    for (let i = 0; i < 10; i++) s.unit(1).items.push(req(1, i));
    for (let i = 0; i < 10; i++) s.unit(2).items.push(req(2, i));
    const taken: number[] = [];
    for (let i = 0; i < 8; i++) {
      const pick = s.next(8);
      assert.ok(pick);
      pick.queue.inFlight++;
      taken.push(pick.req.unit);
    }
    assert.equal(taken.filter((u) => u === 1).length, 4);
    assert.equal(taken.filter((u) => u === 2).length, 4);
    assert.equal(s.next(8), undefined, 'both units hold their share of 8 slots');
  });

  test('an open breaker holds its unit back while the others go on', () => {
    const s = new FairScheduler(backoff, breaker);
    const q = s.unit(1);
    for (let i = 0; i < 3; i++) q.breaker.failure();
    assert.equal(q.breaker.state(), 'open');
    q.items.push(req(1, 0), req(1, 1));
    s.unit(2).items.push(req(2, 0));
    const first = s.next(4);
    assert.equal(first?.req.unit, 2);
    assert.equal(s.next(4), undefined);
    assert.equal(q.items.length, 2, 'held, not dropped: the line fails them with BreakerOpenError');
  });

  test('half-open: exactly one request of the unit goes as the trial', async () => {
    const s = new FairScheduler(backoff, { failureThreshold: 1, resetTimeoutMs: 30 });
    const q = s.unit(1);
    q.breaker.failure();
    await new Promise((r) => setTimeout(r, 40));
    q.items.push(req(1, 0), req(1, 1));
    const trial = s.next(4);
    assert.equal(trial?.req.trial, true);
    trial.queue.inFlight++;
    assert.equal(s.next(4), undefined, 'the second waits for the trial');
    q.breaker.success();
    assert.equal(s.next(4)?.req.address, 1);
  });

  test('new units are reported once', () => {
    const seen: number[] = [];
    const s = new FairScheduler(backoff, breaker, (q) => seen.push(q.unit));
    s.unit(5);
    s.unit(5);
    s.unit(7);
    assert.deepEqual(seen, [5, 7]);
    assert.equal(s.queued(), 0);
  });
});

describe('line options', () => {
  const tcp: LineOptions = { transport: { kind: 'tcp', host: '127.0.0.1', port: 502 } };

  test('defaults: TCP one request in flight, serial frames spaced by 3.5 characters', () => {
    const o = resolveLineOptions(tcp);
    assert.equal(o.maxInFlight, 1);
    assert.equal(o.name, 'tcp://127.0.0.1:502');
    assert.equal(o.interFrameDelayMs, 0);
    const rtu = resolveLineOptions({ transport: { kind: 'rtu', path: '/dev/ttyS0', baudRate: 9600, parity: 'even', dataBits: 8, stopBits: 1 }, maxInFlight: 8 });
    assert.equal(rtu.maxInFlight, 1, 'a serial line carries one request at a time whatever is asked');
    assert.ok(Math.abs(rtu.interFrameDelayMs - 4.0104) < 0.001);
  });

  test('inter-frame delay: 3.5 characters of 11 bits, fixed 1.75 ms above 19200 baud', () => {
    assert.ok(Math.abs(interFrameDelayMs(19200) - 2.005) < 0.001);
    assert.equal(interFrameDelayMs(38400), 1.75);
    assert.equal(interFrameDelayMs(115200), 1.75);
  });

  test('bad options are refused naming the field', () => {
    const cases: Array<[LineOptions, string]> = [
      [{ transport: { kind: 'tcp', host: '', port: 502 } }, 'transport.host'],
      [{ transport: { kind: 'tcp', host: 'h', port: 70000 } }, 'transport.port'],
      [{ transport: { kind: 'rtu', path: '/dev/x', baudRate: 9600, parity: 'mark' as never, dataBits: 8, stopBits: 1 } }, 'transport.parity'],
      [{ transport: { kind: 'rtu', path: '/dev/x', baudRate: 9600, parity: 'none', dataBits: 6 as never, stopBits: 1 } }, 'transport.dataBits'],
      [{ transport: { kind: 'bogus' } as never }, 'transport.kind'],
      [{ ...tcp, timeoutMs: 0 }, 'timeoutMs'],
      [{ ...tcp, maxInFlight: MAX_IN_FLIGHT + 1 }, 'maxInFlight'],
      [{ ...tcp, reconnect: { minMs: 500, maxMs: 100 } }, 'reconnect.maxMs'],
      [{ ...tcp, breaker: { failureThreshold: 0, resetTimeoutMs: 10 } }, 'breaker.failureThreshold'],
    ];
    for (const [opts, field] of cases) {
      assert.throws(
        () => resolveLineOptions(opts),
        (e: unknown) => e instanceof LineConfigError && e.field === field,
        field,
      );
    }
  });
});
