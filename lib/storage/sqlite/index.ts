// One module for every SQLite file the gateway keeps (queue, register store, tag store, the
// stats and alarm state): loading the optional package, opening with a durability level,
// integrity check and quarantine, one error hierarchy, promise calls and transactions.
// A store keeps only its schema and its SQL.
export { loadSqlite, type SqliteDatabase, type SqliteLoader, type SqliteModule, type SqliteRow } from './driver';
export {
  SqliteBusyError,
  SqliteCannotOpenError,
  SqliteCorruptError,
  SqliteFullError,
  SqliteReadOnlyError,
  SqliteStoreError,
  sqliteErrorIn,
  sqliteErrorOf,
  storageProblemOf,
  type StorageProblem,
  type SqliteStoreErrorOptions,
} from './errors';
export { DEFAULT_BUSY_TIMEOUT_MS, SqliteConnection, SqlitePreparedStatement, type SqliteConnectOptions, type SqliteErrorWrapper, type SqliteRunResult, type TransactionMode } from './connection';
export { DURABILITY_PRAGMAS, LazySqliteDatabase, openSqliteDatabase, type SqliteDurability, type SqliteOpenOptions, type SqliteQuarantine } from './open';
export { SqliteDocumentTable } from './document-table';
export { sqliteOrMemory, type ChosenStore } from './or-memory';
