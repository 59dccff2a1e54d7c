// gateway-api answering about the alarm, historian and store-forward nodes of a flow (Node-RED
// 4.1, node-red-node-test-helper), found through the API directory with nothing wired: an alarm
// acknowledged through the API goes through the alarm node (its event on output 1, the audit
// record naming the API caller); a historian's samples come back as rows and CSV; a queue's
// depth and destination state are listed. Closing the nodes takes them out of the directory.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { needPeers } from '../helpers/peers';
import { SQLITE_PEER } from '../helpers/sqlite-store';
import { apiCall } from '../helpers/api-client';
import { clearCollected, collectorModule, received } from '../helpers/can-nodes';
import { MemoryActiveListStore } from '../../lib/alarm/alarm-store';
import type { AlarmEvent } from '../../lib/alarm/engine';
import { apiDirectory } from '../../lib/api/directory';
import { sharedAuditLog } from '../../lib/audit/audit-log';
import type { NodeAPI } from '../../nodes/common/red';

const RULES = 'tag,type,limit,deadband,on_delay,off_delay,severity,message\noven/temp,hi,80,2,0,0,critical,Oven hot: {value}\n';

let httpNode: ((req: unknown, res: unknown) => void) | undefined;
const captureHttpNode = (RED: NodeAPI) => {
  httpNode = (RED as unknown as { httpNode: (req: unknown, res: unknown) => void }).httpNode;
};

describe('gateway-api: alarms, history and queues of the flow', needPeers(SQLITE_PEER()), () => {
  let dir: string;
  let server: Server;
  let port: number;
  const call = (method: string, path: string, body?: unknown) => apiCall(port, method, path, body);
  const modules = () => [captureHttpNode, collectorModule, nodeModule('alarm'), nodeModule('historian'), nodeModule('forward-target'), nodeModule('store-forward'), nodeModule('gateway-api')];
  const flow = () => [
    { id: 'tab', type: 'tab', label: 'sources' },
    { id: 'api', type: 'edgegw-gateway-api', basePath: '/api', corsOrigins: '', bodyLimitKb: 64 },
    { id: 'al', type: 'edgegw-alarm', z: 'tab', x: 100, y: 100, name: 'oven alarms', rulesSource: 'editor', rules: RULES, persist: 'memory', wires: [['events'], []] },
    { id: 'events', type: 'test-collect', z: 'tab', x: 300, y: 100 },
    { id: 'h', type: 'edgegw-historian', z: 'tab', x: 100, y: 200, name: 'history', dbFile: join(dir, 'h.db'), batchMs: 20, wires: [[], []] },
    // a target that refuses every connection: the queue keeps what it gets
    { id: 'target', type: 'edgegw-forward-target', kind: 'http', url: 'http://127.0.0.1:9/telemetry', method: 'POST', batching: 'single', content: 'payload' },
    { id: 'sf', type: 'edgegw-store-forward', z: 'tab', x: 100, y: 300, name: 'to nowhere', target: 'target', queue: 'api-test', storage: 'memory', batchMs: 5, wires: [[], []] },
  ];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-api-sources-'));
    await helper.startServer();
    server = createServer((req, res) => httpNode?.(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await helper.stopServer();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
    clearCollected();
    MemoryActiveListStore.forget('al');
  });

  test('an alarm listed and acknowledged through the alarm node, audited as the API caller', async () => {
    await helper.load(modules(), flow());
    helper.getNode('al').receive({ topic: 'oven/temp', payload: 95 });
    await waitFor('the alarm listed', async () => (await call('GET', '/api/alarms')).json?.length === 1);
    const [alarm] = (await call('GET', '/api/alarms')).json;
    assert.deepEqual([alarm.id, alarm.state, alarm.severity, alarm.node], ['oven/temp:hi', 'active', 'critical', 'al']);
    const ack = await call('POST', '/api/alarms/oven%2Ftemp%3Ahi/ack');
    assert.equal(ack.status, 200, ack.text);
    assert.equal(ack.json.acknowledged[0].state, 'acknowledged');
    // the alarm node sent the event on its output, as for msg.ack
    await waitFor('the acknowledged event on output 1', () => received('events').some((m) => (m.payload as AlarmEvent).state === 'acknowledged'));
    assert.equal((received('events').find((m) => (m.payload as AlarmEvent).state === 'acknowledged')!.payload as AlarmEvent).ackedBy, 'api:loopback');
    const rec = sharedAuditLog()
      .recent()
      .filter((r) => r.kind === 'alarm-ack')
      .at(-1)!;
    assert.deepEqual([rec.actor, rec.tag, rec.old, rec.new, rec.ok], ['api:loopback', 'oven/temp:hi', 'active', 'acknowledged', true]);
    // a refused acknowledgement is audited by the alarm node too
    const missing = await call('POST', '/api/alarms/nothing/ack');
    assert.equal(missing.status, 404);
    const refused = sharedAuditLog().recent().at(-1)!;
    assert.deepEqual([refused.kind, refused.tag, refused.ok], ['alarm-ack', 'nothing', false]);
  });

  test("a historian's samples as rows and CSV; a queue's depth and destination", async () => {
    await helper.load(modules(), flow());
    const t0 = Date.now() - 10_000;
    helper.getNode('h').receive({ tags: [0, 1, 2].map((i) => ({ device: 'oven', name: 'temp', value: 20 + i, quality: 'good', ts: t0 + i * 1000 })) });
    const rows = await waitFor('the samples stored', async () => {
      const r = await call('GET', `/api/history?tag=oven/temp&from=${t0}`);
      return r.status === 200 && r.json.length === 3 ? r.json : undefined;
    });
    assert.deepEqual(
      rows.map((r: { value: number }) => r.value),
      [20, 21, 22],
    );
    const csv = await call('GET', `/api/history?tag=oven/temp&from=${t0}&format=csv`);
    assert.equal(csv.text.split('\n')[1], `oven/temp,${t0},${new Date(t0).toISOString()},20,good,`);

    helper.getNode('sf').receive({ topic: 'oven/temp', payload: 1 });
    helper.getNode('sf').receive({ topic: 'oven/temp', payload: 2 });
    const queue = await waitFor('the queue reported', async () => (await call('GET', '/api/queues')).json.find((q: { depth?: number; destination?: string }) => q.depth === 2 && q.destination));
    assert.equal(queue.name, 'api-test');
    assert.notEqual(queue.destination, 'connected');
    assert.equal(queue.dropped, 0);
    assert.equal(typeof queue.oldestAgeS, 'number');
  });

  test('closing the nodes takes them out of the directory', async () => {
    await helper.load(modules(), flow());
    assert.deepEqual(
      (['alarms', 'historians', 'queues'] as const).map((k) => apiDirectory().list(k).length),
      [1, 1, 1],
    );
    await helper.unload();
    assert.deepEqual(
      (['alarms', 'historians', 'queues'] as const).map((k) => apiDirectory().list(k).length),
      [0, 0, 0],
    );
  });
});
