// A table of JSON documents by key, for the state of the stats and alarm nodes (one table per
// node; several nodes may share a file). sqlite3 is loaded at the first open, so a missing
// package surfaces as MissingPackageError from the first load or replace, which the node shows.
import { loadSqlite, type SqliteLoader } from './driver';
import { SqliteStoreError } from './errors';
import type { SqliteConnection } from './connection';
import { LazySqliteDatabase, openSqliteDatabase, type SqliteQuarantine } from './open';

/** Rows of one INSERT: 800 parameters, under SQLite's oldest limit of 999 a statement. */
const ROWS_PER_INSERT = 400;

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
        // bound rows, ROWS_PER_INSERT a statement: a third of the CPU of one JSON array of the
        // documents' texts unpacked by json_each (every document encoded twice, parsed twice)
        const entries = [...put];
        for (let i = 0; i < entries.length; i += ROWS_PER_INSERT) {
          const rows = entries.slice(i, i + ROWS_PER_INSERT);
          const params: unknown[] = [];
          for (const [key, doc] of rows) params.push(key, JSON.stringify(doc));
          await db.run(`INSERT INTO ${this.table} (key, doc) VALUES ${rows.map(() => '(?, ?)').join(', ')} ON CONFLICT (key) DO UPDATE SET doc = excluded.doc`, params, operation);
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
