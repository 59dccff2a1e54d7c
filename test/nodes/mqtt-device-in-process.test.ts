// mqtt-device whose broker config points at the runtime's embedded broker (real aedes) in the same
// process: its messages come from aedes directly (lib/mqtt/in-process-broker), with devices in
// processes of their own (an mqtt.js plug, mosquitto_pub). The broker node stays registered: it
// carries the commands and tells the status.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { apiDirectory } from '../../lib/api/directory';
import { inProcessBrokerAt, type InProcessBroker } from '../../lib/mqtt/in-process-broker';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../runtime/broker';
import { helper } from '../helpers/nodered';
import { waitFor, type Peer } from '../helpers/process';
import { received } from '../helpers/can-nodes';
import { needPeers, PEER } from '../helpers/peers';
import {
  endDeviceTest,
  tasmotaFloodLines,
  collectedValues,
  brokerConnected as connected,
  collectedSamples as samples,
  deviceFlow as flow,
  lastSample as last,
  mosquittoPub,
  mqttDeviceModules as modules,
  startPlug,
  leftAfterDeviceRedeploys,
} from '../helpers/mqtt-device-nodes';

/** The in-process subscriptions the nodes hold now, counted around the real broker's own. */
function countSubscriptions(seam: InProcessBroker): { active(): number } {
  let active = 0;
  const subscribe = seam.subscribe.bind(seam);
  (seam as { subscribe: InProcessBroker['subscribe'] }).subscribe = (filter, deliver, failed) => {
    const stop = subscribe(filter, deliver, failed);
    active++;
    let stopped = false;
    return () => {
      if (!stopped) active--;
      stopped = true;
      stop();
    };
  };
  return { active: () => active };
}

describe('mqtt-device on the embedded broker of its own process', { skip: needPeers(PEER.mosquittoClients()).skip }, () => {
  let broker: EmbeddedBroker;
  let subscriptions: { active(): number };
  let plug: Peer | undefined;
  before(async () => {
    broker = await startEmbeddedBroker(0);
    subscriptions = countSubscriptions(inProcessBrokerAt('127.0.0.1', broker.port)!);
    helper.settings({ mqttReconnectTime: 300 });
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    helper.settings({});
    await broker.close();
  });
  afterEach(async () => {
    await endDeviceTest(plug);
    plug = undefined;
  });

  test('a plug in another process is read into scans from the broker itself; commands confirmed; its last will marks it down; closing leaves no subscription', async () => {
    assert.equal(inProcessBrokerAt('localhost', broker.port + 1), undefined, 'another port is another broker');
    await helper.load(modules(), flow(broker.port, { profile: 'tasmota-energy-plug', topic: 'ip1', device: 'iplug' }));
    await connected();
    assert.equal(subscriptions.active(), 3, 'SENSOR, POWER and LWT, taken from aedes');
    plug = await startPlug(`mqtt://127.0.0.1:${broker.port}`, { TOPIC: 'ip1', PERIOD_MS: '100' });
    await waitFor('scans', () => samples().filter((s) => s.name === 'power').length >= 3, 20000);
    const power = samples().find((s) => s.name === 'power')!;
    assert.deepEqual([power.device, power.quality, power.unit, power.source], ['iplug', 'good', 'W', 'mqtt:tasmota-energy-plug']);

    // a write goes out through the broker node's connection, its confirmation comes back in-process
    const device = apiDirectory()
      .list('devices')
      .find((d) => d.device === 'iplug')!;
    const answer = await device.write({ relay: true }, 'api:tester');
    assert.equal(answer.outcome, 'written');
    await waitFor('the relay tag', () => last('relay')?.value === true, 5000);

    await plug.stop('SIGKILL');
    plug = undefined;
    await waitFor('the last will', () => last('power')?.quality === 'bad', 10000);
    assert.match(last('power')!.error ?? '', /device offline: 'Offline'/);

    await helper.unload();
    assert.equal(subscriptions.active(), 0, 'every in-process subscription ended with the node');
  });

  test('a retained offline on the availability topic marks the device down as it starts, as a broker subscription would', async () => {
    await mosquittoPub(broker.port, ['-r', '-q', '1', '-t', 'tele/ret/LWT', '-m', 'Offline']);
    try {
      await helper.load(modules(), flow(broker.port, { profile: 'tasmota-energy-plug', topic: 'ret', device: 'ret' }));
      await waitFor('down from the retained will', () => last('power')?.quality === 'bad', 10000);
    } finally {
      await mosquittoPub(broker.port, ['-r', '-q', '1', '-t', 'tele/ret/LWT', '-n']);
    }
  });

  test('a flood while the broker node reconnects: every message becomes one scan, in order', async () => {
    await helper.load(modules(), flow(broker.port, { profile: 'tasmota-energy-plug', topic: 'rf', device: 'rf' }));
    await connected();
    const N = 3000;
    const lines = tasmotaFloodLines(N);
    const flood = mosquittoPub(broker.port, ['-q', '1', '-t', 'tele/rf/SENSOR', '-l'], lines);
    // the gateway's own connection drops in the middle: the device's data does not go through it
    await waitFor('the flood under way', () => received('out').length > 0, 20000, 5);
    (helper.getNode('b') as unknown as { client: { stream: { destroy(): void } } }).client.stream.destroy();
    await flood;
    await waitFor('every scan', () => received('out').length >= N, 60000, 100);
    await connected();
    await new Promise((r) => setTimeout(r, 300));
    const powers = collectedValues('power');
    assert.deepEqual(
      powers,
      Array.from({ length: N }, (_, i) => i),
      'each once, in order',
    );
    // after the reconnect the subscriptions are still the three of the node, and still deliver
    assert.equal(subscriptions.active(), 3);
    await mosquittoPub(broker.port, ['-q', '1', '-t', 'tele/rf/SENSOR', '-m', JSON.stringify({ ENERGY: { Power: 4242 } })]);
    await waitFor('a message after the reconnect', () => last('power')?.value === 4242, 10000);
  });

  test('100 redeploys leave no timer, socket or in-process subscription behind', async () => {
    const f = flow(broker.port, { profile: 'esphome-sensor', topic: 'ileak', device: 'ileak', staleAfter: 1 });
    assert.deepEqual(await leftAfterDeviceRedeploys(f), []);
    assert.equal(subscriptions.active(), 0);
  });
});
