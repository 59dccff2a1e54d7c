// Checkpoints write what changed: windows with no new sample are not handed out again, an hour of
// exact percentile values is stored in chunks, each written once when full (the values of the
// chunk still filling go with the window's state), and what a store holds after many such
// checkpoints restores exactly the windows a whole save (snapshot) would have restored, in memory
// and in SQLite.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryWindowStore, SqliteWindowStore, WindowRowCodec, WindowStoreError } from '../../../lib/stats/window-store';
import { VALUE_CHUNK, WindowSet, type WindowChange, type WindowConfig } from '../../../lib/stats/windows';
import { needPeers } from '../../helpers/peers';
import { SQLITE_PEER } from '../../helpers/sqlite-store';

const H = 3_600_000;
const T0 = Date.UTC(2026, 11, 1, 9, 0);
const HOURLY: WindowConfig = { kind: 'tumbling', by: 'time', length: H, timeZone: 'UTC', percentiles: true, graceMs: 0 };

function feed(set: WindowSet, tags: string[], seconds: number, fromSecond = 0): void {
  for (let s = fromSecond; s < fromSecond + seconds; s++) {
    for (const [i, name] of tags.entries()) set.add('plc', name, Math.round(100 * Math.sin(s / 7 + i)) / 10, T0 + s * 1000, 'good');
  }
}

/** The state a whole save would store, the percentile values as plain arrays (JSON). */
const whole = (set: WindowSet) => JSON.parse(JSON.stringify(set.snapshot())) as unknown;

/** [values.from, values handed apart, valuesApart, values left in the window's row] */
const split = (c: WindowChange) => [c.values?.from, c.values?.values.length, c.window.valuesApart, c.window.acc.percentiles?.values?.length];

const keys = (rows: { put: Map<string, unknown>; remove: string[] }) => ({ put: [...rows.put.keys()], remove: rows.remove });

