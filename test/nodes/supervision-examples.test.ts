// The example flows of the watchdog and circuit-breaker nodes import and run with Node-RED's own
// inject, debug, catch, link, change, switch, function and http nodes.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { errorsOf, repoRoot } from '../helpers/can-nodes';
import { hooksModule } from '../helpers/node-red-hooks';
import type { NodeAPI, NodeMessage } from '../../nodes/common/red';

const core = (dir: string, file: string) => require(join(repoRoot, 'node_modules', '@node-red', 'nodes', 'core', dir, file));
// The helper does not serve RED.httpNode: the test serves it on a port of its own, as Node-RED would.
let httpNodeApp: http.RequestListener | undefined;
const captureHttpNode = (RED: NodeAPI) => {
  httpNodeApp = (RED as unknown as { httpNode: http.RequestListener }).httpNode;
};
const modules = () => [
  hooksModule,
  captureHttpNode,
  nodeModule('watchdog'),
  nodeModule('circuit-breaker'),
  core('common', '20-inject.js'),
  core('common', '21-debug.js'),
  core('common', '90-comment.js'),
  core('common', '25-catch.js'),
  core('common', '60-link.js'),
  core('function', '15-change.js'),
  core('function', '10-switch.js'),
  core('network', '21-httprequest.js'),
  core('network', '21-httpin.js'),
  core('function', '10-function.js'),
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
    assert.deepEqual(errorsOf(helper.getNode(idOf(flow, 'edgegw-watchdog', 'pumps'))), []);
  });

  test('circuit-breaker example: both breakers stay closed while the service answers, open in its outage', async (t) => {
    // the example's service is an http in node of the same Node-RED, addressed at port 1880
    const server = http.createServer((req, res) => httpNodeApp!(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const port = (server.address() as AddressInfo).port;
    const flow = example('circuit-breaker').map((n) => (n.type === 'http request' ? { ...n, url: String(n.url).replace(':1880/', `:${port}/`) } : n));
    (helper as unknown as { settings(s: unknown): void }).settings({ httpNodeRoot: '/' });
    await helper.load(modules(), flow);
    const wiredStates = listen(idOf(flow, 'debug', 'state changes (wired back)'));
    const observedStates = listen(idOf(flow, 'debug', 'state changes (observed)'));
    const wiredRefused = listen(idOf(flow, 'debug', 'refused / stale (wired back)'));
    const observedRefused = listen(idOf(flow, 'debug', 'refused (observed)'));
    const responses = listen(idOf(flow, 'debug', 'responses'));
    const polls = flow.filter((n) => n.type === 'inject' && n.name === 'poll every 3 s').map((n) => String(n.id));
    const poll = async (times: number) => {
      for (let i = 0; i < times; i++) {
        for (const id of polls) helper.getNode(id).receive({});
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    await poll(2);
    await waitFor('the service answers', () => responses.filter((m) => m.statusCode === 200).length >= 2, 30_000);
    assert.deepEqual([...wiredStates, ...observedStates], [], 'no state change while the service answers');

    helper.getNode(idOf(flow, 'inject', 'toggle outage')).receive({});
    await poll(4);
    await waitFor('both breakers open', () => wiredStates.some((m) => (m.payload as { to: string }).to === 'open') && observedStates.some((m) => (m.payload as { to: string }).to === 'open'), 60_000);
    await poll(1);
    await waitFor('both refuse at once', () => wiredRefused.length > 0 && observedRefused.length > 0);
    assert.equal((wiredRefused[0].breaker as { state: string }).state, 'open');
    assert.match(String((observedRefused[0].breaker as { reason: string }).reason), /failure rate/);
    helper.getNode(idOf(flow, 'inject', 'toggle outage')).receive({});
  });
});
