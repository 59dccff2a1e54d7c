// dbc-decode's `store` option (issue 9) with a real tag-store config node: every decoded sample of
// a batch (batch mode: scan.tags), of a per-signal batch and of a single frame lands in the store
// with its value, quality, unit and the frame's ts, in one store write per input; SQLite keeps
// them on close; a missing store is named at deploy; 100 redeploys leak nothing.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helper, nodeModule } from '../helpers/nodered';
import { waitFor } from '../helpers/process';
import { needPeers } from '../helpers/peers';
import { clearCollected, collectorModule, errorsOf, received } from '../helpers/can-nodes';
import { resourceCounts, settleTo } from '../helpers/modbus-leaks';
import { SQLITE_PEER, secondConnection } from '../helpers/sqlite-store';
import { healthRegistry } from '../../lib/health/registry';
import type { TagSample } from '../../lib/tags/contract';

const DBC = [
  'VERSION ""',
  'BO_ 256 Gear: 2 X',
  ' SG_ Selected : 0|8@1+ (1,0) [0|9] "" X',
  ' SG_ Speed : 8|8@1+ (0.5,0) [0|127] "km/h" X',
  'BO_ 512 Motor: 2 X',
  ' SG_ Rpm : 0|16@1+ (10,0) [0|655350] "rpm" X',
  '',
].join('\n');

const modules = () => [nodeModule('dbc-decode'), nodeModule('tag-store'), collectorModule];
const gear = (selected: number, speedRaw: number, ts: number) => ({ id: 256, extended: false, data: Buffer.from([selected, speedRaw]), ts });
const motor = (rpmRaw: number, ts: number) => ({ id: 512, extended: false, data: Buffer.from([rpmRaw & 0xff, rpmRaw >> 8]), ts });

/** Counts the store's write calls and the samples each carried (the real write still runs). */
function countWrites(store: any): number[] {
  const sizes: number[] = [];
  const write = store.write.bind(store);
  store.write = (samples: readonly TagSample[]) => {
    sizes.push(samples.length);
    return write(samples);
  };
  return sizes;
}

