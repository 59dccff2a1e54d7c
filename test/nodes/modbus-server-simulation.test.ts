// modbus-server simulating the devices of the shipped templates: for EVERY template in
// lib/modbus/templates, a server simulating it is polled by modbus-device with the template's
// whole tag table (every tag, every group): no exception, every tag good, plausible values from
// the first scan on. The holding registers (the device's configuration) that a master wrote
// survive a redeploy with the server's register store, as they would in a real meter.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { once } from 'node:events';
import { helper, nodeModule } from '../helpers/nodered';
import { freePort, waitFor } from '../helpers/process';
import { loadTemplate, templateNames } from '../../lib/modbus/templates';
import { serializeTagTableCsv } from '../../lib/modbus/tag-table';
import { mbapFrame } from '../../lib/modbus/server/framing';
import type { ModbusServer } from '../../lib/modbus/server/server';
import type { TagDef } from '../../lib/modbus/types';

interface Scan {
  group: string;
  payload: Record<string, number | boolean>;
  tags: Array<{ name: string; quality: string; value: unknown }>;
}

const modules = () => [nodeModule('modbus-server'), nodeModule('modbus-connection'), nodeModule('modbus-device')];
const tab = { id: 'tab1', type: 'tab', label: 'simulation' };

function flow(template: string, port: number, extraServer: Record<string, unknown> = {}) {
  const t = loadTemplate(template);
  return [
    tab,
    // the image as a user would leave it (100 registers an area): the simulation widens it
    {
      id: 'sim',
      type: 'edgegw-modbus-server',
      z: 'tab1',
      x: 100,
      y: 100,
      name: `${template} simulator`,
      transport: 'tcp',
      host: '127.0.0.1',
      port,
      units: '1',
      holdingSize: 100,
      inputSize: 100,
      simulation: `1: ${template}`,
      wires: [[]],
      ...extraServer,
    },
    { id: 'conn', type: 'edgegw-modbus-connection', name: 'line', transport: 'tcp', host: '127.0.0.1', port, timeoutMs: 3000, reconnectMinMs: 50, reconnectMaxMs: 200 },
    {
      id: 'meter',
      type: 'edgegw-modbus-device',
      z: 'tab1',
      x: 300,
      y: 100,
      name: 'meter',
      connection: 'conn',
      device: 'meter',
      unit: 1,
      notation: 'zero',
      tags: serializeTagTableCsv(t.tags, { notation: 'zero' }),
      // every group of the template, fast, so a test sees them all
      groups: t.groups.map((g) => ({ name: g.name, interval: 150 })),
      output: 'scan',
      maxGap: 10,
      maxRegisters: 125,
      maxBits: 2000,
      wires: [['out']],
    },
    { id: 'out', type: 'helper', z: 'tab1', x: 500, y: 100 },
  ];
}

function collect(): Scan[] {
  const scans: Scan[] = [];
  helper.getNode('out').on('input', (msg: unknown) => scans.push(msg as Scan));
  return scans;
}

/** Values a meter can show: what a measurement (input register) reads, by its unit; the configuration's own values. */
function assertPlausible(template: string, tag: TagDef | undefined, value: unknown): void {
  const name = tag?.name ?? '';
  const unit = tag?.area === 'input' ? tag.unit : undefined;
  const v = value as number;
  const where = `${template} ${name} = ${String(value)}`;
  assert.ok(tag, `${template}: ${name} is a tag of the template`);
  assert.equal(typeof v, 'number', where);
  assert.ok(Number.isFinite(v), where);
  if (unit === 'V') assert.ok(v > 200 && v < 420, where);
  if (unit === 'Hz') assert.ok(v > 49.5 && v < 50.5, where);
  if (unit === 'A') assert.ok(v > 0 && v < 100, where);
  if (unit === 'kWh' && !/export/.test(name)) assert.ok(v > 100, where);
  if (/power_factor/.test(name)) assert.ok(v > 0.8 && v <= 1, where);
  if (name === 'serial_number') assert.ok(v > 0, where);
  if (name === 'node_address') assert.equal(v, 1, where);
}

describe('modbus-server simulating every shipped template, polled by modbus-device', () => {
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  for (const template of templateNames()) {
    test(`${template}: every tag of every group good, no exception, plausible from the first scan`, async () => {
      const t = loadTemplate(template);
      const port = await freePort();
      await helper.load(modules(), flow(template, port));
      const scans = collect();
      const groups = t.groups.map((g) => g.name);
      await waitFor(`a scan of each group (${groups.join(', ')})`, () => groups.every((g) => scans.some((s) => s.group === g)), 20_000);
      const server = (helper.getNode('sim') as unknown as { server: ModbusServer }).server;
      const status = server.status();
      assert.equal(status.exceptions, 0, `no exception in ${status.requests} requests`);
      const polled = new Set<string>();
      for (const g of groups) {
        // the first scan of each group, not a later one: plausible from the start
        const first = scans.find((s) => s.group === g)!;
        for (const tag of first.tags) {
          assert.equal(tag.quality, 'good', `${template} ${tag.name}`);
          polled.add(tag.name);
        }
        for (const [name, value] of Object.entries(first.payload))
          assertPlausible(
            template,
            t.tags.find((x) => x.name === name),
            value,
          );
      }
      assert.deepEqual([...polled].sort(), t.tags.map((x) => x.name).sort(), 'every tag of the template was polled');
    });
  }

  test('holding registers a master wrote survive a redeploy (the server keeps them in its register store); measurements move', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgegw-sim-'));
    try {
      const port = await freePort();
      const server = () => (helper.getNode('sim') as unknown as { server: ModbusServer }).server;
      const persisted = { persistence: 'json', persistFile: join(dir, 'meter.json') };
      await helper.load(modules(), flow('eastron-sdm630', port, persisted));
      await waitFor('the simulator serving', () => server().status().serving);
      // demand_period (holding 2, float32): 60 min from the factory, 15 written by a master
      const sock = connect(port, '127.0.0.1');
      await once(sock, 'connect');
      const answer = once(sock, 'data');
      sock.write(mbapFrame(1, 1, Buffer.from('10000200020441700000', 'hex')));
      const [reply] = (await answer) as [Buffer];
      sock.destroy();
      assert.deepEqual(reply.subarray(7), Buffer.from('1000020002', 'hex'), 'FC 16 answered');
      const before = server().getRegisters(1, 'input', 72, 2);
      await waitFor('the import energy counting', () => server().getRegisters(1, 'input', 72, 2).join() !== before.join(), 5000);

      await helper.unload();
      await helper.load(modules(), flow('eastron-sdm630', port, persisted));
      const scans = collect();
      await waitFor('a config scan after the redeploy', () => scans.some((s) => s.group === 'config'), 20_000);
      const config = scans.find((s) => s.group === 'config')!;
      assert.equal(config.payload.demand_period, 15, 'the written value, not the factory one');
      assert.equal(config.payload.system_type, 3, 'the factory values the master left alone');
      assert.ok((config.payload.serial_number as number) > 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
