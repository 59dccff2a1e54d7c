import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceIdRegistry } from '../../../lib/fleet/device-ids';
import { DEVICE_DATABASE_FILE, DEVICE_REGISTRY_FILE, DiscoveryTopic, DiscoveryTopicError, openDeviceRegistry, type DeviceRegistry } from '../../../lib/registry';
import { MissingPackageError } from '../../../lib/system/process/optional';

const fresh = () => mkdtempSync(join(tmpdir(), 'edgegw-registry-'));
const noSqlite = () => {
  throw new MissingPackageError('sqlite3', new Error("Cannot find module 'sqlite3'"));
};

async function withRegistry<T>(dir: string, work: (r: DeviceRegistry) => Promise<T> | T): Promise<T> {
  const { registry } = await openDeviceRegistry(dir);
  try {
    return await work(registry);
  } finally {
    await registry.close();
  }
}

describe('device registry in SQLite', () => {
  test('ids, protocol, address and profile kept across restarts; a rename or a move keeps the id', async () => {
    const dir = fresh();
    const id = await withRegistry(dir, (r) => {
      assert.equal(r.backend, 'sqlite');
      return r.register({ nodeId: 'n1', name: 'Main Meter', transport: 'tcp', address: '10.0.0.5:502', unit: 1 }, { protocol: 'modbus', address: 'tcp:10.0.0.5:502:1', profile: 'eastron-sdm630' });
    });
    assert.equal(id, 'main-meter');
    assert.ok(existsSync(join(dir, DEVICE_DATABASE_FILE)));
    const mirror = JSON.parse(readFileSync(join(dir, DEVICE_REGISTRY_FILE), 'utf8'));
    assert.equal(mirror.source, 'devices.db', 'devices.json is the readable copy of the database');
    assert.deepEqual(mirror.devices[0].keys, ['node:n1', 'addr:tcp:10.0.0.5:502:1', 'name:Main Meter']);
    await withRegistry(dir, (r) => {
      const d = r.get('main-meter');
      assert.ok(d);
      assert.deepEqual([d.protocol, d.address, d.profile, d.status, d.name], ['modbus', 'tcp:10.0.0.5:502:1', 'eastron-sdm630', 'active', 'Main Meter']);
      assert.match(d.first_seen, /^\d{4}-\d\d-\d\dT/);
      // renamed in the editor: same node id
      assert.equal(r.register({ nodeId: 'n1', name: 'Incomer' }, { protocol: 'modbus' }), id);
      // moved to another address and regenerated with a new node id: the name still matches
      assert.equal(r.register({ nodeId: 'gen-7', name: 'Incomer', transport: 'tcp', address: '10.0.0.9:502', unit: 1 }, { protocol: 'modbus', address: 'tcp:10.0.0.9:502:1' }), id);
    });
    await withRegistry(dir, (r) => {
      assert.equal(r.list().length, 1);
      assert.equal(r.get(id)?.name, 'Incomer');
      assert.equal(r.get(id)?.address, 'tcp:10.0.0.9:502:1');
      assert.equal(r.resolve({ nodeId: 'gen-7' }), id);
    });
  });

  test('every protocol registers through the same call', async () => {
    const dir = fresh();
    await withRegistry(dir, (r) => {
      r.register({ nodeId: 'c1', name: 'Drive', transport: 'can', address: 'can0', unit: 5 }, { protocol: 'can', address: 'can0:5' });
      r.register({ nodeId: 'o1', name: 'Boiler probes', transport: 'onewire', address: '/sys/bus/w1/devices' }, { protocol: 'onewire' });
      r.register({ nodeId: 's1', name: 'gateway host' }, { protocol: 'system' });
    });
    await withRegistry(dir, (r) => {
      assert.deepEqual(
        r.list().map((d) => [d.device_id, d.protocol]),
        [
          ['drive', 'can'],
          ['boiler-probes', 'onewire'],
          ['gateway-host', 'system'],
        ],
      );
    });
  });

  test('last_seen is batched: written by flush (or the timer), not per message', async () => {
    const dir = fresh();
    const clock = { t: Date.parse('2026-12-01T10:00:00Z') };
    const a = await openDeviceRegistry(dir, { now: () => new Date(clock.t), touchFlushMs: 60_000 });
    const id = a.registry.register({ name: 'plug' }, { protocol: 'mqtt' });
    await a.registry.flush();
    clock.t += 5000;
    for (let i = 0; i < 1000; i++) a.registry.seen(id);
    const other = await openDeviceRegistry(dir);
    assert.equal(other.registry.get(id)?.last_seen, '2026-12-01T10:00:00.000Z', 'not written yet');
    await a.registry.flush();
    assert.equal(await other.registry.refresh(), true, 'the other process sees the commit');
    assert.equal(other.registry.get(id)?.last_seen, '2026-12-01T10:00:05.000Z');
    await a.registry.close();
    await other.registry.close();
  });

  test('last_seen is kept to the second: calls within a second of the last cost nothing; a status move always goes through', async () => {
    const dir = fresh();
    const clock = { t: Date.parse('2026-12-01T10:00:00Z') };
    const a = await openDeviceRegistry(dir, { now: () => new Date(clock.t), touchFlushMs: 60_000 });
    const id = a.registry.register({ name: 'plug' }, { protocol: 'mqtt' });
    clock.t += 300;
    for (let i = 0; i < 1000; i++) a.registry.seen(id);
    assert.equal(a.registry.get(id)?.last_seen, '2026-12-01T10:00:00.000Z', 'within the second of the register');
    clock.t += 800;
    a.registry.seen(id);
    assert.equal(a.registry.get(id)?.last_seen, '2026-12-01T10:00:01.100Z');
    clock.t += 100;
    a.registry.seen(id, 'down');
    assert.equal(a.registry.get(id)?.status, 'down', 'a move is never held back');
    assert.equal(a.registry.get(id)?.last_seen, '2026-12-01T10:00:01.200Z');
    clock.t += 100;
    a.registry.seen(id, 'down');
    assert.equal(a.registry.get(id)?.last_seen, '2026-12-01T10:00:01.200Z', 'no move, within the second');
    await a.registry.close();
  });

  test('a status an operator set elsewhere is not overridden by traffic', async () => {
    const dir = fresh();
    const gateway = (await openDeviceRegistry(dir)).registry;
    gateway.announce('esp32-7', { address: '10.0.0.77' });
    await gateway.flush();
    const cli = (await openDeviceRegistry(dir)).registry;
    cli.reject('esp32-7');
    await cli.close();
    gateway.seen('esp32-7', 'active');
    await gateway.refresh();
    assert.equal(gateway.get('esp32-7')?.status, 'rejected');
    await gateway.close();
  });

  test('a devices.json is migrated on first open and kept as devices.json.migrated', async () => {
    const dir = fresh();
    const old = new DeviceIdRegistry(dir);
    const a = old.resolve({ nodeId: 'n1', name: 'boiler' });
    const b = old.resolve({ nodeId: 'n2', transport: 'rtu', address: '/dev/ttyUSB0', unit: 3 }, 'meter');
    const text = readFileSync(join(dir, DEVICE_REGISTRY_FILE), 'utf8');
    const infos: string[] = [];
    const opened = await openDeviceRegistry(dir, { info: (m) => infos.push(m) });
    assert.deepEqual(opened.migrated, { devices: 2, keptAs: join(dir, `${DEVICE_REGISTRY_FILE}.migrated`) });
    assert.equal(readFileSync(join(dir, `${DEVICE_REGISTRY_FILE}.migrated`), 'utf8'), text, 'the file kept as it was');
    assert.equal(JSON.parse(readFileSync(join(dir, DEVICE_REGISTRY_FILE), 'utf8')).source, 'devices.db', 'a readable copy in its place');
    assert.match(infos[0], /2 device\(s\) of .*devices\.json moved into .*devices\.db/);
    const facade = new DeviceIdRegistry(opened.registry);
    assert.equal(facade.resolve({ nodeId: 'n1', name: 'boiler' }), a);
    assert.equal(facade.resolve({ nodeId: 'other', transport: 'RTU', address: '/dev/ttyUSB0', unit: 3 }), b);
    assert.equal(facade.list().length, 2);
    await opened.registry.close();
    const again = await openDeviceRegistry(dir);
    assert.equal(again.migrated, undefined, 'migrated once');
    assert.deepEqual(
      again.registry.list().map((d) => d.device_id),
      [a, b],
    );
    await again.registry.close();
  });
});

