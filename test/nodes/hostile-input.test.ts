// Hostile messages into our nodes, with a Catch node listening: input nested 100,000 levels deep
// (arrays and objects), a 50 MB payload, binary data and JSON text of each. Node-RED deep-clones
// every error's message for Catch nodes; before reportFailure that clone overflowed the stack and
// stopped the runtime. Each case must end with the Catch node holding an error that names the
// problem, and the node still working afterwards. The modbus-device runs against our own
// modbus-server node on 127.0.0.1 (a real Modbus TCP peer), so the working check is a real write.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { helper, nodeModule } from '../helpers/nodered';
import { freePort, waitFor } from '../helpers/process';
import type { ModbusServer } from '../../lib/modbus/server/server';

const catchModule = require(require.resolve('@node-red/nodes/core/common/25-catch.js'));
const completeModule = require(require.resolve('@node-red/nodes/core/common/24-complete.js'));
const TAGS = 'name,area,address,type,order,scale,offset,unit,access,group\nsetpoint,holding,10,int16,ABCD,0.1,0,degC,rw,\nflow_temp,holding,0,int16,ABCD,0.1,0,degC,r,\n';
const DEPTH = 100_000;

function nestedArrays(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}
function nestedObjects(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

describe('hostile input reaching Catch nodes', () => {
  let port: number;
  before(async () => {
    port = await freePort();
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
  });
  afterEach(async () => {
    await helper.unload();
  });

  const flow = () => [
    { id: 'tab1', type: 'tab', label: 'hostile' },
    {
      id: 'srv',
      type: 'edgegw-modbus-server',
      z: 'tab1',
      x: 100,
      y: 300,
      name: 'plc',
      transport: 'tcp',
      host: '127.0.0.1',
      port,
      units: '1',
      coilSize: 10,
      discreteSize: 10,
      holdingSize: 20,
      inputSize: 10,
      tags: TAGS,
      wires: [[]],
    },
    { id: 'conn', type: 'edgegw-modbus-connection', name: 'line', transport: 'tcp', host: '127.0.0.1', port, timeoutMs: 3000, reconnectMinMs: 50, reconnectMaxMs: 200 },
    {
      id: 'dev',
      type: 'edgegw-modbus-device',
      z: 'tab1',
      x: 200,
      y: 100,
      name: 'boiler',
      connection: 'conn',
      device: 'boiler',
      unit: 1,
      tags: TAGS,
      groups: [{ name: 'default', interval: 200 }],
      output: 'scan',
      parseJson: true,
      wires: [[]],
    },
    { id: 'catch', type: 'catch', z: 'tab1', x: 100, y: 200, name: 'errors', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab1', x: 300, y: 200 },
  ];

  async function load(): Promise<{ caught: any[] }> {
    await helper.load([nodeModule('modbus-server'), nodeModule('modbus-connection'), nodeModule('modbus-device'), catchModule], flow());
    const caught: any[] = [];
    helper.getNode('caught').on('input', (m: any) => caught.push(m));
    return { caught };
  }

  async function expectCaught(caught: any[], n: number, pattern: RegExp): Promise<any> {
    await waitFor(`catch message ${n}`, () => caught.length >= n, 20000);
    const m = caught[n - 1];
    assert.match(String(m.error?.message), pattern);
    return m;
  }

  test('modbus-device: deep, huge and binary commands are rejected, reported, and the node keeps writing', async () => {
    const { caught } = await load();
    const dev = helper.getNode('dev');
    const server = (helper.getNode('srv') as unknown as { server: ModbusServer }).server;
    const warns: string[] = [];
    dev.on('call:warn', (call: any) => warns.push(String(call.args[0])));

    // objects already parsed (a function node, an mqtt in set to parse JSON)
    dev.receive({ topic: 'devices/boiler/commands', payload: { nosuch: nestedArrays(DEPTH) } });
    let m = await expectCaught(caught, 1, /tag 'nosuch': unknown tag/);
    assert.match(m._truncated, /nested deeper than 32 levels/);
    dev.receive({ topic: 'devices/boiler/commands', payload: { nosuch: nestedObjects(DEPTH) } });
    m = await expectCaught(caught, 2, /tag 'nosuch': unknown tag/);
    assert.equal(m.payload, '[object with 1 keys]');
    dev.receive({ topic: 'devices/boiler/commands', payload: nestedObjects(DEPTH) });
    await expectCaught(caught, 3, /tag 'a': unknown tag/);
    // JSON text (mqtt in delivering a Buffer or a string): refused before JSON.parse
    // the 6 KB of arrays 3,000 deep, objects 5,000 deep, and 100,000 deep (over the size limit)
    dev.receive({ topic: 'devices/boiler/commands', payload: Buffer.from('{"nosuch":' + '['.repeat(3000) + ']'.repeat(3000) + '}') });
    await expectCaught(caught, 4, /command payload: nested deeper than 4 levels \(at character 13\)/);
    dev.receive({ topic: 'devices/boiler/commands', payload: '{"a":'.repeat(5000) + '1' + '}'.repeat(5000) });
    await expectCaught(caught, 5, /nested deeper than 4 levels/);
    dev.receive({ topic: 'devices/boiler/commands', payload: '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH) });
    await expectCaught(caught, 6, /command payload: 600001 bytes is more than the limit of 65536 bytes/);
    const big = Buffer.alloc(50 * 1024 * 1024, 0x20);
    dev.receive({ topic: 'devices/boiler/commands', payload: big });
    m = await expectCaught(caught, 7, /command payload: 52428800 bytes is more than the limit of 65536 bytes/);
    assert.equal(m.payload, '[Buffer of 52428800 bytes]');
    dev.receive({ topic: 'devices/boiler/commands', payload: Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x7b]) });
    await expectCaught(caught, 8, /command payload: not UTF-8 text/);
    dev.receive({ topic: 'devices/boiler/commands', payload: Buffer.from('{"setpoint": 2') });
    m = await expectCaught(caught, 9, /command payload: not valid JSON/);
    // a small message is passed on untouched
    assert.equal(m._truncated, undefined);
    assert.ok(Buffer.isBuffer(m.payload));

    // every rejection was logged as a warning
    await waitFor('9 warnings', () => warns.filter((w) => w.startsWith('command rejected:')).length >= 9, 5000);

    // and the node still writes
    await waitFor('server listening', () => server.status().serving, 10000);
    dev.receive({ topic: 'devices/boiler/commands', payload: Buffer.from('{"setpoint": 21.5}') });
    await waitFor('setpoint written', () => server.getRegisters(1, 'holding', 10, 1)[0] === 215, 20000);
  });

  test('modbus-device: a command over the copy limits is reported to Catch only, never also to Complete as a success', async () => {
    await helper.load(
      [nodeModule('modbus-server'), nodeModule('modbus-connection'), nodeModule('modbus-device'), catchModule, completeModule],
      [
        ...flow(),
        { id: 'complete', type: 'complete', z: 'tab1', x: 100, y: 400, name: 'written', scope: ['dev'], uncaught: false, wires: [['completed']] },
        { id: 'completed', type: 'helper', z: 'tab1', x: 300, y: 400 },
      ],
    );
    const caught: any[] = [];
    const completed: any[] = [];
    helper.getNode('caught').on('input', (m: any) => caught.push(m));
    helper.getNode('completed').on('input', (m: any) => completed.push(m));
    const server = (helper.getNode('srv') as unknown as { server: ModbusServer }).server;
    await waitFor('server listening', () => server.status().serving, 10000);
    const dev = helper.getNode('dev');
    // 1.5 MiB: over the command limit, and over what an error report may copy (1 MiB)
    dev.receive({ _msgid: 'big', topic: 'devices/boiler/commands', payload: Buffer.alloc(1536 * 1024, 0x20) });
    await expectCaught(caught, 1, /command payload: 1572864 bytes is more than the limit of 65536 bytes/);
    dev.receive({ _msgid: 'small-bad', topic: 'devices/boiler/commands', payload: Buffer.from('{"flow_temp": 1}') });
    await expectCaught(caught, 2, /read-only|not writable/);
    dev.receive({ _msgid: 'good', topic: 'devices/boiler/commands', payload: Buffer.from('{"setpoint": 19.5}') });
    await waitFor('the good command completed', () => completed.length >= 1, 20000);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      completed.map((m) => m._msgid),
      ['good'],
      'only the command that was written completes',
    );
    assert.deepEqual(
      caught.map((m) => m._msgid),
      ['big', 'small-bad'],
    );
  });

  test('modbus-server: a deep or huge flow message is rejected and reported as a summary', async () => {
    const { caught } = await load();
    const srv = helper.getNode('srv');
    srv.receive({ payload: { setpoint: nestedArrays(DEPTH) } });
    let m = await expectCaught(caught, 1, /setpoint/);
    assert.match(m._truncated, /nested deeper/);
    srv.receive({ payload: Buffer.alloc(50 * 1024 * 1024) });
    m = await expectCaught(caught, 2, /msg.payload must be/);
    assert.equal(m.payload, '[Buffer of 52428800 bytes]');
    srv.receive({ payload: { setpoint: 20.5 } });
    const server = (srv as unknown as { server: ModbusServer }).server;
    await waitFor('applied', () => server.getRegisters(1, 'holding', 10, 1)[0] === 205, 5000);
  });

  test('modbus-device: a burst of 2,000 commands ends at the last value, every command completes, polling stays good', async () => {
    await helper.load(
      [nodeModule('modbus-server'), nodeModule('modbus-connection'), nodeModule('modbus-device'), catchModule],
      flow()
        .map((n) => (n.id === 'dev' ? { ...n, wires: [['scans']] } : n))
        .concat([{ id: 'scans', type: 'helper', z: 'tab1', x: 400, y: 100 }]),
    );
    const server = (helper.getNode('srv') as unknown as { server: ModbusServer }).server;
    const scans: any[] = [];
    helper.getNode('scans').on('input', (m: any) => scans.push(m));
    await waitFor('a good scan', () => scans.some((m) => m.tags?.every((t: any) => t.quality === 'good')), 20000);
    const dev = helper.getNode('dev');
    const burstStart = scans.length;
    for (let i = 1; i <= 2000; i++) {
      // receive() gives no done callback: outcomes are counted through the writes metric
      dev.receive({ topic: 'devices/boiler/commands', payload: Buffer.from(JSON.stringify({ setpoint: i / 10 })) });
    }
    await waitFor('the last value on the device', () => server.getRegisters(1, 'holding', 10, 1)[0] === 2000, 30000);
    const { metricsRegistry } = await import('../../lib/metrics/registry');
    const counts = async () => {
      const m = await metricsRegistry().getSingleMetric('edgegw_modbus_device_writes_total')!.get();
      const by = new Map(m.values.filter((v) => v.labels.node === 'dev').map((v) => [String(v.labels.outcome), v.value]));
      return by;
    };
    await waitFor(
      'every command has an outcome',
      async () => {
        const by = await counts();
        return (by.get('ok') ?? 0) + (by.get('superseded') ?? 0) === 2000;
      },
      30000,
    );
    const by = await counts();
    assert.ok((by.get('superseded') ?? 0) > 1900, `most commands collapsed: ${JSON.stringify([...by])}`);
    assert.equal(by.get('failed') ?? 0, 0);
    await waitFor('scans after the burst', () => scans.length > burstStart + 3, 20000);
    const bad = scans.slice(burstStart).filter((m) => m.tags?.some((t: any) => t.quality !== 'good'));
    assert.equal(bad.length, 0, `scans with bad tags during the burst: ${JSON.stringify(bad[0]?.tags)}`);
  });
});
