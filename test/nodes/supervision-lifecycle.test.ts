// Redeploying the watchdog and circuit-breaker nodes 100 times leaves nothing behind: no timer,
// child process, descriptor, Node-RED hook, keepalive vote, health entry or metric series.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { helper, nodeModule } from '../helpers/nodered';
import { needPeers } from '../helpers/peers';
import { waitFor } from '../helpers/process';
import { hooksModule, nodeRedHooks } from '../helpers/node-red-hooks';
import { clearCollected, collectorModule, received } from '../helpers/can-nodes';
import { startNotifySocket, NOTIFY_PEERS } from '../helpers/notify-socket';
import { healthRegistry } from '../../lib/health/registry';
import { metricsRegistry } from '../../lib/metrics/registry';
import { keepaliveVotes, MAGIC_CLOSE } from '../../lib/watchdog';
import type { NodeAPI, Node, NodeDef, NodeMessage, SendFn, DoneFn } from '../../nodes/common/red';

function echoModule(RED: NodeAPI): void {
  RED.nodes.registerType('test-echo', function (this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    this.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      if (msg.payload === 'fail') done(new Error('echo: failed on purpose'));
      else {
        send(msg);
        done();
      }
    });
  });
}

const modules = () => [hooksModule, nodeModule('watchdog'), nodeModule('circuit-breaker'), collectorModule, echoModule];

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) if (!r.startsWith('FSReq')) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

async function series(): Promise<number> {
  const text = await metricsRegistry().metrics();
  return text.split('\n').filter((l) => /^edgegw_(breaker|watchdog)_/.test(l)).length;
}

describe('watchdog and circuit-breaker lifecycle', () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-suplife-'));
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    rmSync(dir, { recursive: true, force: true });
  });

  test('100 redeploys leave no timer, child, descriptor, hook, vote, health entry or metric', needPeers(NOTIFY_PEERS.python3(), NOTIFY_PEERS.systemdNotify()), async () => {
    const dev = join(dir, 'watchdog');
    writeFileSync(dev, '');
    const sock = await startNotifySocket();
    const saved = process.env.NOTIFY_SOCKET;
    process.env.NOTIFY_SOCKET = sock.path;
    const flow = [
      { id: 'tab', type: 'tab', label: 'life' },
      {
        id: 'wd',
        z: 'tab',
        type: 'edgegw-watchdog',
        keyBy: 'topic',
        keys: 'a',
        learn: true,
        timeout: 0.05,
        hardware: true,
        devicePath: dev,
        systemd: true,
        keepalive: 0.05,
        wires: [['cb'], ['alarms']],
      },
      { id: 'cb', z: 'tab', type: 'edgegw-circuit-breaker', failures: 1, openTimeout: 5, watch: 'echo', fallback: true, wires: [['echo'], ['refused'], ['states']] },
      { id: 'echo', z: 'tab', type: 'test-echo', wires: [['sink']] },
      { id: 'sink', z: 'tab', type: 'test-collect' },
      { id: 'alarms', z: 'tab', type: 'test-collect' },
      { id: 'refused', z: 'tab', type: 'test-collect' },
      { id: 'states', z: 'tab', type: 'test-collect' },
    ];
    let magicCloses = 0;
    const cycle = async (i: number) => {
      const notified = sock.messages.length;
      writeFileSync(dev, ''); // each deploy opens the device afresh and writes from its start
      await helper.load(modules(), flow);
      const wd = helper.getNode('wd');
      wd.receive({ topic: 'a', payload: 'ok' });
      wd.receive({ topic: 'a', payload: 'fail' });
      await waitFor(`deploy ${i}: breaker opened`, () => received('states').length >= 1 && received('sink').length >= 1);
      wd.receive({ topic: 'a', payload: 'ok' });
      await waitFor(`deploy ${i}: refused and alarms`, () => received('refused').length >= 1 && received('alarms').length >= 1);
      if (i % 10 === 0) await sock.waitFor((m) => m.length > notified);
      await helper.unload();
      if (readFileSync(dev, 'utf8').endsWith(MAGIC_CLOSE)) magicCloses++;
      clearCollected();
    };
    try {
      await cycle(0);
      await new Promise((r) => setTimeout(r, 100));
      const snapshot = async () => ({
        resources: resources(),
        fds: readdirSync('/proc/self/fd').length,
        health: healthRegistry().list().length,
        series: await series(),
        votes: keepaliveVotes().size(),
        hook: nodeRedHooks().has('onComplete.edgegwBreakercb'),
      });
      const before = await snapshot();
      for (let i = 1; i <= 100; i++) await cycle(i);
      let after = await snapshot();
      await waitFor(
        'back to the baseline',
        async () => {
          after = await snapshot();
          return Math.abs(after.fds - before.fds) <= 3 && isDeepStrictEqual({ ...after, fds: 0 }, { ...before, fds: 0 });
        },
        10_000,
      ).catch(() => undefined);
      assert.ok(Math.abs(after.fds - before.fds) <= 3, `open descriptors: ${before.fds} before, ${after.fds} after`);
      assert.deepEqual({ ...after, fds: 0 }, { ...before, fds: 0 });
      assert.deepEqual({ health: before.health, series: before.series, votes: before.votes, hook: before.hook }, { health: 0, series: 0, votes: 0, hook: false });
      assert.equal(magicCloses, 101, 'every undeploy ends with the magic close character');
    } finally {
      if (saved === undefined) delete process.env.NOTIFY_SOCKET;
      else process.env.NOTIFY_SOCKET = saved;
      await helper.unload();
      await sock.close();
    }
  });
});