describe('stats checkpoints write what changed', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-stats-changes-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('only windows with a new sample are handed out; a closed window with nothing open is removed once', () => {
    const set = new WindowSet({ kind: 'tumbling', by: 'time', length: 60_000, graceMs: 0 });
    set.add('plc', 'a', 1, T0 + 1000, 'good');
    set.add('plc', 'b', 2, T0 + 1000, 'good');
    assert.deepEqual(
      set.changes().changed.map((c) => c.window.name),
      ['a', 'b'],
    );
    assert.deepEqual(set.changes(), { changed: [], removed: [] }, 'nothing new, nothing handed out');
    set.add('plc', 'b', 3, T0 + 2000, 'good');
    assert.deepEqual(
      set.changes().changed.map((c) => [c.window.name, c.window.acc.count, c.values]),
      [['b', 2, undefined]],
      'no percentiles: no values apart',
    );
    set.advance(T0 + 60_000); // both windows close, nothing is open after them
    set.drain();
    assert.deepEqual(set.changes(), {
      changed: [],
      removed: [
        ['plc', 'a'],
        ['plc', 'b'],
      ],
    });
    assert.deepEqual(set.changes(), { changed: [], removed: [] });
    assert.deepEqual(set.changes(true), { changed: [], removed: [] }, 'all: every open window (there is none)');
  });

  test('exact percentile values are handed out by full chunks, each once, and all of them with `all`', () => {
    const set = new WindowSet(HOURLY);
    feed(set, ['p'], VALUE_CHUNK + 10);
    assert.deepEqual(split(set.changes().changed[0]), [0, VALUE_CHUNK, VALUE_CHUNK, 10], 'the chunk still filling stays in the window row');
    feed(set, ['p'], 5, VALUE_CHUNK + 10);
    assert.deepEqual(split(set.changes().changed[0]), [VALUE_CHUNK, 0, VALUE_CHUNK, 15]);
    feed(set, ['p'], VALUE_CHUNK, VALUE_CHUNK + 15);
    assert.deepEqual(split(set.changes().changed[0]), [VALUE_CHUNK, VALUE_CHUNK, 2 * VALUE_CHUNK, 15]);
    set.add('plc', 'p', 'not a number', T0 + 999_000, 'good'); // changes the window, adds no value
    assert.deepEqual(split(set.changes().changed[0]), [2 * VALUE_CHUNK, 0, 2 * VALUE_CHUNK, 15]);
    assert.deepEqual(split(set.changes(true).changed[0]), [0, 2 * VALUE_CHUNK, 2 * VALUE_CHUNK, 15]);
  });

  test('rows: full chunks are written once, a reopened window drops its chunks, a removed window its row', () => {
    const codec = new WindowRowCodec();
    const set = new WindowSet(HOURLY);
    feed(set, ['p'], 2 * VALUE_CHUNK + 1);
    let rows = codec.changed(set.changes(true), [], true);
    assert.deepEqual(keys(rows), { put: ['open:plc/p', 'values:plc/p:0', `values:plc/p:${VALUE_CHUNK}`], remove: [] });
    assert.equal(rows.replaceAll, true);
    feed(set, ['p'], 3, 2 * VALUE_CHUNK + 1);
    assert.deepEqual(keys(codec.changed(set.changes(), [], false)), { put: ['open:plc/p'], remove: [] }, 'the full chunks are not written again');
    set.add('plc', 'p', 1, T0 + H + 1000, 'good'); // the next hour: a new window, one value
    assert.deepEqual(keys(codec.changed(set.changes(), [], false)), { put: ['open:plc/p'], remove: ['values:plc/p:0', `values:plc/p:${VALUE_CHUNK}`] });
    set.advance(T0 + 2 * H);
    rows = codec.changed(set.changes(), [{ device: 'plc', name: 'p', start: 0, end: 1, figures: {} as never, recovered: false }], false);
    assert.deepEqual(keys(rows), { put: ['unwritten'], remove: ['open:plc/p'] });
    assert.deepEqual(keys(codec.changed(set.changes(), [], false)), { put: [], remove: ['unwritten'] });
  });

  test('a missing chunk is named, not read as fewer values', () => {
    const codec = new WindowRowCodec();
    const set = new WindowSet(HOURLY);
    feed(set, ['p'], 2 * VALUE_CHUNK + 1);
    const rows = codec.changed(set.changes(true), [], true);
    rows.put.delete('values:plc/p:0');
    assert.throws(
      () => new WindowRowCodec().read(new Map(JSON.parse(JSON.stringify([...rows.put])) as Array<[string, unknown]>)),
      (err: Error) => err instanceof WindowStoreError && /^stored window plc\/p: percentile values 0 to 255 are missing/.test(err.message),
    );
  });

  for (const kind of ['memory', 'sqlite'] as const) {
    test(`${kind}: after checkpoints of changes, the store restores what a whole save would`, kind === 'sqlite' ? needPeers(SQLITE_PEER()) : {}, async () => {
      const open = () => (kind === 'memory' ? new MemoryWindowStore(`changes-${process.pid}`) : new SqliteWindowStore(join(dir, 'state.db'), 'hourly'));
      const tags = ['a', 'b', 'c'];
      let store = open();
      const set = new WindowSet(HOURLY);
      await store.saveChanges(set.changes(true), [], true);
      // 10 minutes at 1 s; a checkpoint every 5 s, one tag silent for a while
      for (let s = 0; s < 600; s += 5) {
        feed(set, s > 200 && s < 400 ? ['a', 'b'] : tags, 5, s);
        await store.saveChanges(set.changes(), [], false);
      }
      await store.close();
      store = open();
      let loaded = await store.load();
      assert.deepEqual(JSON.parse(JSON.stringify(loaded.open)), whole(set));
      assert.equal(loaded.open[0].acc.percentiles?.values?.length, 600);
      // restored, then on: a whole save first (as a session does after start), then changes again
      const restored = new WindowSet(HOURLY);
      restored.restore(loaded.open);
      await store.saveChanges(restored.changes(true), [], true);
      feed(restored, tags, 3, 600);
      feed(set, tags, 3, 600);
      await store.saveChanges(restored.changes(), [], false);
      await store.close();
      store = open();
      loaded = await store.load();
      assert.deepEqual(JSON.parse(JSON.stringify(loaded.open)), whole(set));
      // a whole save (the former format: values inside the window's row) reads back the same
      await store.save(set.snapshot(), []);
      loaded = await store.load();
      assert.deepEqual(JSON.parse(JSON.stringify(loaded.open)), whole(set));
      await store.close();
      if (kind === 'memory') MemoryWindowStore.forget(`changes-${process.pid}`);
    });
  }
});
