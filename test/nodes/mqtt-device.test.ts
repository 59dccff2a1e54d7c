// mqtt-device in a real Node-RED against a real mosquitto, with devices in processes of their own:
// an mqtt.js plug (telemetry, commands answered, killed without a clean close), mosquitto_pub as a
// device that floods and one that sends garbage; silence going stale; a profile edited while the
// node runs; writes through the operator API's directory, confirmed by the device.
import { test, describe, before, after, afterEach, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TagSample } from '../../lib/tags/contract';
import { apiDirectory } from '../../lib/api/directory';
import { helper, calls } from '../helpers/nodered';
import { freePort, startProcess, waitFor, waitForPort, type Peer } from '../helpers/process';
import { lastStatus, received, warningsOf } from '../helpers/can-nodes';
import { closeSharedDeviceRegistry, sharedDeviceRegistry } from '../../lib/registry';
import { needPeers, PEER } from '../helpers/peers';
import type { Broker } from '../helpers/mosquitto';
import {
  brokerConnected,
  collectedSamples,
  endDeviceTest,
  tasmotaFloodLines,
  collectedValues,
  deviceFlow,
  lastSample,
  mosquittoPub as publishWithMosquittoPub,
  mqttDeviceModules,
  startPlug as startPlugPeer,
  leftAfterDeviceRedeploys,
} from '../helpers/mqtt-device-nodes';

const modules = mqttDeviceModules;
const flow = (broker: Broker, dev: Record<string, unknown>) => deviceFlow(broker.port, dev);
const samples = collectedSamples;
const last = lastSample;

async function connected(): Promise<void> {
  await brokerConnected();
  // the subscriptions go out right after the connection
  await new Promise((r) => setTimeout(r, 300));
}

const mosquittoPub = (broker: Broker, args: string[], stdin?: string) => publishWithMosquittoPub(broker.port, args, stdin);

/** mosquitto with no limit on a subscriber's queue: a flood is the device's, the broker must not drop it (its default keeps 1000). */
async function startBroker(dir: string): Promise<Broker> {
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\nmax_inflight_messages 0\n`);
  const peer = startProcess('mosquitto', ['-c', conf]);
  await waitForPort(port);
  const broker: Broker = { port, url: `mqtt://127.0.0.1:${port}`, peer, stop: () => peer.stop('SIGKILL'), restart: () => Promise.reject(new Error('not used here')) };
  return broker;
}

const startPlug = (broker: Broker, env: Record<string, string>) => startPlugPeer(broker.url, env);

