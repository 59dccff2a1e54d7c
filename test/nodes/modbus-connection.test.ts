// modbus-connection config node: a bad configuration is refused naming the field; a good one
// owns a working line, pushes truthful status to clients that ask for it, reports /health per
// line and unit; 100 redeploys leave no timer, socket, listener, health entry or metric behind.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { helper, nodeModule } from '../helpers/nodered';
import { needPeers, PEER } from '../helpers/peers';
import { startPymodbus, type PymodbusServer } from '../helpers/pymodbus';
import { waitFor } from '../helpers/process';
import { errorsOf, lastStatus, localeKeys, statuses, testNodesModule } from '../helpers/modbus-nodes';
import { resourceCounts, settleTo } from '../helpers/modbus-leaks';
import { healthRegistry } from '../../lib/health/registry';
import { metricsRegistry } from '../../lib/metrics/registry';
import type { ModbusConnectionNode } from '../../nodes/modbus-connection/api';
import { describeStatus } from '../helpers/status';

const modules = () => [nodeModule('modbus-connection'), testNodesModule];

describe('modbus-connection node', () => {
  let server: PymodbusServer | undefined;
  const peers = needPeers(PEER.pymodbus());
  before(async () => {
    await helper.startServer();
    if (!peers.skip) server = await startPymodbus({ transport: 'tcp', units: [1, 2] });
  });
  after(async () => {
    await helper.stopServer();
    await server?.stop();
  });
  afterEach(async () => {
    await helper.unload();
  });

  const conn = (extra: Record<string, unknown> = {}) => ({
    id: 'conn',
    type: 'edgegw-modbus-connection',
    name: 'plc line',
    transport: 'tcp',
    host: '127.0.0.1',
    port: server?.port ?? 502,
    // generous: pymodbus on a loaded 2-core machine can take well over 300 ms to answer, and the
    // tests read through the line expecting answers (a silenced unit still times out)
    timeoutMs: 3000,
    reconnectMinMs: 100,
    reconnectMaxMs: 400,
    ...extra,
  });

  test('a bad configuration is refused naming the field, and reported down', async () => {
    await helper.load(modules(), [
      { id: 'c1', type: 'edgegw-modbus-connection', transport: 'tcp', host: '', port: 502 },
      { id: 'c2', type: 'edgegw-modbus-connection', transport: 'rtu', path: '/dev/ttyUSB0', baudRate: 9600, parity: 'mark' },
      { id: 'c3', type: 'edgegw-modbus-connection', transport: 'tcp', host: 'h', port: 502, reconnectMinMs: 1000, reconnectMaxMs: 10 },
      { id: 'cl', type: 'modbus-test-client', connection: 'c1' },
    ]);
    const c1 = helper.getNode('c1') as ModbusConnectionNode;
    assert.equal(c1.line, undefined);
    assert.ok(
      errorsOf(c1).some((e) => /modbus-connection\.errors\.badConfig: Modbus line option transport\.host: is required/.test(e)),
      errorsOf(c1).join('\n'),
    );
    assert.ok(errorsOf(helper.getNode('c2')).some((e) => /transport\.parity: must be none, even or odd, got "mark"/.test(e)));
    assert.ok(errorsOf(helper.getNode('c3')).some((e) => /reconnect\.maxMs: must be >= reconnect\.minMs/.test(e)));
    assert.deepEqual(lastStatus(helper.getNode('cl')), { fill: 'red', shape: 'ring', text: 'modbus-connection.status.badConfig' });
    const h = healthRegistry()
      .list()
      .find((e) => e.id === 'c1');
    assert.equal(h?.state, 'down');
  });

  test('a connection nobody uses opens nothing and reports nothing', async () => {
    const { createServer } = await import('node:net');
    let accepted = 0;
    const srv = createServer((s) => {
      accepted++;
      s.destroy();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    try {
      await helper.load(modules(), [conn({ port: (srv.address() as { port: number }).port })]);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(accepted, 0);
      assert.equal(
        healthRegistry()
          .list()
          .filter((e) => e.id === 'conn').length,
        0,
      );
    } finally {
      await helper.unload();
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  test('owns a working line; clients see connected; /health per line and unit', peers, async () => {
    await helper.load(modules(), [conn(), { id: 'client', type: 'modbus-test-client', connection: 'conn', unit: 1 }]);
    const c = helper.getNode('conn') as ModbusConnectionNode;
    assert.deepEqual(await c.line!.read(1, 'holding', 0, 3), [0, 1, 2]);
    await c.line!.read(2, 'input', 0, 1);
    await waitFor('client connected', () => lastStatus(helper.getNode('client'))?.text === 'modbus-connection.status.connected', 30_000);
    assert.deepEqual(lastStatus(helper.getNode('client')), { fill: 'green', shape: 'dot', text: 'modbus-connection.status.connected' });
    assert.deepEqual(describeStatus(c.statusText()), { fill: 'green', shape: 'dot', text: 'modbus-connection.status.connected' });
    await waitFor(
      'health per unit',
      () =>
        healthRegistry()
          .list()
          .some((e) => e.id === 'conn/unit/2'),
      30_000,
    );
    const line = healthRegistry()
      .list()
      .find((e) => e.id === 'conn');
    assert.equal(line?.state, 'ok');
    assert.equal(line?.name, 'plc line');
    assert.equal(
      healthRegistry()
        .list()
        .find((e) => e.id === 'conn/unit/1')?.state,
      'ok',
    );
    assert.match(await metricsRegistry().metrics(), /edgegw_modbus_requests_total\{line="plc line",unit="1",fc="3"\} 1/);
  });

  test('status tells the truth: reconnecting in N s after a loss, breaker open for the unit', peers, async () => {
    await helper.load(modules(), [
      conn({ breakerThreshold: 1, breakerResetMs: 60000, unitBackoffMinMs: 1, unitBackoffMaxMs: 1 }),
      { id: 'client1', type: 'modbus-test-client', connection: 'conn', unit: 1 },
      { id: 'client2', type: 'modbus-test-client', connection: 'conn', unit: 2 },
    ]);
    const c = helper.getNode('conn') as ModbusConnectionNode;
    await c.line!.read(1, 'holding', 0, 1);
    await server!.silence(2, true);
    try {
      await assert.rejects(c.line!.read(2, 'holding', 0, 1));
      await waitFor('breaker status', () => lastStatus(helper.getNode('client2'))?.text === 'modbus-connection.status.breakerOpen(unit=2)', 30_000);
      assert.deepEqual(lastStatus(helper.getNode('client2')), { fill: 'red', shape: 'ring', text: 'modbus-connection.status.breakerOpen(unit=2)' });
      assert.equal(lastStatus(helper.getNode('client1'))?.text, 'modbus-connection.status.connected', 'unit 1 is not affected');
      assert.equal(
        healthRegistry()
          .list()
          .find((e) => e.id === 'conn/unit/2')?.state,
        'down',
      );
      assert.equal(
        healthRegistry()
          .list()
          .find((e) => e.id === 'conn')?.state,
        'degraded',
      );
    } finally {
      await server!.silence(2, false);
    }
    await server!.kill();
    try {
      await waitFor('reconnecting status', () => statuses(helper.getNode('client1')).some((s) => /^modbus-connection\.status\.reconnecting\(seconds=[1-9]\d*\)$/.test(s.text ?? '')), 30_000);
      assert.equal(
        healthRegistry()
          .list()
          .find((e) => e.id === 'conn')?.state,
        'down',
      );
    } finally {
      await server!.start();
    }
    await waitFor('connected again', () => lastStatus(helper.getNode('client1'))?.text === 'modbus-connection.status.connected', 30_000);
  });

  test('100 redeploys leave no timer, socket, listener, health entry or metric behind', peers, async () => {
    // one deploy first so every module and lazily created metric exists in the baseline
    await helper.load(modules(), [conn({ name: 'redeploy' }), { id: 'client', type: 'modbus-test-client', connection: 'conn', unit: 1 }]);
    await (helper.getNode('conn') as ModbusConnectionNode).line!.read(1, 'holding', 0, 1);
    await helper.unload();
    const baseline = resourceCounts();
    const listenersBefore = process.listenerCount('exit') + process.listenerCount('uncaughtException');
    for (let i = 0; i < 100; i++) {
      await helper.load(modules(), [conn({ name: 'redeploy' }), { id: 'client', type: 'modbus-test-client', connection: 'conn', unit: 1 + (i % 2) }]);
      const c = helper.getNode('conn') as ModbusConnectionNode;
      if (i % 3 === 0) await c.line!.read(1 + (i % 2), 'holding', 0, 1);
      await helper.unload();
    }
    assert.deepEqual(await settleTo(baseline), []);
    assert.equal(process.listenerCount('exit') + process.listenerCount('uncaughtException'), listenersBefore);
    assert.equal(
      healthRegistry()
        .list()
        .filter((e) => e.id === 'conn' || e.id.startsWith('conn/')).length,
      0,
    );
    assert.doesNotMatch(await metricsRegistry().metrics(), /line="redeploy"/);
  });
  test('en-US and ru carry the same messages with the same placeholders, and help in both', () => {
    const en = localeKeys('modbus-connection', 'en-US');
    const ru = localeKeys('modbus-connection', 'ru');
    assert.deepEqual([...ru.keys()].sort(), [...en.keys()].sort());
    for (const [k, p] of en) assert.equal(ru.get(k), p, k);
    for (const lang of ['en-US', 'ru']) {
      const help = readFileSync(join(__dirname, '..', '..', 'nodes', 'modbus-connection', 'locales', lang, 'modbus-connection.html'), 'utf8');
      assert.match(help, /data-help-name="edgegw-modbus-connection"/);
    }
    const editor = readFileSync(join(__dirname, '..', '..', 'nodes', 'modbus-connection', 'modbus-connection.html'), 'utf8');
    for (const key of editor.matchAll(/data-i18n="(?:\[placeholder\])?modbus-connection\.([\w.-]+)"/g)) assert.ok(en.has(`modbus-connection.${key[1]}`), `editor label ${key[1]}`);
  });
});
