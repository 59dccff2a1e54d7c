// mqtt-device's messages through one listener on the broker node's client (TopicDispatch), against a
// real mosquitto: several devices on one connection, a core mqtt in on the same topic as a device
// (either one leaving keeps the other fed), and a broker restart (the subscriptions come back).
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeMessage } from '../../nodes/common/red';
import type { TagSample } from '../../lib/tags/contract';
import { helper } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { clearCollected, received } from '../helpers/can-nodes';
import { startMosquitto, type Broker } from '../helpers/mosquitto';
import { needPeers, PEER } from '../helpers/peers';
import { brokerConnected, mosquittoPub, mqttDeviceModules } from '../helpers/mqtt-device-nodes';

const modules = mqttDeviceModules;

const device = (id: string, topic: string) => ({ id, z: 'tab', type: 'edgegw-mqtt-device', broker: 'b', profile: 'esphome-sensor', topic, device: topic, qos: '1', staleAfter: 0, wires: [['out']] });

function flow(broker: Broker, nodes: Record<string, unknown>[]) {
  return [
    { id: 'tab', type: 'tab', label: 'devices' },
    ...nodes,
    { id: 'out', z: 'tab', type: 'test-collect' },
    { id: 'raw', z: 'tab', type: 'test-collect' },
    { id: 'b', type: 'mqtt-broker', broker: '127.0.0.1', port: String(broker.port), clientid: '', autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: true },
  ];
}

const temperatures = (device: string) =>
  received('out')
    .flatMap((m: NodeMessage) => (m as unknown as { tags: TagSample[] }).tags)
    .filter((s) => s.device === device && s.name === 'temperature')
    .map((s) => s.value);

const publish = (broker: Broker, topic: string, value: string) => mosquittoPub(broker.port, ['-q', '1', '-t', topic, '-m', value]);

async function connected(): Promise<void> {
  await brokerConnected();
  await new Promise((r) => setTimeout(r, 300));
}

const closeNode = (id: string) => (helper.getNode(id) as unknown as { close(removed: boolean): Promise<void> }).close(true);

describe('mqtt-device messages through one listener per broker connection', { skip: needPeers(PEER.mosquitto(), PEER.mosquittoClients()).skip }, () => {
  let broker: Broker;
  before(async () => {
    broker = await startMosquitto();
    helper.settings({ mqttReconnectTime: 300 });
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    helper.settings({});
    await broker.stop();
  });
  afterEach(async () => {
    await helper.unload();
    clearCollected();
  });

  test('three devices on one connection: each takes its own topics only, once per message', async () => {
    await helper.load(modules(), flow(broker, [device('d1', 'e1'), device('d2', 'e2'), device('d3', 'e3')]));
    await connected();
    for (const [i, topic] of ['e1', 'e2', 'e3', 'e2'].entries()) await publish(broker, `${topic}/sensor/temperature/state`, String(20 + i));
    await waitFor('four scans', () => received('out').length >= 4, 10000);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual([temperatures('e1'), temperatures('e2'), temperatures('e3')], [[20], [21, 23], [22]]);
  });

  test('a core mqtt in on the same topic as a device: either one leaving keeps the other fed', async () => {
    const mqttIn = { id: 'in', z: 'tab', type: 'mqtt in', broker: 'b', topic: 'sh/sensor/temperature/state', qos: '1', datatype: 'utf8', wires: [['raw']] };
    await helper.load(modules(), flow(broker, [device('dev', 'sh'), mqttIn]));
    await connected();
    await publish(broker, 'sh/sensor/temperature/state', '1');
    await waitFor('both', () => temperatures('sh').length === 1 && received('raw').length === 1, 10000);

    // the mqtt in leaves: the broker node unsubscribes the topic on the connection, the device takes it again
    await closeNode('in');
    await new Promise((r) => setTimeout(r, 300));
    await publish(broker, 'sh/sensor/temperature/state', '2');
    await waitFor('the device still fed', () => temperatures('sh').length === 2, 10000);
    assert.deepEqual(temperatures('sh'), [1, 2]);

    // the other way round: the device leaves, the mqtt in keeps its subscription
    await helper.unload();
    clearCollected();
    await helper.load(modules(), flow(broker, [device('dev', 'sh'), mqttIn]));
    await connected();
    await closeNode('dev');
    await publish(broker, 'sh/sensor/temperature/state', '3');
    await waitFor('the mqtt in still fed', () => received('raw').length === 1, 10000);
    assert.equal(received('raw')[0].payload, '3');
  });

  test('after the broker restarts the devices are subscribed again', async () => {
    await helper.load(modules(), flow(broker, [device('dev', 'rs')]));
    await connected();
    await publish(broker, 'rs/sensor/temperature/state', '1');
    await waitFor('before the restart', () => temperatures('rs').length === 1, 10000);
    await broker.restart();
    await waitFor('reconnected', () => (helper.getNode('b') as unknown as { connected?: boolean }).connected === true, 20000);
    // a fresh mosquitto holds no session: only a new SUBSCRIBE brings the messages back
    await waitFor(
      'fed again',
      async () => {
        await publish(broker, 'rs/sensor/temperature/state', '2');
        return temperatures('rs').includes(2);
      },
      20000,
      300,
    );
  });
});
