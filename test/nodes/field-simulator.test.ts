// The default flows' field simulator (the Field tab of flows/gateway.json, as shipped) polled by
// modbus-device the way a user would after loading the SDM630 template: every register of the
// template answers (no exception), the boiler's setpoint written by a command survives a full
// redeploy, and the first scans after the redeploy are plausible (not 0).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helper, nodeModule } from '../helpers/nodered';
import { freePort, waitFor } from '../helpers/process';
import { loadTemplate } from '../../lib/modbus/templates';
import { serializeTagTableCsv } from '../../lib/modbus/tag-table';
import type { ModbusServer } from '../../lib/modbus/server/server';

interface Scan {
  topic: string;
  group: string;
  payload: Record<string, number | boolean>;
  tags: Array<{ quality: string }>;
}

const FIELD_TAB = 'edgegw.tab.field';
const core = (f: string) => require(require.resolve(`@node-red/nodes/core/${f}`));

describe('the default flows field simulator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgegw-field-'));
  before(() => helper.startServer());
  after(async () => {
    await helper.unload();
    await helper.stopServer();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the whole SDM630 template polls without an exception; a written setpoint and plausible values survive a full redeploy', async () => {
    const port = await freePort();
    const shipped = JSON.parse(readFileSync(join(__dirname, '..', '..', 'flows', 'gateway.json'), 'utf8')) as Array<Record<string, unknown>>;
    const field = shipped.filter((n) => n.id === FIELD_TAB || n.z === FIELD_TAB).map((n) => (n.type === 'edgegw-modbus-server' ? { ...n, port, persistFile: join(dir, 'simulator.json') } : n));
    const server = field.find((n) => n.type === 'edgegw-modbus-server')!;
    const sdm630 = loadTemplate('eastron-sdm630');
    const device = (id: string, unit: number, tags: string, groups: Array<{ name: string; interval: number }>) => ({
      id,
      type: 'edgegw-modbus-device',
      z: FIELD_TAB,
      x: 900,
      y: 100 + unit * 60,
      connection: 'line',
      device: id,
      unit,
      notation: 'zero',
      tags,
      groups,
      output: 'scan',
      wires: [['out']],
    });
    const flow = [
      ...field,
      { id: 'line', type: 'edgegw-modbus-connection', name: 'simulator line', transport: 'tcp', host: '127.0.0.1', port, timeoutMs: 3000, reconnectMinMs: 50, reconnectMaxMs: 200 },
      device('boiler', 1, server.tags as string, [
        { name: 'fast', interval: 200 },
        { name: 'slow', interval: 200 },
      ]),
      // the meter with the whole template loaded, serial number included
      device(
        'meter',
        2,
        serializeTagTableCsv(sdm630.tags, { notation: 'zero' }),
        sdm630.groups.map((g) => ({ name: g.name, interval: 300 })),
      ),
      { id: 'out', type: 'helper', z: FIELD_TAB, x: 1100, y: 100 },
    ];
    const modules = [
      nodeModule('modbus-server'),
      nodeModule('modbus-connection'),
      nodeModule('modbus-device'),
      core('common/20-inject.js'),
      core('function/10-function.js'),
      core('common/90-comment.js'),
    ];
    await helper.load(modules, flow);
    let scans: Scan[] = [];
    const listen = () => helper.getNode('out').on('input', (m: unknown) => scans.push(m as Scan));
    listen();
    const good = (device: string, group: string) => scans.find((s) => s.topic === device && s.group === group && s.tags.every((t) => t.quality === 'good'));
    await waitFor('good scans of the boiler and of every meter group', () => good('boiler', 'slow') && sdm630.groups.every((g) => good('meter', g.name)), 20_000);
    const simulator = () => (helper.getNode('edgegw.sim.server') as unknown as { server: ModbusServer }).server;
    assert.equal(simulator().status().exceptions, 0, 'no exception: the serial number at holding 64512 answers too');
    assert.ok((good('meter', 'config')!.payload.serial_number as number) > 0);

    helper.getNode('boiler').receive({ payload: { setpoint: 45 } });
    await waitFor('setpoint 45 read back', () => scans.some((s) => s.topic === 'boiler' && s.payload.setpoint === 45), 10_000);
    await waitFor('the holding registers saved', () => readFileSync(join(dir, 'simulator.json'), 'utf8').includes('450'), 5000);

    // a full deploy stops and starts every node, the simulator with a fresh register image
    await helper.setFlows(flow, 'full');
    scans = [];
    listen();
    await waitFor('the first slow scan of the boiler after the redeploy', () => scans.some((s) => s.topic === 'boiler' && s.group === 'slow'), 20_000);
    const first = scans.find((s) => s.topic === 'boiler' && s.group === 'slow')!;
    assert.equal(first.payload.setpoint, 45, 'the setpoint written before the redeploy');
    const fast = await waitFor('the first fast scan of the boiler', () => scans.find((s) => s.topic === 'boiler' && s.group === 'fast'), 20_000);
    assert.ok((fast.payload.flow_temp as number) > 20, `flow temperature ${fast.payload.flow_temp} right after the redeploy`);
    const meter = await waitFor('the first fast scan of the meter', () => scans.find((s) => s.topic === 'meter' && s.group === 'fast'), 20_000);
    assert.ok((meter.payload.l1_voltage as number) > 200, `l1 voltage ${meter.payload.l1_voltage} right after the redeploy`);
  });
});
