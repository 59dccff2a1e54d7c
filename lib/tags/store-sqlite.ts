// The tag store's last values in SQLite: one row per tag, replaced in one transaction per batch
// (the store hands over what changed once per tick). sqlite3 is optional and required lazily:
// without it the constructor throws MissingPackageError and the store runs in memory.
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { loadOptional } from '../system/optional';
import type { SqliteDatabase, SqliteModule } from '../modbus/register-store/sqlite';
import type { TagSample, TagValue } from './contract';
import type { TagPersistence } from './store';

export class TagPersistenceError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`tag store ${path}: ${message}`);
    this.name = 'TagPersistenceError';
  }
}

const TABLE = 'tag_values';
const SCHEMA = `CREATE TABLE IF NOT EXISTS ${TABLE} (
  device TEXT NOT NULL, name TEXT NOT NULL, value TEXT, quality TEXT NOT NULL, ts INTEGER NOT NULL,
  unit TEXT, source TEXT, PRIMARY KEY (device, name)) WITHOUT ROWID`;
// One statement per batch: the rows travel as one JSON array, not one native call per tag.
const UPSERT = `INSERT INTO ${TABLE} (device, name, value, quality, ts, unit, source)
  SELECT json_extract(r.value, '$[0]'), json_extract(r.value, '$[1]'), json_extract(r.value, '$[2]'), json_extract(r.value, '$[3]'),
         json_extract(r.value, '$[4]'), json_extract(r.value, '$[5]'), json_extract(r.value, '$[6]')
  FROM json_each(?) AS r WHERE true
  ON CONFLICT (device, name) DO UPDATE SET value = excluded.value, quality = excluded.quality, ts = excluded.ts,
    unit = excluded.unit, source = excluded.source`;

/** A tag value as text that keeps its type: bigint and Buffer are tagged, the rest is JSON. */
export function encodeValue(v: TagValue): string {
  if (typeof v === 'bigint') return JSON.stringify({ $bigint: v.toString() });
  if (Buffer.isBuffer(v)) return JSON.stringify({ $buffer: v.toString('hex') });
  return JSON.stringify(v ?? null);
}

export function decodeValue(text: unknown): TagValue {
  if (typeof text !== 'string') return null;
  const v = JSON.parse(text) as unknown;
  if (v && typeof v === 'object') {
    const o = v as { $bigint?: string; $buffer?: string };
    if (typeof o.$bigint === 'string') return BigInt(o.$bigint);
    if (typeof o.$buffer === 'string') return Buffer.from(o.$buffer, 'hex');
    return null;
  }
  return v as TagValue;
}

export class SqliteTagPersistence implements TagPersistence {
  readonly kind = 'sqlite';
  private readonly sqlite: SqliteModule;
  private opening?: Promise<SqliteDatabase>;
  /** transactions committed (diagnostics, tests) */
  commits = 0;

  constructor(
    readonly path: string,
    loader: () => SqliteModule = () => loadOptional<SqliteModule>('sqlite3'),
  ) {
    this.sqlite = loader();
  }

  async load(): Promise<TagSample[]> {
    const db = await this.open();
    const rows = await this.all(db, `SELECT device, name, value, quality, ts, unit, source FROM ${TABLE}`, []);
    const out: TagSample[] = [];
    for (const r of rows) {
      let value: TagValue;
      try {
        value = decodeValue(r.value);
      } catch {
        continue; // a row written by something else: not ours to guess
      }
      const s: TagSample = { device: String(r.device), name: String(r.name), value, quality: 'stale', ts: Number(r.ts) };
      if (typeof r.unit === 'string') s.unit = r.unit;
      if (typeof r.source === 'string') s.source = r.source;
      out.push(s);
    }
    return out;
  }

  async save(samples: TagSample[]): Promise<void> {
    if (samples.length === 0) return;
    const db = await this.open();
    const rows = samples.map((s) => [s.device, s.name, encodeValue(s.value), s.quality, Math.round(s.ts), s.unit ?? null, s.source ?? null]);
    await this.run(db, 'BEGIN IMMEDIATE', []);
    try {
      await this.run(db, UPSERT, [JSON.stringify(rows)]);
      await this.run(db, 'COMMIT', []);
      this.commits++;
    } catch (err) {
      await this.run(db, 'ROLLBACK', []).catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    const db = opening && (await opening.catch(() => undefined));
    if (db) await new Promise<void>((resolve) => db.close(() => resolve()));
  }

  private open(): Promise<SqliteDatabase> {
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
    try {
      await fs.mkdir(dirname(this.path), { recursive: true });
    } catch (err) {
      throw new TagPersistenceError(this.path, `cannot create its directory: ${(err as Error).message}`);
    }
    const db = await new Promise<SqliteDatabase>((resolve, reject) => {
      const d: SqliteDatabase = new this.sqlite.Database(this.path, this.sqlite.OPEN_READWRITE | this.sqlite.OPEN_CREATE, (err) =>
        err ? reject(new TagPersistenceError(this.path, `cannot open: ${err.message}`)) : resolve(d),
      );
    });
    try {
      db.configure('busyTimeout', 2000);
      await this.all(db, 'PRAGMA journal_mode = WAL', []);
      // last values are refreshed by the devices anyway: NORMAL is durable enough and cheaper
      await this.run(db, 'PRAGMA synchronous = NORMAL', []);
      await this.run(db, SCHEMA, []);
      return db;
    } catch (err) {
      await new Promise<void>((resolve) => db.close(() => resolve()));
      throw err;
    }
  }

  private run(db: SqliteDatabase, sql: string, params: unknown[]): Promise<void> {
    return new Promise((resolve, reject) => db.run(sql, params, (err) => (err ? reject(new TagPersistenceError(this.path, err.message)) : resolve())));
  }

  private all(db: SqliteDatabase, sql: string, params: unknown[]): Promise<Array<Record<string, unknown>>> {
    return new Promise((resolve, reject) => db.all(sql, params, (err, rows) => (err ? reject(new TagPersistenceError(this.path, err.message)) : resolve(rows))));
  }
}
