// The forward-target-http example flow runs as imported: scans queued by store-forward are posted
// to the http in endpoint of the same flow, which answers 204 and sees every seq once, in order.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helper, nodeModule } from '../helpers/nodered';
import { needPeers } from '../helpers/peers';
import { waitFor } from '../helpers/process';
import { errorsOf, repoRoot } from '../helpers/can-nodes';
import { SQLITE_PEER } from '../helpers/sqlite-store';
import type { NodeAPI, NodeMessage } from '../../nodes/common/red';

const core = (dir: string, file: string) => require(join(repoRoot, 'node_modules', '@node-red', 'nodes', 'core', dir, file));
// The helper does not serve RED.httpNode: the test serves it on a port of its own, as Node-RED would.
let httpNodeApp: http.RequestListener | undefined;
const captureHttpNode = (RED: NodeAPI) => {
  httpNodeApp = (RED as unknown as { httpNode: http.RequestListener }).httpNode;
};
const modules = () => [
  captureHttpNode,
  nodeModule('forward-target'),
  nodeModule('store-forward'),
  core('common', '20-inject.js'),
  core('common', '21-debug.js'),
  core('common', '90-comment.js'),
  core('function', '10-function.js'),
  core('network', '21-httpin.js'),
];

describe('forward-target-http example flow', () => {
  let userDir: string;
  let server: http.Server | undefined;
  before(async () => {
    userDir = mkdtempSync(join(tmpdir(), 'edgegw-fth-'));
    await helper.startServer();
  });
  after(async () => {
    await helper.unload();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await helper.stopServer();
    rmSync(userDir, { recursive: true, force: true });
  });

  test("scans arrive at the flow's own endpoint, every seq once and in order, no dead letters", needPeers(SQLITE_PEER()), async () => {
    server = http.createServer((req, res) => httpNodeApp!(req, res));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const flow = JSON.parse(readFileSync(join(repoRoot, 'examples', 'forward-target-http.json'), 'utf8')) as Array<Record<string, unknown>>;
    const target = flow.find((n) => n.type === 'edgegw-forward-target')!;
    assert.equal(target.url, 'http://127.0.0.1:1880/edgegw-example/telemetry');
    target.url = `http://127.0.0.1:${port}/edgegw-example/telemetry`;
    const h = helper as unknown as { load(m: unknown, f: unknown): Promise<void>; settings(s: unknown): void };
    h.settings({ userDir, httpNodeRoot: '/' });
    await h.load(modules(), flow);
    const received: NodeMessage[] = [];
    const dead: NodeMessage[] = [];
    helper.getNode('fth.received').on('input', (m: NodeMessage) => received.push(m));
    helper.getNode('fth.dead').on('input', (m: NodeMessage) => dead.push(m));
    await waitFor('three scans received', () => received.reduce((n, m) => n + (m.payload as { count: number }).count, 0) >= 3, 20_000);
    let expected = 1;
    for (const m of received) {
      const p = m.payload as { count: number; firstSeq: number; lastSeq: number; tags: number };
      assert.equal(p.firstSeq, expected, 'no seq missing or repeated');
      assert.equal(p.lastSeq, p.firstSeq + p.count - 1);
      assert.equal(p.tags, p.count * 2, 'each scan carries its two samples');
      expected = p.lastSeq + 1;
    }
    assert.equal(dead.length, 0);
    assert.deepEqual(errorsOf(helper.getNode('fth.check')), []);
    assert.deepEqual(errorsOf(helper.getNode('fth.target')), []);
  });
});
