// The historian's tables. A tag's device, name and unit are stored once in hist_tags; a sample row
// carries only the tag's integer id, so a row is a few dozen bytes rather than repeating text.
// hist_samples is clustered by (tag_id, ts) (WITHOUT ROWID): a range of one tag is one contiguous
// read, a batch is one b-tree to write (no separate index), and retention deletes a contiguous
// prefix of each tag. One value per tag per millisecond: a second sample with the same ts
// replaces the first.
import type { SqliteConnection } from '../storage/sqlite';

export const TAGS_TABLE = 'hist_tags';
export const SAMPLES_TABLE = 'hist_samples';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ${TAGS_TABLE} (
  tag_id INTEGER PRIMARY KEY, device TEXT NOT NULL, name TEXT NOT NULL, unit TEXT, UNIQUE (device, name));
CREATE TABLE IF NOT EXISTS ${SAMPLES_TABLE} (
  tag_id INTEGER NOT NULL, ts INTEGER NOT NULL, num REAL, text TEXT, kind INTEGER NOT NULL, quality INTEGER NOT NULL,
  PRIMARY KEY (tag_id, ts)) WITHOUT ROWID;`;

/**
 * Creates the tables. Incremental auto-vacuum is switched on first, while the file is still
 * empty (SQLite allows it only while there is no table): pages freed by retention are then given
 * back to the file system in bounded steps (PRAGMA incremental_vacuum), never by a VACUUM that
 * rewrites the whole file.
 */
export async function createHistorianSchema(db: SqliteConnection): Promise<void> {
  await tuneForBatches(db);
  const tables = await db.get(`SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'`, [], 'read the schema');
  if (Number(tables?.n ?? 0) === 0) {
    // the switch to WAL has already written the file's header: VACUUM (instant on an empty file) applies the mode
    await db.run('PRAGMA auto_vacuum = INCREMENTAL', [], 'switch on incremental vacuum');
    await db.run('VACUUM', [], 'switch on incremental vacuum');
  }
  await db.exec(SCHEMA, 'create the historian tables');
}

/**
 * A batch of samples of many tags writes one leaf page per tag (the rows are clustered by tag),
 * so a commit costs about (tags in the batch) pages of log, whatever the batch's size: large
 * batches, a page cache that holds every tag's last page, and fewer checkpoints (a page written
 * by several commits is copied into the file once) are what make the write rate. The log is
 * truncated back to journal_size_limit after each checkpoint, so it does not stay large.
 */
async function tuneForBatches(db: SqliteConnection): Promise<void> {
  await db.run(`PRAGMA cache_size = -${CACHE_KIB}`, [], 'set the page cache');
  await db.all(`PRAGMA wal_autocheckpoint = ${CHECKPOINT_PAGES}`, [], 'set the checkpoint interval');
  await db.all(`PRAGMA journal_size_limit = ${JOURNAL_LIMIT_BYTES}`, [], 'set the log size limit');
}

const CACHE_KIB = 32 * 1024;
const CHECKPOINT_PAGES = 10_000;
const JOURNAL_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * The INSERT of a batch: the rows come as one JSON array of [tag_id, ts, num, text, kind, quality]
 * arrays (samplesJson in values.ts), bound as a single parameter and unpacked by SQLite. Binding
 * six parameters per row through the driver is what a multi-row INSERT spends its time on, on the
 * event loop; one string is bound at once and SQLite reads it on the driver's worker thread.
 */
export const INSERT_SAMPLES_JSON_SQL = `INSERT OR REPLACE INTO ${SAMPLES_TABLE} (tag_id, ts, num, text, kind, quality)
  SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5 FROM json_each(?)`;
