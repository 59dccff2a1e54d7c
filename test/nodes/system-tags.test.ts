// system-tags in a real Node-RED: the scan it emits against a temporary /proc and /sys laid out
// like the real ones, per-tag messages, bad configuration, and 100 redeploys that leave nothing.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeMessage } from '../../nodes/common/red';
import type { TagSample } from '../../lib/tags/contract';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { clearCollected, collectorModule, errorsOf, lastStatus, received } from '../helpers/can-nodes';
import { leftAfterRedeploys } from '../helpers/modbus-leaks';

const RECORDED = join(__dirname, '..', 'fixtures', 'system-host', 'proc');
const modules = () => [nodeModule('system-tags'), collectorModule];

describe('system-tags node', () => {
  let base: string;
  let procRoot: string;
  let sysRoot: string;
  before(async () => {
    await helper.startServer();
    base = mkdtempSync(join(tmpdir(), 'edgegw-system-tags-'));
    procRoot = join(base, 'proc');
    sysRoot = join(base, 'sys');
    cpSync(RECORDED, procRoot, { recursive: true });
    mkdirSync(join(sysRoot, 'class', 'thermal', 'thermal_zone0'), { recursive: true });
    writeFileSync(join(sysRoot, 'class', 'thermal', 'thermal_zone0', 'type'), 'cpu-thermal\n');
    writeFileSync(join(sysRoot, 'class', 'thermal', 'thermal_zone0', 'temp'), '51540\n');
  });
  after(async () => {
    await helper.stopServer();
    rmSync(base, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
    clearCollected();
  });

  test('emits a scan of system tags at once and on demand; "both" adds one message per tag', async () => {
    await helper.load(modules(), [
      { id: 'tab', type: 'tab', label: 'sys' },
      { id: 'st', z: 'tab', type: 'edgegw-system-tags', device: 'box1', interval: 3600, output: 'both', procRoot, sysRoot, wires: [['out']] },
      { id: 'out', z: 'tab', type: 'test-collect' },
    ]);
    await waitFor('first scan', () => received('out').some((m) => m.topic === 'box1'), 20000);
    const scan = received('out').find((m) => m.topic === 'box1') as NodeMessage & { tags: TagSample[]; payload: Record<string, unknown> };
    assert.equal(scan.payload.soc_temperature, 51.5);
    assert.equal(scan.payload.memory_used, 4.3);
    assert.equal(scan.payload.uptime, 37028);
    const samples = new Map(scan.tags.map((s) => [s.name, s]));
    assert.equal(samples.get('memory_available')?.quality, 'good');
    assert.equal(samples.get('memory_available')?.unit, 'B');
    assert.ok(scan.tags.every((s) => s.device === 'box1'));
    const perTag = received('out').filter((m) => m.topic === 'box1/soc_temperature');
    assert.equal(perTag.length, 1);
    assert.equal((perTag[0] as NodeMessage & { tag: TagSample }).tag.unit, '°C');
    assert.equal(received('out').length, scan.tags.length + 1, 'the scan, then one message per tag');
    assert.equal(lastStatus(helper.getNode('st'))?.fill, 'green');

    rmSync(join(procRoot, 'meminfo'));
    try {
      helper.getNode('st').receive({ payload: Date.now() });
      await waitFor('second scan', () => received('out').filter((m) => m.topic === 'box1').length >= 2, 20000);
      const second = received('out').filter((m) => m.topic === 'box1')[1] as NodeMessage & { tags: TagSample[] };
      const mem = second.tags.find((s) => s.name === 'memory_used');
      assert.deepEqual([mem?.value, mem?.quality], [null, 'bad']);
      assert.match(mem?.error ?? '', /meminfo: cannot be read \(ENOENT\)/);
      assert.equal(lastStatus(helper.getNode('st'))?.fill, 'yellow');
      assert.match(lastStatus(helper.getNode('st'))?.text ?? '', /^system-tags\.status\.readBad\(count=\d+, bad=3\)$/);
    } finally {
      cpSync(join(RECORDED, 'meminfo'), join(procRoot, 'meminfo'));
    }
  });

  test('a bad device or root is an error naming the field; nothing is emitted', async () => {
    await helper.load(modules(), [
      { id: 'tab', type: 'tab', label: 'sys' },
      { id: 'st', z: 'tab', type: 'edgegw-system-tags', device: 'a/b', interval: 10, wires: [['out']] },
      { id: 'st2', z: 'tab', type: 'edgegw-system-tags', device: 'system', interval: 10, procRoot: 'proc', wires: [['out']] },
      { id: 'out', z: 'tab', type: 'test-collect' },
    ]);
    assert.match(errorsOf(helper.getNode('st')).join('\n'), /system-tags: device: .*one topic level/);
    assert.match(errorsOf(helper.getNode('st2')).join('\n'), /system-tags: procRoot: .*absolute path/);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(received('out').length, 0);
  });
});

test('100 redeploys of system-tags leave no timer or event-loop monitor behind', async () => {
  await helper.startServer();
  try {
    const flow = [
      { id: 'tab', type: 'tab', label: 'life' },
      { id: 'st', z: 'tab', type: 'edgegw-system-tags', interval: 1, wires: [['out']] },
      { id: 'out', z: 'tab', type: 'test-collect' },
    ];
    assert.deepEqual(await leftAfterRedeploys({ deploy: () => helper.load(modules(), flow), stop: () => helper.unload(), after: clearCollected }), []);
  } finally {
    await helper.stopServer();
  }
});
