// historian node: scans and tag messages stored, msg.query answered on output 1 (rows and CSV),
// msg.playback sent on output 2 and stopped by "stop" and by close, bad queries and bad
// configuration named, the file closed on every redeploy.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { needPeers } from '../helpers/peers';
import { SQLITE_PEER } from '../helpers/sqlite-store';
import { clearCollected, collectorModule, errorsOf, lastStatus, received } from '../helpers/can-nodes';
import { healthRegistry } from '../../lib/health/registry';
import type { HistorianRow } from '../../lib/historian';
import type { TagMessage, TagSample } from '../../lib/tags/contract';

const peers = needPeers(SQLITE_PEER());
const modules = () => [nodeModule('historian'), collectorModule];
// two days back, at midnight UTC: inside the node's retention (7 days) whatever day the suite runs
const T0 = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000;

function scan(values: Record<string, number | string | boolean>, ts: number, quality: TagSample['quality'] = 'good') {
  const tags = Object.entries(values).map(([name, value]) => ({ device: 'boiler', name, value, quality, ts }));
  return { topic: 'boiler', payload: values, tags };
}

describe('historian node', () => {
  let dir: string;
  let n = 0;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-historiannode-'));
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

  const flow = (props: Record<string, unknown> = {}) => [
    { id: 'h', type: 'edgegw-historian', dbFile: join(dir, `h${++n}.db`), batchMs: 20, wires: [['answers'], ['played']], ...props },
    { id: 'answers', type: 'test-collect' },
    { id: 'played', type: 'test-collect' },
  ];
  const stored = (node: unknown, count: number) => waitFor(`${count} stored`, () => new RegExp(`^historian\\.status\\.stored\\(stored=${count},`).test(lastStatus(node)?.text ?? ''), 10_000);

  test('scans and tag messages stored; msg.query answers rows, downsampled steps and CSV on output 1', peers, async () => {
    await helper.load(modules(), flow());
    const h = helper.getNode('h');
    for (let s = 0; s < 120; s++) h.receive(scan({ temperature: s, state: s < 60 ? 'on' : 'off' }, T0 + s * 1000, s === 70 ? 'bad' : 'good'));
    h.receive({ topic: 'boiler/pump', payload: true, tag: { device: 'boiler', name: 'pump', value: true, quality: 'good', ts: T0 } });
    await stored(h, 241);
    h.receive({ query: { tag: 'boiler/temperature', from: T0, to: T0 + 3000 }, topic: 'raw' });
    h.receive({ query: { tag: ['boiler/temperature', 'boiler/state'], from: T0, to: T0 + 120_000, step: 60_000, agg: 'last' }, topic: 'steps' });
    h.receive({ query: { tag: 'boiler/pump', from: new Date(T0).toISOString(), to: T0 + 1, format: 'csv' }, topic: 'csv' });
    await waitFor('three answers', () => received('answers').length === 3);
    // each answer leaves when its query is done: found by topic, not by order
    const answer = (topic: string) => received('answers').find((m) => m.topic === topic)!;
    const [raw, steps, csv] = ['raw', 'steps', 'csv'].map(answer);
    assert.deepEqual(
      raw.payload,
      [0, 1, 2].map((s) => ({ tag: 'boiler/temperature', ts: T0 + s * 1000, value: s, quality: 'good' })),
    );
    assert.deepEqual(
      (steps.payload as HistorianRow[]).map((r) => [r.tag, r.ts - T0, r.value, r.quality, r.count]),
      [
        ['boiler/temperature', 0, 59, 'good', 60],
        ['boiler/temperature', 60_000, 119, 'good', 60],
        ['boiler/state', 0, 'on', 'good', 60],
        ['boiler/state', 60_000, 'off', 'good', 60],
      ],
    );
    assert.equal(csv.payload, `tag,ts,time,value,quality,count\nboiler/pump,${T0},${new Date(T0).toISOString()},true,good,\n`);
    assert.equal(received('played').length, 0);
    const health = healthRegistry()
      .list()
      .find((e) => e.id === 'h');
    assert.equal(health?.state, 'ok');
  });

  test('a bad query fails the message naming the field; a message without samples is an error', peers, async () => {
    await helper.load(modules(), flow());
    const h = helper.getNode('h');
    h.receive({ query: { tag: 'boiler/temperature', step: 1000, agg: 'median' } });
    h.receive({ query: { tag: 'boiler/none' } });
    h.receive({ playback: { tag: 'boiler/temperature', from: T0, to: T0 + 1000, speed: -1 } });
    h.receive({ payload: [1, 2] });
    await waitFor('four errors', () => errorsOf(h).length >= 4);
    const errors = errorsOf(h).join('\n');
    assert.match(errors, /^query\.agg: must be one of min, max, avg, last, count, got "median"$/m);
    assert.match(errors, /^query\.tag: no history for "boiler\/none"$/m);
    assert.match(errors, /^playback\.speed: must be a number > 0/m);
    assert.match(errors, /^no samples in the message/m);
    assert.equal(received('answers').length, 0);
  });

  test('msg.playback sends the stored range as tag messages on output 2, paced; "stop" and close stop it', peers, async () => {
    await helper.load(modules(), flow());
    const h = helper.getNode('h');
    const batch = [];
    for (let s = 0; s < 600; s++) batch.push({ device: 'boiler', name: 'temperature', value: s, quality: 'good' as const, ts: T0 + s * 1000 });
    h.receive({ tags: batch });
    await stored(h, 600);
    // 60 s of history at 100x: 0.6 s
    const started = Date.now();
    h.receive({ playback: { tag: 'boiler/temperature', from: T0, to: T0 + 60_000, speed: 100 } });
    await waitFor('60 samples played', () => received('played').length === 60, 10_000);
    assert.ok(Date.now() - started >= 580, `paced: ${Date.now() - started} ms`);
    const first = received('played')[0] as unknown as TagMessage;
    assert.equal(first.topic, 'boiler/temperature');
    assert.equal(first.payload, 0);
    assert.deepEqual({ ...first.tag, source: undefined }, { device: 'boiler', name: 'temperature', value: 0, quality: 'good', ts: T0, source: undefined });
    // a slow playback, stopped by "stop" (the collector keeps its list: counted from here)
    const before = received('played').length;
    h.receive({ playback: { tag: 'boiler/temperature', from: T0, to: T0 + 600_000, speed: 10 } });
    await waitFor('a few samples', () => received('played').length >= before + 2);
    h.receive({ playback: 'stop' });
    await new Promise((r) => setTimeout(r, 50));
    const atStop = received('played').length;
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(received('played').length, atStop, 'nothing after "stop"');
    // one left running is stopped by close
    h.receive({ playback: { tag: 'boiler/temperature', from: T0, to: T0 + 600_000, speed: 10 } });
    await waitFor('playing again', () => received('played').length > atStop);
    await helper.unload();
    const atClose = received('played').length;
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(received('played').length, atClose, 'nothing after close');
  });

  test('history kept across redeploys of the same file; each close releases it', peers, async () => {
    const dbFile = join(dir, 'redeploy.db');
    for (let round = 0; round < 5; round++) {
      await helper.load(modules(), flow({ dbFile }));
      const h = helper.getNode('h');
      h.receive(scan({ count: round }, T0 + round * 1000));
      await stored(h, 1);
      h.receive({ query: { tag: 'boiler/count', from: T0, to: T0 + 10_000 } });
      await waitFor('answer', () => received('answers').length === 1);
      assert.deepEqual(
        (received('answers')[0].payload as HistorianRow[]).map((r) => r.value),
        Array.from({ length: round + 1 }, (_, i) => i),
      );
      await helper.unload();
      clearCollected();
    }
  });

  test('a bad configuration is refused naming the field', async () => {
    await helper.load(modules(), flow({ retentionDays: 0 }));
    const h = helper.getNode('h');
    assert.equal(lastStatus(h)?.text, 'historian.status.badConfig');
    assert.ok(
      errorsOf(h).some((e) => /^retentionDays: must be a number > 0/.test(e)),
      errorsOf(h).join('\n'),
    );
  });
});
