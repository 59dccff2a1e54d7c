// The historian's tables. A tag's device, name and unit are stored once in hist_tags. Samples are
// stored in chunks, as historians do: one hist_chunks row per tag per batch (t0..t1, the count,
// and the samples as JSON text), clustered by (tag_id, t0) (WITHOUT ROWID). A batch of 20,000
// samples of 1,000 tags is then 1,000 rows to insert rather than 20,000: the B-tree work per row
// in SQLite's one writer thread is what limited a row per sample. A tag's chunks never overlap in
// time (the store merges a late sample into the chunk it falls in), so one value per tag per
// millisecond holds as before. hist_samples is a view with the old table's columns: SQL readers
// (the sqlite3 shell, a second connection) still see one row per sample.
import type { SqliteConnection } from '../storage/sqlite';

export const TAGS_TABLE = 'hist_tags';
export const CHUNKS_TABLE = 'hist_chunks';
export const SAMPLES_VIEW = 'hist_samples';

/** Samples a chunk holds at most: bounds what a merge or a retention trim decodes and rewrites. */
export const MAX_CHUNK_SAMPLES = 1000;

const TABLES = `
CREATE TABLE IF NOT EXISTS ${TAGS_TABLE} (
  tag_id INTEGER PRIMARY KEY, device TEXT NOT NULL, name TEXT NOT NULL, unit TEXT, UNIQUE (device, name));
CREATE TABLE IF NOT EXISTS ${CHUNKS_TABLE} (
  tag_id INTEGER NOT NULL, t0 INTEGER NOT NULL, t1 INTEGER NOT NULL, n INTEGER NOT NULL, samples TEXT NOT NULL,
  PRIMARY KEY (tag_id, t0)) WITHOUT ROWID;`;

// a chunk is [dt,num,dt,num,...] (good numbers only) or [[dt,num,text,kind,quality],...] (chunk-text.ts);
// in the flat form a sample's num is the element after its dt (->> by index: a view for tools, not the hot path)
const VIEW = `
CREATE VIEW IF NOT EXISTS ${SAMPLES_VIEW} AS
  SELECT c.tag_id AS tag_id, c.t0 + (s.value->>0) AS ts, s.value->>1 AS num, s.value->>2 AS text, s.value->>3 AS kind, s.value->>4 AS quality
    FROM ${CHUNKS_TABLE} c, json_each(c.samples) s WHERE s.type = 'array'
  UNION ALL
  SELECT c.tag_id, c.t0 + s.value, c.samples->>(s.key + 1), NULL, 0, 0
    FROM ${CHUNKS_TABLE} c, json_each(c.samples) s WHERE s.type <> 'array' AND s.key % 2 = 0;`;

/**
 * Creates the tables, or brings a file of the previous layout (a row per sample in a
 * hist_samples table) forward. Incremental auto-vacuum is switched on first, while the file is
 * still empty (SQLite allows it only while there is no table): pages freed by retention are then
 * given back to the file system in bounded steps (PRAGMA incremental_vacuum), never by a VACUUM
 * that rewrites the whole file.
 */
export async function createHistorianSchema(db: SqliteConnection): Promise<void> {
  // the store sizes the cache to its tags once it has read them (pageCacheKibFor)
  await tuneForBatches(db, MIN_CACHE_KIB);
  const tables = await db.get(`SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'`, [], 'read the schema');
  if (Number(tables?.n ?? 0) === 0) {
    // the switch to WAL has already written the file's header: VACUUM (instant on an empty file) applies the mode
    await db.run('PRAGMA auto_vacuum = INCREMENTAL', [], 'switch on incremental vacuum');
    await db.run('VACUUM', [], 'switch on incremental vacuum');
  }
  const rowTable = await db.get(`SELECT 1 AS found FROM sqlite_schema WHERE type = 'table' AND name = ?`, [SAMPLES_VIEW], 'read the schema');
  if (rowTable) await db.transaction(() => migrateRowsToChunks(db));
  await db.exec(TABLES + VIEW, 'create the historian tables');
}

/**
 * The previous layout's rows packed into chunks of MAX_CHUNK_SAMPLES per tag, in one transaction
 * (a crash during it leaves the old table as it was). The sample text is made exactly as
 * chunkJson (chunk-text.ts) makes it: REALs in 17 significant digits (JSON's json_array would round to 15),
 * ±Infinity as ±9e999, strings quoted by json_quote.
 */
