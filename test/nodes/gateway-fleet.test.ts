// gateway-heartbeat and ha-discovery in a real Node-RED: what they emit, bad configuration, and
// 100 redeploys that leave no timer behind. ha-discovery's configs go through a real mosquitto.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NodeMessage } from '../../nodes/common/red';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { clearCollected, collectorModule, errorsOf, lastStatus, received, repoRoot } from '../helpers/can-nodes';
import { leftAfterRedeploys } from '../helpers/modbus-leaks';
import { needPeers, PEER } from '../helpers/peers';
import { startMosquitto, type Broker } from '../helpers/mosquitto';

const modules = () => [nodeModule('gateway-heartbeat'), nodeModule('ha-discovery'), collectorModule];
const scan = (device: string, tags: Array<[string, unknown, string?]>) => ({
  topic: device,
  payload: Object.fromEntries(tags.map(([n, v]) => [n, v])),
  tags: tags.map(([name, value, unit]) => ({ device, name, value, unit, quality: 'good', ts: Date.now() })),
});

describe('gateway-heartbeat node', () => {
  before(async () => helper.startServer());
  after(async () => helper.stopServer());
  afterEach(async () => {
    await helper.unload();
    clearCollected();
  });

  test('emits a heartbeat at once and on demand, with the queue depth it was given', async () => {
    await helper.load(modules(), [
      { id: 'tab', type: 'tab', label: 'hb' },
      { id: 'hb', z: 'tab', type: 'edgegw-gateway-heartbeat', gatewayId: 'gw-test', interval: 3600, wires: [['out']] },
      { id: 'out', z: 'tab', type: 'test-collect' },
    ]);
    await waitFor('first heartbeat', () => received('out').length >= 1, 20000);
    const first = received('out')[0] as { topic: string; payload: Record<string, any> };
    assert.equal(first.topic, 'edge-gateway/gw-test/heartbeat');
    assert.equal(first.payload.gateway_id, 'gw-test');
    assert.equal(first.payload.queue_depth, null);
    for (const k of ['version', 'ts', 'cpu', 'memory', 'disk', 'uptime']) assert.ok(k in first.payload, k);
    const hb = helper.getNode('hb');
    hb.receive({ queue_depth: 17 });
    hb.receive({ payload: 1764583200000 }); // an inject's timestamp: a heartbeat now, not a depth
    await waitFor('second heartbeat', () => received('out').length >= 2, 20000);
    assert.equal((received('out')[1].payload as { queue_depth: number }).queue_depth, 17);
    assert.match((received('out')[1].payload as { version: string }).version, /^\d+\.\d+\.\d+/);
    hb.receive({ payload: { queue_depth: -1 } });
    await waitFor('a bad depth refused', () => errorsOf(hb).some((e) => /queue_depth must be a number >= 0, got -1/.test(e)), 20000);
    assert.equal(lastStatus(hb)?.fill, 'green');
    assert.match(lastStatus(hb)?.text ?? '', /^gateway-heartbeat\.status\.sent\(count=[1-9]\d*, topic=.+\)$/);
  });

  test('a bad gateway id or interval is an error naming the field; input is refused, nothing thrown', async () => {
    await helper.load(modules(), [
      { id: 'tab', type: 'tab', label: 'hb' },
      { id: 'hb', z: 'tab', type: 'edgegw-gateway-heartbeat', gatewayId: 'a/b', interval: 10, wires: [['out']] },
      { id: 'hb2', z: 'tab', type: 'edgegw-gateway-heartbeat', gatewayId: '', interval: 0.1, wires: [['out']] },
      { id: 'out', z: 'tab', type: 'test-collect' },
    ]);
    assert.match(errorsOf(helper.getNode('hb')).join('\n'), /gatewayId: "a\/b" is not a gateway id/);
    assert.match(errorsOf(helper.getNode('hb2')).join('\n'), /interval: must be at least 1 s/);
    assert.equal(received('out').length, 0);
  });
});