describe('device registry without sqlite3', () => {
  test('devices.json, said once; ids kept across restarts', async () => {
    const dir = fresh();
    const warnings: string[] = [];
    const first = await openDeviceRegistry(dir, { loadSqlite: noSqlite, warn: (m) => warnings.push(m) });
    assert.equal(first.registry.backend, 'json');
    assert.ok(first.noSqlite);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /sqlite3.*devices are kept in .*devices\.json instead of SQLite/);
    const id = first.registry.register({ nodeId: 'n1', name: 'Plug 1' }, { protocol: 'mqtt', profile: 'tasmota-energy' });
    first.registry.announce('esp32-9');
    await first.registry.close();
    assert.equal(existsSync(join(dir, DEVICE_DATABASE_FILE)), false);
    const second = await openDeviceRegistry(dir, { loadSqlite: noSqlite });
    assert.equal(second.registry.resolve({ nodeId: 'n1', name: 'renamed' }), id);
    assert.equal(second.registry.get(id)?.profile, 'tasmota-energy');
    assert.equal(second.registry.get('esp32-9')?.status, 'pending');
    await second.registry.close();
    // and sqlite3 installed later: the same ids move into devices.db
    const third = await openDeviceRegistry(dir);
    assert.equal(third.migrated?.devices, 2);
    assert.equal(third.registry.resolve({ nodeId: 'n1' }), id);
    await third.registry.close();
  });
});

