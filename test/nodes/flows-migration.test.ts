// Flows saved before the type prefix (every example and the default flows as they were, kept in
// test/fixtures/flows-before-prefix) come out of migrateFlows exactly as the shipped files are
// now; the shipped files need no migration; and an old saved flow loads and runs in Node-RED.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrateFlows } from '../../nodes/common/migrations';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { collectorModule, errorsOf, received } from '../helpers/can-nodes';

const ROOT = join(__dirname, '..', '..');
const BEFORE = join(ROOT, 'test', 'fixtures', 'flows-before-prefix');
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Array<Record<string, unknown>>;
const currentFileOf = (name: string) => (name === 'default-flows.json' ? join(ROOT, 'flows', 'gateway.json') : join(ROOT, 'examples', name));

describe('flows saved before the edgegw- prefix', () => {
  const saved = readdirSync(BEFORE).filter((f) => f.endsWith('.json'));

  test('the fixtures hold every example and the default flows', () => {
    // examples of nodes added after the prefix were never saved under a former name
    const bornPrefixed = new Set(['historian.json', 'audit-in.json', 'system-tags.json', 'onewire.json', 'gpio.json', 'mqtt-device.json', 'dashboard-feed.json']);
    const examples = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.json') && !bornPrefixed.has(f));
    assert.deepEqual(saved.filter((f) => f !== 'default-flows.json').sort(), examples.sort());
    assert.ok(saved.includes('default-flows.json'));
  });

  for (const name of saved) {
    test(`${name}: migrated, it is the shipped file`, () => {
      const old = read(join(BEFORE, name));
      const m = migrateFlows(old);
      assert.ok(m.renamed.size > 0, 'former type names found');
      assert.equal(m.foreign.size, 0);
      assert.deepEqual(m.flows, read(currentFileOf(name)));
      assert.ok(
        (m.flows as Array<{ type: string }>).every(
          (n) =>
            !/^(alarm|can-in|can-interface|can-out|circuit-breaker|dbc-decode|dbc-encode|forward-target|gateway-heartbeat|ha-discovery|modbus-connection|modbus-device|modbus-server|stats|store-forward|tag-calc|tag-store|tag-store-in|watchdog)$/.test(
              n.type,
            ),
        ),
      );
    });

    test(`${name}: the shipped file is current`, () => {
      const m = migrateFlows(read(currentFileOf(name)));
      assert.equal(m.renamed.size, 0);
      assert.equal(m.upgraded, 0);
    });
  }
});

describe('an old saved flow in Node-RED', () => {
  before(async () => helper.startServer());
  after(async () => helper.stopServer());
  afterEach(async () => helper.unload());

  test('the watchdog example as saved before the prefix loads, migrated, and alarms on a silent key', async () => {
    const flow = migrateFlows(read(join(BEFORE, 'watchdog.json'))).flows as Array<Record<string, unknown>>;
    const wd = flow.find((n) => n.type === 'edgegw-watchdog')!;
    const tab = flow.find((n) => n.type === 'tab')!;
    // the example's watchdog, its outputs to collectors: the listed key pump2 beats once and falls silent
    const node = { ...wd, keys: 'plant/pump2', timeout: '0.3', wires: [['pass'], ['alarms']] };
    await helper.load([nodeModule('watchdog'), collectorModule], [tab, node, { id: 'pass', z: tab.id, type: 'test-collect' }, { id: 'alarms', z: tab.id, type: 'test-collect' }]);
    helper.getNode(String(wd.id)).receive({ topic: 'plant/pump2', payload: 1 });
    await waitFor('a silence alarm for plant/pump2', () => received('alarms').some((m) => m.topic === 'plant/pump2' && (m.payload as { state: string }).state === 'silent'), 10_000);
    assert.equal(received('pass').length, 1);
    assert.deepEqual(errorsOf(helper.getNode(String(wd.id))), []);
  });
});
