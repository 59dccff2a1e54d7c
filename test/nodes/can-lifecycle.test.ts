// Deploy-time checks of the CAN nodes (bad configuration, SocketCAN missing) and the redeploy
// test: 100 deploys of a flow with every CAN node leave no timer, socket, file descriptor,
// listener, health entry or metric behind.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventEmitter } from 'node:events';
import { isDeepStrictEqual } from 'node:util';
import { helper, nodeModule } from '../helpers/nodered';
import { needPeers, PEER } from '../helpers/peers';
import { ptyPair, type PtyPair } from '../helpers/socat';
import { waitFor } from '../helpers/process';
import { SlcanPeer } from '../helpers/slcan-peer';
import { MOTOHAWK, clearCollected, collectorModule, errorsOf, lastStatus, received } from '../helpers/can-nodes';
import { healthRegistry } from '../../lib/health/registry';
import { metricsRegistry } from '../../lib/metrics/registry';

const modules = () => [nodeModule('can-interface'), nodeModule('can-in'), nodeModule('can-out'), nodeModule('dbc-decode'), nodeModule('dbc-encode'), collectorModule];

// File system requests in flight (the emulated adapter's own reads) come and go; every other
// resource (timers, sockets, handles) must be back to exactly what it was.
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) if (!r.startsWith('FSReq')) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

async function canSeries(): Promise<string[]> {
  const text = await metricsRegistry().metrics();
  return text.split('\n').filter((l) => l.startsWith('edgegw_can_') && !l.startsWith('#'));
}