describe('pending devices', () => {
  test('an announced device is pending until accepted; rejected stays out', async () => {
    const dir = fresh();
    await withRegistry(dir, (r) => {
      assert.equal(r.announce('esp32-7', { address: '10.0.0.77', profile: 'ds18b20-esp32' }), 'pending');
      assert.equal(r.isAccepted('esp32-7'), false);
      assert.deepEqual(
        r.pending().map((d) => [d.device_id, d.protocol, d.profile, d.address]),
        [['esp32-7', 'mqtt', 'ds18b20-esp32', '10.0.0.77']],
      );
      assert.equal(r.accept('esp32-7').status, 'active');
      assert.equal(r.isAccepted('esp32-7'), true);
      assert.equal(r.announce('esp32-7'), 'active', 'a known device is only seen');
      r.announce('intruder');
      r.reject('intruder');
      assert.equal(r.announce('intruder'), 'rejected');
      assert.equal(r.isAccepted('intruder'), false);
      assert.deepEqual(r.pending(), []);
      assert.throws(() => r.accept('nobody'), /no device "nobody" in the registry/);
      assert.throws(() => r.announce('Bad/Id'), /"Bad\/Id" is not a device id/);
    });
  });

  test('the discovery topic tells the announced id', () => {
    const topic = new DiscoveryTopic();
    assert.equal(topic.deviceIdOf('devices/esp32-7/hello'), 'esp32-7');
    assert.equal(topic.deviceIdOf('devices/esp32-7/data'), undefined);
    assert.equal(topic.deviceIdOf('devices/ESP 7/hello'), undefined, 'not a device id');
    assert.equal(new DiscoveryTopic('tele/+/LWT').deviceIdOf('tele/plug/LWT'), 'plug');
    assert.throws(() => new DiscoveryTopic('devices/#'), DiscoveryTopicError);
    assert.throws(() => new DiscoveryTopic('a/+/+'), /exactly one \+ level/);
  });
});

