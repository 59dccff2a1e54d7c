// modbus-device in Node-RED 4.1 against a pymodbus TCP server: outputs per the message contract,
// deploy-time validation, writes (validated, audited), two devices on one connection with one
// redeployed, 100 redeploys leaking nothing, status, health and metrics, and the admin routes.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { calls, helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { needPeers, PEER } from '../helpers/peers';
import { startTypedPeer, type TypedPeer } from '../helpers/modbus-typed-peer';
import { sharedAuditLog } from '../../lib/audit/audit-log';
import { healthRegistry } from '../../lib/health/registry';
import { metricsRegistry } from '../../lib/metrics/registry';
import { describeStatusText } from '../helpers/status';

const TAGS = `name,area,address,type,order,scale,offset,unit,access,group,deadband
temp,holding,0,int16,,0.1,,°C,rw,fast,
level,holding,1,uint16,,,,mm,rw,fast,
power,holding,2,float32,CDAB,,,W,r,slow,
run,coil,0,bool,,,,,rw,fast,
`;

const catchModule = require(require.resolve('@node-red/nodes/core/common/25-catch.js'));
const modules = () => [nodeModule('modbus-connection'), nodeModule('modbus-device'), catchModule];

interface Seen {
  msgs: any[];
}

function collect(id: string): Seen {
  const seen: Seen = { msgs: [] };
  helper.getNode(id).on('input', (msg: unknown) => seen.msgs.push(msg));
  return seen;
}

/** The arguments of every call a node made to one of its (spied) methods. */

