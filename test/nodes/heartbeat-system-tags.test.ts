// gateway-heartbeat beside a system-tags node in a real Node-RED: one source for the host figures.
// With the system-tags node running, the heartbeat carries its figures and says so in its status;
// once it is gone, the heartbeat measures for itself again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeMessage } from '../../nodes/common/red';
import type { TagSample } from '../../lib/tags/contract';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { clearCollected, collectorModule, lastStatus, received } from '../helpers/can-nodes';

const modules = () => [nodeModule('gateway-heartbeat'), nodeModule('system-tags'), collectorModule];
type Beat = NodeMessage & { payload: { uptime: { system_s: number }; memory: { system_total_bytes: number } } };

before(async () => helper.startServer());
after(async () => {
  await helper.unload();
  clearCollected();
  await helper.stopServer();
});

test('the heartbeat takes the system tags when a system-tags node runs, and measures itself when none does', async () => {
  const heartbeat = { id: 'hb', z: 'tab', type: 'edgegw-gateway-heartbeat', gatewayId: 'gw-test', interval: 3600, wires: [['beats']] };
  await helper.load(modules(), [
    { id: 'tab', type: 'tab', label: 'hb' },
    { id: 'st', z: 'tab', type: 'edgegw-system-tags', interval: 3600, wires: [['scans']] },
    heartbeat,
    { id: 'scans', z: 'tab', type: 'test-collect' },
    { id: 'beats', z: 'tab', type: 'test-collect' },
  ]);
  await waitFor('a system-tags scan', () => received('scans').length >= 1, 20000);
  const tags = (received('scans')[0] as NodeMessage & { tags: TagSample[] }).tags;
  const tag = (name: string) => tags.find((t) => t.name === name)?.value as number;
  const hb = helper.getNode('hb');
  hb.receive({ payload: Date.now() });
  await waitFor('status from system tags', () => /^gateway-heartbeat\.status\.sentSystemTags\(/.test(lastStatus(hb)?.text ?? ''), 20000);
  const beat = received('beats').at(-1) as Beat;
  assert.equal(beat.payload.uptime.system_s, Math.round(tag('uptime')));
  assert.equal(beat.payload.memory.system_total_bytes, tag('memory_total'));

  // the system-tags node removed: the heartbeat measures for itself
  await helper.setFlows([{ id: 'tab', type: 'tab', label: 'hb' }, heartbeat, { id: 'beats', z: 'tab', type: 'test-collect' }], 'full');
  const again = helper.getNode('hb');
  await waitFor('own figures', () => /^gateway-heartbeat\.status\.sent\(/.test(lastStatus(again)?.text ?? ''), 20000);
});
