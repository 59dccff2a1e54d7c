// The versioned-config engine (lib/config/migrate.ts) and the package's type renames and node
// migrations (nodes/common/migrations.ts), without Node-RED.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { migrate, MigrationError, savedVersion, type Migration } from '../../../lib/config/migrate';
import { currentVersion, FORMER_TYPES, migrateFlows, migrateNodeConfig, NODE_KINDS, nodeType } from '../../../nodes/common/migrations';

describe('migrate()', () => {
  const steps: Migration[] = [
    { version: 2, describe: 'b doubled', up: (c) => ({ ...c, b: Number(c.b) * 2 }) },
    { version: 1, describe: 'a renamed to b', up: ({ a, ...rest }) => ({ ...rest, b: a }) },
  ];

  test('runs the steps after the saved version, in order, and records the version', () => {
    const m = migrate('t', { a: 3 }, steps);
    assert.deepEqual(m.config, { b: 6, version: 2 });
    assert.deepEqual([m.from, m.to], [0, 2]);
    assert.deepEqual(m.steps, ['a renamed to b', 'b doubled']);
    assert.deepEqual(migrate('t', { b: 5, version: 1 }, steps).config, { b: 10, version: 2 });
  });

  test('a current config, or one from a newer release, comes back as it is', () => {
    const current = { b: 1, version: 2 };
    assert.equal(migrate('t', current, steps).config, current);
    const newer = { c: 1, version: 7 };
    assert.equal(migrate('t', newer, steps).config, newer);
  });

  test('the argument is never changed', () => {
    const saved = { a: 1 };
    migrate('t', saved, steps);
    assert.deepEqual(saved, { a: 1 });
  });

  test('a version that is not a whole number is version 0', () => {
    for (const v of [undefined, '', 'v2', -1, 1.5, null]) assert.equal(savedVersion({ version: v }), 0, String(v));
    assert.equal(savedVersion({ version: '3' }), 3);
  });

  test('a failing step names the type, node and version', () => {
    const bad: Migration[] = [{ version: 1, describe: 'x', up: () => JSON.parse('{') as Record<string, unknown> }];
    assert.throws(
      () => migrate('edgegw-x', { id: 'n1' }, bad),
      (e: unknown) => e instanceof MigrationError && /^edgegw-x n1: migration to version 1 failed: /.test(e.message),
    );
  });
});

describe('node types and migrations', () => {
  test('every type carries the prefix and every former name maps to it', () => {
    assert.equal(FORMER_TYPES.size, NODE_KINDS.length);
    for (const kind of NODE_KINDS) {
      assert.equal(FORMER_TYPES.get(kind), `edgegw-${kind}`);
      assert.equal(currentVersion(nodeType(kind)), 1);
    }
  });

  test('modbus-device: poll groups with intervalMs get interval (array and JSON text)', () => {
    const m = migrateNodeConfig({
      type: 'edgegw-modbus-device',
      groups: [
        { name: 'fast', intervalMs: 250 },
        { name: 'slow', interval: 5000 },
      ],
    });
    assert.deepEqual(m, {
      type: 'edgegw-modbus-device',
      version: 1,
      groups: [
        { name: 'fast', interval: 250 },
        { name: 'slow', interval: 5000 },
      ],
    });
    const text = migrateNodeConfig({ type: 'edgegw-modbus-device', groups: '[{"name":"g","intervalMs":100}]' });
    assert.deepEqual(text.groups, [{ name: 'g', interval: 100 }]);
    // not JSON: left for the node to refuse, naming the field
    assert.equal(migrateNodeConfig({ type: 'edgegw-modbus-device', groups: '[{' }).groups, '[{');
  });

  test('modbus-server: the boolean persist becomes persistence, by the file name', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ persist: true, persistFile: 'regs.db' }, 'sqlite'],
      [{ persist: 'true', persistFile: 'regs.json' }, 'json'],
      [{ persist: true, persistFile: '' }, 'json'],
      [{ persist: false, persistFile: 'regs.db' }, 'none'],
      [{}, 'none'],
      [{ persistence: 'json', persist: false }, 'json'],
    ];
    for (const [saved, kind] of cases) {
      const m: Record<string, unknown> = migrateNodeConfig({ type: 'edgegw-modbus-server', ...saved });
      assert.equal(m.persistence, kind, JSON.stringify(saved));
      assert.equal('persist' in m, false);
      assert.equal(m.version, 1);
    }
  });

  test('forward-target: the InfluxDB API version moves to influxVersion', () => {
    assert.deepEqual(migrateNodeConfig({ type: 'edgegw-forward-target', kind: 'influxdb', version: 'v2' }), { type: 'edgegw-forward-target', kind: 'influxdb', influxVersion: 'v2', version: 1 });
    const current = { type: 'edgegw-forward-target', kind: 'influxdb', influxVersion: 'v1', version: 1 };
    assert.equal(migrateNodeConfig(current), current);
  });

  test('migrateFlows renames our former types, leaves other modules and Node-RED core alone', () => {
    const flows = [
      { id: 'tab', type: 'tab', label: 'x' },
      { id: 'w', type: 'watchdog', z: 'tab', name: 'pumps', keyBy: 'topic', timeout: 5, wires: [[], []] },
      // node-red-contrib-watchdog's node: its fields are not ours
      { id: 'f', type: 'watchdog', z: 'tab', name: 'other', timer: 1000, output: 'on', wires: [[]] },
      { id: 's', type: 'stats', z: 'tab', wires: [[]] },
      { id: 'i', type: 'inject', z: 'tab', repeat: '1', wires: [['w']] },
      { id: 'c', type: 'edgegw-alarm', version: 1, z: 'tab', rules: '', wires: [[]] },
    ];
    const m = migrateFlows(flows);
    assert.deepEqual(
      m.flows.map((n) => (n as { type: string }).type),
      ['tab', 'edgegw-watchdog', 'watchdog', 'edgegw-stats', 'inject', 'edgegw-alarm'],
    );
    assert.deepEqual(
      [...m.renamed],
      [
        ['watchdog', 1],
        ['stats', 1],
      ],
    );
    assert.deepEqual([...m.foreign], [['watchdog', 1]]);
    assert.equal(m.upgraded, 2);
    assert.equal(m.flows[4], flows[4]);
    assert.equal(m.flows[5], flows[5]);
    assert.equal((m.flows[1] as { version: number }).version, 1);
  });
});
