// Historian throughput and query time, each figure beside a baseline of the same run:
//   1. samples/s stored: raw sqlite3 multi-row INSERTs into a row-per-sample table clustered on
//      (tag_id, ts) (the historian's layout before chunks) with the historian's pragmas (WAL,
//      synchronous=NORMAL, one transaction per 20,000 rows, statements of 1,000 rows prepared
//      once, through lib/storage/sqlite's thin promise wrapper, rows in arrival order) vs
//      HistorianStore.add() with scans of 1,000 tags, flushed in batches of 20,000 (one chunk per
//      tag per batch, bound to one prepared INSERT as JSON text); rounds of the two alternate;
//   2. a one-day range of one tag stored at 1 s (86,400 samples) downsampled to 1-minute steps
//      (avg, 1,440 rows), vs reading the same 86,400 raw rows out of the store.
// Targets (issue 22): >= 200,000 samples/s stored; the downsampled day in < 100 ms.
// BENCH_HISTORIAN_BEFORE=<a lib/historian directory of an earlier version> adds that store's rounds
// (alternating with the others) for a before/after in one run; each store gets the producer its
// API allows: one that waits for the writer to take what waits (HistorianStore.taken), or, for a
// store without it, one that yields once a batch was cut.
// Run: node --expose-gc --import tsx bench/historian.bench.ts   (never fails on a number)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HistorianStore, parseQuery } from '../lib/historian';
import { tuneForBatches } from '../lib/historian/schema';
import { openSqliteDatabase, loadSqlite } from '../lib/storage/sqlite';
import type { TagSample } from '../lib/tags/contract';

const N = Number(process.env.BENCH_HISTORIAN_N ?? 500_000);
const TAGS = 1000;
const BATCH = Number(process.env.BENCH_HISTORIAN_BATCH ?? 20_000);
const ROWS_PER_STATEMENT = 1000;
const DAY = 86_400;
const QUERY_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const INSERT_ROUNDS = Number(process.env.BENCH_INSERT_ROUNDS ?? 3);
const T0 = Date.UTC(2026, 11, 1);
const dir = mkdtempSync(join(tmpdir(), 'edgegw-historian-bench-'));
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const BEFORE_DIR = process.env.BENCH_HISTORIAN_BEFORE;
const cpuMicros = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};
/** The store of an earlier version, for a before/after in one run. */
const FormerStore = BEFORE_DIR ? (require(resolve(BEFORE_DIR)) as { HistorianStore: typeof HistorianStore }).HistorianStore : undefined;

interface InsertRound {
  rate: number;
  /** CPU of the process (its threads, SQLite's too) per sample stored, µs: steadier than a rate on a loaded host */
  cpuUs: number;
  /** most samples the store held at once, waiting or being written (counted where the store counts them) */
  mostHeld: number;
}

function scans(): TagSample[][] {
  const out: TagSample[][] = [];
  for (let i = 0; i < N / TAGS; i++) {
    const scan: TagSample[] = [];
    for (let t = 0; t < TAGS; t++) scan.push({ device: `plc${t % 10}`, name: `tag${t}`, value: 20 + ((i + t) % 100) / 10, quality: 'good', ts: T0 + i * 1000 });
    out.push(scan);
  }
  return out;
}

/** The baseline's table: a row per sample, clustered on (tag_id, ts), the historian's layout before chunks. */
const ROW_TABLE = `CREATE TABLE samples (
  tag_id INTEGER NOT NULL, ts INTEGER NOT NULL, num REAL, text TEXT, kind INTEGER NOT NULL, quality INTEGER NOT NULL,
  PRIMARY KEY (tag_id, ts)) WITHOUT ROWID`;

/** A multi-row INSERT of `rows` samples, six bound parameters a row (the baseline's statement). */
function insertSamplesSql(rows: number): string {
  const values = new Array<string>(rows).fill('(?,?,?,?,?,?)').join(',');
  return `INSERT OR REPLACE INTO samples (tag_id, ts, num, text, kind, quality) VALUES ${values}`;
}

