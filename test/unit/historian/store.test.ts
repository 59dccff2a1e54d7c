// lib/historian's store against the real sqlite3 package and real files: the schema (a tags table
// and clustered samples), typed values read back, batches by size and by time, the deadband,
// retention in chunks with the file's pages given back, and the kill -9 of a writing process.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needPeers } from '../../helpers/peers';
import { SQLITE_PEER, secondConnection } from '../../helpers/sqlite-store';
import { startProcess, waitFor } from '../../helpers/process';
import { CHILD_T0 } from '../../helpers/historian-child';
import { DeadbandFilter, DeadbandTableError, HistorianStore, parseDeadbandTable, parseQuery, readHistorianConfig, type HistorianStoreOptions } from '../../../lib/historian';
import { ConfigFieldError } from '../../../lib/config/fields';
import type { TagSample } from '../../../lib/tags/contract';
import { MissingPackageError } from '../../../lib/system/process/optional';
import { pageCacheKibFor } from '../../../lib/historian/schema';

const peers = needPeers(SQLITE_PEER());
const T0 = Date.UTC(2026, 11, 1);
const DAY = 86_400_000;
const sample = (name: string, value: TagSample['value'], ts: number, quality: TagSample['quality'] = 'good'): TagSample => ({ device: 'boiler', name, value, quality, ts });

