// onewire in a real Node-RED against a temporary directory laid out like /sys/bus/w1/devices:
// scans of sensors appearing and disappearing, bad readings, naming, bad configuration, and 100
// redeploys that leave nothing behind.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { NodeMessage } from '../../nodes/common/red';
import type { TagSample } from '../../lib/tags/contract';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { clearCollected, collectorModule, errorsOf, lastStatus, received } from '../helpers/can-nodes';
import { leftAfterRedeploys } from '../helpers/modbus-leaks';
import { W1_SLAVE, W1Sysfs } from '../helpers/w1-sysfs';

type Scan = NodeMessage & { payload: Record<string, unknown>; tags: TagSample[] };
const modules = () => [nodeModule('onewire'), collectorModule];
const scans = (id: string) => received(id) as Scan[];

describe('onewire node', () => {
  let w1: W1Sysfs;
  before(async () => helper.startServer());
  after(async () => helper.stopServer());
  afterEach(async () => {
    await helper.unload();
    clearCollected();
    w1.remove();
  });

  test('sensors are tags of one device; a new one is found, an unplugged one is bad, 85 °C is bad', async () => {
    w1 = new W1Sysfs().slave('28-0316a2792cff', W1_SLAVE.ok);
    await helper.load(modules(), [
      { id: 'tab', type: 'tab', label: 'w1' },
      { id: 'ow', z: 'tab', type: 'edgegw-onewire', root: w1.root, interval: 3600, naming: 'tag', device: 'boiler-room', wires: [['out']] },
      { id: 'out', z: 'tab', type: 'test-collect' },
    ]);
    await waitFor('first scan', () => scans('out').length >= 1, 20000);
    assert.equal(scans('out')[0].topic, 'boiler-room');
    assert.deepEqual(scans('out')[0].payload, { '28-0316a2792cff': 23.125 });
    assert.equal(lastStatus(helper.getNode('ow'))?.fill, 'green');

    const ow = helper.getNode('ow');
    w1.slave('28-01144d2a3baa', W1_SLAVE.powerOnReset);
    ow.receive({ payload: Date.now() });
    await waitFor('second scan', () => scans('out').length >= 2, 20000);
    const second = scans('out')[1];
    assert.deepEqual(
      second.tags.map((s) => [s.device, s.name, s.value, s.quality]),
      [
        ['boiler-room', '28-01144d2a3baa', null, 'bad'],
        ['boiler-room', '28-0316a2792cff', 23.125, 'good'],
      ],
    );
    assert.match(second.tags[0].error ?? '', /85 °C is the sensor's power-on reset value/);
    assert.match(lastStatus(ow)?.text ?? '', /^onewire\.status\.readBad\(count=2, bad=1\)$/);

    w1.unplug('28-0316a2792cff').slave('28-01144d2a3baa', W1_SLAVE.negative);
    ow.receive({ payload: Date.now() });
    await waitFor('third scan', () => scans('out').length >= 3, 20000);
    const third = scans('out')[2];
    assert.deepEqual(third.payload, { '28-01144d2a3baa': -10.125, '28-0316a2792cff': null });
    assert.equal(third.tags[1].quality, 'bad');
    assert.equal(third.tags[1].error, `sensor 28-0316a2792cff is no longer listed under ${w1.root}`);
    assert.deepEqual(errorsOf(ow), []);
  });

  test('sensors as devices of their own: one scan per sensor, tag temperature; a CRC failure is bad', async () => {
    w1 = new W1Sysfs().slave('28-0316a2792cff', W1_SLAVE.crcFailed).temperature('28-01144d2a3baa', '21500');
    await helper.load(modules(), [
      { id: 'tab', type: 'tab', label: 'w1' },
      { id: 'ow', z: 'tab', type: 'edgegw-onewire', root: w1.root, interval: 3600, naming: 'device', wires: [['out']] },
      { id: 'out', z: 'tab', type: 'test-collect' },
    ]);
    await waitFor('a scan per sensor', () => scans('out').length >= 2, 20000);
    const [a, b] = scans('out');
    assert.equal(a.topic, '28-01144d2a3baa');
    assert.deepEqual(a.payload, { temperature: 21.5 });
    assert.equal(b.topic, '28-0316a2792cff');
    assert.equal(b.tags[0].quality, 'bad');
    assert.match(b.tags[0].error ?? '', /w1_slave: CRC check failed/);
  });

  test('no sensor under the root: a grey status naming it, nothing emitted, nothing thrown', async () => {
    w1 = new W1Sysfs();
    const root = join(w1.root, 'absent');
    await helper.load(modules(), [
      { id: 'tab', type: 'tab', label: 'w1' },
      { id: 'ow', z: 'tab', type: 'edgegw-onewire', root, interval: 3600, wires: [['out']] },
      { id: 'out', z: 'tab', type: 'test-collect' },
    ]);
    await waitFor('status', () => /^onewire\.status\.none/.test(lastStatus(helper.getNode('ow'))?.text ?? ''), 20000);
    assert.equal(lastStatus(helper.getNode('ow'))?.fill, 'grey');
    assert.equal(received('out').length, 0);
    assert.deepEqual(errorsOf(helper.getNode('ow')), []);
  });

  test('a relative root or a device with a slash is an error naming the field', async () => {
    w1 = new W1Sysfs();
    await helper.load(modules(), [
      { id: 'tab', type: 'tab', label: 'w1' },
      { id: 'ow', z: 'tab', type: 'edgegw-onewire', root: 'sys/bus/w1/devices', wires: [['out']] },
      { id: 'ow2', z: 'tab', type: 'edgegw-onewire', naming: 'tag', device: 'a/b', wires: [['out']] },
      { id: 'out', z: 'tab', type: 'test-collect' },
    ]);
    assert.match(errorsOf(helper.getNode('ow')).join('\n'), /onewire: root: .*absolute path/);
    assert.match(errorsOf(helper.getNode('ow2')).join('\n'), /onewire: device: .*one topic level/);
  });
});

test('100 redeploys of onewire leave no timer behind', async () => {
  const w1 = new W1Sysfs().slave('28-0316a2792cff', W1_SLAVE.ok);
  await helper.startServer();
  try {
    const flow = [
      { id: 'tab', type: 'tab', label: 'life' },
      { id: 'ow', z: 'tab', type: 'edgegw-onewire', root: w1.root, interval: 1, wires: [['out']] },
      { id: 'out', z: 'tab', type: 'test-collect' },
    ];
    assert.deepEqual(await leftAfterRedeploys({ deploy: () => helper.load(modules(), flow), stop: () => helper.unload(), after: clearCollected }), []);
  } finally {
    await helper.stopServer();
    w1.remove();
  }
});
