// gateway-api in Node-RED 4.1 (node-red-node-test-helper), its routes on Node-RED's own httpNode
// app, answering about a real tag store and a real modbus-device polling a pymodbus server: writes
// reach the device through the device's command path (validated all or nothing, the access column
// enforced, audited under the API's actor, read back); a redeploy to another base path leaves no
// stale route, and removing the node takes the API away; the no-keys guard serves loopback only.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { apiCall } from '../helpers/api-client';
import type { AddressInfo } from 'node:net';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { needPeers, PEER } from '../helpers/peers';
import { startTypedPeer, type TypedPeer } from '../helpers/modbus-typed-peer';
import { sharedAuditLog } from '../../lib/audit/audit-log';
import { healthRegistry } from '../../lib/health/registry';
import { apiDirectory } from '../../lib/api/directory';
import { apiBasePaths } from '../../lib/api/auth/base-paths';
import { apiGuardOf } from '../../nodes/gateway-api/guard';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NodeAPI } from '../../nodes/common/red';

const TAGS = `name,area,address,type,order,scale,offset,unit,access,group
temp,holding,0,int16,,0.1,,°C,rw,fast
level,holding,1,uint16,,,,mm,rw,fast
power,holding,2,float32,CDAB,,,W,r,fast
run,coil,0,bool,,,,,rw,fast
`;

/** The httpNode app Node-RED hands the nodes (the test helper does not serve it: this test does). */
let httpNode: ((req: unknown, res: unknown) => void) | undefined;
const captureHttpNode = (RED: NodeAPI) => {
  httpNode = (RED as unknown as { httpNode: (req: unknown, res: unknown) => void }).httpNode;
};

