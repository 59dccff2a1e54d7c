// modbus-server node: serves what the flow sets (raw or by tag table) to mbpoll and to our own
// line, emits every remote write, keeps holding registers across a redeploy, refuses bad
// configuration and bad input clearly, and 100 redeploys leave nothing behind.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helper, nodeModule } from '../helpers/nodered';
import { needPeers, PEER } from '../helpers/peers';
import { ptyPair } from '../helpers/socat';
import { waitFor } from '../helpers/process';
import { mbpollRead, mbpollWrite } from '../helpers/modbus-mbpoll';
import { errorsOf, lastStatus, localeKeys, received, testNodesModule } from '../helpers/modbus-nodes';
import { resourceCounts, settleTo } from '../helpers/modbus-leaks';
import { createModbusLine } from '../../lib/modbus/line';
import type { ModbusServer } from '../../lib/modbus/server';
import { healthRegistry } from '../../lib/health/registry';

const modules = () => [nodeModule('modbus-server'), testNodesModule];
const TAGS = [
  'name,area,address,type,order,scale,offset,unit,access,group',
  'temperature,holding,0,float32,ABCD,1,0,degC,rw,',
  'counter,holding,2,uint32,CDAB,1,0,,rw,',
  'setpoint,holding,4,int16,ABCD,0.1,0,,rw,',
  'alarm,holding,5,bit:3,,,,,rw,',
  'running,coil,0,bool,,,,,rw,',
  'name,holding,10,string:4,,,,,rw,',
].join('\n');

function serverOf(id: string): ModbusServer {
  const s = (helper.getNode(id) as { server?: ModbusServer }).server;
  assert.ok(s, `node ${id} has a server`);
  return s;
}
const portOf = (id: string) => (serverOf(id).address() as { port: number }).port;
async function listening(id: string): Promise<number> {
  await waitFor(`${id} listening`, () => serverOf(id).status().serving, 5000);
  return portOf(id);
}

