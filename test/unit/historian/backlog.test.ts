// The historian at plant scale: scans of many devices at 1 s append without reaching back into
// stored time (the merge path), and a writer slower than its producer holds at most the
// backlog's bound, drops the oldest samples with a count and loses nothing it accepted below it.
// The slow writer is the real sqlite3 package with its chunk INSERT held at a gate.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needPeers } from '../../helpers/peers';
import { SQLITE_PEER } from '../../helpers/sqlite-store';
import { waitFor } from '../../helpers/process';
import { HistorianStore, parseQuery, type HistorianStoreOptions } from '../../../lib/historian';
import { BACKLOG_BATCHES } from '../../../lib/historian/store';
import { SampleBacklog, SAMPLE_COLUMN_BYTES } from '../../../lib/historian/backlog';
import { loadSqlite, type SqliteDatabase, type SqliteLoader, type SqliteModule } from '../../../lib/storage/sqlite';
import type { TagSample } from '../../../lib/tags/contract';

const peers = needPeers(SQLITE_PEER());
const T0 = Date.UTC(2026, 11, 1);
const DAY = 86_400_000;

/** sqlite3 whose chunk INSERTs wait until `gate.open()`: a disk slower than any producer. */
function gatedSqlite(): { loader: SqliteLoader; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const real = loadSqlite();
  const Database = function (this: unknown, path: string, mode: number, callback: (err: Error | null) => void): SqliteDatabase {
    const db = new real.Database(path, mode, callback);
    const prepare = db.prepare.bind(db);
    db.prepare = (sql, cb) => {
      const statement = prepare(sql, cb);
      if (/INSERT INTO hist_chunks/.test(sql)) {
        const run = statement.run.bind(statement);
        statement.run = (params, done) => void opened.then(() => run(params, done));
      }
      return statement;
    };
    return db;
  } as unknown as SqliteModule['Database'];
  return { loader: () => ({ ...real, Database }), open };
}