describe('ha-discovery node', () => {
  let broker: Broker | undefined;
  before(async () => helper.startServer());
  after(async () => {
    await helper.stopServer();
    await broker?.stop();
  });
  afterEach(async () => {
    await helper.unload();
    clearCollected();
  });

  test('scans become retained configs, once per tag; a message without tags is an error', async () => {
    await helper.load(modules(), [
      { id: 'tab', type: 'tab', label: 'ha' },
      { id: 'ha', z: 'tab', type: 'edgegw-ha-discovery', gatewayId: 'gw', prefix: 'homeassistant', wires: [['out']] },
      { id: 'out', z: 'tab', type: 'test-collect' },
    ]);
    const ha = helper.getNode('ha');
    ha.receive(
      scan('meter', [
        ['voltage_l1', 230, 'V'],
        ['pump', true],
      ]),
    );
    await waitFor('three configs', () => received('out').length === 3, 20000);
    assert.deepEqual(
      received('out').map((m) => m.topic),
      ['homeassistant/sensor/gw_gateway_uptime/config', 'homeassistant/sensor/gw_meter_voltage_l1/config', 'homeassistant/binary_sensor/gw_meter_pump/config'],
    );
    assert.ok(received('out').every((m) => m.retain === true && m.qos === 1));
    ha.receive(
      scan('meter', [
        ['voltage_l1', 231, 'V'],
        ['pump', false],
      ]),
    );
    ha.receive({ payload: 'no tags' });
    await waitFor('the error', () => errorsOf(ha).length > 0, 20000);
    assert.match(errorsOf(ha).join('\n'), /carries no tag samples/);
    assert.equal(received('out').length, 3, 'nothing new announced');
  });

  test('configs arrive retained at a real mosquitto through mqtt out', needPeers(PEER.mosquitto()), async () => {
    broker = await startMosquitto();
    // Node-RED's own mqtt nodes, as a user wires them
    const coreMqtt = require('@node-red/nodes/core/network/10-mqtt.js');
    await helper.load(
      [...modules(), coreMqtt],
      [
        { id: 'tab', type: 'tab', label: 'ha' },
        { id: 'ha', z: 'tab', type: 'edgegw-ha-discovery', gatewayId: 'gwnode', wires: [['pub']] },
        { id: 'pub', z: 'tab', type: 'mqtt out', broker: 'b', topic: '', qos: '', retain: '' },
        { id: 'b', type: 'mqtt-broker', broker: '127.0.0.1', port: String(broker.port), clientid: '', autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: true },
      ],
    );
    await waitFor('mqtt out connected', () => (helper.getNode('b') as unknown as { connected?: boolean }).connected === true, 20000);
    helper.getNode('ha').receive(scan('meter', [['import_energy', 12, 'kWh']]));
    const got = new Map<string, { retain: boolean; body: any }>();
    await waitFor(
      'retained configs',
      async () => {
        const sub = await mqtt.connectAsync(broker!.url);
        // a config published while this subscriber happens to be connected arrives live (retain
        // unset, as MQTT says): only what the broker keeps counts, so a loaded machine cannot
        // end the wait on a live copy
        sub.on('message', (topic, body, packet) => {
          if (packet.retain) got.set(topic, { retain: packet.retain, body: JSON.parse(body.toString()) });
        });
        await sub.subscribeAsync('homeassistant/#', { qos: 1 });
        await new Promise((r) => setTimeout(r, 300));
        await sub.endAsync();
        return got.size === 2;
      },
      20000,
      100,
    );
    const e = got.get('homeassistant/sensor/gwnode_meter_import_energy/config')!;
    assert.equal(e.retain, true);
    assert.equal(e.body.device_class, 'energy');
    assert.equal(e.body.state_class, 'total_increasing');
    assert.equal(e.body.state_topic, 'devices/meter/data');
  });
});

test('100 redeploys of gateway-heartbeat and ha-discovery leave no timer behind', async () => {
  await helper.startServer();
  try {
    const flow = [
      { id: 'tab', type: 'tab', label: 'life' },
      { id: 'hb', z: 'tab', type: 'edgegw-gateway-heartbeat', gatewayId: 'gw', interval: 1, wires: [['out']] },
      { id: 'ha', z: 'tab', type: 'edgegw-ha-discovery', gatewayId: 'gw', wires: [['out']] },
      { id: 'out', z: 'tab', type: 'test-collect' },
    ];
    const left = await leftAfterRedeploys({
      deploy: () => helper.load(modules(), flow),
      during: (i) => helper.getNode('ha').receive(scan('d', [['t', i, 'W']])),
      stop: () => helper.unload(),
      after: clearCollected,
    });
    assert.deepEqual(left, []);
  } finally {
    await helper.stopServer();
  }
});

describe('gateway-heartbeat and ha-discovery example flows', () => {
  const core = (dir: string, file: string) => require(join(repoRoot, 'node_modules', '@node-red', 'nodes', 'core', dir, file));
  const exampleModules = () => [...modules(), core('common', '20-inject.js'), core('common', '21-debug.js'), core('common', '90-comment.js'), core('function', '10-function.js')];
  const example = (name: string) => JSON.parse(readFileSync(join(repoRoot, 'examples', `${name}.json`), 'utf8')) as Array<Record<string, unknown>>;
  const idOf = (flow: Array<Record<string, unknown>>, type: string) => String(flow.find((n) => n.type === type)!.id);
  before(async () => helper.startServer());
  after(async () => helper.stopServer());
  afterEach(async () => helper.unload());

  test('gateway-heartbeat example: a heartbeat reaches the debug node, with the injected queue depth', async () => {
    const flow = example('gateway-heartbeat');
    await helper.load(exampleModules(), flow);
    const got: NodeMessage[] = [];
    helper.getNode(idOf(flow, 'debug')).on('input', (m: NodeMessage) => got.push(m));
    const depth = flow.find((n) => n.type === 'inject' && n.name === 'queue depth 42')!;
    const now = flow.find((n) => n.type === 'inject' && n.name === 'heartbeat now')!;
    helper.getNode(String(depth.id)).receive({});
    helper.getNode(String(now.id)).receive({});
    await waitFor('a heartbeat with queue depth 42', () => got.some((m) => (m.payload as { queue_depth?: number }).queue_depth === 42), 20000).catch((err) => {
      throw new Error(`${(err as Error).message}: got ${JSON.stringify(got.map((m) => m.payload))}, errors ${errorsOf(helper.getNode(idOf(flow, 'edgegw-gateway-heartbeat'))).join('; ')}`);
    });
    assert.deepEqual(errorsOf(helper.getNode(idOf(flow, 'edgegw-gateway-heartbeat'))), []);
  });

  test('ha-discovery example: one scan announces five configs, a second one nothing new', async () => {
    const flow = example('ha-discovery');
    await helper.load(exampleModules(), flow);
    const got: NodeMessage[] = [];
    helper.getNode(idOf(flow, 'debug')).on('input', (m: NodeMessage) => got.push(m));
    const inject = helper.getNode(idOf(flow, 'inject'));
    inject.receive({ payload: Date.now() });
    await waitFor('five configs (gateway + four tags)', () => got.length === 5, 20000);
    inject.receive({ payload: Date.now() });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(got.length, 5);
    assert.ok(got.some((m) => m.topic === 'homeassistant/binary_sensor/' + (got[1].topic as string).split('/')[2].split('_meter_')[0] + '_boiler_pump_on/config'));
    assert.deepEqual(errorsOf(helper.getNode(idOf(flow, 'edgegw-ha-discovery'))), []);
  });
});
