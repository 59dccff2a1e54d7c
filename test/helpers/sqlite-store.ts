// Tools for the SQLite register store tests: whether the optional sqlite3 package loads here, a
// second (independent) connection to the store's file, and a count of the transactions committed
// to its write-ahead log, read straight from the -wal file.
import { existsSync, readFileSync } from 'node:fs';
import type { SqliteDatabase, SqliteModule } from '../../lib/storage/sqlite';

function sqliteLoads(): boolean {
  try {
    require('sqlite3');
    return true;
  } catch {
    return false;
  }
}

/** A `needPeers(...)` requirement: the optional npm package sqlite3, built for this Node. */
export const SQLITE_PEER = (): [string, boolean, string] => ['sqlite3 (optional npm package, native)', sqliteLoads(), 'npm install sqlite3'];

/** Another connection to the same file, with promise-returning all/run. */
export async function secondConnection(path: string): Promise<{
  all(sql: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>;
  run(sql: string, params?: unknown[]): Promise<void>;
  close(): Promise<void>;
}> {
  const sqlite = require('sqlite3') as SqliteModule;
  const db = await new Promise<SqliteDatabase>((resolve, reject) => {
    const d: SqliteDatabase = new sqlite.Database(path, sqlite.OPEN_READWRITE | sqlite.OPEN_CREATE, (err) => (err ? reject(err) : resolve(d)));
  });
  return {
    all: (sql, params = []) => new Promise((resolve, reject) => db.all(sql, params, (err, rows) => (err ? reject(err) : resolve(rows)))),
    run: (sql, params = []) => new Promise((resolve, reject) => db.run(sql, params, (err) => (err ? reject(err) : resolve()))),
    close: () => new Promise((resolve) => db.close(() => resolve())),
  };
}

/**
 * Transactions in the current write-ahead log: frames whose "database size after commit" field
 * is non-zero and whose salts match the log header (frames left from before a log reset do not).
 * See https://www.sqlite.org/fileformat2.html#walformat.
 */
export function walCommits(dbPath: string): number {
  const wal = `${dbPath}-wal`;
  if (!existsSync(wal)) return 0;
  const buf = readFileSync(wal);
  if (buf.length < 32) return 0;
  const pageSize = buf.readUInt32BE(8);
  const salt1 = buf.readUInt32BE(16);
  const salt2 = buf.readUInt32BE(20);
  let commits = 0;
  for (let off = 32; off + 24 + pageSize <= buf.length; off += 24 + pageSize) {
    if (buf.readUInt32BE(off + 8) !== salt1 || buf.readUInt32BE(off + 12) !== salt2) break;
    if (buf.readUInt32BE(off + 4) !== 0) commits++;
  }
  return commits;
}
