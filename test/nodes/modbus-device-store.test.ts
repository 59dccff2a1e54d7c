// modbus-device's `store` option (issue 9) and identity check (issue 14), in Node-RED 4.1 against
// a pymodbus TCP server: a real tag-store config node (memory, and SQLite) holds every polled tag
// with its quality and ts, a failed read included; an identity register with the wrong value makes
// every tag bad, the status red, /health down and refuses commands, and the corrected value
// brings the device back; 100 redeploys with both options leak nothing.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calls, helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { needPeers, PEER } from '../helpers/peers';
import { startTypedPeer, type TypedPeer } from '../helpers/modbus-typed-peer';
import { resourceCounts, settleTo } from '../helpers/modbus-leaks';
import { SQLITE_PEER, secondConnection } from '../helpers/sqlite-store';
import { healthRegistry } from '../../lib/health/registry';
import type { TagSample } from '../../lib/tags/contract';
import { describeStatusText } from '../helpers/status';

// `ghost` lies beyond the peer's 100 holding registers: its read fails (illegal data address)
const TAGS = `name,area,address,type,order,scale,offset,unit,access,group
temp,holding,0,int16,,0.1,,°C,rw,fast
level,holding,1,uint16,,,,mm,rw,fast
serial,holding,10,uint32,,,,,r,fast
ghost,holding,150,uint16,,,,,r,fast
`;
const IDENTITY_TAGS = TAGS.split('\n')
  .filter((l) => !l.startsWith('ghost'))
  .join('\n');

const catchModule = require(require.resolve('@node-red/nodes/core/common/25-catch.js'));
const modules = () => [nodeModule('modbus-connection'), nodeModule('modbus-device'), nodeModule('tag-store'), catchModule];