/** The baseline: the same rows as plain parameters, multi-row INSERTs, no deadband, no tag lookup. */
async function rawInserts(round: number): Promise<InsertRound> {
  const db = await openSqliteDatabase({
    path: join(dir, `raw-${round}.db`),
    sqlite: loadSqlite(),
    durability: 'normal',
    setup: async (c) => {
      await tuneForBatches(c);
      await c.exec(ROW_TABLE, 'create the table');
    },
  });
  const statement = await db.prepare(insertSamplesSql(ROWS_PER_STATEMENT), 'store samples');
  const params: unknown[][] = [];
  for (let r = 0; r < N / ROWS_PER_STATEMENT; r++) {
    const p: unknown[] = [];
    for (let k = 0; k < ROWS_PER_STATEMENT; k++) {
      const i = r * ROWS_PER_STATEMENT + k;
      p.push((i % TAGS) + 1, T0 + Math.floor(i / TAGS) * 1000, 20 + (i % 100) / 10, null, 0, 0);
    }
    params.push(p);
  }
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const perTransaction = BATCH / ROWS_PER_STATEMENT;
  for (let r = 0; r < params.length; r += perTransaction) {
    await db.transaction(async () => {
      for (let k = r; k < Math.min(params.length, r + perTransaction); k++) await statement.run(params[k]);
    });
  }
  const rate = N / ((performance.now() - start) / 1000);
  const cpuUs = cpuMicros(cpu0) / N;
  await db.close();
  return { rate, cpuUs, mostHeld: NaN };
}

async function historianInserts(round: number, Store: typeof HistorianStore, name: string): Promise<InsertRound> {
  const data = scans();
  const store = await Store.open({ path: join(dir, `${name}-${round}.db`), retentionMs: 3650 * 86_400_000, batchSize: BATCH, batchMs: 1000, pruneEveryMs: 3_600_000 });
  const waits = typeof (store as Partial<HistorianStore>).taken === 'function';
  let mostHeld = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  for (const scan of data) {
    store.add(scan);
    mostHeld = Math.max(mostHeld, store.counts.pending + (store.counts.writing ?? 0));
    // a producer that can wait keeps a batch waiting while the writer writes one
    if (waits) {
      if (store.counts.pending >= BATCH) await store.taken();
    }
    // one that cannot yields once a batch was cut; the batches commit meanwhile
    else if (store.counts.pending === 0) await new Promise(setImmediate);
  }
  await store.flush();
  const rate = store.counts.stored / ((performance.now() - start) / 1000);
  const cpuUs = cpuMicros(cpu0) / store.counts.stored;
  if (store.counts.stored !== N) throw new Error(`${name}: stored ${store.counts.stored} of ${N} samples (dropped ${store.counts.dropped})`);
  await store.close();
  return { rate, cpuUs, mostHeld: waits ? mostHeld : NaN };
}

async function queryDay(): Promise<{ downsampled: number; raw: number; rows: number }> {
  const store = await HistorianStore.open({ path: join(dir, 'day.db'), retentionMs: 3650 * 86_400_000, batchSize: BATCH, pruneEveryMs: 3_600_000 });
  for (let s = 0; s < DAY; s += BATCH) {
    const batch: TagSample[] = [];
    for (let k = s; k < Math.min(DAY, s + BATCH); k++) batch.push({ device: 'boiler', name: 'temperature', value: 60 + Math.sin(k / 600) * 10, quality: 'good', ts: T0 + k * 1000 });
    // another tag beside it, so the range read has neighbours in the file
    batch.push({ device: 'boiler', name: 'pressure', value: s, quality: 'good', ts: T0 + s * 1000 });
    store.add(batch);
  }
  await store.flush();
  const downsample = parseQuery({ tag: 'boiler/temperature', from: T0, to: T0 + DAY * 1000, step: 60_000, agg: 'avg' }, Date.now());
  const raw = parseQuery({ tag: 'boiler/temperature', from: T0, to: T0 + DAY * 1000 }, Date.now());
  const downsampledMs: number[] = [];
  const rawMs: number[] = [];
  let rows = 0;
  for (let r = 0; r < QUERY_ROUNDS; r++) {
    let t = performance.now();
    rows = (await store.query(downsample)).length;
    downsampledMs.push(performance.now() - t);
    t = performance.now();
    const all = await store.query(raw);
    rawMs.push(performance.now() - t);
    if (all.length !== DAY) throw new Error(`read ${all.length} raw rows, expected ${DAY}`);
  }
  await store.close();
  return { downsampled: median(downsampledMs), raw: median(rawMs), rows };
}

