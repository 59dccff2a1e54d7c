// The embedded broker's device security against real clients: mosquitto_pub (a child process per
// device, as an ESP32 would connect) logs in with the password `admin add-device` gave, a wrong
// password is refused, a device publishing under another device's topic is refused by the ACL,
// and an unknown device announcing itself on devices/+/hello becomes pending.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../runtime/broker';
import { isLoopbackAddress } from '../../runtime/broker-devices';
import { DiscoveryTopic, openDeviceRegistry, type DeviceRegistry } from '../../lib/registry';
import { waitFor } from '../helpers/process';

interface Run {
  code: number;
  stderr: string;
}

function mosquittoPub(port: number, args: string[], host = '127.0.0.1'): Promise<Run> {
  return new Promise((resolve) => {
    execFile('mosquitto_pub', ['-h', host, '-p', String(port), '-q', '1', ...args], { timeout: 10_000 }, (err, _stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stderr });
    });
  });
}

describe('embedded broker: device logins and ACL', () => {
  let registry: DeviceRegistry;
  let broker: EmbeddedBroker;
  let watcher: mqtt.MqttClient;
  let plugPassword = '';
  const warnings: string[] = [];
  const got: string[] = [];

  before(async () => {
    registry = (await openDeviceRegistry(mkdtempSync(join(tmpdir(), 'edgegw-broker-devices-')))).registry;
    plugPassword = (await registry.addCredentials('plug', { profile: 'tasmota-energy' })).password;
    await registry.addCredentials('shelly1');
    broker = await startEmbeddedBroker(0, { warn: (m) => warnings.push(m), devices: { registry, discovery: new DiscoveryTopic() } });
    // the gateway's own client: anonymous, on loopback, no ACL
    watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { reconnectPeriod: 0 });
    watcher.on('message', (topic, payload) => got.push(`${topic} ${payload.toString()}`));
    await watcher.subscribeAsync('#');
  });

  after(async () => {
    await watcher.endAsync(true);
    await broker.close();
    await registry.close();
  });

  test('the password add-device gave logs in; a wrong one is refused', async () => {
    const ok = await mosquittoPub(broker.port, ['-u', 'plug', '-P', plugPassword, '-t', 'tele/plug/SENSOR', '-m', '{"ENERGY":{"Power":41}}']);
    assert.equal(ok.code, 0, ok.stderr);
    await waitFor('the device message', () => got.includes('tele/plug/SENSOR {"ENERGY":{"Power":41}}'), 10_000);
    const wrong = await mosquittoPub(broker.port, ['-u', 'plug', '-P', `${plugPassword}x`, '-t', 'tele/plug/SENSOR', '-m', 'wrong']);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /bad user name or password|not authori[sz]ed/i);
    const unknown = await mosquittoPub(broker.port, ['-u', 'ghost', '-P', 'whatever', '-t', 'tele/ghost/SENSOR', '-m', 'ghost']);
    assert.notEqual(unknown.code, 0);
    assert.ok(!got.some((g) => g.endsWith(' wrong') || g.endsWith(' ghost')), got.join('\n'));
    assert.ok(
      warnings.some((w) => /refused the login "plug" from 127\.0\.0\.1: bad username or password/.test(w)),
      warnings.join('\n'),
    );
    assert.ok(!warnings.some((w) => w.includes(plugPassword)), 'no password in the log');
    // it disconnected: down, still accepted
    assert.equal(registry.isAccepted('plug'), true);
    assert.ok(registry.get('plug')?.last_seen, 'seen');
  });

  test('a device publishing under another device’s topic is refused', async () => {
    await mosquittoPub(broker.port, ['-u', 'plug', '-P', plugPassword, '-t', 'tele/shelly1/SENSOR', '-m', 'forged']);
    await mosquittoPub(broker.port, ['-u', 'plug', '-P', plugPassword, '-t', 'devices/plug/data', '-m', 'own']);
    await waitFor('the own message', () => got.includes('devices/plug/data own'), 10_000);
    assert.ok(!got.includes('tele/shelly1/SENSOR forged'), 'the forged message was not delivered');
    assert.ok(
      warnings.some((w) => /refused a publish of the device "plug" to "tele\/shelly1\/SENSOR"/.test(w)),
      warnings.join('\n'),
    );
  });

  test('a device subscribes to its own command topics only', async () => {
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { reconnectPeriod: 0, username: 'plug', password: plugPassword });
    try {
      const granted = await device.subscribeAsync('cmnd/plug/#');
      assert.deepEqual(
        granted.map((g) => [g.topic, g.qos]),
        [['cmnd/plug/#', 0]],
      );
      // refused filters are granted 0x80, which mqtt.js reports as an error; the connection stays
      for (const filter of ['cmnd/shelly1/#', '#', 'tele/+/SENSOR']) {
        await assert.rejects(device.subscribeAsync(filter), (err: Error & { packet?: { granted?: number[] } }) => err.packet?.granted?.[0] === 128, filter);
      }
      assert.equal(device.connected, true);
      assert.ok(warnings.some((w) => /refused a subscription of the device "plug" to "#": not one of its command topics/.test(w)));
    } finally {
      await device.endAsync(true);
    }
  });

  test('an unknown device announcing itself is pending until accepted', async () => {
    const hello = await mosquittoPub(broker.port, ['-t', 'devices/esp32-7/hello', '-m', '{"profile":"ds18b20-esp32","name":"Boiler probe"}']);
    assert.equal(hello.code, 0, hello.stderr);
    await waitFor('the pending device', () => registry.pending().some((d) => d.device_id === 'esp32-7'), 10_000);
    const pending = registry.get('esp32-7');
    assert.deepEqual([pending?.status, pending?.protocol, pending?.profile, pending?.name, pending?.address], ['pending', 'mqtt', 'ds18b20-esp32', 'Boiler probe', '127.0.0.1']);
    assert.equal(registry.isAccepted('esp32-7'), false);
    registry.accept('esp32-7');
    assert.equal(registry.isAccepted('esp32-7'), true);
  });

  test('anonymous clients only on loopback', async (t) => {
    assert.equal(isLoopbackAddress('127.0.0.1'), true);
    assert.equal(isLoopbackAddress('::ffff:127.0.0.1'), true);
    assert.equal(isLoopbackAddress('::1'), true);
    assert.equal(isLoopbackAddress('10.0.0.5'), false);
    const lan = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    if (!lan) return t.skip('no non-loopback IPv4 address on this machine');
    const open = await startEmbeddedBroker(0, { host: '0.0.0.0', warn: (m) => warnings.push(m), devices: { registry } });
    try {
      const anonymous = await mosquittoPub(open.port, ['-t', 'devices/x/data', '-m', 'anon'], lan);
      assert.notEqual(anonymous.code, 0, 'anonymous from the LAN refused');
      const device = await mosquittoPub(open.port, ['-u', 'plug', '-P', plugPassword, '-t', 'devices/plug/data', '-m', 'lan'], lan);
      assert.equal(device.code, 0, device.stderr);
      assert.ok(warnings.some((w) => /no username \(anonymous access only on loopback\)/.test(w)));
    } finally {
      await open.close();
    }
  });
});

describe('embedded broker without device logins', () => {
  test('until a device is added, local clients log in with any name, as before', async () => {
    const registry = (await openDeviceRegistry(mkdtempSync(join(tmpdir(), 'edgegw-broker-nodevices-')))).registry;
    const broker = await startEmbeddedBroker(0, { devices: { registry } });
    try {
      const run = await mosquittoPub(broker.port, ['-u', 'someone', '-P', 'anything', '-t', 'x/y', '-m', '1']);
      assert.equal(run.code, 0, run.stderr);
    } finally {
      await broker.close();
      await registry.close();
    }
  });
});
