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
    assert.deepEqual(values, Array.from({ length: 12 }, (_, i) => [i]));
    assert.equal(peak, 1, 'never more than one request on a serial line');
    // a lower bound only: 11 gaps of 25 ms between 12 frames (the first may follow the warm-up read's gap)
    assert.ok(elapsed >= 11 * 25, `12 requests took ${elapsed.toFixed(0)} ms`);
  });

  test('rtu: one silent unit does not slow the others (poll rate within 10%)', async () => {
    const s = await start('rtu', [1, 2, 3]);
    const line = open({
      name: 'serial-fairness',
      transport: serial('rtu', s.path!, 115200),
      // generous for the healthy units on a loaded machine (a timeout there would suspend a healthy
      // unit for a second and skew the rates); the silent unit only costs it until its breaker opens
      timeoutMs: 1000,
      unitBackoff: { minMs: 1000, maxMs: 8000 },
      breaker: { failureThreshold: 2, resetTimeoutMs: 60000 },
    });
    for (const u of [1, 2, 3]) await line.read(u, 'holding', 0, 1);

    // each unit is polled by a closed loop: read 10 registers, pause 5 ms, again
    const poll = async (unit: number, until: () => boolean, onGood: () => void) => {
      while (!until()) {
        try {
          await line.read(unit, 'holding', 0, 10);
          onGood();
        } catch {
          /* the silent unit: timeout, suspension, open breaker */
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const windowMs = 750;
    const measure = async (withSilent: boolean): Promise<number> => {
      const stopAt = performance.now() + windowMs;
      const until = () => performance.now() >= stopAt;
      let good = 0;
      const loops = [poll(1, until, () => good++), poll(2, until, () => good++)];
      if (withSilent) loops.push(poll(3, until, () => undefined));
      await Promise.all(loops);
      return good;
    };

    await s.silence(3, true);
    // detection: the silent unit costs failureThreshold timeouts (with a suspension between), then
    // its breaker is open and its requests are refused without taking any line time
    const detectStart = performance.now();
    await poll(3, () => line.state().units[3].breaker === 'open' || performance.now() - detectStart > 15000, () => undefined);
    assert.equal(line.state().units[3].breaker, 'open');
    assert.equal(line.state().units[3].timeouts, 2);

    // alternate the two conditions in short windows, in ABBA order, so the drifts of a loaded,
    // shared machine (which swing the rate by 30% from one second to the next) hit both alike
    const baseline: number[] = [];
    const silent: number[] = [];
    for (let round = 0; round < 8; round++) {
      if (round % 2 === 0) {
        baseline.push(await measure(false));
        silent.push(await measure(true));
      } else {
        silent.push(await measure(true));
        baseline.push(await measure(false));
      }
    }
    const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
    const ratio = sum(silent) / sum(baseline);
    assert.ok(line.state().units[3].errors > 100, 'the silent unit was polled all along');
    assert.ok(sum(baseline) > 300, `enough samples: ${sum(baseline)}`);
    assert.ok(ratio >= 0.9, `healthy units' rate with a silent unit / without: ${ratio.toFixed(3)} (${silent} vs ${baseline})`);
    await s.silence(3, false);
  });

  test('rtu: a unit that times out fails its next requests at once while suspended', async () => {
    const s = await start('rtu', [1, 2]);
    const line = open({ name: 'serial-suspend', transport: serial('rtu', s.path!), timeoutMs: 1000, unitBackoff: { minMs: 5000, maxMs: 5000 } });
    await s.silence(2, true);
    await assert.rejects(line.read(2, 'holding', 0, 1), ModbusTimeoutError);
    const t0 = performance.now();
    await assert.rejects(line.read(2, 'holding', 0, 1), (e: unknown) => (e as Error).name === 'UnitSuspendedError');
    assert.ok(performance.now() - t0 < 50);
    assert.deepEqual(await line.read(1, 'holding', 4, 1), [4]);
  });
});
