// A table of JSON documents by key, for the state of the stats and alarm nodes (one table per
// node; several nodes may share a file). sqlite3 is loaded at the first open, so a missing
// package surfaces as MissingPackageError from the first load or replace, which the node shows.
import { loadSqlite, type SqliteLoader } from './driver';
import { SqliteStoreError } from './errors';
import type { SqliteConnection } from './connection';
import { LazySqliteDatabase, openSqliteDatabase, type SqliteQuarantine } from './open';

/** A table of documents: key TEXT PRIMARY KEY, doc TEXT (JSON). */
export class SqliteDocumentTable {
  private readonly database = new LazySqliteDatabase(() => this.openOnce());
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    readonly path: string,
    readonly table: string,
    private readonly loader: SqliteLoader = loadSqlite,
    /** told when the file was corrupt and moved aside: the table starts empty in a fresh file */
    private readonly onQuarantine?: (quarantine: SqliteQuarantine) => void,
  ) {
    if (!/^\w+$/.test(table)) throw new Error(`table name "${table}" is not a plain identifier`);
  }

  /** Every document, by key. */
  async loadAll(): Promise<Map<string, unknown>> {
    const db = await this.open();
    const rows = await db.all(`SELECT key, doc FROM ${this.table}`, [], `read table ${this.table}`);
    const out = new Map<string, unknown>();
    for (const r of rows) {
      try {
        out.set(String(r.key), JSON.parse(String(r.doc)));
      } catch (err) {
        throw new SqliteStoreError(this.path, `read table ${this.table}`, `key ${JSON.stringify(r.key)}: the stored document is not JSON (${(err as Error).message})`, { cause: err });
      }
    }
    return out;
  }

  /** In one transaction: upserts `put`, deletes `remove` (or every other key when replaceAll). */
  replace(put: Map<string, unknown>, remove: string[] = [], replaceAll = false): Promise<void> {
    if (this.closed) return Promise.reject(new SqliteStoreError(this.path, `write table ${this.table}`, 'the store is closed'));
    const job = this.queue.then(async () => {
      const db = await this.open();
      const operation = `write table ${this.table}`;
      await db.transaction(async () => {
        if (replaceAll) await db.run(`DELETE FROM ${this.table}`, [], operation);
        for (const key of remove) await db.run(`DELETE FROM ${this.table} WHERE key = ?`, [key], operation);
        if (put.size) {
          const rows = JSON.stringify([...put].map(([k, v]) => [k, JSON.stringify(v)]));
          await db.run(
            `INSERT INTO ${this.table} (key, doc) SELECT json_extract(r.value, '$[0]'), json_extract(r.value, '$[1]') FROM json_each(?) AS r WHERE true
             ON CONFLICT (key) DO UPDATE SET doc = excluded.doc`,
            [rows],
            operation,
          );
        }
      });
    });
    this.queue = job.catch(() => undefined);
    return job;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await this.database.close();
  }

  private open(): Promise<SqliteConnection> {
    if (this.closed) return Promise.reject(new SqliteStoreError(this.path, 'open', 'the store is closed'));
    return this.database.connection();
  }

  private async openOnce(): Promise<SqliteConnection> {
    const sqlite = this.loader();
    return openSqliteDatabase({
      path: this.path,
      sqlite,
      // an acknowledged alarm or a window's sums must survive a power cut
      durability: 'durable',
      // state that cannot be read is moved aside and started afresh, as the queue does: used as
      // it is, it would fail at the next save, long after the node reported itself healthy
      corruptFile: 'quarantine',
      onQuarantine: this.onQuarantine,
      setup: (db) => db.run(`CREATE TABLE IF NOT EXISTS ${this.table} (key TEXT PRIMARY KEY, doc TEXT NOT NULL) WITHOUT ROWID`, [], `create table ${this.table}`).then(() => undefined),
    });
  }
}