describe('CAN node lifecycle', () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-canlife-'));
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
    clearCollected();
  });

  test('bad configurations: each node says what is wrong and stays inert', async () => {
    await helper.load(modules(), [
      { id: 'badIface', type: 'edgegw-can-interface', kind: 'slcan', serialPath: '/dev/ttyX', bitrate: 333 },
      { id: 'in1', type: 'edgegw-can-in', interface: 'badIface', wires: [[]] },
      { id: 'in2', type: 'edgegw-can-in', interface: '', wires: [[]] },
      { id: 'in3', type: 'edgegw-can-in', interface: 'goodIface', filters: '100:7F0, 12G', wires: [[]] },
      { id: 'out1', type: 'edgegw-can-out', interface: 'nowhere' },
      { id: 'goodIface', type: 'edgegw-can-interface', kind: 'replay', file: join(dir, 'none.log') },
      { id: 'kindless', type: 'edgegw-can-interface', kind: 'usb' },
    ]);
    const iface = helper.getNode('badIface');
    assert.ok(
      errorsOf(iface).some((e) => /can-interface\.errors\.badConfig: bitrate: 333 is not one of 10000, .* bit\/s/.test(e)),
      errorsOf(iface).join('\n'),
    );
    assert.ok(errorsOf(helper.getNode('kindless')).some((e) => /kind: "usb" is not socketcan, slcan or replay/.test(e)));
    assert.deepEqual(lastStatus(helper.getNode('in1')), { fill: 'red', shape: 'ring', text: 'can-in.status.badInterface' });
    assert.ok(errorsOf(helper.getNode('in1')).some((e) => /bitrate: 333/.test(e)));
    assert.deepEqual(lastStatus(helper.getNode('in2')), { fill: 'red', shape: 'ring', text: 'can-in.status.noInterface' });
    assert.deepEqual(lastStatus(helper.getNode('in3')), { fill: 'red', shape: 'ring', text: 'can-in.status.badConfig' });
    assert.ok(errorsOf(helper.getNode('in3')).some((e) => /filters: CAN filter 2 \("12G"\): id "12G" is not a hexadecimal number/.test(e)));
    const out = helper.getNode('out1');
    assert.deepEqual(lastStatus(out), { fill: 'red', shape: 'ring', text: 'can-out.status.noInterface' });
    out.receive({ payload: { id: 1, data: [] } });
    await waitFor('can-out refuses', () => errorsOf(out).some((e) => e === 'can-out.errors.noInterface'));
  });

  test('SocketCAN where there is none: the clients say why', async () => {
    await helper.load(modules(), [
      { id: 'sc', type: 'edgegw-can-interface', kind: 'socketcan', iface: 'can0', filters: '100:7F0' },
      { id: 'in', type: 'edgegw-can-in', interface: 'sc', wires: [[]] },
      { id: 'out', type: 'edgegw-can-out', interface: 'sc' },
    ]);
    await waitFor('status', () => /problem\.(notFound|noSocketcan)/.test(lastStatus(helper.getNode('in'))?.text ?? ''));
    const text = lastStatus(helper.getNode('in'))!.text!;
    assert.ok(text === 'can-in.status.reconnecting · can-in.status.problem.notFound(iface=can0)' || text === 'can-in.status.failed · can-in.status.problem.noSocketcan', text);
    const health = healthRegistry()
      .list()
      .find((e) => e.id === 'sc');
    assert.equal(health?.state, 'down');
    assert.match(String(health?.detail?.detail), /^(interface can0 not found|socketcan package not installed)/);
    const out = helper.getNode('out');
    out.receive({ payload: { id: 1, data: [] } });
    await waitFor('send refused', () => errorsOf(out).some((e) => /socketcan can0: cannot send: the interface is (reconnecting|failed)/.test(e)));
  });

  test('a partial deploy of a client restarts the bus without losing it', async () => {
    const log = join(dir, 'partial.log');
    writeFileSync(log, '(1.000) can0 1F0#C001400000000000\n(1.020) can0 123#01\n');
    const flow = (filters: string) => [
      { id: 'tab', type: 'tab', label: 'partial' },
      { id: 'busP', type: 'edgegw-can-interface', kind: 'replay', file: log, pace: 'realtime', loop: true, speed: 1 },
      { id: 'in', z: 'tab', type: 'edgegw-can-in', interface: 'busP', filters, wires: [['sink']] },
      { id: 'sink', z: 'tab', type: 'test-collect' },
    ];
    await helper.load(modules(), flow(''));
    await waitFor('frames', () => received('sink').length >= 2);
    await helper.setFlows(flow('123'), 'nodes');
    const from = received('sink').length;
    await waitFor(
      'frames after the partial deploy',
      () =>
        received('sink')
          .slice(from)
          .filter((m) => m.topic === '0x123').length >= 2,
    );
    assert.ok(
      received('sink')
        .slice(from + 1)
        .every((m) => m.topic === '0x123'),
      'the new filter applies',
    );
    assert.match(lastStatus(helper.getNode('in'))?.text ?? '', /^can-in\.status\.(open|receivingRate\(rate=\d+\))$/);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(
      healthRegistry()
        .list()
        .find((e) => e.id === 'busP')?.state,
      'ok',
    );
  });

  test('100 redeploys leave no timers, sockets, descriptors, listeners, health entries or metrics', needPeers(PEER.socat()), async () => {
    const pty: PtyPair = await ptyPair();
    const peer = await SlcanPeer.open(pty.b);
    const log = join(dir, 'loop.log');
    writeFileSync(log, ['(1.000) can0 1F0#C001400000000000', '(1.010) can0 1F0#C001400000000000', '(1.020) can0 123#01'].join('\n') + '\n');
    const events = (helper as unknown as { _events: EventEmitter })._events;
    const flow = [
      { id: 'tab', type: 'tab', label: 'life' },
      // (a config node's id must not equal one of its own values, e.g. kind 'slcan': Node-RED
      // would take it for a reference to itself)
      { id: 'busS', type: 'edgegw-can-interface', kind: 'slcan', serialPath: pty.a, bitrate: 500000, timestamps: true, statusPollMs: 20 },
      { id: 'busR', type: 'edgegw-can-interface', kind: 'replay', file: log, pace: 'realtime', loop: true, speed: 1 },
      { id: 'busC', type: 'edgegw-can-interface', kind: 'socketcan', iface: 'can0' },
      { id: 'in1', z: 'tab', type: 'edgegw-can-in', interface: 'busS', batchMs: 50, wires: [['dec']] },
      { id: 'in2', z: 'tab', type: 'edgegw-can-in', interface: 'busR', wires: [['dec']] },
      { id: 'in3', z: 'tab', type: 'edgegw-can-in', interface: 'busC', wires: [['dec']] },
      { id: 'dec', z: 'tab', type: 'edgegw-dbc-decode', dbcFile: MOTOHAWK, output: 'signal', unknown: 'pass', outputs: 2, wires: [['sink'], ['sink']] },
      { id: 'enc', z: 'tab', type: 'edgegw-dbc-encode', dbcFile: MOTOHAWK, message: 'ExampleMessage', wires: [['out1', 'out2']] },
      { id: 'out1', z: 'tab', type: 'edgegw-can-out', interface: 'busS' },
      { id: 'out2', z: 'tab', type: 'edgegw-can-out', interface: 'busR' },
      { id: 'sink', z: 'tab', type: 'test-collect' },
    ];
    // Bounded waits as generous as a loaded machine needs (each deploy starts a serial port, a
    // pty peer and a replay): they count events, they do not time anything.
    const DEPLOY_DEADLINE_MS = 60_000;
    const cycle = async (i: number) => {
      await helper.load(modules(), flow);
      await waitFor(
        `deploy ${i}: interfaces up`,
        () =>
          peer.channelOpen &&
          /^can-in\.status\.(open|receivingRate\(rate=\d+\))$/.test(lastStatus(helper.getNode('in1'))?.text ?? '') &&
          /^can-in\.status\.(open|receivingRate\(rate=\d+\))$/.test(lastStatus(helper.getNode('in2'))?.text ?? '') &&
          /reconnecting|failed/.test(lastStatus(helper.getNode('in3'))?.text ?? ''),
        DEPLOY_DEADLINE_MS,
      );
      // counted from this deploy, not from the whole test: each deploy must carry its own frame
      const sentBefore = peer.sent.length;
      peer.inject({ id: 0x1f0, extended: false, data: Buffer.from('c001400000000000', 'hex') });
      helper.getNode('enc').receive({ payload: { Temperature: 250, AverageRadius: 1, Enable: 1 } });
      await waitFor(`deploy ${i}: traffic (frames decoded into the sink, one frame sent to the SLCAN peer)`, () => received('sink').length > 0 && peer.sent.length > sentBefore, DEPLOY_DEADLINE_MS);
      await helper.unload();
      clearCollected();
    };
    try {
      await cycle(0);
      await new Promise((r) => setTimeout(r, 100));
      const before = { resources: resources(), fds: openFds(), listeners: events.listenerCount('flows:started'), health: healthRegistry().list().length, series: (await canSeries()).length };
      for (let i = 1; i <= 100; i++) await cycle(i);
      const snapshot = async () => ({
        resources: resources(),
        fds: openFds(),
        listeners: events.listenerCount('flows:started'),
        health: healthRegistry().list().length,
        series: (await canSeries()).length,
      });
      // the last undeploy's handles close asynchronously, more slowly on a loaded machine: wait
      // (bounded) for the state to come back, then assert on it as it is
      let after = await snapshot();
      await waitFor(
        'resources back to the baseline',
        async () => {
          after = await snapshot();
          return Math.abs(after.fds - before.fds) <= 3 && isDeepStrictEqual({ ...after, fds: 0 }, { ...before, fds: 0 });
        },
        30_000,
      ).catch(() => undefined);
      // a leak of one descriptor per deploy would be 100; a couple may be in flight either time
      assert.ok(Math.abs(after.fds - before.fds) <= 3, `open descriptors: ${before.fds} before, ${after.fds} after`);
      assert.deepEqual({ ...after, fds: 0 }, { ...before, fds: 0 });
      // the close command crosses a pty (socat) to the peer: wait for it to arrive, bounded
      await waitFor('the last undeploy to close the SLCAN channel at the peer', () => !peer.channelOpen, 30_000);
      assert.equal(before.health, 0);
      assert.equal(before.series, 0);
    } finally {
      await peer.close();
      await pty.stop();
    }
  });
});
