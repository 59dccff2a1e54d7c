// stats and alarm lifecycle: 100 deploys of a flow with both nodes (SQLite stores, a CSV report,
// traffic each time) leave no timer, descriptor, listener, health entry or metric series behind.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventEmitter } from 'node:events';
import { isDeepStrictEqual } from 'node:util';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { needPeers } from '../helpers/peers';
import { SQLITE_PEER } from '../helpers/sqlite-store';
import { clearCollected, collectorModule, lastStatus, received } from '../helpers/can-nodes';
import { healthRegistry } from '../../lib/health/registry';
import { metricsRegistry } from '../../lib/metrics/registry';

const modules = () => [nodeModule('stats'), nodeModule('alarm'), collectorModule];

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) if (!r.startsWith('FSReq')) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

const openFds = () => readdirSync('/proc/self/fd').length;

async function ourSeries(): Promise<number> {
  const text = await metricsRegistry().metrics();
  return text.split('\n').filter((l) => /^edgegw_(stats|alarm)/.test(l)).length;
}

describe('stats and alarm lifecycle', () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-salife-'));
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    rmSync(dir, { recursive: true, force: true });
  });

  test('100 redeploys leave no timers, descriptors, listeners, health entries or metrics', needPeers(SQLITE_PEER()), async () => {
    const events = (helper as unknown as { _events: EventEmitter })._events;
    const db = join(dir, 'state.db');
    const flow = [
      { id: 'tab', type: 'tab', label: 'life' },
      {
        id: 'st',
        z: 'tab',
        type: 'edgegw-stats',
        windowKind: 'tumbling',
        windowBy: 'count',
        length: 2,
        persist: 'sqlite',
        dbFile: db,
        report: true,
        reportDir: join(dir, 'reports'),
        reportPer: 'hour',
        retentionDays: 1,
        wires: [['al', 'sink']],
      },
      {
        id: 'sl',
        z: 'tab',
        type: 'edgegw-stats',
        windowKind: 'sliding',
        windowBy: 'time',
        length: 10,
        lengthUnit: 's',
        hop: 1,
        hopUnit: 's',
        align: true,
        timeZone: 'UTC',
        persist: 'memory',
        wires: [['sink']],
      },
      { id: 'al', z: 'tab', type: 'edgegw-alarm', rulesSource: 'editor', rules: 'meter/power.mean,hi,5,,,,critical\nmeter/power,stale,60', persist: 'sqlite', dbFile: db, wires: [['sink'], ['sink']] },
      { id: 'sink', z: 'tab', type: 'test-collect' },
    ];
    const cycle = async (i: number) => {
      await helper.load(modules(), flow);
      const st = helper.getNode('st');
      const al = helper.getNode('al');
      await waitFor(`deploy ${i}: ready`, () => /^stats\.status\.ready\(count=\d+\)/.test(lastStatus(st)?.text ?? '') && /^alarm\.status\.listed/.test(lastStatus(al)?.text ?? ''));
      const now = Date.now();
      for (const [k, v] of [
        [0, 10],
        [1, 12],
      ]) {
        const tags = [{ device: 'meter', name: 'power', value: v, quality: 'good', ts: now + k }];
        st.receive({ topic: 'meter', payload: { power: v }, tags });
        helper.getNode('sl').receive({ topic: 'meter', payload: { power: v }, tags });
      }
      await waitFor(`deploy ${i}: window -> alarm`, () => received('sink').some((m) => (m.payload as { state?: string })?.state === 'active'));
      al.receive({ ack: 'all', ackedBy: 'test' });
      al.receive({ topic: 'meter/power.mean', payload: 0 }); // back to normal: the next deploy starts clean
      await waitFor(`deploy ${i}: cleared`, () => received('sink').some((m) => (m.payload as { state?: string })?.state === 'cleared'));
      await helper.unload();
      clearCollected();
    };
    await cycle(0);
    await new Promise((r) => setTimeout(r, 100));
    const snapshot = async () => ({ resources: resources(), listeners: events.listenerCount('flows:started'), health: healthRegistry().list().length, series: await ourSeries() });
    const before = { ...(await snapshot()), fds: openFds() };
    for (let i = 1; i <= 100; i++) await cycle(i);
    let after = { ...(await snapshot()), fds: openFds() };
    await waitFor(
      'resources back to the baseline',
      async () => {
        after = { ...(await snapshot()), fds: openFds() };
        return Math.abs(after.fds - before.fds) <= 3 && isDeepStrictEqual({ ...after, fds: 0 }, { ...before, fds: 0 });
      },
      5000,
    ).catch(() => undefined);
    assert.ok(Math.abs(after.fds - before.fds) <= 3, `open descriptors: ${before.fds} before, ${after.fds} after`);
    assert.deepEqual({ ...after, fds: 0 }, { ...before, fds: 0 });
    assert.equal(before.health, 0);
    assert.equal(before.series, 0);
  });
});