describe('gateway-api node', needPeers(PEER.pymodbus()), () => {
  let peer: TypedPeer;
  let server: Server;
  let port: number;
  const tab = { id: 'tab1', type: 'tab', label: 'api' };
  const api = (extra: Record<string, unknown> = {}) => ({ id: 'api1', type: 'edgegw-gateway-api', name: 'operator API', basePath: '/api', corsOrigins: '', bodyLimitKb: 64, ...extra });
  const store = { id: 'store1', type: 'edgegw-tag-store', name: 'plant', persist: false, maxAge: 0, maxAgeRules: '', userTags: 'setpoint number 5..30 = 21' };
  const flow = () => [
    tab,
    { id: 'conn1', type: 'edgegw-modbus-connection', name: 'line', transport: 'tcp', host: '127.0.0.1', port: peer.port, timeoutMs: 3000, reconnectMinMs: 50, reconnectMaxMs: 200 },
    {
      id: 'dev1',
      type: 'edgegw-modbus-device',
      z: 'tab1',
      x: 200,
      y: 100,
      name: 'plc',
      connection: 'conn1',
      device: 'plc',
      unit: 1,
      notation: 'zero',
      tags: TAGS,
      groups: [{ name: 'fast', interval: 100 }],
      output: 'scan',
      maxGap: 10,
      maxRegisters: 125,
      maxBits: 2000,
      store: 'store1',
      wires: [[]],
    },
    store,
  ];
  const modules = () => [captureHttpNode, nodeModule('modbus-connection'), nodeModule('modbus-device'), nodeModule('tag-store'), nodeModule('gateway-api')];

  const call = (method: string, path: string, body?: unknown) => apiCall(port, method, path, body);

  before(async () => {
    peer = await startTypedPeer({ transport: 'tcp', units: { 1: { holding: 100, coil: 10 } } });
    await helper.startServer();
    server = createServer((req, res) => {
      if (!httpNode) {
        res.statusCode = 503;
        res.end();
        return;
      }
      httpNode(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await helper.stopServer();
    await peer?.stop();
  });
  afterEach(async () => {
    await helper.unload();
  });

  test('tags, devices and a write that reaches the device: validated, audited as the API, read back', async () => {
    await peer.set(1, 'holding', 0, [215, 1200]);
    await peer.encode(1, 'holding', 2, 'float32', 'CDAB', 1500);
    await helper.load(modules(), [...flow(), api()]);
    await waitFor('the device polled', async () => (await call('GET', '/api/tags?device=plc')).json.length === 4);
    const tags = (await call('GET', '/api/tags?device=plc')).json as Array<Record<string, unknown>>;
    assert.deepEqual(
      tags.map((t) => [t.name, t.value, t.quality]),
      [
        ['level', 1200, 'good'],
        ['power', 1500, 'good'],
        ['run', false, 'good'],
        ['temp', 21.5, 'good'],
      ],
    );
    const one = await call('GET', '/api/tags/plc/temp');
    assert.equal(one.json.unit, '°C');
    assert.ok(typeof one.json.age === 'number' && one.json.age >= 0 && one.json.age < 5, `age ${one.json.age}`);

    const devices = await call('GET', '/api/devices');
    assert.equal(devices.status, 200);
    const d = devices.json[0];
    assert.deepEqual([d.id, d.device, d.unit, d.status, d.connection, d.breaker.state], ['dev1', 'plc', 1, 'polling', 'connected', 'closed']);
    assert.ok(d.lastPollAt > 0 && d.polls.cycles > 0 && d.tags.good === 4, JSON.stringify(d));
    assert.equal(d.health.state, 'ok');

    const put = await call('PUT', '/api/tags/plc/temp', { value: 23.46 });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    const written = put.json.tags[0];
    assert.deepEqual([written.tag, written.requested, written.written, written.old], ['temp', 23.46, 23.5, 21.5]);
    assert.equal(written.readBack.value, 23.5, 'the value polled right after the write');
    assert.deepEqual(await peer.get(1, 'holding', 0, 1), [235]);
    const rec = sharedAuditLog()
      .recent()
      .filter((r) => r.device === 'plc')
      .at(-1)!;
    assert.deepEqual([rec.actor, rec.tag, rec.old, rec.new, rec.ok], ['api:loopback', 'temp', 21.5, 23.5, true]);

    const multi = await call('POST', '/api/devices/plc/write', { level: 1300, run: true });
    assert.equal(multi.status, 200);
    assert.deepEqual(await peer.get(1, 'holding', 1, 1), [1300]);
    assert.deepEqual(await peer.get(1, 'coil', 0, 1), [true]);
  });

  test('one bad value and nothing is written: the access column and the range, each named', async () => {
    await peer.set(1, 'holding', 0, [100, 7]);
    await helper.load(modules(), [...flow(), api()]);
    await waitFor('the device polled', async () => (await call('GET', '/api/tags/plc/level')).status === 200);
    const readOnly = await call('POST', '/api/devices/plc/write', { level: 8, power: 1 });
    assert.equal(readOnly.status, 422);
    assert.equal(readOnly.json.field, 'tag.power');
    assert.match(readOnly.json.error, /read-only \(access 'r' in the tag table\)/);
    const range = await call('PUT', '/api/tags/plc/level', { value: 70000 });
    assert.equal(range.status, 422);
    assert.equal(range.json.field, 'tag.level');
    const unknown = await call('POST', '/api/devices/plc/write', { level: 9, nosuch: 1 });
    assert.equal(unknown.status, 422);
    assert.deepEqual(
      unknown.json.problems.map((p: { tag: string }) => p.tag),
      ['nosuch'],
    );
    assert.deepEqual(await peer.get(1, 'holding', 0, 2), [100, 7], 'nothing written');
    // the user tag goes through the tag store
    const user = await call('PUT', '/api/tags/user/setpoint', { value: 22 });
    assert.equal(user.status, 200);
    assert.equal(helper.getNode('store1').read('user/setpoint').value, 22);
  });

  test('a redeploy to another base path leaves no stale route; removing the node takes the API away', async () => {
    await helper.load(modules(), [...flow(), api()]);
    assert.equal((await call('GET', '/api/openapi.json')).status, 200);
    await helper.setFlows([...flow(), api({ basePath: '/ops/api' })]);
    assert.equal((await call('GET', '/api/openapi.json')).status, 404);
    assert.deepEqual(apiBasePaths(), ['/ops/api']);
    const moved = await call('GET', '/ops/api/openapi.json');
    assert.equal(moved.status, 200);
    assert.equal(moved.json.servers[0].url, '/ops/api');
    for (let i = 0; i < 5; i++) await helper.setFlows([...flow(), api({ basePath: '/ops/api', name: `redeploy ${i}` })]);
    assert.equal((await call('GET', '/ops/api/devices')).status, 200);
    await helper.setFlows(flow());
    assert.equal((await call('GET', '/ops/api/devices')).status, 404);
    assert.equal(
      healthRegistry()
        .list()
        .filter((e) => e.type === 'gateway-api').length,
      0,
    );
    assert.equal(apiDirectory().list('devices').length, 1, 'the device is still offered');
  });

  test("the live stream at <base>/stream: the polled device as Server-Sent Events, a tag change over a WebSocket on Node-RED's server", async () => {
    await peer.set(1, 'holding', 0, [215, 1200]);
    await helper.load(modules(), [...flow(), api()]);
    // SSE through the API's own route (the document's streamEvents operation)
    const sse = await fetch(`http://127.0.0.1:${port}/api/stream?device=plc&events=tags`);
    assert.equal(sse.status, 200);
    assert.match(sse.headers.get('content-type') ?? '', /text\/event-stream/);
    const reader = sse.body!.getReader();
    let text = '';
    const deadline = Date.now() + 10_000;
    while (!/event: tags\ndata: .*"device":"plc"/.test(text)) {
      assert.ok(Date.now() < deadline, `no tag frame within 10 s: ${text.slice(0, 500)}`);
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    await reader.cancel();
    // a bad filter is refused by the document's schema, naming the parameter
    const bad = await call('GET', '/api/stream?events=everything');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.field, 'query.events');

    // WebSocket: the upgrade goes to Node-RED's own server (RED.server), at httpNodeRoot + base
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(`${helper.url().replace(/^http/, 'ws')}/api/stream?tag=plc/temp`);
    const frames: string[] = [];
    ws.on('message', (data: Buffer) => frames.push(data.toString('utf8')));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    try {
      await peer.set(1, 'holding', 0, [240]);
      await waitFor(
        'the change of plc/temp over the WebSocket',
        () => frames.some((f) => f.includes('"plc/temp"') || (f.includes('"device":"plc"') && f.includes('"name":"temp"') && f.includes('24'))),
        10_000,
        50,
      );
    } finally {
      ws.close();
    }
  });

  test("a path the document does not have is left to Node-RED's other routes under the same base path", async () => {
    const httpIn = require(require.resolve('@node-red/nodes/core/network/21-httpin.js', { paths: [require.resolve('node-red')] }));
    await helper.load(
      [...modules(), httpIn],
      [
        ...flow(),
        api(),
        { id: 'in', type: 'http in', z: 'tab1', x: 100, y: 300, url: '/api/extra', method: 'get', wires: [['out']] },
        { id: 'out', type: 'http response', z: 'tab1', x: 300, y: 300, statusCode: '200', wires: [] },
      ],
    );
    const extra = await call('GET', '/api/extra?x=1');
    assert.equal(extra.status, 200);
    assert.deepEqual(extra.json, { x: '1' });
    assert.equal((await call('GET', '/api/openapi.json')).status, 200);
  });

  test('a second gateway-api on the same base path is refused, naming the field', async () => {
    await helper.load(modules(), [...flow(), api(), api({ id: 'api2' })]);
    const second = helper.getNode('api2');
    const errors = (second.error as { getCalls(): Array<{ args: unknown[] }> }).getCalls().map((c) => String(c.args[0]));
    assert.ok(
      errors.some((e) => /basePath: \/api is already served by gateway-api api1/.test(e)),
      errors.join('\n'),
    );
    assert.equal((await call('GET', '/api/tags')).status, 200, 'the first one serves on');
  });

  test('the closed nodes leave nothing in the directory', async () => {
    await helper.load(modules(), [...flow(), api()]);
    assert.equal(apiDirectory().list('devices').length, 1);
    assert.equal(apiDirectory().list('tagStores').length, 1);
    await helper.unload();
    assert.equal(apiDirectory().list('devices').length, 0);
    assert.equal(apiDirectory().list('tagStores').length, 0);
  });
});

describe('gateway-api without keys: loopback only', () => {
  test("the node's guard answers loopback callers as api:loopback; anyone else is told why not", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgegw-api-guard-'));
    const RED = { settings: { userDir: dir }, log: { warn: () => undefined } } as unknown as NodeAPI;
    const guard = apiGuardOf(RED);
    try {
      const req = (remoteAddress: string) => ({ headers: {}, remoteAddress, method: 'PUT', path: '/api/tags/a/b' });
      const local = await guard.check(req('::ffff:127.0.0.1'), 'write');
      assert.ok(local.ok && local.principal.actor === 'api:loopback');
      const remote = await guard.check(req('192.168.1.20'), 'read');
      assert.ok(!remote.ok && remote.status === 403 && /loopback/.test(remote.error), JSON.stringify(remote));
    } finally {
      guard.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