describe('mqtt-device node', { skip: needPeers(PEER.mosquitto(), PEER.mosquittoClients()).skip }, () => {
  let broker: Broker;
  let plug: Peer | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'edgegw-mqtt-broker-'));
  before(async () => {
    broker = await startBroker(dir);
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await endDeviceTest(plug);
    plug = undefined;
  });

  test('a plug in another process is read into scans; killed without a clean close, its last will marks it down at once', async () => {
    await helper.load(modules(), flow(broker, { profile: 'tasmota-energy-plug', topic: 'p1', device: 'plug' }));
    await connected();
    plug = await startPlug(broker, { TOPIC: 'p1', PERIOD_MS: '100' });
    await waitFor('scans', () => samples().filter((s) => s.name === 'power').length >= 3, 20000);
    const scan = received('out')[0] as unknown as { topic: string; payload: Record<string, unknown>; tags: TagSample[] };
    assert.equal(scan.topic, 'plug');
    assert.equal(typeof scan.payload.power, 'number');
    const power = scan.tags.find((s) => s.name === 'power')!;
    assert.deepEqual([power.device, power.quality, power.unit, power.source], ['plug', 'good', 'W', 'mqtt:tasmota-energy-plug']);
    const killedAt = Date.now();
    await plug.stop('SIGKILL');
    await waitFor('the last will', () => last('power')?.quality === 'bad', 10000);
    assert.ok(Date.now() - killedAt < 5000, 'at once, not after staleAfter');
    const down = samples().filter((s) => s.quality === 'bad');
    assert.ok(down.every((s) => /device offline: 'Offline'/.test(s.error ?? '')));
    assert.equal(typeof last('power')?.value, 'number', 'the last value stays beside the quality');
    assert.equal(
      apiDirectory()
        .list('devices')
        .find((d) => d.device === 'plug')
        ?.snapshot().state,
      'down',
    );
  });

  test('a write through the operator directory publishes the command and answers with the confirmation', async () => {
    await helper.load(modules(), flow(broker, { profile: 'tasmota-energy-plug', topic: 'p2', device: 'plug2' }));
    await connected();
    plug = await startPlug(broker, { TOPIC: 'p2', PERIOD_MS: '0' });
    const device = apiDirectory()
      .list('devices')
      .find((d) => d.device === 'plug2')!;
    const answer = await device.write({ relay: true }, 'api:tester');
    assert.equal(answer.outcome, 'written');
    assert.deepEqual(
      answer.tags.map((t) => [t.tag, t.requested, t.readBack?.value]),
      [['relay', true, true]],
    );
    await waitFor('the relay tag', () => last('relay')?.value === true, 5000);
    await assert.rejects(() => device.write({ power: 3 }, 'api:tester'), /tag 'power': read-only/);
    // a message input writes too
    helper.getNode('dev').receive({ payload: { relay: false } });
    await waitFor('the relay off', () => last('relay')?.value === false, 5000);
  });

  test('a device that sends garbage gets bad tags with the reason, and the node goes on', async () => {
    await helper.load(modules(), flow(broker, { profile: 'tasmota-energy-plug', topic: 'g', device: 'garbage' }));
    await connected();
    await mosquittoPub(broker, ['-q', '1', '-t', 'tele/g/SENSOR', '-m', '{"ENERGY": {"Power": "lots"']);
    await waitFor('bad tags', () => last('power')?.quality === 'bad', 10000);
    assert.match(last('power')!.error!, /not valid JSON|JSON/);
    await mosquittoPub(broker, ['-q', '1', '-t', 'tele/g/SENSOR', '-m', '{"Time": "2024-05-01T12:00:00", "ENERGY": {"Power": "lots", "Voltage": 230}}']);
    await waitFor('the next message', () => last('voltage')?.quality === 'good', 10000);
    assert.equal(last('power')?.quality, 'bad');
    assert.match(last('power')!.error!, /"lots" is not a number/);
    assert.match(last('current')!.error!, /no value at ENERGY.Current/);
    await mosquittoPub(broker, ['-q', '1', '-t', 'tele/g/SENSOR', '-m', '{"Time": "2024-05-01T12:00:10", "ENERGY": {"Power": 12}}']);
    await waitFor('a good value again', () => last('power')?.value === 12, 10000);
    assert.equal(last('power')?.quality, 'good');
    const warned = calls(helper.getNode('dev'), 'warn').map((c) => String(c[0]));
    assert.ok(
      warned.some((w) => /garbage\/power on tele\/g\/SENSOR/.test(w)),
      warned.join('\n'),
    );
  });

  test('a device that floods: every message becomes a scan, none lost', async () => {
    await helper.load(modules(), flow(broker, { profile: 'tasmota-energy-plug', topic: 'f', device: 'flood' }));
    await connected();
    const N = 5000;
    const lines = tasmotaFloodLines(N);
    await mosquittoPub(broker, ['-q', '1', '-t', 'tele/f/SENSOR', '-l'], lines);
    await waitFor('every scan', () => received('out').length >= N, 60000, 100);
    assert.equal(received('out').length, N);
    const powers = collectedValues('power');
    assert.deepEqual(
      powers,
      Array.from({ length: N }, (_, i) => i),
      'in order',
    );
    assert.ok(samples().every((s) => s.quality === 'good'));
  });

  test('silence longer than staleAfter makes the tags stale', async () => {
    await helper.load(modules(), flow(broker, { profile: 'esphome-sensor', topic: 'quiet', device: 'quiet', staleAfter: 1 }));
    await connected();
    await mosquittoPub(broker, ['-q', '1', '-t', 'quiet/sensor/temperature/state', '-m', '21.5']);
    await waitFor('the value', () => last('temperature')?.value === 21.5, 10000);
    await waitFor('stale', () => last('temperature')?.quality === 'stale', 5000);
    assert.equal(last('temperature')?.value, 21.5);
    assert.match(last('temperature')!.error!, /no message for/);
    assert.equal(last('humidity')?.quality, 'stale');
    await mosquittoPub(broker, ['-q', '1', '-t', 'quiet/sensor/temperature/state', '-m', '21.7']);
    await waitFor('live again', () => last('temperature')?.value === 21.7 && last('temperature')?.quality === 'good', 10000);
  });

  test('a device that announced itself is held out of the pipeline until it is accepted in the registry', async (t) => {
    const userDir = mkdtempSync(join(tmpdir(), 'edgegw-mqtt-device-gate-'));
    const registry = await sharedDeviceRegistry(userDir);
    t.after(async () => {
      await closeSharedDeviceRegistry(userDir);
      rmSync(userDir, { recursive: true, force: true });
    });
    helper.settings({ userDir });
    t.after(() => helper.settings({}));
    assert.equal(registry.announce('probe7', { profile: 'esphome-sensor' }), 'pending');
    await helper.load(modules(), flow(broker, { profile: 'esphome-sensor', topic: 'probe7', device: 'probe7' }));
    await connected();
    const node = helper.getNode('dev');
    await mosquittoPub(broker, ['-q', '1', '-t', 'probe7/sensor/temperature/state', '-m', '21.5']);
    await waitFor('held', () => lastStatus(node)?.text === 'mqtt-device.status.notAccepted', 10000);
    assert.equal(samples().length, 0, 'nothing enters the pipeline while the device is pending');
    assert.match(warningsOf(node).join('\n'), /device probe7 is not accepted in the device registry: its data stays out of the pipeline until it is/);

    registry.accept('probe7', 'test');
    await mosquittoPub(broker, ['-q', '1', '-t', 'probe7/sensor/temperature/state', '-m', '21.6']);
    await waitFor('let in', () => last('temperature')?.value === 21.6, 10000);
    assert.equal(
      samples().some((s) => s.value === 21.5),
      false,
      'what was held is not sent afterwards',
    );
    await waitFor('status', () => lastStatus(node)?.text !== 'mqtt-device.status.notAccepted', 5000);

    registry.reject('probe7', 'test');
    const before = samples().length;
    await mosquittoPub(broker, ['-q', '1', '-t', 'probe7/sensor/temperature/state', '-m', '21.7']);
    await waitFor('held again', () => lastStatus(node)?.text === 'mqtt-device.status.notAccepted', 10000);
    assert.equal(samples().length, before, 'a rejected device is held too');
  });

  /** A running mqtt-device whose profile `id` is a copy of the shipped DS18B20 one in a user profile folder, and a reading of its sensor. */
  async function deviceWithUserProfile(t: TestContext, id: string) {
    const userDir = mkdtempSync(join(tmpdir(), 'edgegw-mqtt-device-'));
    t.after(() => rmSync(userDir, { recursive: true, force: true }));
    mkdirSync(join(userDir, 'profiles'));
    const file = join(userDir, 'profiles', `${id}.yaml`);
    const text = readFileSync(join(__dirname, '..', '..', 'profiles', 'esp32-ds18b20.yaml'), 'utf8').replace('id: esp32-ds18b20', `id: ${id}`);
    writeFileSync(file, text);
    helper.settings({ userDir });
    t.after(() => helper.settings({}));
    await helper.load(modules(), flow(broker, { profile: id, topic: id, device: id }));
    await connected();
    const reading = (v: number) => mosquittoPub(broker, ['-q', '1', '-t', `sensors/${id}/ds18b20`, '-m', JSON.stringify({ id: '28-1', temperature: v, status: 'ok', ts: 1733568000 })]);
    return { file, text, reading };
  }

  test('a profile edited while the node runs is picked up; a broken edit keeps it and says why', async (t) => {
    const { file, text, reading } = await deviceWithUserProfile(t, 'lab-sensor');
    await reading(20);
    await waitFor('the first reading', () => last('temperature')?.value === 20, 10000);
    assert.equal(last('temperature')?.unit, 'degC');
    writeFileSync(file, text.replace('unit: degC', 'unit: K\n    offset: 273.15'));
    await waitFor('the reload logged', () => calls(helper.getNode('dev'), 'log').some((c) => /profile lab-sensor reloaded/.test(String(c[0]))), 10000);
    await reading(21);
    await waitFor('the new profile', () => last('temperature')?.unit === 'K', 10000);
    assert.ok(Math.abs((last('temperature')!.value as number) - 294.15) < 1e-9);
    writeFileSync(file, text.replace('path: temperature', 'path: temperature..x'));
    await waitFor('the refusal', () => calls(helper.getNode('dev'), 'warn').some((c) => /profile edit refused.*lab-sensor.yaml:\d+ tags\[0\]\.path/.test(String(c[0]))), 10000);
    await reading(22);
    await waitFor('read by the last good profile', () => last('temperature')?.value === 295.15, 10000);
  });

  test('after profile reloads each message is still read once', async (t) => {
    const { file, text, reading } = await deviceWithUserProfile(t, 'twice');
    for (let edit = 1; edit <= 2; edit++) {
      writeFileSync(file, text.replace('unit: degC', `unit: degC\n    offset: ${edit}`));
      await waitFor(`reload ${edit} logged`, () => calls(helper.getNode('dev'), 'log').filter((c) => /profile twice reloaded/.test(String(c[0]))).length === edit, 10000);
    }
    await reading(20);
    await waitFor('the reading', () => last('temperature')?.value === 22, 10000);
    await reading(30);
    await waitFor('the next reading', () => last('temperature')?.value === 32, 10000);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      samples()
        .filter((s) => s.name === 'temperature')
        .map((s) => s.value),
      [22, 32],
      'one scan per message',
    );
  });

  test('100 redeploys with a watched profile folder leave no timer, socket or watcher behind', async (t) => {
    const userDir = mkdtempSync(join(tmpdir(), 'edgegw-mqtt-device-'));
    t.after(() => rmSync(userDir, { recursive: true, force: true }));
    helper.settings({ userDir });
    t.after(() => helper.settings({}));
    const f = flow(broker, { profile: 'esphome-sensor', topic: 'leak', device: 'leak', staleAfter: 1 });
    assert.deepEqual(await leftAfterDeviceRedeploys(f), []);
  });

  test('a profile that does not exist refuses the node, naming the known ones', async () => {
    await helper.load(modules(), flow(broker, { profile: 'no-such', topic: 'x' }));
    const errors = calls(helper.getNode('dev'), 'error').map((c) => String(c[0]));
    assert.match(errors.join('\n'), /no device profile named 'no-such' \(known: .*tasmota-energy-plug/);
  });
});
