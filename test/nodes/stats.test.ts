// stats node: scans in, window figures out as a scan, CSV report rows in real files, open windows
// kept across a redeploy (memory) and a stop/start (SQLite), bad configuration named.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { needPeers } from '../helpers/peers';
import { SQLITE_PEER } from '../helpers/sqlite-store';
import { clearCollected, collectorModule, errorsOf, lastStatus, received } from '../helpers/can-nodes';
import { healthRegistry } from '../../lib/health/registry';
import type { TagSample } from '../../lib/tags/contract';
import { MemoryWindowStore } from '../../lib/stats/window-store';

const modules = () => [nodeModule('stats'), collectorModule];

function scan(values: Record<string, number | string>, ts: number, quality: TagSample['quality'] = 'good') {
  const tags = Object.entries(values).map(([name, value]) => ({ device: 'meter', name, value, quality, ts }));
  return { topic: 'meter', payload: values, tags };
}

describe('stats node', () => {
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-statsnode-'));
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
    clearCollected();
    MemoryWindowStore.forget('st'); // each test starts without windows kept by the one before
  });

  const flow = (props: Record<string, unknown>) => [
    { id: 'st', type: 'edgegw-stats', windowKind: 'tumbling', windowBy: 'count', length: 3, persist: 'memory', wires: [['sink']], ...props },
    { id: 'sink', type: 'test-collect' },
  ];

  test('count windows: a scan of figures per window, and a CSV row per tag', async () => {
    const reportDir = join(dir, 'report1');
    await helper.load(modules(), flow({ report: true, reportDir, reportPer: 'day', reportPrefix: 'meter', retentionDays: 0, percentiles: true }));
    const st = helper.getNode('st');
    await waitFor('ready', () => /^stats\.status\.ready\(count=\d+\)/.test(lastStatus(st)?.text ?? ''));
    const t0 = Date.UTC(2026, 11, 1, 8);
    st.receive(scan({ power: 10, voltage: 230 }, t0));
    st.receive(scan({ power: 20, voltage: 231 }, t0 + 1000));
    st.receive(scan({ power: 0, voltage: 0 }, t0 + 2000, 'bad'));
    st.receive({ topic: 'meter/power', payload: 99 }); // plain message: starts the next window
    await waitFor('one window scan', () => received('sink').length === 1);
    const out = received('sink')[0] as unknown as { topic: string; payload: Record<string, number>; tags: TagSample[]; window: { start: number; end: number } };
    assert.equal(out.topic, 'meter');
    assert.deepEqual(out.window, { start: t0, end: t0 + 1000 });
    assert.deepEqual([out.payload['power.count'], out.payload['power.bad'], out.payload['power.mean'], out.payload['power.p50'], out.payload['voltage.max']], [2, 1, 15, 15, 231]);
    assert.equal(out.tags.find((t) => t.name === 'power.mean')?.quality, 'uncertain');
    const files = readdirSync(reportDir);
    assert.deepEqual(files, ['meter-' + new Date(t0).toISOString().slice(0, 10) + '.csv']);
    const lines = readFileSync(join(reportDir, files[0]), 'utf8').trim().split('\n');
    assert.equal(lines.length, 3, 'header + power + voltage');
    assert.match(lines[0], /^window_start,window_end,device,tag,count,bad,late,min,max,mean,/);
    assert.match(lines[1], /,meter,power,2,1,0,10,20,15,/);
    assert.equal(
      healthRegistry()
        .list()
        .find((e) => e.id === 'st')?.state,
      'ok',
    );
  });

  test('time windows close by the clock for a tag gone quiet', async () => {
    await helper.load(modules(), flow({ windowBy: 'time', length: 1, lengthUnit: 's', graceSec: 0, align: false }));
    const st = helper.getNode('st');
    await waitFor('ready', () => /^stats\.status\.ready\(count=\d+\)/.test(lastStatus(st)?.text ?? ''));
    st.receive(scan({ power: 5 }, Date.now()));
    await waitFor('the window closes with no further sample', () => received('sink').length === 1, 15_000);
    assert.equal((received('sink')[0].payload as Record<string, number>)['power.count'], 1);
  });

  test('an open window survives a redeploy (memory) and a stop and start (SQLite)', needPeers(SQLITE_PEER()), async () => {
    for (const props of [{ persist: 'memory' }, { persist: 'sqlite', dbFile: join(dir, 'state.db') }]) {
      await helper.load(modules(), flow(props));
      let st = helper.getNode('st');
      await waitFor('ready', () => /^stats\.status\.ready\(count=\d+\)/.test(lastStatus(st)?.text ?? ''));
      st.receive(scan({ power: 1 }, 1000));
      st.receive(scan({ power: 2 }, 2000));
      if (props.persist === 'memory') {
        // a full redeploy restarts the node with the same id
        await helper.setFlows(flow({ ...props, name: 'renamed' }), 'full');
      } else {
        await helper.unload();
        await helper.load(modules(), flow(props));
      }
      st = helper.getNode('st');
      await waitFor('ready again', () => /^stats\.status\.ready\(count=\d+\)/.test(lastStatus(st)?.text ?? ''));
      st.receive(scan({ power: 3 }, 3000));
      await waitFor(`${props.persist}: the window closes with all three samples`, () => received('sink').length === 1);
      assert.deepEqual([(received('sink')[0].payload as Record<string, number>)['power.count'], (received('sink')[0].payload as Record<string, number>)['power.sum']], [3, 6], props.persist);
      await helper.unload();
      clearCollected();
    }
  });

  test('bad configurations name the field; a message without samples is an error', async () => {
    await helper.load(modules(), flow({ windowBy: 'time', length: 7, lengthUnit: 'min', align: true, timeZone: 'UTC' }));
    const st = helper.getNode('st');
    assert.equal(lastStatus(st)?.text, 'stats.status.badConfig');
    assert.ok(
      errorsOf(st).some((e) => /^length: 420000 ms does not divide a day/.test(e)),
      errorsOf(st).join('\n'),
    );
    await helper.unload();
    await helper.load(modules(), flow({ windowBy: 'time', length: 1, lengthUnit: 'h', align: true, timeZone: 'Europe/Nowhere' }));
    assert.ok(errorsOf(helper.getNode('st')).some((e) => /^timeZone: "Europe\/Nowhere" is not an IANA time zone/.test(e)));
    await helper.unload();
    await helper.load(modules(), flow({}));
    const ok = helper.getNode('st');
    ok.receive({ payload: [1, 2] });
    await waitFor('error', () => errorsOf(ok).some((e) => /^no samples in the message/.test(e)));
  });
});
