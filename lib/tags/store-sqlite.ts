// The tag store's last values in SQLite: one row per tag, replaced in one transaction per batch
// (the store hands over what changed once per tick). sqlite3 is optional and required lazily:
// without it the constructor throws MissingPackageError and the store runs in memory.
import { LazySqliteDatabase, loadSqlite, openSqliteDatabase, type SqliteConnection, type SqliteLoader, type SqliteModule, type SqliteStoreError } from '../storage/sqlite';
import type { TagSample, TagValue } from './contract';
import type { TagPersistence } from './store';

export class TagPersistenceError extends Error {
  constructor(
    readonly path: string,
    message: string,
    /** SQLite's code (SQLITE_BUSY, SQLITE_NOTADB, ...) when SQLite reported the failure */
    readonly sqliteCode?: string,
    options?: { cause?: unknown },
  ) {
    super(`tag store ${path}: ${message}`, options);
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
  private readonly database = new LazySqliteDatabase(() => this.openOnce());
  /** transactions committed (diagnostics, tests) */
  commits = 0;

  constructor(
    readonly path: string,
    loader: SqliteLoader = loadSqlite,
  ) {
    this.sqlite = loader();
  }

  async load(): Promise<TagSample[]> {
    const db = await this.database.connection();
    const rows = await db.all(`SELECT device, name, value, quality, ts, unit, source FROM ${TABLE}`, [], 'read last values');
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
    const db = await this.database.connection();
    const rows = samples.map((s) => [s.device, s.name, encodeValue(s.value), s.quality, Math.round(s.ts), s.unit ?? null, s.source ?? null]);
    await db.transaction(() => db.run(UPSERT, [JSON.stringify(rows)], 'write last values'));
    this.commits++;
  }

  close(): Promise<void> {
    return this.database.close();
  }

  private openOnce(): Promise<SqliteConnection> {
    return openSqliteDatabase({
      path: this.path,
      sqlite: this.sqlite,
      // last values are refreshed by the devices anyway: NORMAL is durable enough and cheaper
      durability: 'normal',
      // a file that is no database is refused and left as it is: the store runs in memory and says why
      corruptFile: 'refuse',
      wrapError: (err: SqliteStoreError) => new TagPersistenceError(this.path, err.description, err.code, { cause: err }),
      setup: (db) => db.run(SCHEMA, [], 'create the table').then(() => undefined),
    });
  }
}
