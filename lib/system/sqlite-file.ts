// A small promise wrapper over one sqlite3 database file, for the state stores of the stats and
// alarm nodes (a key -> JSON document table each). sqlite3 is optional and loaded lazily: a
// missing package surfaces as MissingPackageError from open(), which the node shows as a status.
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { loadOptional } from './optional';
import type { SqliteDatabase, SqliteModule } from '../modbus/register-store/sqlite';

export class SqliteFileError extends Error {
  constructor(
    readonly path: string,
    message: string,
    readonly sqliteCode?: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'SqliteFileError';
  }
}

/** A table of documents: key TEXT PRIMARY KEY, doc TEXT (JSON). */
export class SqliteDocumentTable {
  private db: SqliteDatabase | undefined;
  private opening: Promise<SqliteDatabase> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    readonly path: string,
    readonly table: string,
    private readonly loader: () => SqliteModule = () => loadOptional<SqliteModule>('sqlite3'),
  ) {
    if (!/^\w+$/.test(table)) throw new Error(`table name "${table}" is not a plain identifier`);
  }

  /** Every document, by key. */
  async loadAll(): Promise<Map<string, unknown>> {
    const db = await this.open();
    const rows = await this.all(db, `SELECT key, doc FROM ${this.table}`, []);
    const out = new Map<string, unknown>();
    for (const r of rows) {
      try {
        out.set(String(r.key), JSON.parse(String(r.doc)));
      } catch (err) {
        throw new SqliteFileError(this.path, `table ${this.table}, key ${JSON.stringify(r.key)}: the stored document is not JSON (${(err as Error).message})`);
      }
    }
    return out;
  }

  /** In one transaction: upserts `put`, deletes `remove` (or every other key when replaceAll). */
  replace(put: Map<string, unknown>, remove: string[] = [], replaceAll = false): Promise<void> {
    if (this.closed) return Promise.reject(new SqliteFileError(this.path, 'the store is closed'));
    const job = this.queue.then(async () => {
      const db = await this.open();
      await this.run(db, 'BEGIN IMMEDIATE', []);
      try {
        if (replaceAll) await this.run(db, `DELETE FROM ${this.table}`, []);
        for (const key of remove) await this.run(db, `DELETE FROM ${this.table} WHERE key = ?`, [key]);
        if (put.size) {
          const rows = JSON.stringify([...put].map(([k, v]) => [k, JSON.stringify(v)]));
          await this.run(
            db,
            `INSERT INTO ${this.table} (key, doc) SELECT json_extract(r.value, '$[0]'), json_extract(r.value, '$[1]') FROM json_each(?) AS r WHERE true
             ON CONFLICT (key) DO UPDATE SET doc = excluded.doc`,
            [rows],
          );
        }
        await this.run(db, 'COMMIT', []);
      } catch (err) {
        await this.run(db, 'ROLLBACK', []).catch(() => undefined);
        throw err;
      }
    });
    this.queue = job.catch(() => undefined);
    return job;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    const opening = this.opening;
    this.opening = undefined;
    if (!opening) return;
    const db = await opening.catch(() => undefined);
    if (db) await new Promise<void>((resolve) => db.close(() => resolve()));
  }

  private open(): Promise<SqliteDatabase> {
    if (this.closed) return Promise.reject(new SqliteFileError(this.path, 'the store is closed'));
    if (!this.opening) {
      const opening = this.openOnce();
      this.opening = opening;
      opening.catch(() => {
        if (this.opening === opening) this.opening = undefined;
      });
    }
    return this.opening;
  }

  private async openOnce(): Promise<SqliteDatabase> {
    const sqlite = this.loader();
    try {
      await fs.mkdir(dirname(this.path), { recursive: true });
    } catch (err) {
      throw new SqliteFileError(this.path, `cannot create its directory: ${(err as Error).message}`);
    }
    const db = await new Promise<SqliteDatabase>((resolve, reject) => {
      const d: SqliteDatabase = new sqlite.Database(this.path, sqlite.OPEN_READWRITE | sqlite.OPEN_CREATE, (err) => (err ? reject(this.wrap(err, 'cannot open')) : resolve(d)));
    });
    try {
      db.configure('busyTimeout', 2000);
      await this.all(db, 'PRAGMA journal_mode = WAL', []);
      await this.run(db, 'PRAGMA synchronous = FULL', []);
      await this.run(db, `CREATE TABLE IF NOT EXISTS ${this.table} (key TEXT PRIMARY KEY, doc TEXT NOT NULL) WITHOUT ROWID`, []);
      return db;
    } catch (err) {
      await new Promise<void>((resolve) => db.close(() => resolve()));
      throw err;
    }
  }

  private run(db: SqliteDatabase, sql: string, params: unknown[]): Promise<void> {
    return new Promise((resolve, reject) => db.run(sql, params, (err) => (err ? reject(this.wrap(err, 'cannot write')) : resolve())));
  }

  private all(db: SqliteDatabase, sql: string, params: unknown[]): Promise<Array<Record<string, unknown>>> {
    return new Promise((resolve, reject) => db.all(sql, params, (err, rows) => (err ? reject(this.wrap(err, 'cannot read')) : resolve(rows))));
  }

  private wrap(err: Error, what: string): SqliteFileError {
    const code = (err as { code?: string }).code;
    return new SqliteFileError(this.path, `${what}: ${err.message}`, code);
  }
}