describe('broker logins and ACL', () => {
  test('a password shown once, kept as a scrypt hash; a wrong one refused', async () => {
    const dir = fresh();
    const { username, password } = await withRegistry(dir, async (r) => {
      assert.equal(r.hasCredentials(), false);
      return r.addCredentials('plug', { profile: 'tasmota-energy' });
    });
    assert.equal(username, 'plug');
    assert.ok(password.length >= 32);
    await withRegistry(dir, async (r) => {
      assert.equal(r.hasCredentials(), true);
      const stored = r.get('plug')?.credential;
      assert.ok(stored);
      assert.equal(stored.algorithm, 'scrypt');
      assert.ok(!JSON.stringify(r.list()).includes(password), 'the password is nowhere in the registry');
      assert.ok(!readFileSync(join(dir, DEVICE_REGISTRY_FILE), 'utf8').includes(stored.hash), 'no login in the readable copy');
      assert.equal((await r.authenticate('plug', password))?.device_id, 'plug');
      assert.equal(await r.authenticate('plug', `${password}x`), undefined);
      assert.equal(await r.authenticate('nobody', password), undefined);
      r.reject('plug');
      assert.equal(await r.authenticate('plug', password), undefined, 'a rejected device cannot log in');
    });
  });

  test('a device publishes under its own topics and subscribes to its command topics only', async () => {
    await withRegistry(fresh(), async (r) => {
      await r.addCredentials('plug');
      await r.addCredentials('shelly1');
      for (const topic of ['devices/plug/data', 'tele/plug/SENSOR', 'stat/plug/POWER', 'plug/status/switch:0', 'devices/plug']) assert.equal(r.mayPublish('plug', topic), true, topic);
      for (const topic of ['devices/shelly1/data', 'tele/shelly1/SENSOR', 'shelly1/status', 'devices/plugx/data', 'plugx/y', '$SYS/x']) assert.equal(r.mayPublish('plug', topic), false, topic);
      for (const filter of ['cmnd/plug/#', 'devices/plug/cmd/#', 'plug/rpc']) assert.equal(r.maySubscribe('plug', filter), true, filter);
      for (const filter of ['#', 'devices/#', 'devices/+/cmd/#', 'cmnd/shelly1/#', 'tele/plug/SENSOR']) assert.equal(r.maySubscribe('plug', filter), false, filter);
      assert.equal(r.mayPublish('nobody', 'devices/nobody/data'), false);
    });
  });
});

describe('discovery topic shapes', () => {
  test('the + level first, last or in the middle', () => {
    assert.equal(new DiscoveryTopic('+/hello').deviceIdOf('plug/hello'), 'plug');
    assert.equal(new DiscoveryTopic('+/hello').deviceIdOf('a/plug/hello'), undefined);
    assert.equal(new DiscoveryTopic('announce/+').deviceIdOf('announce/plug'), 'plug');
    assert.equal(new DiscoveryTopic('announce/+').deviceIdOf('announce/plug/x'), undefined);
    assert.equal(new DiscoveryTopic('a/+/b/c').deviceIdOf('a/x/b/c'), 'x');
    assert.equal(new DiscoveryTopic('a/+/b/c').deviceIdOf('a/x/y/b/c'), undefined);
  });
});

describe('a node that already names its device', () => {
  test('finds the record made for that id (add-device, discovery), keeps it across renames, and makes one when there is none', async () => {
    await withRegistry(fresh(), async (r) => {
      await r.addCredentials('plug', { protocol: 'mqtt' });
      const plug = r.register({ deviceId: 'plug', nodeId: 'n1', transport: 'mqtt', address: 'plug' }, { protocol: 'mqtt', profile: 'tasmota-energy-plug', preferredId: 'plug' });
      assert.equal(plug, 'plug');
      assert.equal(r.list().filter((d) => d.device_id.startsWith('plug')).length, 1, 'no plug-2');
      assert.equal(r.get('plug')?.profile, 'tasmota-energy-plug');
      // the node renamed in the editor: its node id still finds the record
      assert.equal(r.register({ nodeId: 'n1', name: 'Kitchen plug' }, { protocol: 'mqtt' }), 'plug');
      // a Modbus device configured as "boiler", never seen before
      assert.equal(
        r.register({ deviceId: 'boiler', nodeId: 'n2', name: 'boiler', transport: 'modbus', address: 'tcp://127.0.0.1:5020', unit: 1 }, { protocol: 'modbus', preferredId: 'boiler' }),
        'boiler',
      );
      assert.equal(r.register({ deviceId: 'boiler', nodeId: 'n2' }, { protocol: 'modbus' }), 'boiler');
      // a settings file's device (its id made at flow generation, from other keys) and then its node
      assert.equal(r.register({ name: 'Main meter', transport: 'tcp', address: '10.0.0.5:502', unit: 1 }, { protocol: 'modbus', preferredId: 'main-meter' }), 'main-meter');
      assert.equal(r.register({ deviceId: 'main-meter', nodeId: 'n3', name: 'Main meter', transport: 'modbus', address: 'tcp://10.0.0.5:502', unit: 1 }, { protocol: 'modbus' }), 'main-meter');
      assert.equal(r.list().filter((d) => d.device_id.startsWith('main-meter')).length, 1, 'no main-meter-2');
    });
  });
});
