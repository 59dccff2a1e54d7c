// One error hierarchy for every SQLite file the gateway keeps. Each error names the file, what was
// being done (`operation`, phrased to follow "cannot ...") and SQLite's own code, and its class
// says what kind of trouble it is, so a caller can react (retry a busy file, quarantine a corrupt
// one, report a full disk) without parsing messages.

export interface SqliteStoreErrorOptions {
  /** SQLite's code (SQLITE_BUSY, SQLITE_NOTADB, ...) or, before SQLite was reached, the system's (ENOTDIR, EACCES, ...) */
  code?: string;
  cause?: unknown;
}

export class SqliteStoreError extends Error {
  readonly code: string | undefined;

  constructor(
    /** the database file */
    readonly path: string,
    /** what was being done, e.g. "open", "write messages", "commit" */
    readonly operation: string,
    /** why it failed, in words */
    readonly reason: string,
    options: SqliteStoreErrorOptions = {},
  ) {
    super(`${path}: cannot ${operation}: ${reason}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SqliteStoreError';
    this.code = options.code;
  }

  /** The message without the file name, for a store whose own errors already name it. */
  get description(): string {
    return `cannot ${this.operation}: ${this.reason}`;
  }
}

/** SQLITE_BUSY / SQLITE_LOCKED: another connection held the lock longer than the busy timeout. */
export class SqliteBusyError extends SqliteStoreError {
  override name = 'SqliteBusyError';
}

/** SQLITE_CORRUPT / SQLITE_NOTADB, or a failed integrity check: the file cannot be trusted. */
export class SqliteCorruptError extends SqliteStoreError {
  override name = 'SqliteCorruptError';
}

/** SQLITE_FULL: the disk is full, or the file reached its max_page_count. */
export class SqliteFullError extends SqliteStoreError {
  override name = 'SqliteFullError';
}

/** SQLITE_READONLY / SQLITE_PERM / SQLITE_AUTH: the file may not be written here. */
export class SqliteReadOnlyError extends SqliteStoreError {
  override name = 'SqliteReadOnlyError';
}

/** SQLITE_CANTOPEN, or the file's directory cannot be made: the file cannot be opened at all. */
export class SqliteCannotOpenError extends SqliteStoreError {
  override name = 'SqliteCannotOpenError';
}

type SqliteErrorClass = new (path: string, operation: string, reason: string, options?: SqliteStoreErrorOptions) => SqliteStoreError;

function classify(code: string | undefined, busyTimeoutMs: number): { type: SqliteErrorClass; why?: string } {
  switch (code) {
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return { type: SqliteBusyError, why: `the database is locked by another connection or process (waited ${busyTimeoutMs} ms)` };
    case 'SQLITE_NOTADB':
      return { type: SqliteCorruptError, why: 'the file is not a SQLite database or is corrupt' };
    case 'SQLITE_CORRUPT':
      return { type: SqliteCorruptError, why: 'the database is corrupt' };
    case 'SQLITE_FULL':
      return { type: SqliteFullError, why: 'the disk is full (or the file reached its size cap)' };
    case 'SQLITE_READONLY':
    case 'SQLITE_PERM':
    case 'SQLITE_AUTH':
      return { type: SqliteReadOnlyError, why: 'the database is read-only here' };
    case 'SQLITE_CANTOPEN':
      return { type: SqliteCannotOpenError, why: 'cannot open the file (missing directory, no permission, or not a file)' };
    case 'SQLITE_IOERR':
      return { type: SqliteStoreError, why: 'I/O error' };
    default:
      return { type: SqliteStoreError };
  }
}

/** Maps an error from the sqlite3 package to the hierarchy above, keeping SQLite's own text. */
export function sqliteErrorOf(path: string, operation: string, err: Error, busyTimeoutMs: number): SqliteStoreError {
  const code = (err as { code?: unknown }).code;
  const sqliteCode = typeof code === 'string' ? code : undefined;
  const { type, why } = classify(sqliteCode, busyTimeoutMs);
  return new type(path, operation, why ? `${why} (${err.message})` : err.message, { code: sqliteCode, cause: err });
}

/** The SqliteStoreError in `err` or in its chain of causes (a store may wrap it in its own error). */
export function sqliteErrorIn(err: unknown): SqliteStoreError | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof SqliteStoreError) return e;
  }
  return undefined;
}

/** What kind of trouble a store had, as a code a status can translate (its message is English). */
export type StorageProblem = 'busy' | 'corrupt' | 'full' | 'readOnly' | 'cannotOpen' | 'failed';

/** The kind of trouble behind `err` (a SqliteStoreError in its chain of causes); 'failed' for any other error. */
export function storageProblemOf(err: unknown): StorageProblem {
  const e = sqliteErrorIn(err);
  if (e instanceof SqliteBusyError) return 'busy';
  if (e instanceof SqliteCorruptError) return 'corrupt';
  if (e instanceof SqliteFullError) return 'full';
  if (e instanceof SqliteReadOnlyError) return 'readOnly';
  if (e instanceof SqliteCannotOpenError) return 'cannotOpen';
  return 'failed';
}
