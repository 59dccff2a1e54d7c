// The part of the `sqlite3` package's API the stores use, typed here because the package is an
// optional native dependency: a palette install where it did not build must still load every
// node, so it is required lazily and its absence is a MissingPackageError the node can show.
import { loadOptional } from '../../system/process/optional';

export type SqliteRow = Record<string, unknown>;

/** What node-sqlite3 passes as `this` to a run() callback. */
export interface SqliteRunContext {
  changes: number;
  lastID: number;
}

export interface SqliteStatementHandle {
  run(params: unknown[], callback: (this: SqliteRunContext, err: Error | null) => void): unknown;
  get(params: unknown[], callback: (err: Error | null, row?: SqliteRow) => void): unknown;
  all(params: unknown[], callback: (err: Error | null, rows: SqliteRow[]) => void): unknown;
  finalize(callback: (err: Error | null) => void): unknown;
}

export interface SqliteDatabase {
  configure(option: 'busyTimeout', value: number): void;
  run(sql: string, params: unknown[], callback: (this: SqliteRunContext, err: Error | null) => void): unknown;
  get(sql: string, params: unknown[], callback: (err: Error | null, row?: SqliteRow) => void): unknown;
  all(sql: string, params: unknown[], callback: (err: Error | null, rows: SqliteRow[]) => void): unknown;
  exec(sql: string, callback: (err: Error | null) => void): unknown;
  prepare(sql: string, callback: (err: Error | null) => void): SqliteStatementHandle;
  close(callback: (err: Error | null) => void): void;
}

export interface SqliteModule {
  Database: new (path: string, mode: number, callback: (err: Error | null) => void) => SqliteDatabase;
  OPEN_READWRITE: number;
  OPEN_CREATE: number;
}

/** Loads `sqlite3`; throws MissingPackageError (naming the package and how to install it) when absent. */
export type SqliteLoader = () => SqliteModule;

export const loadSqlite: SqliteLoader = () => loadOptional<SqliteModule>('sqlite3');