async function main(): Promise<void> {
  console.log(
    `${fmt(N)} samples of ${fmt(TAGS)} tags (scans of ${fmt(TAGS)}), batches of ${fmt(BATCH)}, ${INSERT_ROUNDS} rounds of each (alternating, medians); a day of one tag at 1 s; medians of ${QUERY_ROUNDS} query rounds`,
  );
  // alternating rounds: on a shared machine, noise then hits the baseline and the stores alike
  const raws: InsertRound[] = [];
  const historians: InsertRound[] = [];
  const formers: InsertRound[] = [];
  for (let r = 0; r < INSERT_ROUNDS; r++) {
    raws.push(await rawInserts(r));
    if (FormerStore) formers.push(await historianInserts(r, FormerStore, 'before'));
    historians.push(await historianInserts(r, HistorianStore, 'historian'));
  }
  const raw = median(raws.map((h) => h.rate));
  const historian = median(historians.map((h) => h.rate));
  const cpuOf = (rounds: InsertRound[]) => median(rounds.map((h) => h.cpuUs));
  const day = await queryDay();
  console.log('');
  console.log('| figure | value | baseline | vs baseline |');
  console.log('|---|---:|---:|---:|');
  if (FormerStore) {
    const former = median(formers.map((h) => h.rate));
    console.log(`| samples/s stored, before (${BEFORE_DIR}) | ${fmt(former)} | ${fmt(raw)} (raw multi-row INSERT) | ${fmt(former / raw, 2)}x |`);
    console.log(`| CPU µs per sample stored, before | ${fmt(cpuOf(formers), 2)} | ${fmt(cpuOf(raws), 2)} (raw multi-row INSERT) | ${fmt(cpuOf(formers) / cpuOf(raws), 2)}x |`);
  }
  console.log(`| samples/s stored (HistorianStore.add, committed) | ${fmt(historian)} | ${fmt(raw)} (raw multi-row INSERT) | ${fmt(historian / raw, 2)}x |`);
  console.log(`| CPU µs per sample stored | ${fmt(cpuOf(historians), 2)} | ${fmt(cpuOf(raws), 2)} (raw multi-row INSERT) | ${fmt(cpuOf(historians) / cpuOf(raws), 2)}x |`);
  console.log(`| one day at 1 s -> 1-min avg (${fmt(day.rows)} rows) | ${fmt(day.downsampled, 1)} ms | ${fmt(day.raw, 1)} ms (the 86,400 raw rows) | ${fmt(day.downsampled / day.raw, 2)}x |`);
  console.log('');
  console.log(
    `rounds (samples/s): raw ${raws.map((r) => fmt(r.rate)).join(', ')}; historian ${historians.map((h) => fmt(h.rate)).join(', ')}${FormerStore ? `; before ${formers.map((h) => fmt(h.rate)).join(', ')}` : ''}`,
  );
  console.log(
    `most samples the historian held at once (waiting + being written): ${fmt(Math.max(...historians.map((h) => h.mostHeld)))} (bound: ${fmt(BATCH * 20)} waiting + the batch being written)`,
  );
  console.log('');
  console.log(
    `targets: >= 200,000 samples/s: ${historian >= 200_000 ? 'met' : 'NOT met'} (${fmt(historian)}); downsampled day < 100 ms: ${day.downsampled < 100 ? 'met' : 'NOT met'} (${fmt(day.downsampled, 1)} ms)`,
  );
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
