// The example flows of the watchdog and circuit-breaker nodes import and run with Node-RED's own
// inject, debug, catch, change, switch and http request nodes.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { errorsOf, repoRoot } from '../helpers/can-nodes';
import { hooksModule } from '../helpers/node-red-hooks';
import type { NodeMessage } from '../../nodes/common/red';

const core = (dir: string, file: string) => require(join(repoRoot, 'node_modules', '@node-red', 'nodes', 'core', dir, file));
const modules = () => [
  hooksModule,
  nodeModule('watchdog'),
  nodeModule('circuit-breaker'),
  core('common', '20-inject.js'),
  core('common', '21-debug.js'),
  core('common', '90-comment.js'),
  core('common', '25-catch.js'),
  core('function', '15-change.js'),
  core('function', '10-switch.js'),
  core('network', '21-httprequest.js'),
];
const example = (name: string) => JSON.parse(readFileSync(join(repoRoot, 'examples', `${name}.json`), 'utf8')) as Array<Record<string, unknown>>;
const idOf = (flow: Array<Record<string, unknown>>, type: string, name: string) => String(flow.find((n) => n.type === type && n.name === name)!.id);

function listen(id: string): NodeMessage[] {
  const got: NodeMessage[] = [];
  helper.getNode(id).on('input', (m: NodeMessage) => got.push(m));
  return got;
}

describe('watchdog and circuit-breaker example flows', () => {
  before(async () => {
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
  });
  afterEach(async () => {
    await helper.unload();
  });

  test('watchdog example: pump2 falls silent and recovers', async () => {
    const flow = example('watchdog');
    assert.ok(flow.some((n) => n.type === 'tab' && n.label === 'Watchdog'));
    await helper.load(modules(), flow);
    const alarms = listen(idOf(flow, 'debug', 'alarms'));
    await waitFor('pump2 silent', () => alarms.some((m) => m.topic === 'plant/pump2'), 30_000);
    assert.ok(!alarms.some((m) => m.topic === 'plant/pump1'), 'pump1 beats every 2 s');
    helper.getNode(idOf(flow, 'inject', 'pump2 again')).receive({});
    await waitFor('pump2 recovered', () => alarms.some((m) => m.topic === 'plant/pump2' && (m.payload as { state: string }).state === 'recovered'));
    assert.deepEqual(errorsOf(helper.getNode(idOf(flow, 'watchdog', 'pumps'))), []);
  });

  test('circuit-breaker example: both wirings open the breaker on a service that is down', async () => {
    const flow = example('circuit-breaker');
    await helper.load(modules(), flow);
    const wiredStates = listen(idOf(flow, 'debug', 'state changes (wired back)'));
    const observedStates = listen(idOf(flow, 'debug', 'state changes (observed)'));
    const wiredRefused = listen(idOf(flow, 'debug', 'refused / stale (wired back)'));
    const observedRefused = listen(idOf(flow, 'debug', 'refused (observed)'));
    const polls = flow.filter((n) => n.type === 'inject').map((n) => String(n.id));
    for (let i = 0; i < 4; i++) {
      for (const id of polls) helper.getNode(id).receive({});
      await new Promise((r) => setTimeout(r, 200));
    }
    await waitFor('both breakers open', () => wiredStates.some((m) => (m.payload as { to: string }).to === 'open') && observedStates.some((m) => (m.payload as { to: string }).to === 'open'), 30_000);
    for (const id of polls) helper.getNode(id).receive({});
    await waitFor('both refuse at once', () => wiredRefused.length > 0 && observedRefused.length > 0);
    assert.equal((wiredRefused[0].breaker as { state: string }).state, 'open');
    assert.match(String((observedRefused[0].breaker as { reason: string }).reason), /failure rate/);
  });
});
