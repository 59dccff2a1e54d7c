// The Modbus line over TCP against a real pymodbus server: every function, pipelining,
// exceptions, kill/restart, queued work across a reconnect, the breaker, metrics.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { needPeers, PEER } from '../../helpers/peers';
import { startPymodbus, type PymodbusServer } from '../../helpers/pymodbus';
import { createModbusLine } from '../../../lib/modbus/line/line';
import type { LineOptions, LineState, ModbusLine } from '../../../lib/modbus/line/types';
import { BreakerOpenError, ModbusConnectionError, ModbusExceptionError, ModbusRequestError, ModbusTimeoutError, UnitSuspendedError } from '../../../lib/modbus/errors';
import { metricsRegistry } from '../../../lib/metrics/registry';
import { waitFor } from '../../helpers/process';

const peers = needPeers(PEER.pymodbus());

describe('Modbus line over TCP (pymodbus)', peers, () => {
  let server: PymodbusServer;
  const lines: ModbusLine[] = [];
  const open = (o: Partial<LineOptions> = {}): ModbusLine => {
    const line = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port: server.port! }, timeoutMs: 1000, ...o });
    lines.push(line);
    return line;
  };

  before(async () => {
    server = await startPymodbus({ transport: 'tcp', units: [1, 2, 3] });
  });
  after(async () => {
    await Promise.all(lines.map((l) => l.close()));
    await server?.stop();
  });

  test('reads all four areas and writes with FC5, FC6, FC15 and FC16', async () => {
    const line = open({ name: 'tcp-functions' });
    assert.deepEqual(await line.read(1, 'holding', 10, 4), [10, 11, 12, 13]);
    assert.deepEqual(await line.read(1, 'input', 100, 3), [200, 202, 204]);
    assert.deepEqual(await line.read(1, 'coil', 0, 5), [false, true, false, true, false]);
    assert.deepEqual(await line.read(1, 'discrete', 0, 7), [true, false, false, true, false, false, true]);

    await line.write(2, 'holding', 20, [0xbeef]); // FC6
    await line.write(2, 'holding', 30, [1, 65535, 3]); // FC16
    await line.write(2, 'holding', 40, [7], { forceMultiple: true }); // FC16 with one register
    await line.write(2, 'coil', 50, [true]); // FC5
    await line.write(2, 'coil', 60, [true, false, true, true, false, false, true, true, true]); // FC15
    assert.deepEqual(await server.getRegisters(2, 'holding', 20, 1), [0xbeef]);
    assert.deepEqual(await server.getRegisters(2, 'holding', 30, 3), [1, 65535, 3]);
    assert.deepEqual(await server.getRegisters(2, 'holding', 40, 1), [7]);
    assert.deepEqual(await server.getRegisters(2, 'coil', 50, 1), [true]);
    assert.deepEqual(await server.getRegisters(2, 'coil', 60, 9), [true, false, true, true, false, false, true, true, true]);
    // and read back through the line
    assert.deepEqual(await line.read(2, 'holding', 30, 3), [1, 65535, 3]);
    const st = line.state();
    assert.equal(st.connection, 'connected');
    assert.equal(st.units[2].errors, 0);
  });

  test('pipelined requests (maxInFlight 8) never mix up answers between units', async () => {
    for (const u of [1, 2, 3]) await server.setRegisters(u, 'holding', 500, [u * 1000, u * 1000 + 1, u * 1000 + 2]);
    const line = open({ name: 'tcp-pipelined', maxInFlight: 8 });
    let peak = 0;
    const reads: Array<Promise<void>> = [];
    for (let i = 0; i < 600; i++) {
      const u = 1 + (i % 3);
      reads.push(
        (line.read(u, 'holding', 500, 3) as Promise<number[]>).then((v) => {
          assert.deepEqual(v, [u * 1000, u * 1000 + 1, u * 1000 + 2]);
        }),
      );
      peak = Math.max(peak, line.state().inFlight ?? 0);
    }
    const sampler = setInterval(() => (peak = Math.max(peak, line.state().inFlight ?? 0)), 1);
    await Promise.all(reads);
    clearInterval(sampler);
    assert.ok(peak > 1 && peak <= 8, `in flight at once: ${peak}`);
    for (const u of [1, 2, 3]) assert.equal(line.state().units[u].requests, 200);
  });

  test('an exception response is a ModbusExceptionError naming the block; the unit stays healthy', async () => {
    const line = open({ name: 'tcp-exception', breaker: { failureThreshold: 1, resetTimeoutMs: 60000 } });
    await assert.rejects(line.read(1, 'holding', 1999, 5), (e: unknown) => {
      assert.ok(e instanceof ModbusExceptionError);
      assert.equal(e.code, 2);
      assert.deepEqual(e.where, { unit: 1, area: 'holding', address: 1999, count: 5 });
      assert.match(e.message, /illegal data address.*unit 1 holding 1999\.\.2003/);
      return true;
    });
    assert.equal(line.state().units[1].breaker, 'closed', 'the device answered: no breaker failure');
    assert.deepEqual(await line.read(1, 'holding', 0, 2), [0, 1]);
  });

  test('invalid requests are refused before anything is sent', async () => {
    const line = open({ name: 'tcp-invalid' });
    const bad: Array<[Promise<unknown>, string]> = [
      [line.read(1, 'holding', 0, 126), 'count'],
      [line.read(1, 'coil', 0, 2001), 'count'],
      [line.read(1, 'holding', 65535, 2), 'count'],
      [line.read(256, 'holding', 0, 1), 'unit'],
      [line.read(1, 'bogus' as never, 0, 1), 'area'],
      [line.write(1, 'input' as never, 0, [1]), 'area'],
      [line.write(1, 'holding', 0, [70000]), 'values'],
      [line.write(1, 'holding', 0, [1.5]), 'values'],
      [line.write(1, 'coil', 0, ['on' as never]), 'values'],
      [line.write(1, 'holding', 0, []), 'count'],
    ];
    for (const [p, field] of bad) {
      await assert.rejects(p, (e: unknown) => e instanceof ModbusRequestError && e.field === field, field);
    }
    assert.equal(line.state().units[1]?.requests ?? 0, 0);
  });

  test('kill and restart the server: reads resume by themselves within the reconnect maximum', async () => {
    const line = open({ name: 'tcp-restart', reconnect: { minMs: 100, maxMs: 800 }, queueTimeoutMs: 30000 });
    const states: LineState[] = [];
    line.on('state', (s: LineState) => states.push(s));
    assert.deepEqual(await line.read(1, 'holding', 0, 1), [0]);
    await server.kill();
    await waitFor('the line to notice the loss', () => line.state().connection === 'reconnecting', 30_000);
    // let the backoff grow to its maximum while the server is down
    await new Promise((r) => setTimeout(r, 1500));
    const retrying = states.filter((s) => s.connection === 'reconnecting');
    assert.ok(retrying.length >= 2, 'several attempts were made');
    assert.ok(
      retrying.every((s) => typeof s.retryInMs === 'number' && s.retryInMs <= 800),
      'retryInMs is reported and bounded',
    );
    await server.start();
    const afterRestart = states.length;
    assert.deepEqual(await line.read(1, 'holding', 0, 3), [0, 1, 2]);
    // Counted, not timed: every wait was bounded by the maximum (retryInMs above), and once the
    // server listens again the line needs at most the one attempt that may have been under way
    // during the restart before it connects; a clock would only measure the machine's load.
    const failedAfterRestart = states.slice(afterRestart).filter((s) => s.connection === 'reconnecting');
    assert.ok(failedAfterRestart.length <= 1, `attempts that failed after the server listened again: ${failedAfterRestart.length}`);
    assert.ok(
      failedAfterRestart.every((s) => typeof s.retryInMs === 'number' && s.retryInMs <= 800),
      'still bounded by the maximum',
    );
    assert.equal(line.state().connection, 'connected');
  });

  test('requests queued while the line is down wait for the reconnect instead of being thrown away', async () => {
    const line = open({ name: 'tcp-queued', reconnect: { minMs: 100, maxMs: 400 }, queueTimeoutMs: 30000 });
    await line.read(1, 'holding', 0, 1);
    await server.kill();
    await waitFor('reconnecting', () => line.state().connection === 'reconnecting', 30_000);
    const pending = [1, 2, 3, 1, 2, 3].map((u, i) => line.read(u, 'holding', 700 + i, 1));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(line.state().units[2].queued, 2);
    await server.start();
    assert.deepEqual(await Promise.all(pending), [[700], [701], [702], [703], [704], [705]]);
  });

  test('requests still queued after queueTimeoutMs fail with ModbusConnectionError while disconnected', async () => {
    const line = open({ name: 'tcp-queue-timeout', reconnect: { minMs: 100, maxMs: 200 }, queueTimeoutMs: 300 });
    await line.read(1, 'holding', 0, 1);
    await server.kill();
    await waitFor('reconnecting', () => line.state().connection === 'reconnecting', 30_000);
    await assert.rejects(line.read(1, 'holding', 0, 1), (e: unknown) => e instanceof ModbusConnectionError && /not connected/.test(e.message));
    await server.start();
    await waitFor('reconnected', () => line.state().connection === 'connected', 30_000);
  });

  test('breaker: opens after N timeouts, refuses at once, half-open trial, closes after success', async () => {
    const line = open({
      name: 'tcp-breaker',
      // not shorter: the healthy unit 1 and the recovered unit 3 must answer within it, and
      // pymodbus on a loaded 2-core machine can take a few hundred ms
      timeoutMs: 1000,
      unitBackoff: { minMs: 1, maxMs: 1 },
      breaker: { failureThreshold: 3, resetTimeoutMs: 700 },
    });
    await server.silence(3, true);
    try {
      const errors: string[] = [];
      for (let i = 0; i < 20 && line.state().units[3]?.breaker !== 'open'; i++) {
        await line.read(3, 'holding', 0, 1).catch((e: Error) => errors.push(e.name));
        await new Promise((r) => setTimeout(r, 5));
      }
      assert.equal(line.state().units[3].breaker, 'open');
      assert.equal(errors.filter((n) => n === 'ModbusTimeoutError').length, 3, `errors: ${errors.join(',')}`);
      assert.equal(line.state().units[3].timeouts, 3);

      const wireRequests = line.state().units[3].requests;
      await assert.rejects(line.read(3, 'holding', 0, 1), (e: unknown) => e instanceof BreakerOpenError && e.unit === 3 && e.retryInMs > 0);
      // "at once" is a count, not a clock: the refused read never went on the wire, so it could not wait for a timeout
      assert.equal(line.state().units[3].requests, wireRequests, 'refused without a request on the wire');
      assert.equal(line.state().units[3].timeouts, 3, 'refused, not timed out');
      // the other units are not affected
      assert.deepEqual(await line.read(1, 'holding', 0, 1), [0]);

      // half-open trial against a still-silent unit: it fails and the breaker opens again
      await waitFor('half-open', () => line.state().units[3].breaker === 'half-open', 30_000, 20);
      await assert.rejects(line.read(3, 'holding', 0, 1), ModbusTimeoutError);
      assert.equal(line.state().units[3].breaker, 'open');

      await server.silence(3, false);
      await waitFor('half-open again', () => line.state().units[3].breaker === 'half-open', 30_000, 20);
      assert.deepEqual(await line.read(3, 'holding', 0, 2), [0, 1]);
      assert.equal(line.state().units[3].breaker, 'closed');
    } finally {
      await server.silence(3, false);
    }
  });

  test('a unit that times out is suspended with its own backoff while the others go on', async () => {
    const line = open({ name: 'tcp-suspend', timeoutMs: 1000, unitBackoff: { minMs: 400, maxMs: 400 }, breaker: { failureThreshold: 100, resetTimeoutMs: 1000 } });
    await server.silence(2, true);
    try {
      await assert.rejects(line.read(2, 'holding', 0, 1), (e: unknown) => e instanceof ModbusTimeoutError && !(e instanceof UnitSuspendedError));
      const suspended = line.state().units[2].suspendedForMs;
      assert.ok(suspended > 0 && suspended <= 400, `suspended for ${suspended}`);
      await assert.rejects(line.read(2, 'holding', 0, 1), (e: unknown) => e instanceof UnitSuspendedError && e instanceof ModbusTimeoutError);
      assert.deepEqual(await line.read(1, 'holding', 1, 1), [1]);
      await server.silence(2, false);
      await waitFor('suspension over', () => line.state().units[2].suspendedForMs === 0, 30_000, 20);
      assert.deepEqual(await line.read(2, 'holding', 1, 1), [1]);
    } finally {
      await server.silence(2, false);
    }
  });

  test('metrics per line and unit, removed when the line closes', async () => {
    const line = open({ name: 'tcp-metrics' });
    await line.read(1, 'holding', 0, 2);
    await line.read(2, 'input', 0, 2);
    await line.read(1, 'holding', 5000, 1).catch(() => undefined);
    const text = await metricsRegistry().metrics();
    assert.match(text, /edgegw_modbus_requests_total\{line="tcp-metrics",unit="1",fc="3"\} 2/);
    assert.match(text, /edgegw_modbus_requests_total\{line="tcp-metrics",unit="2",fc="4"\} 1/);
    assert.match(text, /edgegw_modbus_errors_total\{line="tcp-metrics",unit="1",kind="exception"\} 1/);
    assert.match(text, /edgegw_modbus_request_seconds_count\{line="tcp-metrics",unit="1"\} 2/);
    assert.match(text, /edgegw_modbus_breaker_state\{line="tcp-metrics",unit="1"\} 0/);
    assert.match(text, /edgegw_modbus_connected\{line="tcp-metrics"\} 1/);
    await line.close();
    const after = await metricsRegistry().metrics();
    assert.doesNotMatch(after, /line="tcp-metrics"/);
  });
});
