// modbus-server node: serves what the flow sets (raw or by tag table) to mbpoll and to our own
// line, emits every remote write, keeps holding registers across a redeploy, refuses bad
// configuration and bad input clearly, and 100 redeploys leave nothing behind. Holding registers
// persist in a JSON file or a SQLite database (also chosen by flows from before that option).
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helper, nodeModule } from '../helpers/nodered';
import { needPeers, PEER } from '../helpers/peers';
import { ptyPair } from '../helpers/socat';
import { waitFor } from '../helpers/process';
import { mbpollRead, mbpollWrite } from '../helpers/modbus-mbpoll';
import { errorsOf, lastStatus, localeKeys, received, testNodesModule } from '../helpers/modbus-nodes';
import { resourceCounts, settleTo } from '../helpers/modbus-leaks';
import { createModbusLine } from '../../lib/modbus/line/line';
import type { ModbusServer } from '../../lib/modbus/server/server';
import { healthRegistry } from '../../lib/health/registry';
import { SQLITE_PEER, secondConnection } from '../helpers/sqlite-store';

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
  await waitFor(`${id} listening`, () => serverOf(id).status().serving, 30_000);
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
    type: 'edgegw-modbus-server',
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
      { id: 'a', type: 'edgegw-modbus-server', transport: 'tcp', port: 70000, units: '1', wires: [[]] },
      { id: 'b', type: 'edgegw-modbus-server', transport: 'tcp', port: 0, units: '1, x', wires: [[]] },
      { id: 'c', type: 'edgegw-modbus-server', transport: 'tcp', port: 0, units: '1', holdingSize: 10, tags: 'name,area,address,type\nbig,holding,9,float32', wires: [[]] },
      { id: 'd', type: 'edgegw-modbus-server', transport: 'tcp', port: 0, units: '1', tags: 'name,area,address,type\nt,holding,zero,int16', wires: [[]] },
    ]);
    for (const id of ['a', 'b', 'c', 'd']) assert.deepEqual(lastStatus(helper.getNode(id)), { fill: 'red', shape: 'ring', text: 'modbus-server.status.badConfig' }, id);
    assert.ok(errorsOf(helper.getNode('a')).some((e) => /port: must be an integer 0\.\.65535, got 70000/.test(e)));
    assert.ok(errorsOf(helper.getNode('b')).some((e) => /units: "x" is not a unit id/.test(e)));
    assert.ok(
      errorsOf(helper.getNode('c')).some((e) => /tag 'big': holding 9\.\.10 is outside the served image \(10 registers\)/.test(e)),
      errorsOf(helper.getNode('c')).join('\n'),
    );
    assert.ok(
      errorsOf(helper.getNode('d')).some((e) => /line 2.*tag 't'.*address/.test(e)),
      errorsOf(helper.getNode('d')).join('\n'),
    );
  });

  test('raw values from the flow are served to mbpoll; mbpoll writes come out as messages', needPeers(PEER.mbpoll()), async () => {
    await helper.load(modules(), [srv(), sink]);
    const port = await listening('srv');
    const node = helper.getNode('srv');
    node.receive({ payload: { area: 'holding', address: 3, values: [10, 20, 30] } });
    node.receive({
      payload: [
        { area: 'coil', address: 0, values: [true, false, true] },
        { area: 'input', address: 1, value: 99, unit: 2 },
      ],
    });
    await waitFor('values set', () => serverOf('srv').getRegisters(2, 'input', 1, 1)[0] === 99, 30_000);
    const t = (unit: number) => ({ tcp: { host: '127.0.0.1', port }, unit });
    assert.deepEqual([...(await mbpollRead(t(1), 'holding', 3, 3)).values.values()], [10, 20, 30]);
    assert.deepEqual([...(await mbpollRead(t(1), 'coil', 0, 3)).values.values()], [1, 0, 1]);
    assert.deepEqual([...(await mbpollRead(t(2), 'input', 1, 1)).values.values()], [99]);
    assert.equal((await mbpollWrite(t(2), 'holding', 50, [7, 8])).code, 0);
    await waitFor('write message', () => (received.get('sink') ?? []).length === 1, 30_000);
    const msg = received.get('sink')![0];
    assert.equal(msg.topic, 'sim/write');
    assert.deepEqual(msg.payload, { unit: 2, area: 'holding', address: 50, values: [7, 8] });
    assert.match(lastStatus(node)?.text ?? '', /modbus-server\.status\.listening/);
    assert.equal(
      healthRegistry()
        .list()
        .find((e) => e.id === 'srv')?.state,
      'ok',
    );
  });

  test('tag table: the flow sets tags with their types and orders; remote writes are decoded back', async () => {
    await helper.load(modules(), [srv({ tags: TAGS }), sink]);
    const port = await listening('srv');
    const node = helper.getNode('srv');
    node.receive({ payload: { temperature: 21.5, counter: 0x12345678, setpoint: -12.3, running: true, name: 'PUMP' } });
    node.receive({ topic: 'alarm', payload: true });
    const s = serverOf('srv');
    await waitFor('tags set', () => s.getRegisters(1, 'holding', 5, 1)[0] === 8, 30_000);
    assert.deepEqual(s.getRegisters(1, 'holding', 0, 2), [0x41ac, 0x0000], 'float32 21.5, ABCD');
    assert.deepEqual(s.getRegisters(1, 'holding', 2, 2), [0x5678, 0x1234], 'uint32 CDAB: word swap');
    assert.deepEqual(s.getRegisters(1, 'holding', 4, 1), [0x10000 - 123], 'int16 with scale 0.1');
    assert.deepEqual(s.getRegisters(1, 'holding', 10, 4), [0x5055, 0x4d50, 0, 0], 'string PUMP');
    assert.deepEqual(s.getBits(1, 'coil', 0, 1), [true]);

    // a bad value: nothing at all is written, the error names the tag
    const before = s.getRegisters(1, 'holding', 0, 6);
    node.receive({ payload: { temperature: 30, setpoint: 'hot' } });
    node.receive({ payload: { nosuchtag: 1 } });
    await waitFor('errors', () => errorsOf(node).length >= 2, 30_000);
    assert.ok(
      errorsOf(node).some((e) => /tag 'setpoint'/.test(e)),
      errorsOf(node).join('\n'),
    );
    assert.ok(errorsOf(node).some((e) => /tag 'nosuchtag': unknown tag/.test(e)));
    assert.deepEqual(s.getRegisters(1, 'holding', 0, 6), before);

    // a remote master writes the counter (FC16): the message carries the decoded tag
    const line = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port } });
    try {
      await line.write(1, 'holding', 2, [0x0002, 0x0001]);
    } finally {
      await line.close();
    }
    await waitFor('write message', () => (received.get('sink') ?? []).length === 1, 30_000);
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
      await waitFor('serial open', () => serverOf('srv').status().serving, 30_000);
      assert.match(lastStatus(helper.getNode('srv'))?.text ?? '', /modbus-server\.status\.open/);
      helper.getNode('srv').receive({ payload: { area: 'discrete', address: 2, values: [true, true] } });
      const t = { rtu: { path: pty.b, baudRate: 19200 }, unit: 4 };
      await waitFor('set', () => serverOf('srv').getBits(4, 'discrete', 2, 1)[0], 30_000);
      assert.deepEqual([...(await mbpollRead(t, 'discrete', 1, 3)).values.values()], [0, 1, 1]);
      assert.equal((await mbpollWrite(t, 'coil', 9, [1])).code, 0);
      await waitFor('write message', () => (received.get('sink') ?? []).length === 1, 30_000);
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

  test('what the store restored is told to the flow once at start (msg.restored), so a simulation starts from it', async () => {
    const file = join(dir, 'restored.json');
    const flow = [srv({ persist: true, persistFile: file, tags: TAGS }), sink];
    await helper.load(modules(), flow);
    const port = await listening('srv');
    const line = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port } });
    try {
      await line.write(2, 'holding', 4, [450]); // setpoint 45.0 (scale 0.1)
    } finally {
      await line.close();
    }
    await waitFor('the write message', () => (received.get('sink') ?? []).length === 1, 30_000);
    assert.equal((received.get('sink')![0] as { restored?: boolean }).restored, undefined, 'a write is not a restore');
    await helper.unload();
    received.clear();
    await helper.load(modules(), flow);
    type Restored = { restored?: boolean; payload: { unit: number }; values: Record<string, unknown>; tags: Array<{ name: string; quality: string; device: string }> };
    const restoredOf = (unit: number) => (received.get('sink') ?? []).map((m) => m as unknown as Restored).find((m) => m.restored === true && m.payload.unit === unit);
    await waitFor('the restored message of unit 2', () => restoredOf(2) !== undefined, 30_000);
    const m = restoredOf(2)!;
    assert.equal(m.values.setpoint, 45);
    assert.ok(!('running' in m.values), 'coils are not kept by the store, so not told');
    assert.deepEqual(
      m.tags.find((t) => t.name === 'setpoint'),
      { ...m.tags.find((t) => t.name === 'setpoint')!, device: 'sim', quality: 'good' },
    );
    assert.equal(received.get('sink')!.filter((x) => (x as { restored?: boolean }).restored && (x as unknown as Restored).payload.unit === 2).length, 1, 'once');
  });

  test('holding registers persist in SQLite across redeploys: mbpoll writes, a second connection sees them', needPeers(PEER.mbpoll(), SQLITE_PEER()), async () => {
    const file = join(dir, 'persist.db');
    const flow = [srv({ persistence: 'sqlite', persistFile: file }), sink];
    await helper.load(modules(), flow);
    let port = await listening('srv');
    assert.equal((await mbpollWrite({ tcp: { host: '127.0.0.1', port }, unit: 2 }, 'holding', 20, [11, 22, 33])).code, 0);
    await waitFor('write message', () => (received.get('sink') ?? []).length === 1, 30_000);
    const line = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port } });
    try {
      await line.write(
        1,
        'holding',
        0,
        Array.from({ length: 100 }, (_, i) => 500 + i),
      );
    } finally {
      await line.close();
    }
    helper.getNode('srv').receive({ payload: { area: 'holding', address: 99, values: [7], unit: 1 } }); // the flow's own values persist too
    await helper.unload();

    const other = await secondConnection(file);
    try {
      const rows = await other.all('SELECT unit, address, value, updated_at FROM holding_registers ORDER BY unit, address');
      assert.deepEqual(
        rows.filter((r) => r.unit === 2).map((r) => [r.address, r.value]),
        [
          [20, 11],
          [21, 22],
          [22, 33],
        ],
      );
      const unit1 = rows.filter((r) => r.unit === 1);
      assert.equal(unit1.length, 100);
      assert.equal(unit1[99].value, 7);
      assert.equal(new Set(unit1.slice(0, 99).map((r) => r.updated_at)).size, 1, 'the FC16 of 100 registers was one transaction');
    } finally {
      await other.close();
    }

    for (let round = 0; round < 2; round++) {
      await helper.load(modules(), flow);
      port = await listening('srv');
      assert.deepEqual(serverOf('srv').getRegisters(2, 'holding', 20, 3), [11, 22, 33], `round ${round}`);
      assert.deepEqual(serverOf('srv').getRegisters(1, 'holding', 97, 3), [597, 598, 7]);
      assert.deepEqual([...(await mbpollRead({ tcp: { host: '127.0.0.1', port }, unit: 2 }, 'holding', 20, 3)).values.values()], [11, 22, 33]);
      await helper.unload();
    }
  });

  test('a flow saved before the option: persist + a .db file selects SQLite, relative to the user directory', needPeers(SQLITE_PEER()), async () => {
    const userDir = mkdtempSync(join(dir, 'userdir-'));
    helper.settings({ userDir });
    try {
      const flow = [srv({ persist: true, persistFile: 'legacy-regs.db' }), sink];
      await helper.load(modules(), flow);
      const port = await listening('srv');
      const line = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port } });
      try {
        await line.write(1, 'holding', 5, [4242]);
      } finally {
        await line.close();
      }
      await helper.unload();
      const file = join(userDir, 'legacy-regs.db');
      assert.ok(existsSync(file), `created in the user directory: ${readdirSync(userDir).join(', ')}`);
      const other = await secondConnection(file);
      assert.deepEqual(await other.all('SELECT unit, address, value FROM holding_registers'), [{ unit: 1, address: 5, value: 4242 }]);
      await other.close();
      await helper.load(modules(), flow);
      await listening('srv');
      assert.deepEqual(serverOf('srv').getRegisters(1, 'holding', 5, 1), [4242]);
    } finally {
      await helper.unload();
      helper.settings({});
    }
  });

  test('a SQLite file that is not a database: red status, the error names the file', needPeers(SQLITE_PEER()), async () => {
    const file = join(dir, 'garbage.db');
    writeFileSync(file, 'not a database at all '.repeat(100));
    await helper.load(modules(), [srv({ persistence: 'sqlite', persistFile: file }), sink]);
    const node = helper.getNode('srv');
    await waitFor('the start failure', () => errorsOf(node).length > 0, 30_000);
    assert.ok(
      errorsOf(node).some((e) => e.includes(file) && /not a SQLite database/.test(e)),
      errorsOf(node).join('\n'),
    );
    await waitFor('red status', () => lastStatus(node)?.fill === 'red', 30_000);
    assert.equal(lastStatus(node)?.text, 'modbus-server.status.error · modbus-server.status.problem.storeUnreadable');
    assert.equal(
      healthRegistry()
        .list()
        .find((e) => e.id === 'srv')?.state,
      'down',
    );
    assert.equal(serverOf('srv').status().serving, false);
  });

  test('a save that fails while serving (database locked) turns the status yellow until a save succeeds', needPeers(SQLITE_PEER()), async () => {
    const file = join(dir, 'locked.db');
    await helper.load(modules(), [srv({ persistence: 'sqlite', persistFile: file }), sink]);
    await listening('srv');
    const node = helper.getNode('srv');
    const other = await secondConnection(file);
    try {
      await other.run('BEGIN IMMEDIATE');
      node.receive({ payload: { area: 'holding', address: 1, values: [111] } });
      await waitFor('yellow status', () => lastStatus(node)?.fill === 'yellow', 30_000); // after the 2 s busy timeout
      assert.match(lastStatus(node)?.text ?? '', /^modbus-server\.status\.listening\(port=\d+, clients=\d+\) · modbus-server\.status\.notSaved$/);
      assert.ok(
        errorsOf(node).some((e) => e.includes(file) && /not saved: .*locked by another connection/.test(e)),
        errorsOf(node).join('\n'),
      );
      assert.equal(
        healthRegistry()
          .list()
          .find((e) => e.id === 'srv')?.state,
        'degraded',
      );
      await other.run('ROLLBACK');
      node.receive({ payload: { area: 'holding', address: 2, values: [222] } });
      await waitFor('green again', () => lastStatus(node)?.fill === 'green', 30_000);
      assert.deepEqual(
        await other.all('SELECT address, value FROM holding_registers ORDER BY address'),
        [
          { address: 1, value: 111 },
          { address: 2, value: 222 },
        ],
        'the failed write was kept and committed later',
      );
    } finally {
      await other.close();
    }
  });

  test('sqlite3 not installed: the status says which package, nothing crashes', async () => {
    // the palette install where the native sqlite3 did not build, simulated by refusing to load it

    const Module = require('node:module') as { _load: (request: string, ...rest: unknown[]) => unknown };
    const load = Module._load;
    Module._load = function (this: unknown, request: string, ...rest: unknown[]) {
      if (request === 'sqlite3') throw Object.assign(new Error("Cannot find module 'sqlite3'"), { code: 'MODULE_NOT_FOUND' });
      return load.call(this, request, ...rest);
    };
    try {
      await helper.load(modules(), [srv({ persistence: 'sqlite', persistFile: join(dir, 'never.db') }), sink]);
    } finally {
      Module._load = load;
    }
    const node = helper.getNode('srv');
    assert.deepEqual(lastStatus(node), { fill: 'red', shape: 'ring', text: 'modbus-server.status.missingPackage(package=sqlite3)' });
    assert.ok(
      errorsOf(node).some((e) => /persistence: package "sqlite3" is not installed.*npm install sqlite3/.test(e)),
      errorsOf(node).join('\n'),
    );
    assert.equal(existsSync(join(dir, 'never.db')), false);
    node.receive({ payload: { area: 'holding', address: 0, values: [1] } });
    await waitFor('input refused', () => errorsOf(node).some((e) => /is not running/.test(e)), 30_000);
  });

  test('20 redeploys with SQLite persistence leave no file handle, timer or socket behind', needPeers(SQLITE_PEER()), async () => {
    const file = join(dir, 'lifecycle.db');
    const fds = () => readdirSync('/proc/self/fd').length;
    await helper.load(modules(), [srv({ persistence: 'sqlite', persistFile: file }), sink]);
    await listening('srv');
    await helper.unload();
    const baseline = resourceCounts();
    const baseFds = fds();
    for (let i = 0; i < 20; i++) {
      await helper.load(modules(), [srv({ persistence: 'sqlite', persistFile: file }), sink]);
      await listening('srv');
      helper.getNode('srv').receive({ payload: { area: 'holding', address: 0, values: [i] } });
      await helper.unload();
    }
    assert.deepEqual(await settleTo(baseline), []);
    await waitFor(`open file descriptors back to ${baseFds}`, () => fds() <= baseFds, 30_000);
    await helper.load(modules(), [srv({ persistence: 'sqlite', persistFile: file }), sink]);
    await listening('srv');
    assert.deepEqual(serverOf('srv').getRegisters(1, 'holding', 0, 1), [19], 'every close committed its write');
  });

  test('input that cannot be applied fails the message (Catch sees it)', async () => {
    await helper.load(modules(), [srv(), sink]);
    await listening('srv');
    const node = helper.getNode('srv');
    node.receive({ payload: { area: 'holding', address: 99, values: [1, 2] } });
    node.receive({ payload: { area: 'input', address: 0, values: [70000] } });
    node.receive({ payload: { area: 'coil', address: 0, values: [1], unit: 9 } });
    node.receive({ payload: { temperature: 1 } });
    await waitFor('four errors', () => errorsOf(node).length >= 4, 30_000);
    const errors = errorsOf(node).join('\n');
    assert.match(errors, /holding 99\.\.100 is outside the image \(size 100\)/);
    assert.match(errors, /input 0: 70000 is not a register value/);
    assert.match(errors, /unit 9 is not served/);
    assert.match(errors, /no tag table/);
  });

  test('the example flow imports and serves its tags', async () => {
    const flow = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'examples', 'modbus-server.json'), 'utf8')) as Array<Record<string, unknown>>).filter((n) => n.type !== 'tab');
    for (const n of flow) {
      if (n.type === 'edgegw-modbus-server') n.port = 0; // an ephemeral port instead of 15020
      n.z = 'tab'; // the editor puts imported nodes on the current tab
    }
    const inject = require('@node-red/nodes/core/common/20-inject.js');
    const debug = require('@node-red/nodes/core/common/21-debug.js');
    const comment = require('@node-red/nodes/core/common/90-comment.js');
    await helper.load([inject, debug, comment, ...modules()], [{ id: 'tab', type: 'tab', label: 'example' }, ...flow]);
    await waitFor('the example server is listening', () => serverOf('mbs.server').status().serving, 30_000);
    await waitFor('the inject nodes set values', () => serverOf('mbs.server').getRegisters(1, 'input', 100, 3).join() === '1,2,3' && serverOf('mbs.server').getBits(1, 'coil', 0, 1)[0], 30_000);
    const [hi] = serverOf('mbs.server').getRegisters(1, 'holding', 0, 2);
    assert.ok(hi >= 0x41a0 && hi <= 0x41c8, `temperature 20..25 as float32: ${hi.toString(16)}`);
  });

  test('the SQLite example flow imports, keeps what a master wrote across a redeploy', needPeers(SQLITE_PEER()), async () => {
    const flow = (JSON.parse(readFileSync(join(__dirname, '..', '..', 'examples', 'modbus-server-sqlite.json'), 'utf8')) as Array<Record<string, unknown>>).filter((n) => n.type !== 'tab');
    const userDir = mkdtempSync(join(dir, 'example-'));
    for (const n of flow) {
      if (n.type === 'edgegw-modbus-server') n.port = 0;
      n.z = 'tab';
    }
    const debug = require('@node-red/nodes/core/common/21-debug.js');
    const comment = require('@node-red/nodes/core/common/90-comment.js');
    const nodes = [debug, comment, ...modules()];
    const tabFlow = [{ id: 'tab', type: 'tab', label: 'example' }, ...flow];
    helper.settings({ userDir });
    try {
      await helper.load(nodes, tabFlow);
      await waitFor('the example server is listening', () => serverOf('mbsq.server').status().serving, 30_000);
      const line = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port: portOf('mbsq.server') } });
      try {
        await line.write(1, 'holding', 4, [215, 30]);
      } finally {
        await line.close();
      }
      await helper.unload();
      assert.ok(existsSync(join(userDir, 'modbus-setpoints.db')));
      await helper.load(nodes, tabFlow);
      await waitFor('listening again', () => serverOf('mbsq.server').status().serving, 30_000);
      assert.deepEqual(serverOf('mbsq.server').getRegisters(1, 'holding', 4, 2), [215, 30]);
    } finally {
      await helper.unload();
      helper.settings({});
    }
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
    assert.equal(
      healthRegistry()
        .list()
        .filter((e) => e.id === 'srv').length,
      0,
    );
  });
  test('en-US and ru carry the same messages with the same placeholders, and help in both', () => {
    const en = localeKeys('modbus-server', 'en-US');
    const ru = localeKeys('modbus-server', 'ru');
    assert.deepEqual([...ru.keys()].sort(), [...en.keys()].sort());
    for (const [k, p] of en) assert.equal(ru.get(k), p, k);
    for (const lang of ['en-US', 'ru']) {
      const help = readFileSync(join(__dirname, '..', '..', 'nodes', 'modbus-server', 'locales', lang, 'modbus-server.html'), 'utf8');
      assert.match(help, /data-help-name="edgegw-modbus-server"/);
    }
    const editor = readFileSync(join(__dirname, '..', '..', 'nodes', 'modbus-server', 'modbus-server.html'), 'utf8');
    for (const key of editor.matchAll(/data-i18n="(?:\[placeholder\])?modbus-server\.([\w.-]+)"/g)) assert.ok(en.has(`modbus-server.${key[1]}`), `editor label ${key[1]}`);
  });
});
