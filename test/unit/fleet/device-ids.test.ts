import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceIdRegistry, deviceIdFromName, DEVICE_REGISTRY_FILE } from '../../../lib/fleet/device-ids';

const fresh = () => mkdtempSync(join(tmpdir(), 'edgegw-devids-'));

describe('stable device ids', () => {
  test('an id is made on first sight from the name and kept in devices.json', () => {
    const dir = fresh();
    const reg = new DeviceIdRegistry(dir);
    assert.equal(reg.resolve({ nodeId: 'n1', name: 'Main Meter', transport: 'tcp', address: '10.0.0.5:502', unit: 1 }), 'main-meter');
    const file = JSON.parse(readFileSync(join(dir, DEVICE_REGISTRY_FILE), 'utf8'));
    assert.equal(file.version, 1);
    assert.equal(file.devices[0].device_id, 'main-meter');
    assert.deepEqual(file.devices[0].keys, ['node:n1', 'addr:tcp:10.0.0.5:502:1', 'name:Main Meter']);
  });

  test('a restart (new registry object) returns the same id', () => {
    const dir = fresh();
    const id = new DeviceIdRegistry(dir).resolve({ nodeId: 'n1', name: 'boiler' });
    assert.equal(new DeviceIdRegistry(dir).resolve({ nodeId: 'n1', name: 'boiler' }), id);
    assert.equal(new DeviceIdRegistry(dir).list().length, 1);
  });

  test('renamed in the editor (same node id): same id', () => {
    const dir = fresh();
    const reg = new DeviceIdRegistry(dir);
    const id = reg.resolve({ nodeId: 'n1', name: 'boiler' });
    assert.equal(new DeviceIdRegistry(dir).resolve({ nodeId: 'n1', name: 'Boiler room 2' }), id);
  });

  test('flows regenerated from --config (new node ids, same address): same id', () => {
    const dir = fresh();
    const id = new DeviceIdRegistry(dir).resolve({ nodeId: 'gen-1', name: 'meter', transport: 'tcp', address: '10.0.0.5:502', unit: 3 });
    assert.equal(new DeviceIdRegistry(dir).resolve({ nodeId: 'gen-99', name: 'meter', transport: 'TCP', address: '10.0.0.5:502', unit: 3 }), id);
  });

  test('two devices with the same name get different ids', () => {
    const reg = new DeviceIdRegistry(fresh());
    const a = reg.resolve({ nodeId: 'a', name: 'meter' });
    const b = reg.resolve({ nodeId: 'b', transport: 'tcp', address: 'h:502', unit: 2 }, 'meter');
    const c = reg.resolve({ nodeId: 'c' }, 'meter');
    assert.deepEqual([a, b, c], ['meter', 'meter-2', 'meter-3']);
  });

  test('a key already owned by another device is not stolen', () => {
    const reg = new DeviceIdRegistry(fresh());
    reg.resolve({ nodeId: 'a', name: 'x' });
    const b = reg.resolve({ nodeId: 'b', name: 'y' });
    // node b now also claims name "x": it stays b's id, and "name:x" stays with a
    assert.equal(reg.resolve({ nodeId: 'b', name: 'x' }), b);
    assert.equal(reg.resolve({ name: 'x' }), 'x');
  });

  test('names are made topic-safe', () => {
    assert.equal(deviceIdFromName('Zähler/Hall #2'), 'z-hler-hall-2');
    assert.equal(deviceIdFromName('+++'), 'device');
  });

  test('a device with nothing to identify it is a clear error', () => {
    assert.throws(() => new DeviceIdRegistry(fresh()).resolve({}), /identity: a device needs a node id, a name or a transport address/);
  });
});

describe('damaged registry', () => {
  for (const [what, text] of [
    ['not JSON', '{"devices": ['],
    ['no device list', '{"version":1}'],
    ['a bad id', '{"version":1,"devices":[{"device_id":"a/b","keys":[]}]}'],
    ['a duplicate id', '{"version":1,"devices":[{"device_id":"a","keys":[]},{"device_id":"a","keys":[]}]}'],
  ]) {
    test(`${what}: moved aside, logged, fresh registry`, () => {
      const dir = fresh();
      writeFileSync(join(dir, DEVICE_REGISTRY_FILE), text);
      const warnings: string[] = [];
      const reg = new DeviceIdRegistry(
        dir,
        (m) => warnings.push(m),
        () => new Date('2026-12-01T10:00:00Z'),
      );
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /device id registry damaged \(.*devices\.json: /);
      assert.ok(reg.recovered);
      assert.equal(readFileSync(reg.recovered.keptAs, 'utf8'), text, 'damaged copy kept as it was');
      assert.equal(existsSync(join(dir, DEVICE_REGISTRY_FILE)), false);
      assert.equal(reg.resolve({ name: 'm' }), 'm');
      assert.equal(JSON.parse(readFileSync(join(dir, DEVICE_REGISTRY_FILE), 'utf8')).devices.length, 1);
    });
  }

  test('writes leave no temp files behind', () => {
    const dir = fresh();
    const reg = new DeviceIdRegistry(dir);
    for (let i = 0; i < 20; i++) reg.resolve({ nodeId: `n${i}`, name: `d${i}` });
    assert.deepEqual(readdirSync(dir), [DEVICE_REGISTRY_FILE]);
    assert.equal(new DeviceIdRegistry(dir).list().length, 20);
  });
});