describe('modbus-device node', needPeers(PEER.pymodbus()), () => {
  let peer: TypedPeer;
  // A generous request timeout: pymodbus on a loaded 2-core machine can take well over 300 ms to
  // answer, and these tests assert good quality. The silent-unit test sets its own short timeout.
  const conn = (extra: Record<string, unknown> = {}) => ({
    id: 'conn1',
    type: 'edgegw-modbus-connection',
    name: 'plant line',
    transport: 'tcp',
    host: '127.0.0.1',
    port: peer.port,
    timeoutMs: 3000,
    reconnectMinMs: 50,
    reconnectMaxMs: 200,
    unitBackoffMinMs: 20,
    unitBackoffMaxMs: 50,
    ...extra,
  });
  const device = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    type: 'edgegw-modbus-device',
    z: 'tab1',
    x: 200,
    y: 100,
    name: `device ${id}`,
    connection: 'conn1',
    device: `plc-${id}`,
    unit: 1,
    notation: 'zero',
    tags: TAGS,
    groups: [
      { name: 'fast', interval: 40 },
      { name: 'slow', interval: 80 },
    ],
    output: 'both',
    maxGap: 10,
    maxRegisters: 125,
    maxBits: 2000,
    wires: [[`out-${id}`]],
    ...extra,
  });
  // flow nodes carry x/y: Node-RED treats nodes without a position as config nodes
  const outs = (...ids: string[]) => ids.map((id) => ({ id: `out-${id}`, type: 'helper', z: 'tab1', x: 400, y: 100 }));
  const tab = { id: 'tab1', type: 'tab', label: 'modbus' };

  before(async () => {
    peer = await startTypedPeer({ transport: 'tcp', units: { 1: { holding: 100, coil: 10 }, 2: { holding: 100, coil: 10 } } });
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    await peer?.stop();
  });
  afterEach(async () => {
    await helper.unload();
  });

  test('polls and emits per-tag and scan messages that follow the contract', async () => {
    await peer.set(1, 'holding', 0, [215, 1200]);
    await peer.encode(1, 'holding', 2, 'float32', 'CDAB', 1500.25);
    await peer.set(1, 'coil', 0, [true]);
    await helper.load(modules(), [tab, conn(), device('a'), ...outs('a')]);
    const seen = collect('out-a');
    await waitFor('a scan of each group and the per-tag messages', () => seen.msgs.some((m) => m.group === 'slow') && seen.msgs.some((m) => m.topic === 'plc-a/power'));
    const scan = seen.msgs.find((m) => m.group === 'fast');
    assert.equal(scan.topic, 'plc-a');
    assert.deepEqual(scan.payload, { temp: 21.5, level: 1200, run: true });
    assert.equal(scan.tags.length, 3);
    assert.ok(scan.tags.every((t: any) => t.quality === 'good' && t.device === 'plc-a' && typeof t.ts === 'number'));
    const temp = seen.msgs.find((m) => m.topic === 'plc-a/temp');
    assert.equal(temp.payload, 21.5);
    assert.deepEqual({ ...temp.tag, ts: 0 }, { device: 'plc-a', name: 'temp', value: 21.5, quality: 'good', ts: 0, unit: '°C', source: 'modbus:1' });
    assert.equal(seen.msgs.find((m) => m.topic === 'plc-a/power').payload, 1500.25);
    // report by exception: an unchanged value is not sent again, a change is
    const before = seen.msgs.filter((m) => m.topic === 'plc-a/level').length;
    await peer.set(1, 'holding', 1, [1201]);
    await waitFor('level change reported', () => seen.msgs.some((m) => m.topic === 'plc-a/level' && m.payload === 1201));
    assert.equal(seen.msgs.filter((m) => m.topic === 'plc-a/level').length, before + 1);
    const node = helper.getNode('a');
    // the test helper has no message catalogs: RED._ gives the key (the locale test checks the texts)
    await waitFor('status polling', () => calls(node, 'status').some(([s]: any) => /^modbus-device\.status\.polling\(count=[1-9]\d*\)$/.test(describeStatusText(s.text)) && s.fill === 'green'));
    // health and metrics while it runs
    const h = healthRegistry()
      .list()
      .find((e) => e.id === 'a');
    assert.equal(h?.state, 'ok');
    assert.equal(h?.detail?.tags, 4);
    const metrics = await metricsRegistry().metrics();
    assert.match(metrics, /edgegw_modbus_device_tags\{device="plc-a",node="a",quality="good"\} 4/);
    assert.match(metrics, /edgegw_modbus_device_cycles_total\{device="plc-a",node="a",group="fast"\} \d+/);
    await helper.unload();
    assert.equal(
      healthRegistry()
        .list()
        .find((e) => e.id === 'a'),
      undefined,
      'health entry removed on close',
    );
    assert.doesNotMatch(await metricsRegistry().metrics(), /node="a"/, 'metric labels removed on close');
  });

  test('a bad tag table is refused at deploy, naming line, tag and field; the node stays inert', async () => {
    const bad = 'name,area,address,type\nok,holding,0,uint16\nbroken,holding,1,flot32\n';
    await helper.load(modules(), [
      tab,
      conn(),
      device('bad', { tags: bad }),
      ...outs('bad'),
      { id: 'catch1', type: 'catch', z: 'tab1', x: 100, y: 200, scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab1', x: 300, y: 200 },
    ]);
    const node = helper.getNode('bad');
    const errors = calls(node, 'error').map(([m]) => String(m));
    assert.ok(
      errors.some((m) => m.includes("tags: line 3, tag 'broken', field 'type': 'flot32' is not a type")),
      errors.join('\n'),
    );
    assert.ok(calls(node, 'status').some(([s]: any) => s.fill === 'red' && describeStatusText(s.text) === 'modbus-device.status.badConfig'));
    const caught = collect('caught');
    node.receive({ topic: 'ok', payload: 1 });
    await waitFor('the input fails', () => caught.msgs.length > 0);
    assert.match(caught.msgs[0].error.message, /modbus-device not running: tags: line 3, tag 'broken', field 'type'/);
  });

  test('writes: validated first and named on error (nothing written), then written and audited', async () => {
    await peer.set(2, 'holding', 0, [100, 200]);
    await helper.load(modules(), [
      tab,
      conn(),
      device('w', { unit: 2, output: 'rbe' }),
      ...outs('w'),
      { id: 'catch1', type: 'catch', z: 'tab1', x: 100, y: 200, scope: ['w'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper', z: 'tab1', x: 300, y: 200 },
    ]);
    const caught = collect('caught');
    const node = helper.getNode('w');
    await waitFor('first values', () => calls(node, 'status').some(([s]: any) => /^modbus-device\.status\.polling\(count=[1-9]\d*\)$/.test(describeStatusText(s.text))));

    node.receive({ payload: { temp: 'hot', level: 70000, power: 1, nope: 2 } });
    await waitFor('validation error caught', () => caught.msgs.length === 1);
    const msg = caught.msgs[0].error.message as string;
    assert.match(msg, /nothing written, 4 problems: /);
    assert.match(msg, /tag 'temp': "hot" is not a decimal number/);
    assert.match(msg, /tag 'level': value 70000 out of range for uint16/);
    assert.match(msg, /tag 'power': read-only/);
    assert.match(msg, /tag 'nope': unknown tag on device 'plc-w'/);
    assert.deepEqual(await peer.get(2, 'holding', 0, 2), [100, 200]);

    const auditBefore = sharedAuditLog().recent().length;
    node.receive({ payload: { temp: -5.5, level: 42 } });
    node.receive({ topic: 'run', payload: true });
    node.receive({ topic: 'plc-w/level', payload: 43 });
    await waitFor('written', async () => {
      const regs = await peer.get(2, 'holding', 0, 2);
      const coil = await peer.get(2, 'coil', 0, 1);
      return regs[0] === 0xffc9 && regs[1] === 43 && coil[0] === true;
    });
    const records = sharedAuditLog().recent().slice(auditBefore);
    assert.deepEqual(
      records.map((r) => [r.tag, r.new, r.ok]),
      [
        ['temp', -5.5, true],
        ['level', 42, true],
        ['run', true, true],
        ['level', 43, true],
      ],
    );
    assert.equal(records[0].old, 10);
    assert.equal(records[0].device, 'plc-w');
    assert.match(records[0].actor, /^flow:tab1\/node:w/);
    assert.ok(calls(node, 'log').some(([m]) => String(m).startsWith('write plc-w/temp: 10 -> -5.5 by flow:tab1/node:w')));
    assert.equal(caught.msgs.length, 1, 'the valid writes raised no error');
  });

  test('two devices on one connection: redeploying one does not disturb the other', async () => {
    await peer.set(1, 'holding', 0, [1, 2]);
    const flow = (bUnit: number) => [tab, conn(), device('a', { output: 'scan' }), device('b', { unit: bUnit, output: 'scan' }), ...outs('a', 'b')];
    await helper.load(modules(), flow(1));
    const a = helper.getNode('a');
    const b = helper.getNode('b');
    const connNode = helper.getNode('conn1');
    const line = connNode.line;
    const seenA = collect('out-a');
    await waitFor('a polling', () => seenA.msgs.length >= 3);
    const listeners = line.listenerCount('state');

    await helper.setFlows(flow(2), 'nodes');
    assert.equal(helper.getNode('a'), a, 'device a was not restarted');
    assert.notEqual(helper.getNode('b'), b, 'device b was restarted');
    assert.equal(helper.getNode('conn1'), connNode, 'the connection was not restarted');
    assert.equal(helper.getNode('conn1').line, line, 'the line is the same');
    assert.equal(line.listenerCount('state'), listeners, 'b deregistered its listener before registering again');
    const n = seenA.msgs.length;
    await waitFor('a keeps polling, all good', () => seenA.msgs.length >= n + 3);
    assert.ok(seenA.msgs.slice(n).every((m) => m.tags.every((t: any) => t.quality === 'good')));
    const seenB = collect('out-b');
    await waitFor('b polls unit 2', () => seenB.msgs.length > 0);
  });

  test('status follows the line: a silent unit ends with the breaker open', async () => {
    await helper.load(modules(), [tab, conn({ timeoutMs: 300, breakerThreshold: 2, breakerResetMs: 60000 }), device('s', { unit: 9 }), ...outs('s')]);
    const node = helper.getNode('s');
    // the first part: the state (an error's problem code stands beside it)
    const texts = () => calls(node, 'status').map(([s]: any) => describeStatusText(s.text).split(' · ')[0].replace(/\(.*$/, ''));
    await waitFor('error status', () => texts().includes('modbus-device.status.error'), 10000);
    assert.ok(
      calls(node, 'status').some(([s]: any) => /^modbus-device\.status\.error · modbus-device\.status\.problem\.(timeout|suspended)$/.test(describeStatusText(s.text))),
      'the problem as a code',
    );
    await waitFor('breaker open status', () => texts().includes('modbus-device.status.breakerOpen'), 10000);
    assert.equal(
      healthRegistry()
        .list()
        .find((e) => e.id === 's')?.state,
      'down',
    );
  });

  test('100 redeploys of a device leave no timer, socket or listener behind', async () => {
    const resources = () => {
      const counts: Record<string, number> = {};
      for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
      return counts;
    };
    await new Promise((r) => setTimeout(r, 100));
    const baseline = resources();
    const flow = (i: number) => [
      tab,
      conn(),
      device('a', {
        groups: [
          { name: 'fast', interval: 5 + (i % 3) },
          { name: 'slow', interval: 20 },
        ],
      }),
      device('b', { unit: 2 }),
      ...outs('a', 'b'),
    ];
    await helper.load(modules(), flow(0));
    const line = helper.getNode('conn1').line;
    const listeners = line.listenerCount('state');
    const firstA = helper.getNode('a');
    const firstB = helper.getNode('b');
    for (let i = 1; i <= 100; i++) await helper.setFlows(flow(i), 'nodes');
    assert.notEqual(helper.getNode('a'), firstA, 'device a was redeployed');
    assert.equal(helper.getNode('b'), firstB, 'device b was left alone');
    assert.equal(helper.getNode('conn1').line, line);
    assert.equal(line.listenerCount('state'), listeners, 'state listeners do not pile up');
    const seen = collect('out-a');
    await waitFor('the last deploy polls', () => seen.msgs.length > 0);
    await helper.unload();
    await waitFor(
      'resources back to the baseline',
      () => {
        const now = resources();
        return ['Timeout', 'TCPSocketWrap', 'TCPWRAP', 'TTYWrap'].every((k) => (now[k] ?? 0) <= (baseline[k] ?? 0));
      },
      5000,
    ).catch(() => assert.deepEqual(resources(), baseline));
    assert.equal(
      healthRegistry()
        .list()
        .filter((e) => e.type === 'modbus-device').length,
      0,
    );
  });

  test('status texts exist in both locales, with their placeholders', () => {
    const en = require('../../nodes/modbus-device/locales/en-US/modbus-device.json')['modbus-device'];
    const ru = require('../../nodes/modbus-device/locales/ru/modbus-device.json')['modbus-device'];
    const keys = (o: any, p = ''): string[] => Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v, `${p}${k}.`) : [`${p}${k}`]));
    assert.deepEqual(keys(ru).sort(), keys(en).sort());
    for (const k of ['polling', 'someBad', 'reconnecting', 'connecting', 'breakerOpen', 'error', 'badConfig', 'noConnection']) assert.ok(en.status[k] && ru.status[k], k);
    assert.match(en.status.polling, /__count__/);
    assert.match(ru.status.reconnecting, /__seconds__/);
  });

  test('admin routes: templates and the tag table check', async () => {
    await helper.load(modules(), [tab, conn(), device('a'), ...outs('a')]);
    const list = await helper.request().get('/edgegw/modbus/templates').expect(200);
    assert.ok(list.body.some((t: any) => t.name === 'eastron-sdm630' && t.tags > 50));
    const one = await helper.request().get('/edgegw/modbus/templates/eastron-sdm630?notation=modicon').expect(200);
    assert.match(one.body.csv, /^name,area,address,type,order,scale,offset,unit,access,group,description\nl1_voltage,input,30001,float32,ABCD,1,0,V,r,fast,/);
    assert.deepEqual(
      one.body.groups.map((g: any) => g.name),
      ['fast', 'energy', 'config'],
    );
    await helper.request().get('/edgegw/modbus/templates/nope').expect(404);
    const check = await helper.request().post('/edgegw/modbus/tag-table').send({ text: 'name,area,address,type\na,holding,0,uint16\nb,holding,1,bit:77\n', notation: 'zero' }).expect(200);
    assert.equal(check.body.errors.length, 1);
    assert.equal(check.body.errors[0].line, 3);
    assert.equal(check.body.errors[0].tag, 'b');
    assert.equal(check.body.errors[0].field, 'type');
    const conv = await helper
      .request()
      .post('/edgegw/modbus/tag-table')
      .send({ text: '[{"name":"x","address":"40010","type":"float32"}]', notation: 'modicon', to: 'csv', toNotation: 'zero' })
      .expect(200);
    assert.equal(conv.body.csv, 'name,area,address,type,order,scale,offset,unit,access,group\nx,holding,9,float32,ABCD,1,0,,r,\n');
    assert.equal(conv.body.requestsPerScan, 1);
  });

  test('admin routes answer their English texts with codes and arguments the editor translates', async () => {
    await helper.load(modules(), [tab, conn(), device('a'), ...outs('a')]);
    const missing = await helper.request().get('/edgegw/modbus/templates/nope').expect(404);
    assert.equal(missing.body.code, 'templateNotFound');
    assert.equal(missing.body.args.name, 'nope');
    assert.match(missing.body.error, /^no device template named 'nope' \(known: .*eastron-sdm630/);
    const noText = await helper.request().post('/edgegw/modbus/tag-table').send({}).expect(400);
    assert.deepEqual(noText.body, { error: 'text (the tag table, CSV or JSON) is required', code: 'textRequired', args: {} });
    const check = await helper.request().post('/edgegw/modbus/tag-table').send({ text: 'name,area,address,type\na,holdng,0,uint16\n', notation: 'zero' }).expect(200);
    assert.deepEqual(check.body.errors, [
      {
        line: 2,
        tag: 'a',
        field: 'area',
        message: "line 2, tag 'a', field 'area': 'holdng' is not an area (coil, discrete, holding or input)",
        reason: "'holdng' is not an area (coil, discrete, holding or input)",
        code: 'unknownArea',
        args: { value: 'holdng' },
      },
    ]);
  });
});