describe('historian store', () => {
  let dir: string;
  let n = 0;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'edgegw-historian-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const open = (opts: Partial<HistorianStoreOptions> = {}) => HistorianStore.open({ path: join(dir, `h${++n}.db`), retentionMs: 3650 * DAY, pruneEveryMs: 3_600_000, ...opts });

  test('schema: tags once in hist_tags, samples in chunks by tag id clustered on (tag_id, t0), read as rows through hist_samples, WAL, incremental vacuum', peers, async () => {
    const store = await open();
    store.add([sample('temperature', 1, T0), sample('pressure', 2, T0), sample('temperature', 3, T0 + 1000)]);
    await store.flush();
    await store.close();
    const db = await secondConnection(store.path);
    try {
      assert.deepEqual(await db.all('SELECT tag_id, device, name FROM hist_tags ORDER BY tag_id'), [
        { tag_id: 1, device: 'boiler', name: 'temperature' },
        { tag_id: 2, device: 'boiler', name: 'pressure' },
      ]);
      assert.deepEqual(await db.all('SELECT tag_id, ts, num FROM hist_samples'), [
        { tag_id: 1, ts: T0, num: 1 },
        { tag_id: 1, ts: T0 + 1000, num: 3 },
        { tag_id: 2, ts: T0, num: 2 },
      ]);
      assert.equal((await db.all('PRAGMA journal_mode'))[0].journal_mode, 'wal');
      assert.equal((await db.all('PRAGMA auto_vacuum'))[0].auto_vacuum, 2, 'INCREMENTAL');
      assert.deepEqual(await db.all('SELECT tag_id, t0, t1, n FROM hist_chunks'), [
        { tag_id: 1, t0: T0, t1: T0 + 1000, n: 2 },
        { tag_id: 2, t0: T0, t1: T0, n: 1 },
      ]);
      const plan = await db.all('EXPLAIN QUERY PLAN SELECT samples FROM hist_chunks WHERE tag_id = 1 AND t1 >= 0 AND t0 < 10');
      assert.match(String(plan.map((p) => p.detail)), /SEARCH hist_chunks USING PRIMARY KEY \(tag_id=\? AND t0<\?\)/);
    } finally {
      await db.close();
    }
  });

  test('values keep their type: numbers, booleans, strings, null, bigint, Buffer; quality and unit kept', peers, async () => {
    const store = await open();
    const values: TagSample['value'][] = [21.5, true, false, 'running', null, 12345678901234567890n, Buffer.from('0a0b', 'hex'), -0.25];
    store.add(values.map((v, i) => ({ ...sample('mixed', v, T0 + i), quality: i === 3 ? 'stale' : 'good', unit: 'x' })));
    await store.flush();
    const rows = await store.query(parseQuery({ tag: 'boiler/mixed', from: T0, to: T0 + 100 }, T0));
    assert.deepEqual(
      rows.map((r) => r.value),
      values,
    );
    assert.deepEqual(
      rows.map((r) => r.quality),
      ['good', 'good', 'good', 'stale', 'good', 'good', 'good', 'good'],
    );
    await store.close();
  });

  test('values JSON has no words for, and text it must escape, come back as they went in', peers, async () => {
    const store = await open();
    const values: TagSample['value'][] = [Infinity, -Infinity, NaN, 1e300, 5e-324, 'quote " backslash \\ newline \n', 'ünïcödé 😀 \u0000 nul', '', 2 ** 53];
    // two batches: the first makes the tag (encoded in its transaction), the second is encoded before it
    store.add(values.slice(0, 4).map((v, i) => sample('edge', v, T0 + i)));
    await store.flush();
    store.add(values.slice(4).map((v, i) => sample('edge', v, T0 + 4 + i)));
    await store.flush();
    const rows = await store.query(parseQuery({ tag: 'boiler/edge', from: T0, to: T0 + 100 }, T0));
    assert.deepEqual(
      rows.map((r) => r.value),
      values,
    );
    await store.close();
  });

  test('batches: written when batchSize samples wait, or after batchMs; one transaction each', peers, async () => {
    const store = await open({ batchSize: 100, batchMs: 150 });
    // scans of 50, batches of 100: the 2nd and 4th scans fill a batch, the 5th waits for the window
    for (let s = 0; s < 250; s += 50) store.add(Array.from({ length: 50 }, (_, i) => sample('t', s + i, T0 + s + i)));
    await waitFor('two full batches', () => store.counts.batches === 2, 5000, 5);
    assert.equal(store.counts.stored, 200);
    assert.equal(store.counts.pending, 50);
    await waitFor('the window writes the rest', () => store.counts.stored === 250, 5000, 10);
    assert.equal(store.counts.batches, 3);
    const rows = await store.query(parseQuery({ tag: 'boiler/t', from: T0, to: T0 + 1000 }, T0));
    assert.deepEqual(
      rows.map((r) => r.value),
      Array.from({ length: 250 }, (_, i) => i),
    );
    await store.close();
  });

  test("the page cache follows the tags: SQLite's default 2 MB for a few, 16 KB a tag beyond, 32 MB at most; sized again at reopen", peers, async () => {
    assert.deepEqual([0, 1, 128, 200, 1000, 2048, 100_000].map(pageCacheKibFor), [2048, 2048, 2048, 3200, 16_000, 32_768, 32_768]);
    const store = await open();
    assert.equal(store.pageCacheKib, 2048);
    store.add(Array.from({ length: 200 }, (_, i) => sample(`t${i}`, i, T0)));
    await store.flush();
    assert.equal(store.pageCacheKib, 3200);
    await store.close();
    const again = await HistorianStore.open({ path: store.path, retentionMs: 3650 * DAY, pruneEveryMs: 3_600_000 });
    assert.equal(again.pageCacheKib, 3200);
    await again.close();
  });

  test('a second sample of a tag at the same ms replaces the first (the later one wins, also within a batch)', peers, async () => {
    const store = await open();
    store.add([sample('t', 1, T0), sample('t', 2, T0), sample('u', 5, T0)]);
    await store.flush();
    store.add([sample('t', 3, T0)]);
    await store.flush();
    const rows = await store.query(parseQuery({ tag: ['boiler/t', 'boiler/u'], from: T0, to: T0 + 1 }, T0));
    assert.deepEqual(
      rows.map((r) => [r.tag, r.value]),
      [
        ['boiler/t', 3],
        ['boiler/u', 5],
      ],
    );
    await store.close();
  });

  test('a late sample (older than what its tag has stored) is merged into the chunk it falls in; the later write wins at the same ms', peers, async () => {
    const store = await open();
    store.add(Array.from({ length: 10 }, (_, i) => sample('late', i, T0 + i * 1000)));
    await store.flush();
    // into the middle of the stored chunk, at a stored ms and between two, and past its end
    store.add([sample('late', 'replaced', T0 + 3000, 'uncertain'), sample('late', 3.5, T0 + 3500), sample('late', 10, T0 + 10_000)]);
    await store.flush();
    store.add([sample('late', -1, T0 - 1000)]);
    await store.flush();
    const rows = await store.query(parseQuery({ tag: 'boiler/late', from: T0 - 5000, to: T0 + 20_000 }, T0));
    assert.deepEqual(
      rows.map((r) => [(r.ts - T0) / 1000, r.value, r.quality]),
      [
        [-1, -1, 'good'],
        [0, 0, 'good'],
        [1, 1, 'good'],
        [2, 2, 'good'],
        [3, 'replaced', 'uncertain'],
        [3.5, 3.5, 'good'],
        [4, 4, 'good'],
        [5, 5, 'good'],
        [6, 6, 'good'],
        [7, 7, 'good'],
        [8, 8, 'good'],
        [9, 9, 'good'],
        [10, 10, 'good'],
      ],
    );
    await store.close();
    const db = await secondConnection(store.path);
    try {
      const chunks = await db.all('SELECT t0, t1, n FROM hist_chunks ORDER BY t0');
      for (let i = 1; i < chunks.length; i++) assert.ok(Number(chunks[i].t0) > Number(chunks[i - 1].t1), `chunks do not overlap: ${JSON.stringify(chunks)}`);
      assert.equal(
        chunks.reduce((n, c) => n + Number(c.n), 0),
        13,
      );
    } finally {
      await db.close();
    }
  });

  test('a file written by the row-per-sample layout opens: its samples are moved into chunks and read back exactly', peers, async () => {
    const path = join(dir, 'rows-v1.db');
    copyFileSync(join(__dirname, '..', '..', 'fixtures', 'historian', 'rows-v1.db'), path);
    const store = await HistorianStore.open({ path, retentionMs: 3650 * DAY, pruneEveryMs: 3_600_000 });
    const mixed = await store.query(parseQuery({ tag: 'boiler/mixed', from: T0, to: T0 + 100 }, T0));
    assert.deepEqual(
      mixed.map((r) => r.value),
      [21.5, true, false, 'running', null, 12345678901234567890n, Buffer.from('0a0b', 'hex'), -0.25, Infinity, -Infinity, NaN, 2 / 3, 5e-324, 'quote " \\ \n ünï 😀 \u0000'],
    );
    assert.deepEqual(
      mixed.map((r) => r.quality),
      ['good', 'good', 'good', 'stale', 'bad', 'good', 'good', 'good', 'good', 'good', 'good', 'good', 'good', 'good'],
    );
    const temperature = await store.query(parseQuery({ tag: 'boiler/temperature', from: T0, to: T0 + 3_000_000 }, T0));
    assert.deepEqual(
      temperature.map((r) => [r.ts, r.value]),
      Array.from({ length: 2500 }, (_, k) => [T0 + k * 1000, (k % 60) + 0.1]),
    );
    // the migrated file takes new samples after its old ones, and a replacement of an old one
    store.add([sample('temperature', 99, T0 + 2500 * 1000), sample('temperature', -5, T0)]);
    await store.flush();
    const [first] = await store.query(parseQuery({ tag: 'boiler/temperature', from: T0, to: T0 + 1 }, T0));
    assert.equal(first.value, -5);
    assert.equal((await store.query(parseQuery({ tag: 'boiler/temperature', from: T0, to: T0 + 3_000_000, step: 3_000_000, agg: 'count' }, T0)))[0].value, 2501);
    await store.close();
    const db = await secondConnection(path);
    try {
      assert.deepEqual(
        (await db.all("SELECT type, name FROM sqlite_schema WHERE name LIKE 'hist_%' ORDER BY name")).map((r) => `${String(r.type)} ${String(r.name)}`),
        ['table hist_chunks', 'view hist_samples', 'table hist_tags'],
      );
      assert.deepEqual(await db.all('SELECT tag_id, n FROM hist_chunks ORDER BY tag_id, t0'), [
        { tag_id: 1, n: 14 },
        { tag_id: 2, n: 1000 },
        { tag_id: 2, n: 1000 },
        { tag_id: 2, n: 501 },
      ]);
    } finally {
      await db.close();
    }
  });

  test('deadband: changes beyond it stored, quality and type changes always, max interval forces a store', peers, async () => {
    const filter = new DeadbandFilter({ absolute: 0.5, percent: 0, maxIntervalMs: 10_000 });
    const kept = (s: TagSample[]) => filter.filter(s).map((x) => `${String(x.value)}@${(x.ts - T0) / 1000}`);
    assert.deepEqual(kept([sample('t', 10, T0), sample('t', 10.3, T0 + 1000), sample('t', 10.6, T0 + 2000), sample('t', 10.9, T0 + 3000)]), ['10@0', '10.6@2']);
    assert.deepEqual(kept([sample('t', 10.6, T0 + 4000, 'bad'), sample('t', 10.6, T0 + 5000, 'bad'), sample('t', 'off', T0 + 6000, 'bad')]), ['10.6@4', 'off@6']);
    assert.deepEqual(kept([sample('t', 'off', T0 + 15_000, 'bad'), sample('t', 'off', T0 + 16_000, 'bad')]), ['off@16'], 'max interval: 10 s after the last kept (6 s)');
    const pct = new DeadbandFilter({ absolute: 0, percent: 10, maxIntervalMs: 0 });
    assert.deepEqual(
      pct.filter([sample('p', 100, T0), sample('p', 109, T0 + 1), sample('p', 111, T0 + 2), sample('p', 120, T0 + 3)]).map((s) => s.value),
      [100, 111],
      '10 % of the last stored value (111: 120 is within 11.1)',
    );
    const perTag = new DeadbandFilter({ absolute: 0, percent: 0, maxIntervalMs: 0, perTag: parseDeadbandTable('# tag, absolute, percent\nboiler/t, 2, 0\n') });
    assert.deepEqual(
      perTag.filter([sample('t', 1, T0), sample('t', 2, T0 + 1), sample('t', 3.5, T0 + 2), sample('u', 1, T0), sample('u', 1, T0 + 1)]).map((s) => `${s.name}=${String(s.value)}`),
      ['t=1', 't=3.5', 'u=1', 'u=1'],
      'boiler/t by its own band; boiler/u, not listed, keeps every sample (the node has no band)',
    );
    assert.throws(
      () => readHistorianConfig({ deadbandTags: 'boiler/t, 1, 0\nboiler/u, 1, 150' }, dir),
      (e: unknown) => e instanceof ConfigFieldError && e.message === 'deadbandTags: line 2: percent must be a number within 0..100, got "150"',
    );
    assert.throws(
      () => parseDeadbandTable('\n\nnodevice, 1'),
      (e: unknown) => e instanceof DeadbandTableError && e.line === 3,
    );
    const store = await open({ deadband: { absolute: 1, percent: 0, maxIntervalMs: 0 } });
    store.add([sample('d', 1, T0), sample('d', 1.5, T0 + 1), sample('d', 3, T0 + 2)]);
    await store.flush();
    assert.equal(store.counts.stored, 2);
    assert.equal(store.counts.skipped, 1);
    await store.close();
  });

  test('retention: expired samples deleted in chunks of pruneChunk rows, the freed pages given back to the file system', peers, async () => {
    let now = T0 + 10 * DAY;
    const store = await open({ retentionMs: 7 * DAY, pruneChunk: 1000, now: () => now });
    // 3 tags x 10 days, one sample a minute: 43,200 rows, of which 3 days (12,960) are expired
    for (let day = 0; day < 10; day++) {
      const batch: TagSample[] = [];
      for (let m = 0; m < 1440; m++) for (const t of ['a', 'b', 'c']) batch.push(sample(t, m, T0 + day * DAY + m * 60_000));
      store.add(batch);
      await store.flush();
    }
    const db = await secondConnection(store.path);
    const pages = async () => Number((await db.all('PRAGMA page_count'))[0].page_count);
    await db.run('PRAGMA wal_checkpoint(TRUNCATE)');
    const before = await pages();
    const deleted = await store.prune();
    assert.equal(deleted, 3 * 3 * 1440);
    const left = await db.all('SELECT count(*) AS n, min(ts) AS first FROM hist_samples');
    assert.deepEqual(left, [{ n: 3 * 7 * 1440, first: T0 + 3 * DAY }]);
    await db.run('PRAGMA wal_checkpoint(TRUNCATE)');
    assert.ok((await pages()) < before * 0.85, `the file shrank: ${before} -> ${await pages()} pages`);
    assert.equal(Number((await db.all('PRAGMA freelist_count'))[0].freelist_count), 0);
    now += DAY;
    assert.equal(await store.prune(), 3 * 1440, 'the next day expires at the next run');
    await db.close();
    await store.close();
  });

  test('retention trims a chunk that straddles the cutoff: its expired samples go, the rest stay', peers, async () => {
    let now = T0;
    const store = await open({ retentionMs: DAY, now: () => now });
    store.add(Array.from({ length: 10 }, (_, i) => sample('s', i, T0 + i * 3_600_000)));
    await store.flush();
    now = T0 + DAY + 4.5 * 3_600_000;
    assert.equal(await store.prune(), 5, 'the samples of hours 0..4 are older than a day');
    const rows = await store.query(parseQuery({ tag: 'boiler/s', from: T0, to: T0 + DAY }, T0));
    assert.deepEqual(
      rows.map((r) => r.value),
      [5, 6, 7, 8, 9],
    );
    assert.equal(store.counts.pruned, 5);
    await store.close();
  });

  test('without sqlite3 the store does not open: MissingPackageError names the package', async () => {
    const missing = () => {
      throw new MissingPackageError('sqlite3', new Error('Cannot find module'));
    };
    await assert.rejects(open({ loader: missing }), (e: unknown) => e instanceof MissingPackageError && /npm install sqlite3/.test(e.message));
  });

  test('kill -9 of a writing process loses no batch it had committed', peers, async () => {
    const path = join(dir, 'killed.db');
    const child = startProcess(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', 'helpers', 'historian-child.ts')], { env: { ...process.env, HISTORY_DB: path, BATCH: '2000' } });
    let committed = 0;
    try {
      await waitFor(
        'the child commits 20,000 samples',
        () => {
          if (child.proc.exitCode !== null) throw Object.assign(new Error(`child exited: ${child.output()}`), { fatal: true });
          const reports = [...child.output().matchAll(/"stored":(\d+)/g)];
          committed = reports.length ? Number(reports[reports.length - 1][1]) : 0;
          return committed >= 20_000;
        },
        60_000,
      );
    } finally {
      await child.stop('SIGKILL');
    }
    assert.equal(child.proc.signalCode, 'SIGKILL');
    const reports = [...child.output().matchAll(/"stored":(\d+)/g)];
    const lastReported = Number(reports[reports.length - 1][1]);
    assert.doesNotMatch(child.output(), /"event":"error"/);
    const store = await HistorianStore.open({ path, retentionMs: 3650 * DAY, pruneEveryMs: 3_600_000 });
    const rows = await store.query(parseQuery({ tag: 'crash/seq', from: CHILD_T0, to: CHILD_T0 + 10_000_000_000 }, CHILD_T0));
    assert.ok(rows.length >= lastReported, `${rows.length} samples in the file, ${lastReported} reported committed`);
    rows.forEach((r, i) => assert.equal(r.value, i, `sample ${i} without a gap`));
    await store.close();
  });
});
