// SLCAN end to end: an emulated SLCAN adapter on a socat pty -> can-interface (slcan) -> can-in
// -> dbc-decode -> sink, and dbc-encode -> can-out -> the adapter, with motohawk.dbc.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { helper, nodeModule } from '../helpers/nodered';
import { needPeers, PEER } from '../helpers/peers';
import { ptyPair, type PtyPair } from '../helpers/socat';
import { waitFor } from '../helpers/process';
import { SlcanPeer } from '../helpers/slcan-peer';
import { MOTOHAWK, assertSignals, clearCollected, collectorModule, errorsOf, expectedFrames, lastStatus, received } from '../helpers/can-nodes';
import { parseDbc } from '../../lib/can/dbc';
import { DbcCodec } from '../../lib/can/codec';
import { healthRegistry } from '../../lib/health/registry';
import { metricsRegistry } from '../../lib/metrics/registry';

const modules = () => [nodeModule('can-interface'), nodeModule('can-in'), nodeModule('can-out'), nodeModule('dbc-decode'), nodeModule('dbc-encode'), collectorModule];
const codec = new DbcCodec(parseDbc(readFileSync(MOTOHAWK)).db);

describe('CAN nodes over SLCAN', { skip: needPeers(PEER.socat()).skip }, () => {
  let pty: PtyPair;
  let peer: SlcanPeer;

  before(async () => {
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
  });
  afterEach(async () => {
    await helper.unload();
    await peer?.close();
    await pty?.stop();
    clearCollected();
  });

  async function rig(extra: { filters?: string; batchMs?: number; labels?: boolean; output?: string } = {}) {
    pty = await ptyPair();
    peer = await SlcanPeer.open(pty.b);
    await helper.load(modules(), [
      { id: 'tab', type: 'tab', label: 'can' },
      { id: 'bus', type: 'edgegw-can-interface', name: 'bench bus', kind: 'slcan', serialPath: pty.a, baudRate: 115200, bitrate: 250000, timestamps: true },
      { id: 'in', z: 'tab', type: 'edgegw-can-in', interface: 'bus', filters: extra.filters ?? '', batchMs: extra.batchMs ?? 0, wires: [['dec', 'raw']] },
      {
        id: 'dec',
        z: 'tab',
        type: 'edgegw-dbc-decode',
        dbcSource: 'file',
        dbcFile: MOTOHAWK,
        output: extra.output ?? 'message',
        labels: extra.labels ?? true,
        device: '',
        unknown: 'drop',
        wires: [['sink']],
      },
      { id: 'raw', z: 'tab', type: 'test-collect' },
      { id: 'sink', z: 'tab', type: 'test-collect' },
      { id: 'enc', z: 'tab', type: 'edgegw-dbc-encode', dbcSource: 'file', dbcFile: MOTOHAWK, message: 'ExampleMessage', wires: [['out']] },
      { id: 'out', z: 'tab', type: 'edgegw-can-out', interface: 'bus' },
    ]);
    await waitFor('SLCAN channel open', () => peer.channelOpen && lastStatus(helper.getNode('in'))?.fill === 'green');
  }

  test('frames from the adapter are decoded with the reference values', async () => {
    await rig();
    assert.equal(peer.bitrate, 'S5', 'the configured 250 kbit/s');
    assert.equal(peer.timestamps, true);
    const reference = expectedFrames('motohawk.dbc');
    for (const f of reference) peer.inject({ id: f.id, extended: f.extended, data: Buffer.from(f.data, 'hex') });
    // frames made by the codec from chosen values, and one id the DBC does not know
    const chosen = [
      { Temperature: 250.5, AverageRadius: 1.5, Enable: 1 },
      { Temperature: 229.53, AverageRadius: 0, Enable: 0 },
    ];
    for (const values of chosen) {
      const f = codec.encode('ExampleMessage', values);
      peer.inject({ id: f.id, extended: f.extended, data: f.data });
    }
    peer.inject({ id: 0x123, extended: false, data: Buffer.from([1, 2, 3]) });

    const sink = received('sink');
    await waitFor('decoded messages', () => sink.length === reference.length + chosen.length);
    await waitFor('raw frames', () => received('raw').length === reference.length + chosen.length + 1);
    reference.forEach((f, i) => assertSignals(sink[i].payload as Record<string, unknown>, f.signals, `reference frame ${i}`));
    chosen.forEach((values, i) => assertSignals(sink[reference.length + i].payload as Record<string, unknown>, values, `chosen frame ${i}`));

    const m = sink[reference.length];
    assert.equal(m.topic, 'ExampleMessage');
    assert.deepEqual(m.units, { Temperature: 'degK', AverageRadius: 'm', Enable: '-' });
    assert.deepEqual(m.labels, { Enable: 'Enabled' });
    assert.deepEqual(m.can, { id: 496, extended: false, message: 'ExampleMessage' });
    const tags = m.tags as Array<Record<string, unknown>>;
    assert.equal(tags.length, 3);
    const temp = tags.find((t) => t.name === 'Temperature')!;
    assert.equal(temp.device, 'ExampleMessage');
    assert.equal(temp.quality, 'good');
    assert.equal(temp.unit, 'degK');
    assert.equal(temp.source, 'can');
    assert.ok(Math.abs((temp.ts as number) - Date.now()) < 60000, 'tag ts is the frame time in epoch ms');

    const raw = received('raw');
    const unknown = raw[raw.length - 1];
    assert.equal(unknown.topic, '0x123');
    const p = unknown.payload as Record<string, unknown>;
    assert.deepEqual({ ...p, ts: typeof p.ts, data: (p.data as Buffer).toString('hex') }, { id: 0x123, extended: false, fd: false, rtr: false, data: '010203', ts: 'number', iface: pty.a });

    // the interface shows in /health and /metrics
    const h = healthRegistry()
      .list()
      .find((e) => e.id === 'bus')!;
    assert.equal(h.type, 'can-interface');
    assert.equal(h.state, 'ok');
    assert.equal(h.name, 'bench bus');
    await waitFor('metrics updated', async () => /edgegw_can_frames_received_total\{interface="bus",name="bench bus",kind="slcan"\} 9/.test(await metricsRegistry().metrics()), 30_000);
  });

  test('can-in filters by id/mask and batches', async () => {
    await rig({ filters: '1F0:7FF', batchMs: 30 });
    for (let i = 0; i < 20; i++) {
      const f = codec.encode('ExampleMessage', { Temperature: 240 + i, AverageRadius: 0.1 * (i % 6), Enable: i % 2 });
      peer.inject({ id: f.id, extended: false, data: f.data });
      peer.inject({ id: 0x1f1, extended: false, data: f.data }); // filtered out
    }
    await waitFor('all 20 frames batched', () => received('raw').reduce((n, m) => n + (m.payload as unknown[]).length, 0) === 20);
    const batches = received('raw');
    assert.ok(batches.every((b) => Array.isArray(b.payload) && b.topic === 'bench bus'));
    assert.ok(batches.flatMap((b) => b.payload as Array<{ id: number }>).every((f) => f.id === 0x1f0));
    // dbc-decode takes the batches as they are: one message per CAN message
    await waitFor('20 decoded', () => received('sink').length === 20);
    received('sink').forEach((m, i) => assert.ok(Math.abs((m.payload as { Temperature: number }).Temperature - (240 + i)) < 1e-9));
  });

  test('dbc-encode -> can-out sends through the adapter; bad frames fail the message', async () => {
    await rig();
    const enc = helper.getNode('enc');
    enc.receive({ payload: { Temperature: 255.5, AverageRadius: 1.2, Enable: 'Enabled' } });
    await waitFor('frame sent', () => peer.sent.length === 1);
    const sent = peer.sent[0];
    assert.equal(sent.id, 496);
    const back = codec.decode(sent.id, sent.extended, sent.data)!;
    assertSignals(back.signals, { Temperature: 255.5, AverageRadius: 1.2, Enable: 1 }, 'sent frame');

    const out = helper.getNode('out');
    out.receive({
      payload: [
        { id: '0x7DF', data: '0201050000000000' },
        { id: 0x18daf110, data: [0xaa, 0xbb] },
      ],
    });
    await waitFor('two more frames', () => peer.sent.length === 3);
    assert.deepEqual(
      peer.sent.slice(1).map((f) => [f.id, f.extended, f.data.toString('hex')]),
      [
        [0x7df, false, '0201050000000000'],
        [0x18daf110, true, 'aabb'],
      ],
    );

    out.receive({
      payload: [
        { id: 1, data: [1] },
        { id: 0x800, extended: false, data: [] },
      ],
    });
    await waitFor('error reported', () => errorsOf(out).some((e) => /invalid CAN frame in msg\.payload\[1\]\.id: id 0x800 does not fit a standard 11-bit id/.test(e)));
    assert.equal(peer.sent.length, 3, 'nothing of an invalid batch is sent');

    peer.refuse.add('t');
    out.receive({ payload: { id: 0x10, data: [] } });
    await waitFor('adapter refusal reported', () => errorsOf(out).some((e) => /refused "t0100" \(BEL\)/.test(e)));
  });

  test('per-signal output follows the tag message contract', async () => {
    await rig({ output: 'signal', labels: true });
    const f = codec.encode('ExampleMessage', { Temperature: 260, AverageRadius: 2, Enable: 0 });
    peer.inject({ id: f.id, extended: false, data: f.data });
    await waitFor('3 tag messages', () => received('sink').length === 3);
    const byTopic = Object.fromEntries(received('sink').map((m) => [m.topic, m]));
    assert.deepEqual(Object.keys(byTopic).sort(), ['ExampleMessage/AverageRadius', 'ExampleMessage/Enable', 'ExampleMessage/Temperature']);
    const t = byTopic['ExampleMessage/Temperature'];
    assert.ok(Math.abs((t.payload as number) - 260) < 1e-9);
    assert.equal((t.tag as { unit: string }).unit, 'degK');
    assert.equal((t.tag as { quality: string }).quality, 'good');
    assert.equal(byTopic['ExampleMessage/Enable'].label, 'Disabled');
  });

  test('the adapter disappearing shows in the status, and recovery too', async () => {
    await rig();
    const inNode = helper.getNode('in');
    await peer.close();
    await pty.stop();
    await waitFor('reconnecting status', () => /^can-in\.status\.reconnecting · can-in\.status\.problem\.(disconnected|serialClosed|serialOpen)$/.test(lastStatus(inNode)?.text ?? ''));
    assert.equal(lastStatus(inNode)?.fill, 'yellow');
    const h = healthRegistry()
      .list()
      .find((e) => e.id === 'bus')!;
    assert.equal(h.state, 'down');
    assert.match(String(h.detail?.detail), /serial port|cannot open/);
    // Leave the pty stopped: afterEach unloads the flow while the interface is reconnecting.
    pty = { a: '', b: '', stop: async () => undefined };
    peer = { close: async () => undefined } as unknown as SlcanPeer;
  });
});
