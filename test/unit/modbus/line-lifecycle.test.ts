// Creating and closing lines leaves nothing behind: no timer, socket, serial port or listener,
// whatever state the line was in (connected, reconnecting, busy, never reachable).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { needPeers, PEER } from '../../helpers/peers';
import { startPymodbus, type PymodbusServer } from '../../helpers/pymodbus';
import { freePort, waitFor } from '../../helpers/process';
import { resourceCounts, settleTo } from '../../helpers/modbus-leaks';
import { createModbusLine } from '../../../lib/modbus/line/line';
import { ModbusConnectionError } from '../../../lib/modbus/errors';
import { metricsRegistry } from '../../../lib/metrics/registry';

describe('Modbus line lifecycle', needPeers(PEER.pymodbus(), PEER.socat()), () => {
  let tcp: PymodbusServer;
  let rtu: PymodbusServer;
  before(async () => {
    tcp = await startPymodbus({ transport: 'tcp', units: [1, 2] });
    rtu = await startPymodbus({ transport: 'rtu', units: [1, 2] });
  });
  after(async () => {
    await tcp?.stop();
    await rtu?.stop();
  });

  test('100 TCP lines created, used and closed leave no timer, socket or metric behind', async () => {
    const baseline = resourceCounts();
    for (let i = 0; i < 100; i++) {
      const line = createModbusLine({ name: `life-${i}`, transport: { kind: 'tcp', host: '127.0.0.1', port: tcp.port! }, maxInFlight: 2 });
      const reads = [line.read(1, 'holding', 0, 2), line.read(2, 'coil', 0, 8)];
      if (i % 2 === 0) await Promise.all(reads);
      // odd ones are closed while their requests are queued or on the wire
      await line.close();
      const settled = await Promise.allSettled(reads);
      for (const r of settled) if (r.status === 'rejected') assert.ok(r.reason instanceof ModbusConnectionError, String(r.reason));
      assert.equal(line.state().connection, 'closed');
      assert.equal(line.listenerCount('state'), 0);
    }
    assert.deepEqual(await settleTo(baseline), []);
    assert.doesNotMatch(await metricsRegistry().metrics(), /line="life-/);
  });

  test('RTU lines on a pty: 20 open/close cycles leave no serial port or timer behind', async () => {
    const baseline = resourceCounts();
    for (let i = 0; i < 20; i++) {
      const line = createModbusLine({ transport: { kind: 'rtu', path: rtu.path!, baudRate: 19200, parity: 'none', dataBits: 8, stopBits: 1 } });
      assert.deepEqual(await line.read(1 + (i % 2), 'holding', 3, 1), [3]);
      await line.close();
    }
    assert.deepEqual(await settleTo(baseline), []);
  });

  test('closing a line that is reconnecting (nothing listening) stops its timers at once', async () => {
    const baseline = resourceCounts();
    const port = await freePort();
    const line = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port }, reconnect: { minMs: 50, maxMs: 100 } });
    await waitFor('reconnecting', () => line.state().connection === 'reconnecting', 30_000, 10);
    const queued = line.read(1, 'holding', 0, 1);
    await line.close();
    await assert.rejects(queued, (e: unknown) => e instanceof ModbusConnectionError && /line closed/.test((e as Error).message));
    await assert.rejects(line.read(1, 'holding', 0, 1), /line closed/);
    assert.deepEqual(await settleTo(baseline), []);
  });

  test('lazyConnect: nothing is opened before the first request', async () => {
    const { createServer } = await import('node:net');
    let accepted = 0;
    const srv = createServer((s) => {
      accepted++;
      s.destroy();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as { port: number }).port;
    const line = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port }, lazyConnect: true, queueTimeoutMs: 200, reconnect: { minMs: 50, maxMs: 50 } });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(accepted, 0);
    assert.equal(line.state().connection, 'connecting');
    await line.read(1, 'holding', 0, 1).catch(() => undefined);
    // the request may give up (queueTimeoutMs) before a loaded event loop has run the accept
    await waitFor('a connection after the first request', () => accepted >= 1, 30_000, 10);
    await line.close();
    await new Promise<void>((r) => srv.close(() => r()));
  });

  test('close() is idempotent and a missing serial device only makes the line retry', async () => {
    const baseline = resourceCounts();
    const line = createModbusLine({ transport: { kind: 'rtu', path: '/dev/does-not-exist-edgegw', baudRate: 9600, parity: 'none', dataBits: 8, stopBits: 1 }, reconnect: { minMs: 20, maxMs: 40 } });
    await waitFor('a failed open', () => line.state().lastError, 30_000, 10);
    assert.match(line.state().lastError!, /cannot open rtu:\/dev\/does-not-exist-edgegw/);
    await Promise.all([line.close(), line.close()]);
    await line.close();
    assert.deepEqual(await settleTo(baseline), []);
  });
});