describe('modbus-device: store option and identity check', needPeers(PEER.pymodbus()), () => {
  let peer: TypedPeer;
  let dir: string;
  const tab = { id: 'tab1', type: 'tab', label: 'modbus' };
  const conn = () => ({
    id: 'conn1',
    type: 'edgegw-modbus-connection',
    name: 'store line',
    transport: 'tcp',
    host: '127.0.0.1',
    port: peer.port,
    timeoutMs: 3000,
    reconnectMinMs: 50,
    reconnectMaxMs: 200,
    unitBackoffMinMs: 20,
    unitBackoffMaxMs: 50,
  });
  const device = (extra: Record<string, unknown> = {}) => ({
    id: 'dev',
    type: 'edgegw-modbus-device',
    z: 'tab1',
    x: 200,
    y: 100,
    name: 'meter',
    connection: 'conn1',
    device: 'meter1',
    unit: 1,
    notation: 'zero',
    tags: TAGS,
    groups: [{ name: 'fast', interval: 40 }],
    output: 'rbe',
    maxGap: 10,
    maxRegisters: 125,
    maxBits: 2000,
    store: 'store1',
    wires: [['out']],
    ...extra,
  });
  const store = (extra: Record<string, unknown> = {}) => ({ id: 'store1', type: 'edgegw-tag-store', name: 'plant', persist: false, maxAge: 0, maxAgeRules: '', userTags: '', ...extra });
  const out = { id: 'out', type: 'helper', z: 'tab1', x: 400, y: 100 };
  const catcher = [
    { id: 'catch1', type: 'catch', z: 'tab1', x: 100, y: 200, scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab1', x: 300, y: 200 },
  ];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-producers-'));
    peer = await startTypedPeer({ transport: 'tcp', units: { 1: { holding: 100, coil: 10 } } });
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    await peer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
  });

  test('the store holds every polled tag with quality and ts, every scan; a failed read is bad there', async () => {
    await peer.set(1, 'holding', 0, [215, 1200]);
    await peer.encode(1, 'holding', 10, 'uint32', 'ABCD', 12345);
    const loadedAt = Date.now();
    await helper.load(modules(), [tab, conn(), device(), store(), out]);
    const s = helper.getNode('store1');
    await waitFor('all four tags stored', () => s.readDevice('meter1').length === 4);
    const temp = s.read('meter1/temp') as TagSample;
    assert.equal(temp.value, 21.5);
    assert.equal(temp.quality, 'good');
    assert.equal(temp.unit, '°C');
    assert.equal(temp.source, 'modbus:1');
    assert.ok(temp.ts >= loadedAt && temp.ts <= Date.now(), `ts ${temp.ts}`);
    assert.equal((s.read('meter1/serial') as TagSample).value, 12345);
    const ghost = s.read('meter1/ghost') as TagSample;
    assert.equal(ghost.quality, 'bad');
    assert.equal(ghost.value, null);
    assert.match(String(ghost.error), /illegal data address|exception 2/i);
    // the output is report-by-exception, the store is not: an unchanged tag's ts moves on
    const firstTs = temp.ts;
    await waitFor('a later scan refreshes an unchanged tag', () => (s.read('meter1/temp') as TagSample).ts > firstTs);
    assert.equal((s.read('meter1/temp') as TagSample).value, 21.5);
    await peer.set(1, 'holding', 1, [1201]);
    await waitFor('a change reaches the store', () => (s.read('meter1/level') as TagSample).value === 1201);
  });

  test('a store that does not exist is named at deploy and the node stays inert', async () => {
    await helper.load(modules(), [tab, conn(), device({ store: 'nope' }), out]);
    const node = helper.getNode('dev');
    assert.ok(calls(node, 'error').some(([m]) => /store: tag-store nope not found/.test(String(m))));
    assert.ok(calls(node, 'status').some(([st]: any) => st.fill === 'red'));
  });

  test('SQLite store: the polled tags reach the file with quality and ts', needPeers(SQLITE_PEER()), async () => {
    await peer.set(1, 'holding', 0, [230, 1300]);
    await peer.encode(1, 'holding', 10, 'uint32', 'ABCD', 12345);
    const file = join(dir, 'tags.sqlite');
    await helper.load(modules(), [tab, conn(), device(), store({ persist: true, file }), out]);
    const s = helper.getNode('store1');
    await waitFor('stored', () => (s.read('meter1/temp') as TagSample | undefined)?.value === 23 && s.read('meter1/ghost'));
    await helper.unload(); // close saves what is pending
    const db = await secondConnection(file);
    try {
      const rows = await db.all('SELECT name, value, quality, ts, unit, source FROM tag_values WHERE device = ? ORDER BY name', ['meter1']);
      assert.deepEqual(
        rows.map((r) => r.name),
        ['ghost', 'level', 'serial', 'temp'],
      );
      const byName = new Map(rows.map((r) => [r.name, r]));
      assert.equal(byName.get('temp')!.quality, 'good');
      assert.equal(JSON.parse(String(byName.get('temp')!.value)), 23);
      assert.equal(byName.get('temp')!.unit, '°C');
      assert.ok(Number(byName.get('temp')!.ts) > 0);
      assert.equal(byName.get('ghost')!.quality, 'bad');
      assert.equal(JSON.parse(String(byName.get('level')!.value)), 1300);
    } finally {
      await db.close();
    }
  });

  test('identity mismatch: every tag bad, red status, /health down, commands refused; the corrected device recovers', async () => {
    await peer.set(1, 'holding', 0, [215, 1200]);
    await peer.encode(1, 'holding', 10, 'uint32', 'ABCD', 999);
    await helper.load(modules(), [tab, conn(), device({ tags: IDENTITY_TAGS, identityTag: 'serial', identityEquals: '12345', identityEvery: 5 }), store(), out, ...catcher]);
    const node = helper.getNode('dev');
    const s = helper.getNode('store1');
    const expected = 'identity mismatch: serial is 999, expected 12345';
    await waitFor('every tag bad with the mismatch', () => ['temp', 'level', 'serial'].every((t) => (s.read(`meter1/${t}`) as TagSample | undefined)?.error === expected));
    for (const t of ['temp', 'level', 'serial']) {
      const sample = s.read(`meter1/${t}`) as TagSample;
      assert.equal(sample.quality, 'bad', t);
      assert.equal(sample.value, null, t);
    }
    await waitFor('red status naming the mismatch', () =>
      calls(node, 'status').some(
        ([st]: any) => st.fill === 'red' && describeStatusText(st.text) === 'modbus-device.status.error · modbus-device.status.problem.identityMismatch(tag=serial, actual=999, expected=12345)',
      ),
    );
    const health = healthRegistry()
      .list()
      .find((e) => e.id === 'dev')!;
    assert.equal(health.state, 'down');
    assert.equal(health.detail?.lastError, expected);
    assert.equal((health.detail?.identity as { verdict: string }).verdict, 'mismatch');
    // no command reaches a device that is not the configured one
    const caught: any[] = [];
    helper.getNode('caught').on('input', (m: unknown) => caught.push(m));
    node.receive({ topic: 'level', payload: 7 });
    await waitFor('the command is refused', () => caught.length === 1);
    assert.match(caught[0].error.message, /write to meter1 refused: identity mismatch: serial is 999, expected 12345/);
    assert.deepEqual(await peer.get(1, 'holding', 1, 1), [1200]);

    await peer.encode(1, 'holding', 10, 'uint32', 'ABCD', 12345);
    await waitFor('the device recovers', () => (s.read('meter1/temp') as TagSample).quality === 'good');
    assert.equal((s.read('meter1/temp') as TagSample).value, 21.5);
    await waitFor(
      'health ok',
      () =>
        healthRegistry()
          .list()
          .find((e) => e.id === 'dev')?.state === 'ok',
    );
    await waitFor('green status', () => calls(node, 'status').some(([st]: any) => st.fill === 'green'));
    node.receive({ topic: 'level', payload: 7 });
    await waitFor('the command now reaches the device', async () => (await peer.get(1, 'holding', 1, 1))[0] === 7);
    assert.equal(caught.length, 1);
  });

  test('identity settings are checked at deploy: unknown tag, missing value, bad interval', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ identityTag: 'sn', identityEquals: '1' }, /identityTag: no tag named 'sn' in the tag table/],
      [{ identityTag: 'serial', identityEquals: '' }, /identityEquals: the identity tag 'serial' needs the value it must have/],
      [{ identityTag: 'serial', identityEquals: '1', identityEvery: 0 }, /identityEvery: must be a whole number 1\.\.1000000, got 0/],
    ];
    for (const [extra, pattern] of cases) {
      await helper.load(modules(), [tab, conn(), device({ store: '', ...extra }), out]);
      const errors = calls(helper.getNode('dev'), 'error').map(([m]) => String(m));
      assert.ok(
        errors.some((m) => pattern.test(m)),
        `${pattern}: ${errors.join('\n')}`,
      );
      await helper.unload();
    }
  });

  test('100 redeploys with store and identity leave no timer, socket, listener or health entry behind', async () => {
    await peer.encode(1, 'holding', 10, 'uint32', 'ABCD', 12345);
    const flow = (i: number) => [tab, conn(), device({ tags: IDENTITY_TAGS, identityTag: 'serial', identityEquals: i % 2 ? '12345' : '1', identityEvery: 1 + (i % 3) }), store(), out];
    await helper.load(modules(), flow(0));
    await waitFor('stored', () => helper.getNode('store1').read('meter1/temp'));
    await helper.unload();
    const baseline = resourceCounts();
    for (let i = 1; i <= 100; i++) {
      await helper.load(modules(), flow(i));
      if (i % 10 === 0) await waitFor('polled', () => helper.getNode('store1').read('meter1/temp'));
      await helper.unload();
    }
    assert.deepEqual(await settleTo(baseline), []);
    assert.equal(
      healthRegistry()
        .list()
        .filter((e) => e.id === 'dev' || e.id === 'store1').length,
      0,
    );
  });
});
