// The line over serial transports against a real pymodbus server: RTU on a socat pty pair,
// ASCII on a pty, RTU frames over TCP. One silent RTU unit must not slow the others.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { needPeers, PEER } from '../../helpers/peers';
import { startPymodbus, type PymodbusServer } from '../../helpers/pymodbus';
import { createModbusLine } from '../../../lib/modbus/line/line';
import type { LineOptions, ModbusLine } from '../../../lib/modbus/line/types';
import { ModbusExceptionError, ModbusRequestError, ModbusTimeoutError } from '../../../lib/modbus/errors';

const serialPeers = needPeers(PEER.socat(), PEER.pymodbus());

function serial(kind: 'rtu' | 'ascii', path: string, baudRate = 19200): LineOptions['transport'] {
  return { kind, path, baudRate, parity: 'none', dataBits: 8, stopBits: 1 };
}

describe('Modbus line over serial transports (pymodbus)', serialPeers, () => {
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });
  async function start(transport: 'rtu' | 'ascii' | 'rtu-over-tcp', units: number[]): Promise<PymodbusServer> {
    const s = await startPymodbus({ transport, units });
    cleanup.push(() => s.stop());
    return s;
  }
  function open(o: LineOptions): ModbusLine {
    const line = createModbusLine(o);
    cleanup.push(() => line.close());
    return line;
  }

  for (const kind of ['rtu', 'ascii', 'rtu-over-tcp'] as const) {
    test(`${kind}: reads every area, writes FC5/6/15/16, exceptions are typed`, async () => {
      const s = await start(kind, [1, 7]);
      const line = open({
        name: `serial-${kind}`,
        transport: kind === 'rtu-over-tcp' ? { kind, host: '127.0.0.1', port: s.port! } : serial(kind, s.path!),
        timeoutMs: 1000,
      });
      assert.deepEqual(await line.read(7, 'holding', 3, 3), [3, 4, 5]);
      assert.deepEqual(await line.read(7, 'input', 3, 2), [6, 8]);
      assert.deepEqual(await line.read(1, 'coil', 1, 3), [true, false, true]);
      assert.deepEqual(await line.read(1, 'discrete', 3, 3), [true, false, false]);
      await line.write(7, 'holding', 100, [42]);
      await line.write(7, 'holding', 101, [1, 2, 3, 4]);
      await line.write(1, 'coil', 10, [true]);
      await line.write(1, 'coil', 20, [true, true, false, true]);
      assert.deepEqual(await s.getRegisters(7, 'holding', 100, 5), [42, 1, 2, 3, 4]);
      assert.deepEqual(await s.getRegisters(1, 'coil', 20, 4), [true, true, false, true]);
      assert.deepEqual(await s.getRegisters(1, 'coil', 10, 1), [true]);
      await assert.rejects(line.read(7, 'holding', 1999, 10), (e: unknown) => e instanceof ModbusExceptionError && e.code === 2);
      assert.equal(line.state().units[7].breaker, 'closed');
      if (kind !== 'rtu-over-tcp') {
        await assert.rejects(line.read(0, 'holding', 0, 1), (e: unknown) => e instanceof ModbusRequestError && e.field === 'unit', 'broadcast reads are refused on a serial line');
      }
    });
  }

  test('rtu: one request at a time, frames spaced by the inter-frame delay', async () => {
    const s = await start('rtu', [1, 2]);
    const line = open({ name: 'serial-spacing', transport: serial('rtu', s.path!), interFrameDelayMs: 25 });
    await line.read(1, 'holding', 0, 1);
    let peak = 0;
    const t0 = performance.now();
    const reads = Array.from({ length: 12 }, (_, i) => line.read(1 + (i % 2), 'holding', i, 1));
    const sampler = setInterval(() => (peak = Math.max(peak, line.state().inFlight ?? 0)), 1);
    const values = await Promise.all(reads);
    clearInterval(sampler);
    const elapsed = performance.now() - t0;
    assert.deepEqual(
      values,
      Array.from({ length: 12 }, (_, i) => [i]),
    );
    assert.equal(peak, 1, 'never more than one request on a serial line');
    // a lower bound only: 11 gaps of 25 ms between 12 frames (the first may follow the warm-up read's gap)
    assert.ok(elapsed >= 11 * 25, `12 requests took ${elapsed.toFixed(0)} ms`);
  });

  // Behaviour, not speed: the silent unit costs the line exactly its breaker's failure threshold
  // in timeouts, then none of its requests reach the wire (counted by the line), while the other
  // units are served throughout. No rate is compared, so a loaded machine cannot fail it.
  test('rtu: one silent unit does not slow the others (its breaker opens, then it takes no line time)', async () => {
    const s = await start('rtu', [1, 2, 3]);
    const line = open({
      name: 'serial-fairness',
      transport: serial('rtu', s.path!, 115200),
      // generous for the healthy units on a loaded machine: a timeout there would be a failure
      timeoutMs: 2000,
      unitBackoff: { minMs: 1000, maxMs: 8000 },
      // open for the whole test once tripped (no half-open trial mid-count)
      breaker: { failureThreshold: 2, resetTimeoutMs: 600_000 },
    });
    for (const u of [1, 2, 3]) await line.read(u, 'holding', 0, 1);
    const units = () => line.state().units;
    const before = { 1: { ...units()[1] }, 2: { ...units()[2] }, 3: { ...units()[3] } };

    await s.silence(3, true);
    // detection: the healthy units are polled alongside the silent one until its breaker opens
    const served = { 1: 0, 2: 0 };
    const failures: string[] = [];
    const deadline = performance.now() + 60_000;
    const tripped = () => units()[3].breaker === 'open' || performance.now() > deadline;
    const healthy = async (unit: 1 | 2) => {
      while (!tripped()) {
        try {
          assert.deepEqual(await line.read(unit, 'holding', 0, 10), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
          served[unit]++;
        } catch (err) {
          failures.push(`unit ${unit}: ${(err as Error).message}`);
        }
      }
    };
    const silentRefusals: string[] = [];
    const silent = async () => {
      while (!tripped()) {
        await line.read(3, 'holding', 0, 10).then(
          () => assert.fail('the silent unit answered'),
          (err: Error) => silentRefusals.push(err.name),
        );
        // refusals while suspended settle at once: yield to the timers and sockets between tries
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await Promise.all([healthy(1), healthy(2), silent()]);
    assert.equal(units()[3].breaker, 'open', "the silent unit's breaker opened");
    assert.equal(units()[3].timeouts - before[3].timeouts, 2, 'the silent unit cost exactly failureThreshold timeouts');
    assert.equal(units()[3].requests - before[3].requests, 2, 'only those two requests went on the wire');
    assert.ok(silentRefusals.includes('ModbusTimeoutError'), `refusals: ${silentRefusals.join(', ')}`);
    assert.deepEqual(failures, [], 'the healthy units never failed');
    assert.ok(served[1] > 0 && served[2] > 0, `healthy units served while the silent one was detected: ${JSON.stringify(served)}`);

    // then: every round asks all three units at once; the silent one is refused without a wire
    // request, the others are answered every round
    const ROUNDS = 100;
    const wireBefore = { 1: units()[1].requests, 2: units()[2].requests, 3: units()[3].requests };
    for (let round = 0; round < ROUNDS; round++) {
      const [a, b, c] = await Promise.allSettled([line.read(1, 'holding', 0, 10), line.read(2, 'holding', 0, 10), line.read(3, 'holding', 0, 10)]);
      assert.equal(a.status, 'fulfilled', `round ${round}: unit 1 ${a.status === 'rejected' ? String(a.reason) : ''}`);
      assert.equal(b.status, 'fulfilled', `round ${round}: unit 2 ${b.status === 'rejected' ? String(b.reason) : ''}`);
      assert.equal(c.status, 'rejected', `round ${round}: unit 3 answered`);
      assert.equal(c.reason.name, 'BreakerOpenError', `round ${round}: unit 3`);
    }
    assert.equal(units()[1].requests - wireBefore[1], ROUNDS, 'unit 1: one wire request a round');
    assert.equal(units()[2].requests - wireBefore[2], ROUNDS, 'unit 2: one wire request a round');
    assert.equal(units()[3].requests - wireBefore[3], 0, 'unit 3: no wire request at all once its breaker is open');
    assert.equal(units()[3].timeouts - before[3].timeouts, 2, 'no timeout after the breaker opened');
    for (const u of [1, 2] as const) {
      assert.equal(units()[u].errors, before[u].errors, `unit ${u}: no errors`);
      assert.equal(units()[u].timeouts, before[u].timeouts, `unit ${u}: no timeouts`);
    }
    await s.silence(3, false);
  });

  test('rtu: a unit that times out fails its next requests at once while suspended', async () => {
    const s = await start('rtu', [1, 2]);
    const line = open({ name: 'serial-suspend', transport: serial('rtu', s.path!), timeoutMs: 1000, unitBackoff: { minMs: 5000, maxMs: 5000 } });
    await s.silence(2, true);
    await assert.rejects(line.read(2, 'holding', 0, 1), ModbusTimeoutError);
    const wireRequests = line.state().units[2].requests;
    await assert.rejects(line.read(2, 'holding', 0, 1), (e: unknown) => (e as Error).name === 'UnitSuspendedError');
    // "at once" means without waiting for an answer: the refused request never reached the wire
    assert.equal(line.state().units[2].requests, wireRequests, "the suspended unit's request was not sent");
    assert.equal(line.state().units[2].timeouts, 1, 'and did not wait for a timeout');
    assert.deepEqual(await line.read(1, 'holding', 4, 1), [4]);
  });
});