/** Every stored sample of `tags`, as [tag, ts, value], in tag then time order. */
async function readBack(store: HistorianStore, tags: string[]): Promise<Array<[string, number, unknown]>> {
  const rows = await store.query(parseQuery({ tag: tags, from: T0 - DAY, to: T0 + DAY }, T0));
  return rows.map((r) => [r.tag, r.ts, r.value] as [string, number, unknown]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
}

describe('historian backlog and batches at scale', () => {
  let dir: string;
  let n = 0;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'edgegw-historian-backlog-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const open = (opts: Partial<HistorianStoreOptions> = {}) => HistorianStore.open({ path: join(dir, `b${++n}.db`), retentionMs: 3650 * DAY, pruneEveryMs: 3_600_000, ...opts });

  test('scans of several devices at 1 s, timestamps interleaved, a device heard once mid-stream: every run appends (no merge) and reads back identical', peers, async () => {
    // batches of 150 samples cut while earlier ones wait for the writer; device 4 is heard once, at
    // second 6, once the others' tags are stored: a batch with new tags comes before batches of
    // known ones (planned after them, as it once was, it saw their times as stored and merged every run)
    const store = await open({ batchSize: 150, batchMs: 50 });
    const TAGS = 20;
    const expected: Array<[string, number, unknown]> = [];
    for (let second = 0; second < 30; second++) {
      // each device scans at its own offset in the second, and the scans arrive out of time order
      for (const d of [3, 0, 4, 1, 2]) {
        if (d === 4 && second !== 6) continue;
        const ts = T0 + second * 1000 + ((d * 373) % 1000);
        const scan: TagSample[] = [];
        for (let t = 0; t < TAGS; t++) {
          const value = second * 100 + t + d / 10;
          scan.push({ device: `dev${d}`, name: `t${t}`, value, quality: 'good', ts });
          expected.push([`dev${d}/t${t}`, ts, value]);
        }
        store.add(scan);
      }
      if (second === 5) await store.flush();
    }
    await store.flush();
    assert.equal(store.counts.merged, 0, 'no run reached back into stored time');
    assert.equal(store.counts.dropped, 0);
    assert.equal(store.counts.stored, expected.length);
    assert.ok(store.counts.batches > 1, `several batches (${store.counts.batches})`);
    const tags = [...new Set(expected.map((e) => e[0]))];
    expected.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
    assert.deepEqual(await readBack(store, tags), expected);
    await store.close();
  });

  test('a writer slower than its producer: at most the bound waits, the oldest are dropped and counted, the rest stored', peers, async () => {
    const gate = gatedSqlite();
    const BATCH = 100;
    const bound = BATCH * BACKLOG_BATCHES;
    const store = await open({ batchSize: BATCH, batchMs: 10_000, loader: gate.loader });
    const TAGS = 500;
    const scanOf = (i: number): TagSample[] => Array.from({ length: TAGS }, (_, t) => ({ device: 'plc', name: `t${t}`, value: i * TAGS + t, quality: 'good', ts: T0 + i * 1000 }));
    let mostHeld = 0;
    let mostBytes = 0;
    for (let i = 0; i < 20; i++) {
      store.add(scanOf(i));
      mostHeld = Math.max(mostHeld, store.counts.pending);
      mostBytes = Math.max(mostBytes, store.backlogBytes);
    }
    // the writer took the first scan (a batch due) and is held at its INSERT; what came after waits, bounded
    assert.equal(store.counts.writing, TAGS);
    assert.equal(mostHeld, bound);
    assert.equal(store.counts.pending, bound);
    assert.ok(mostBytes <= (bound + 2 * 1024) * SAMPLE_COLUMN_BYTES, `backlog ${mostBytes} bytes for ${bound} samples`);
    const offered = 20 * TAGS;
    assert.equal(store.counts.dropped, offered - TAGS - bound);
    gate.open();
    await store.flush();
    assert.equal(store.counts.stored, TAGS + bound);
    assert.equal(store.counts.writing, 0);
    assert.equal(store.counts.merged, 0);
    // stored: the first scan (the writer had it), then the newest `bound` samples: scans 16 to 19
    const stored = await readBack(
      store,
      Array.from({ length: TAGS }, (_, t) => `plc/t${t}`),
    );
    const newest = (i: number) => scanOf(i).map((s) => [`plc/${s.name}`, s.ts, s.value] as [string, number, unknown]);
    const want = [...newest(0), ...newest(16), ...newest(17), ...newest(18), ...newest(19)].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
    assert.deepEqual(stored, want);
    await store.close();
  });

  test('below the bound a slow writer loses nothing: what waits goes as one bigger batch once the writer is free', peers, async () => {
    const gate = gatedSqlite();
    const store = await open({ batchSize: 100, batchMs: 10_000, loader: gate.loader });
    const expected: Array<[string, number, unknown]> = [];
    for (let i = 0; i < 15; i++) {
      const scan = Array.from({ length: 100 }, (_, t): TagSample => ({ device: 'plc', name: `t${t}`, value: i * 1000 + t, quality: 'good', ts: T0 + i * 1000 }));
      for (const s of scan) expected.push([`plc/${s.name}`, s.ts, s.value]);
      store.add(scan);
    }
    assert.equal(store.counts.writing, 100);
    assert.equal(store.counts.pending, 1400);
    const taken = store.taken();
    gate.open();
    await taken;
    await waitFor('the rest written', () => store.counts.stored === 1500, 5000, 5);
    // the first batch, then the 14 cut while the writer was held, as one
    assert.equal(store.counts.batches, 2);
    assert.equal(store.counts.dropped, 0);
    expected.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
    assert.deepEqual(
      await readBack(
        store,
        Array.from({ length: 100 }, (_, t) => `plc/t${t}`),
      ),
      expected,
    );
    await store.close();
  });

  test('the columns give back what went in: numbers, NaN, strings, booleans, bigints, Buffers, qualities; dropping and taking across blocks', () => {
    const backlog = new SampleBacklog();
    const values: TagSample['value'][] = [1.5, NaN, 'text', true, 12345678901234567890n, Buffer.from('ab'), null];
    for (let i = 0; i < 3000; i++) backlog.push(i % 7, { device: 'd', name: 'n', value: values[i % 7], quality: i % 2 ? 'bad' : 'good', ts: T0 + i + 0.4 });
    backlog.dropOldest(1500);
    assert.equal(backlog.length, 1500);
    const cols = backlog.take(1000);
    assert.equal(cols.length, 1000);
    assert.equal(backlog.length, 500);
    for (const k of [0, 1, 2, 3, 4, 5, 6, 999]) {
      const i = 1500 + k;
      assert.equal(cols.ts[k], T0 + i, 'whole ms');
      assert.equal(cols.slots[k], i % 7);
      assert.equal(cols.qualities[k], i % 2 ? 3 : 0);
    }
    // sample 1500 is values[2] ('text'), 1501 true, 1502 the bigint, 1503 the Buffer, 1504 null, 1505 1.5, 1506 NaN
    assert.equal(cols.texts?.[0], 'text');
    assert.equal(cols.nums[1], 1);
    assert.equal(cols.texts?.[2], '12345678901234567890');
    assert.equal(cols.texts?.[3], '6162');
    assert.ok(Number.isNaN(cols.nums[4]) && cols.texts?.[4] === null);
    assert.equal(cols.nums[5], 1.5);
    assert.ok(Number.isNaN(cols.nums[6]));
    const rest = backlog.take(10_000);
    assert.equal(rest.length, 500);
    assert.equal(rest.ts[499], T0 + 2999);
    assert.equal(backlog.length, 0);
    assert.equal(backlog.bytes, 1024 * SAMPLE_COLUMN_BYTES, 'the last block is kept for the next samples, the others released');
  });
});