describe('dbc-decode: store option', () => {
  let dir: string;
  const decoder = (extra: Record<string, unknown> = {}) => ({
    id: 'dec',
    type: 'edgegw-dbc-decode',
    dbcSource: 'text',
    dbcText: DBC,
    output: 'batch',
    device: 'car',
    unknown: 'drop',
    outputs: 1,
    store: 'store1',
    wires: [['sink']],
    ...extra,
  });
  const store = (extra: Record<string, unknown> = {}) => ({ id: 'store1', type: 'edgegw-tag-store', name: 'can tags', persist: false, maxAge: 0, maxAgeRules: '', userTags: '', ...extra });
  const sink = { id: 'sink', type: 'test-collect' };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-dbc-store-'));
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

  test('batch mode: one write per batch with every decoded sample; the store holds the latest of each', async () => {
    await helper.load(modules(), [decoder(), store(), sink]);
    const s = helper.getNode('store1');
    const writes = countWrites(s);
    const dec = helper.getNode('dec');
    dec.receive({ payload: [gear(2, 40, 100.5), motor(150, 100.6), gear(3, 41, 100.7), { id: 0x7ff, extended: false, data: Buffer.from([1]), ts: 100.8 }] });
    await waitFor('the scan', () => received('sink').length === 1);
    assert.deepEqual(writes, [5], 'one write carrying the five decoded samples (the unknown frame has none)');
    assert.equal((received('sink')[0].tags as TagSample[]).length, 5);
    const speed = s.read('car/Speed') as TagSample;
    assert.deepEqual({ value: speed.value, quality: speed.quality, ts: speed.ts, unit: speed.unit }, { value: 20.5, quality: 'good', ts: 100700, unit: 'km/h' });
    assert.equal((s.read('car/Selected') as TagSample).value, 3);
    const rpm = s.read('car/Rpm') as TagSample;
    assert.deepEqual({ value: rpm.value, ts: rpm.ts, unit: rpm.unit, source: rpm.source }, { value: 1500, ts: 100600, unit: 'rpm', source: 'can' });
    // a batch the DBC knows none of gives an empty scan and writes nothing
    dec.receive({ payload: [{ id: 0x7ff, extended: false, data: Buffer.from([1]), ts: 101 }] });
    await waitFor('the empty scan', () => received('sink').length === 2);
    assert.deepEqual(writes, [5]);
  });

  test('per-signal and per-message modes: one write per input, a batch of frames included', async () => {
    await helper.load(modules(), [decoder({ output: 'signal', device: '' }), store(), sink]);
    const s = helper.getNode('store1');
    const writes = countWrites(s);
    helper.getNode('dec').receive({ payload: [gear(1, 10, 5), motor(7, 6)] });
    await waitFor('three signal messages', () => received('sink').length === 3);
    assert.deepEqual(writes, [3]);
    // no Device: each CAN message is its own device
    assert.equal((s.read('Gear/Speed') as TagSample).value, 5);
    assert.equal((s.read('Motor/Rpm') as TagSample).ts, 6000);
    await helper.unload();
    clearCollected();

    await helper.load(modules(), [decoder({ output: 'message' }), store(), sink]);
    const s2 = helper.getNode('store1');
    const writes2 = countWrites(s2);
    helper.getNode('dec').receive({ payload: gear(4, 100, 7) });
    await waitFor('one message', () => received('sink').length === 1);
    assert.deepEqual(writes2, [2]);
    assert.equal((s2.read('car/Speed') as TagSample).value, 50);
    assert.equal((s2.read('car/Selected') as TagSample).quality, 'good');
  });

  test('a store that does not exist is named at deploy; inputs fail with the reason', async () => {
    await helper.load(modules(), [decoder({ store: 'gone' }), sink]);
    const dec = helper.getNode('dec');
    assert.ok(
      errorsOf(dec).some((e) => /store: tag-store gone not found/.test(e)),
      errorsOf(dec).join('\n'),
    );
    assert.equal(
      healthRegistry()
        .list()
        .find((e) => e.id === 'dec')?.state,
      'down',
    );
  });

  test('SQLite store: a decoded batch reaches the file', needPeers(SQLITE_PEER()), async () => {
    const file = join(dir, 'can.sqlite');
    await helper.load(modules(), [decoder(), store({ persist: true, file }), sink]);
    helper.getNode('dec').receive({ payload: [gear(2, 40, 200), motor(300, 201)] });
    await waitFor('the scan', () => received('sink').length === 1);
    await helper.unload(); // close saves what is pending
    const db = await secondConnection(file);
    try {
      const rows = await db.all('SELECT name, value, quality, ts, unit FROM tag_values WHERE device = ? ORDER BY name', ['car']);
      assert.deepEqual(
        rows.map((r) => [r.name, JSON.parse(String(r.value)), r.quality, Number(r.ts)]),
        [
          ['Rpm', 3000, 'good', 201000],
          ['Selected', 2, 'good', 200000],
          ['Speed', 20, 'good', 200000],
        ],
      );
    } finally {
      await db.close();
    }
  });

  test('100 redeploys with a store leave no timer, listener or health entry behind', async () => {
    const flow = (i: number) => [decoder({ output: (['batch', 'signal', 'message'] as const)[i % 3], device: `car${i % 2}` }), store(), sink];
    await helper.load(modules(), flow(0));
    await helper.unload();
    const baseline = resourceCounts();
    for (let i = 1; i <= 100; i++) {
      await helper.load(modules(), flow(i));
      if (i % 10 === 0) {
        helper.getNode('dec').receive({ payload: [gear(1, 2, i)] });
        await waitFor('stored', () => helper.getNode('store1').read(`car${i % 2}/Speed`));
      }
      await helper.unload();
    }
    assert.deepEqual(await settleTo(baseline), []);
    assert.equal(
      healthRegistry()
        .list()
        .filter((e) => e.id === 'dec' || e.id === 'store1').length,
      0,
    );
  });
});