async function migrateRowsToChunks(db: SqliteConnection): Promise<void> {
  const OLD = 'hist_samples_rows';
  await db.run(`ALTER TABLE ${SAMPLES_VIEW} RENAME TO ${OLD}`, [], 'migrate the samples to chunks');
  await db.exec(TABLES, 'migrate the samples to chunks');
  const num = `CASE WHEN num IS NULL THEN 'null' WHEN num = 9e999 THEN '9e999' WHEN num = -9e999 THEN '-9e999' ELSE printf('%!.17g', num) END`;
  const nested = `'[' || (ts - t0) || ',' || ${num} || ',' || coalesce(json_quote(text), 'null') || ',' || kind || ',' || quality || ']'`;
  const flat = `(ts - t0) || ',' || ${num}`;
  await db.run(
    `INSERT INTO ${CHUNKS_TABLE} (tag_id, t0, t1, n, samples)
     SELECT tag_id, min(ts), max(ts), count(*),
            '[' || CASE WHEN max(kind <> 0 OR quality <> 0) THEN group_concat(${nested}, ',' ORDER BY ts) ELSE group_concat(${flat}, ',' ORDER BY ts) END || ']'
       FROM (SELECT *, min(ts) OVER (PARTITION BY tag_id, chunk) AS t0
               FROM (SELECT *, (row_number() OVER (PARTITION BY tag_id ORDER BY ts) - 1) / ${MAX_CHUNK_SAMPLES} AS chunk FROM ${OLD}))
      GROUP BY tag_id, chunk`,
    [],
    'migrate the samples to chunks',
  );
  await db.run(`DROP TABLE ${OLD}`, [], 'migrate the samples to chunks');
}

/**
 * A batch of samples of many tags writes one leaf page per tag (the chunks are clustered by
 * tag), so a commit costs about (tags in the batch) pages of log, whatever the batch's size:
 * large batches, a page cache that holds every tag's last page, and fewer checkpoints (a page
 * written by several commits is copied into the file once) are what make the write rate. The log
 * is truncated back to journal_size_limit after each checkpoint, so it does not stay large.
 */
export async function tuneForBatches(db: SqliteConnection, cacheKib: number = MAX_CACHE_KIB): Promise<void> {
  await setPageCache(db, cacheKib);
  await db.all(`PRAGMA wal_autocheckpoint = ${CHECKPOINT_PAGES}`, [], 'set the checkpoint interval');
  await db.all(`PRAGMA journal_size_limit = ${JOURNAL_LIMIT_BYTES}`, [], 'set the log size limit');
}

export async function setPageCache(db: SqliteConnection, kib: number): Promise<void> {
  await db.run(`PRAGMA cache_size = -${Math.round(kib)}`, [], 'set the page cache');
}

/** SQLite's own default: a store of a few tags keeps it. */
export const MIN_CACHE_KIB = 2 * 1024;
export const MAX_CACHE_KIB = 32 * 1024;
/** a tag's last leaf page, with room for the interior pages above and a page a reader brings in */
const CACHE_KIB_PER_TAG = 16;

/**
 * The page cache a store of `tags` tags keeps: every tag's last page (see above) and the pages
 * above them, not a flat 32 MB. The cache holds what a long run touches, so a flat size was the
 * RSS of a gateway after a day whatever its size; this one follows the plant: SQLite's default
 * 2 MB up to 128 tags, 16 MB at 1,000, 32 MB from 2,048.
 */
export function pageCacheKibFor(tags: number): number {
  return Math.min(MAX_CACHE_KIB, Math.max(MIN_CACHE_KIB, tags * CACHE_KIB_PER_TAG));
}
const CHECKPOINT_PAGES = 10_000;
const JOURNAL_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * The INSERT of a batch's chunks: one JSON array of [tag_id, t0, t1, n, [samples...]] arrays
 * (chunks.ts), bound as a single parameter and unpacked by SQLite on the driver's worker thread;
 * `->` gives each chunk's samples back as their JSON text (numbers keep their digits).
 */
export const INSERT_CHUNKS_JSON_SQL = `INSERT INTO ${CHUNKS_TABLE} (tag_id, t0, t1, n, samples)
  SELECT value->>0, value->>1, value->>2, value->>3, value->4 FROM json_each(?)`;