describe('modbus-server node', () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-mbsrv-'));
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
    received.clear();
  });

  const srv = (extra: Record<string, unknown> = {}) => ({
    id: 'srv',
    type: 'modbus-server',
    name: 'sim',
    transport: 'tcp',
    host: '127.0.0.1',
    port: 0,
    units: '1, 2',
    holdingSize: 100,
    coilSize: 100,
    discreteSize: 100,
    inputSize: 100,
    wires: [['sink']],
    ...extra,
  });
  const sink = { id: 'sink', type: 'modbus-test-sink' };

  test('bad configuration: the status says so, the error names the field or tag', async () => {
    await helper.load(modules(), [
      { id: 'a', type: 'modbus-server', transport: 'tcp', port: 70000, units: '1', wires: [[]] },
      { id: 'b', type: 'modbus-server', transport: 'tcp', port: 0, units: '1, x', wires: [[]] },
      { id: 'c', type: 'modbus-server', transport: 'tcp', port: 0, units: '1', holdingSize: 10, tags: 'name,area,address,type\nbig,holding,9,float32', wires: [[]] },
      { id: 'd', type: 'modbus-server', transport: 'tcp', port: 0, units: '1', tags: 'name,area,address,type\nt,holding,zero,int16', wires: [[]] },
    ]);
    for (const id of ['a', 'b', 'c', 'd']) assert.deepEqual(lastStatus(helper.getNode(id)), { fill: 'red', shape: 'ring', text: 'modbus-server.status.badConfig' }, id);
    assert.ok(errorsOf(helper.getNode('a')).some((e) => /port: must be an integer 0\.\.65535, got 70000/.test(e)));
    assert.ok(errorsOf(helper.getNode('b')).some((e) => /units: "x" is not a unit id/.test(e)));
    assert.ok(errorsOf(helper.getNode('c')).some((e) => /tag 'big': holding 9\.\.10 is outside the served image \(10 registers\)/.test(e)), errorsOf(helper.getNode('c')).join('\n'));
    assert.ok(errorsOf(helper.getNode('d')).some((e) => /line 2.*tag 't'.*address/.test(e)), errorsOf(helper.getNode('d')).join('\n'));
  });

  test('raw values from the flow are served to mbpoll; mbpoll writes come out as messages', needPeers(PEER.mbpoll()), async () => {
    await helper.load(modules(), [srv(), sink]);
    const port = await listening('srv');
    const node = helper.getNode('srv');
    node.receive({ payload: { area: 'holding', address: 3, values: [10, 20, 30] } });
    node.receive({ payload: [{ area: 'coil', address: 0, values: [true, false, true] }, { area: 'input', address: 1, value: 99, unit: 2 }] });
    await waitFor('values set', () => serverOf('srv').getRegisters(2, 'input', 1, 1)[0] === 99, 2000);
    const t = (unit: number) => ({ tcp: { host: '127.0.0.1', port }, unit });
    assert.deepEqual([...(await mbpollRead(t(1), 'holding', 3, 3)).values.values()], [10, 20, 30]);
    assert.deepEqual([...(await mbpollRead(t(1), 'coil', 0, 3)).values.values()], [1, 0, 1]);
    assert.deepEqual([...(await mbpollRead(t(2), 'input', 1, 1)).values.values()], [99]);
    assert.equal((await mbpollWrite(t(2), 'holding', 50, [7, 8])).code, 0);
    await waitFor('write message', () => (received.get('sink') ?? []).length === 1, 3000);
    const msg = received.get('sink')![0];
    assert.equal(msg.topic, 'sim/write');
    assert.deepEqual(msg.payload, { unit: 2, area: 'holding', address: 50, values: [7, 8] });
    assert.match(lastStatus(node)?.text ?? '', /modbus-server\.status\.listening/);
    assert.equal(healthRegistry().list().find((e) => e.id === 'srv')?.state, 'ok');
  });

  test('tag table: the flow sets tags with their types and orders; remote writes are decoded back', async () => {
    await helper.load(modules(), [srv({ tags: TAGS }), sink]);
    const port = await listening('srv');
    const node = helper.getNode('srv');
    node.receive({ payload: { temperature: 21.5, counter: 0x12345678, setpoint: -12.3, running: true, name: 'PUMP' } });
    node.receive({ topic: 'alarm', payload: true });
    const s = serverOf('srv');
    await waitFor('tags set', () => s.getRegisters(1, 'holding', 5, 1)[0] === 8, 2000);
    assert.deepEqual(s.getRegisters(1, 'holding', 0, 2), [0x41ac, 0x0000], 'float32 21.5, ABCD');
    assert.deepEqual(s.getRegisters(1, 'holding', 2, 2), [0x5678, 0x1234], 'uint32 CDAB: word swap');
    assert.deepEqual(s.getRegisters(1, 'holding', 4, 1), [0x10000 - 123], 'int16 with scale 0.1');
    assert.deepEqual(s.getRegisters(1, 'holding', 10, 4), [0x5055, 0x4d50, 0, 0], 'string PUMP');
    assert.deepEqual(s.getBits(1, 'coil', 0, 1), [true]);

    // a bad value: nothing at all is written, the error names the tag
    const before = s.getRegisters(1, 'holding', 0, 6);
    node.receive({ payload: { temperature: 30, setpoint: 'hot' } });
    node.receive({ payload: { nosuchtag: 1 } });
    await waitFor('errors', () => errorsOf(node).length >= 2, 2000);
    assert.ok(errorsOf(node).some((e) => /tag 'setpoint'/.test(e)), errorsOf(node).join('\n'));
    assert.ok(errorsOf(node).some((e) => /tag 'nosuchtag': unknown tag/.test(e)));
    assert.deepEqual(s.getRegisters(1, 'holding', 0, 6), before);

    // a remote master writes the counter (FC16): the message carries the decoded tag
    const line = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port } });
    try {
      await line.write(1, 'holding', 2, [0x0002, 0x0001]);
    } finally {
      await line.close();
    }
    await waitFor('write message', () => (received.get('sink') ?? []).length === 1, 3000);
    const msg = received.get('sink')![0] as { values?: Record<string, unknown>; tags?: Array<{ name: string; value: unknown; quality: string; device: string }> };
    assert.deepEqual(msg.values, { counter: 0x00010002 });
    assert.equal(msg.tags?.[0].name, 'counter');
    assert.equal(msg.tags?.[0].quality, 'good');
    assert.equal(msg.tags?.[0].device, 'sim');
  });

  test('rtu on a pty: mbpoll reads what the flow set and writes back', needPeers(PEER.mbpoll(), PEER.socat()), async () => {
    const pty = await ptyPair();
    try {
      await helper.load(modules(), [srv({ transport: 'rtu', path: pty.a, baudRate: 19200, parity: 'none', dataBits: 8, stopBits: 1, units: '4' }), sink]);
      await waitFor('serial open', () => serverOf('srv').status().serving, 5000);
      assert.match(lastStatus(helper.getNode('srv'))?.text ?? '', /modbus-server\.status\.open/);
      helper.getNode('srv').receive({ payload: { area: 'discrete', address: 2, values: [true, true] } });
      const t = { rtu: { path: pty.b, baudRate: 19200 }, unit: 4 };
      await waitFor('set', () => serverOf('srv').getBits(4, 'discrete', 2, 1)[0], 2000);
      assert.deepEqual([...(await mbpollRead(t, 'discrete', 1, 3)).values.values()], [0, 1, 1]);
      assert.equal((await mbpollWrite(t, 'coil', 9, [1])).code, 0);
      await waitFor('write message', () => (received.get('sink') ?? []).length === 1, 3000);
      assert.deepEqual(received.get('sink')![0].payload, { unit: 4, area: 'coil', address: 9, values: [true] });
      await helper.unload();
    } finally {
      await pty.stop();
    }
  });

  test('holding registers persist across a redeploy when asked', async () => {
    const file = join(dir, 'persist.json');
    const flow = [srv({ persist: true, persistFile: file }), sink];
    await helper.load(modules(), flow);
    const port = await listening('srv');
    const line = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port } });
    try {
      await line.write(2, 'holding', 7, [4321, 1234]);
    } finally {
      await line.close();
    }
    await helper.unload();
    assert.match(readFileSync(file, 'utf8'), /4321/);
    await helper.load(modules(), flow);
    await listening('srv');
    assert.deepEqual(serverOf('srv').getRegisters(2, 'holding', 7, 2), [4321, 1234]);
  });

  test('input that cannot be applied fails the message (Catch sees it)', async () => {
    await helper.load(modules(), [srv(), sink]);
    await listening('srv');
    const node = helper.getNode('srv');
    node.receive({ payload: { area: 'holding', address: 99, values: [1, 2] } });
    node.receive({ payload: { area: 'input', address: 0, values: [70000] } });
    node.receive({ payload: { area: 'coil', address: 0, values: [1], unit: 9 } });
    node.receive({ payload: { temperature: 1 } });
    await waitFor('four errors', () => errorsOf(node).length >= 4, 2000);
    const errors = errorsOf(node).join('\n');
    assert.match(errors, /holding 99\.\.100 is outside the image \(size 100\)/);
    assert.match(errors, /input 0: 70000 is not a register value/);
    assert.match(errors, /unit 9 is not served/);
    assert.match(errors, /no tag table/);
  });

  test('the example flow imports and serves its tags', async () => {
    const flow = JSON.parse(readFileSync(join(__dirname, '..', '..', 'examples', 'modbus-server.json'), 'utf8')) as Array<Record<string, unknown>>;
    for (const n of flow) {
      if (n.type === 'modbus-server') n.port = 0; // an ephemeral port instead of 5020
      n.z = 'tab'; // the editor puts imported nodes on the current tab
    }
    const inject = require('@node-red/nodes/core/common/20-inject.js');
    const debug = require('@node-red/nodes/core/common/21-debug.js');
    const comment = require('@node-red/nodes/core/common/90-comment.js');
    await helper.load([inject, debug, comment, ...modules()], [{ id: 'tab', type: 'tab', label: 'example' }, ...flow]);
    await waitFor('the example server is listening', () => serverOf('mbs.server').status().serving, 5000);
    await waitFor('the inject nodes set values', () => serverOf('mbs.server').getRegisters(1, 'input', 100, 3).join() === '1,2,3' && serverOf('mbs.server').getBits(1, 'coil', 0, 1)[0], 5000);
    const [hi] = serverOf('mbs.server').getRegisters(1, 'holding', 0, 2);
    assert.ok(hi >= 0x41a0 && hi <= 0x41c8, `temperature 20..25 as float32: ${hi.toString(16)}`);
  });

  test('100 redeploys leave no timer, socket or health entry behind', async () => {
    await helper.load(modules(), [srv(), sink]);
    await listening('srv');
    await helper.unload();
    const baseline = resourceCounts();
    for (let i = 0; i < 100; i++) {
      await helper.load(modules(), [srv({ tags: i % 2 ? TAGS : '' }), sink]);
      if (i % 5 === 0) {
        const port = await listening('srv');
        const line = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port } });
        await line.read(1, 'holding', 0, 1);
        await line.close();
      }
      await helper.unload();
    }
    assert.deepEqual(await settleTo(baseline), []);
    assert.equal(healthRegistry().list().filter((e) => e.id === 'srv').length, 0);
  });
  test('en-US and ru carry the same messages with the same placeholders, and help in both', () => {
    const en = localeKeys('modbus-server', 'en-US');
    const ru = localeKeys('modbus-server', 'ru');
    assert.deepEqual([...ru.keys()].sort(), [...en.keys()].sort());
    for (const [k, p] of en) assert.equal(ru.get(k), p, k);
    for (const lang of ['en-US', 'ru']) {
      const help = readFileSync(join(__dirname, '..', '..', 'nodes', 'modbus-server', 'locales', lang, 'modbus-server.html'), 'utf8');
      assert.match(help, /data-help-name="modbus-server"/);
    }
    const editor = readFileSync(join(__dirname, '..', '..', 'nodes', 'modbus-server', 'modbus-server.html'), 'utf8');
    for (const key of editor.matchAll(/data-i18n="(?:\[placeholder\])?modbus-server\.([\w.-]+)"/g)) assert.ok(en.has(`modbus-server.${key[1]}`), `editor label ${key[1]}`);
  });
});