describe('modbus-device example flow', () => {
  after(async () => {
    await helper.unload();
  });

  test('examples/modbus-device.json polls the simulated meter of its own tab (beside the modbus-server example) and reports the invalid write', async () => {
    const { freePort } = await import('../helpers/process');
    const port = await freePort();
    const core = (f: string) => require(require.resolve(`@node-red/nodes/core/common/${f}`));
    // the examples' fixed port 15020 becomes a free one; flow nodes go on one tab, config nodes stay global
    const withPort = (file: string): Array<Record<string, unknown>> =>
      (require(`../../examples/${file}`) as Array<Record<string, unknown>>)
        .filter((n) => n.type !== 'tab')
        .map((n) => ({
          ...n,
          ...(n.port === 15020 ? { port } : {}),
          ...(n.type === 'edgegw-modbus-connection' ? {} : { z: 'ex' }),
        }));
    const flow: Array<Record<string, unknown>> = [{ id: 'ex', type: 'tab', label: 'examples' }, ...withPort('modbus-server.json'), ...withPort('modbus-device.json')];
    await helper.startServer();
    try {
      await helper.load(
        [nodeModule('modbus-server'), nodeModule('modbus-connection'), nodeModule('modbus-device'), core('20-inject.js'), core('21-debug.js'), core('25-catch.js'), core('90-comment.js')],
        flow,
      );
      const scans: any[] = [];
      const errors: any[] = [];
      helper.getNode('mbd.debug').on('input', (m: any) => m.tags && scans.push(m));
      helper.getNode('mbd.errors').on('input', (m: any) => errors.push(m));
      await waitFor('a fast scan from the simulated meter', () => scans.find((m) => m.group === 'fast' && m.tags.every((t: any) => t.quality === 'good') && m.payload.running === true), 15000);
      helper.getNode('mbd.write3').receive({});
      await waitFor('the invalid write caught', () => errors.length > 0);
      assert.match(errors[0].error.message, /tag 'setpoint': value 5000 out of range for int16 \(-32768\.\.32767\) after inverse scaling \(raw 50000\)/);
      helper.getNode('mbd.write1').receive({});
      await waitFor('setpoint written and read back', () => scans.find((m) => m.group === 'slow' && m.payload.setpoint === 21.5), 15000);
    } finally {
      await helper.unload();
      await helper.stopServer();
    }
  });
});
