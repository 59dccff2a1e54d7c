// One sqlite3 connection with promise-returning calls whose errors name the file and the
// operation (errors.ts), prepared statements that are finalized before the connection closes,
// and transactions that always end: a failed statement or a failed COMMIT rolls back, so the
// connection is never left inside a transaction for the next caller to trip over.
import type { SqliteDatabase, SqliteModule, SqliteRow, SqliteStatementHandle } from './driver';
import { SqliteStoreError, sqliteErrorOf } from './errors';

export interface SqliteRunResult {
  /** rows changed by an INSERT, UPDATE or DELETE */
  changes: number;
  /** rowid of the last row inserted */
  lastID: number;
}

/** Turns the module's error into the store's own error type (which should keep it as `cause`). */
export type SqliteErrorWrapper = (err: SqliteStoreError) => Error;

export type TransactionMode = 'DEFERRED' | 'IMMEDIATE' | 'EXCLUSIVE';

export interface SqliteConnectOptions {
  path: string;
  sqlite: SqliteModule;
  /** how long a statement waits for another connection's lock before SQLITE_BUSY (default 2000 ms) */
  busyTimeoutMs?: number;
  wrapError?: SqliteErrorWrapper;
  /**
   * Keep BEGIN and COMMIT compiled (finalized by close()): a connection that commits hundreds
   * of short transactions a second (a queue recording acknowledgements) saves a compile and a
   * trip through the thread pool on each. Off by default.
   */
  preparedTransactions?: boolean;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 2000;

// After SQLite rolled a transaction back by itself (some SQLITE_FULL and I/O errors do), the
// explicit ROLLBACK finds none: that is the outcome we wanted, not a failure.
const NO_TRANSACTION = /no transaction is active/;

export class SqliteConnection {
  private readonly statements = new Set<SqlitePreparedStatement>();
  /** transactions run one after another: a second BEGIN on one connection would fail */
  private transactions: Promise<unknown> = Promise.resolve();
  /** a ROLLBACK that failed: retried before the next BEGIN */
  private rollbackOwed = false;
  private closing: Promise<void> | undefined;
  /** BEGIN and COMMIT, compiled once (preparedTransactions) */
  private readonly control = new Map<string, Promise<SqlitePreparedStatement>>();

  private constructor(
    readonly path: string,
    private readonly db: SqliteDatabase,
    readonly busyTimeoutMs: number,
    private readonly wrapError: SqliteErrorWrapper,
    private readonly preparedTransactions: boolean,
  ) {}

  /** Opens (creating if needed) the file, with the busy timeout set. */
  static open(opts: SqliteConnectOptions): Promise<SqliteConnection> {
    const busyTimeoutMs = opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    const wrapError = opts.wrapError ?? ((e) => e);
    return new Promise((resolve, reject) => {
      const db: SqliteDatabase = new opts.sqlite.Database(opts.path, opts.sqlite.OPEN_READWRITE | opts.sqlite.OPEN_CREATE, (err) => {
        if (err) return reject(wrapError(sqliteErrorOf(opts.path, 'open', err, busyTimeoutMs)));
        db.configure('busyTimeout', busyTimeoutMs);
        resolve(new SqliteConnection(opts.path, db, busyTimeoutMs, wrapError, opts.preparedTransactions === true));
      });
    });
  }

  /** The error this connection rejects with for a failure of `operation`. */
  errorFor(err: Error, operation: string): Error {
    return this.wrapError(err instanceof SqliteStoreError ? err : sqliteErrorOf(this.path, operation, err, this.busyTimeoutMs));
  }

  run(sql: string, params: unknown[], operation: string): Promise<SqliteRunResult> {
    return new Promise((resolve, reject) => {
      const fail = (err: Error) => reject(this.errorFor(err, operation));
      this.db.run(sql, params, function (err) {
        if (err) fail(err);
        else resolve({ changes: this.changes, lastID: this.lastID });
      });
    });
  }

  get(sql: string, params: unknown[], operation: string): Promise<SqliteRow | undefined> {
    return new Promise((resolve, reject) => this.db.get(sql, params, (err, row) => (err ? reject(this.errorFor(err, operation)) : resolve(row))));
  }

  all(sql: string, params: unknown[], operation: string): Promise<SqliteRow[]> {
    return new Promise((resolve, reject) => this.db.all(sql, params, (err, rows) => (err ? reject(this.errorFor(err, operation)) : resolve(rows))));
  }

  /** Runs several statements separated by semicolons, without parameters (a schema). */
  exec(sql: string, operation: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.exec(sql, (err) => (err ? reject(this.errorFor(err, operation)) : resolve())));
  }

  /** Compiles `sql` once for many runs; finalized by close() if not before. */
  prepare(sql: string, operation: string): Promise<SqlitePreparedStatement> {
    return new Promise((resolve, reject) => {
      const handle = this.db.prepare(sql, (err) => {
        if (err) return reject(this.errorFor(err, operation));
        const statement = new SqlitePreparedStatement(this, handle, operation, () => this.statements.delete(statement));
        this.statements.add(statement);
        resolve(statement);
      });
    });
  }

  /**
   * Runs `work` between BEGIN and COMMIT and resolves with its result. When `work` or the COMMIT
   * fails, the transaction is rolled back and the original error rejects. Transactions on one
   * connection wait for each other; `work` must not start another one (it would wait for itself).
   */
  transaction<T>(work: () => Promise<T>, mode: TransactionMode = 'IMMEDIATE'): Promise<T> {
    const run = this.transactions.then(() => this.runTransaction(work, mode));
    this.transactions = run.catch(() => undefined);
    return run;
  }

  private async runTransaction<T>(work: () => Promise<T>, mode: TransactionMode): Promise<T> {
    if (this.rollbackOwed) {
      await this.rollback('roll back an earlier failed transaction');
    }
    await this.runControl(`BEGIN ${mode}`, 'start a transaction');
    try {
      const result = await work();
      // a COMMIT that fails (SQLITE_BUSY, SQLITE_FULL) leaves the transaction open: rolled back below
      await this.runControl('COMMIT', 'commit');
      return result;
    } catch (err) {
      try {
        await this.rollback('roll back');
      } catch {
        // the caller gets the error that broke the transaction; the ROLLBACK is retried (and its
        // failure reported) before the next BEGIN on this connection
        this.rollbackOwed = true;
      }
      throw err;
    }
  }

  /** Runs BEGIN or COMMIT: compiled once when the connection keeps them (preparedTransactions). */
  private async runControl(sql: string, operation: string): Promise<void> {
    if (!this.preparedTransactions) {
      await this.run(sql, [], operation);
      return;
    }
    let statement = this.control.get(sql);
    if (!statement) {
      statement = this.prepare(sql, operation);
      this.control.set(sql, statement);
      // a failed compile is tried again by the next transaction
      statement.catch(() => this.control.delete(sql));
    }
    await (await statement).run([]);
  }

  private async rollback(operation: string): Promise<void> {
    await new Promise<void>((resolve, reject) => this.db.run('ROLLBACK', [], (err) => (err && !NO_TRANSACTION.test(err.message) ? reject(this.errorFor(err, operation)) : resolve())));
    this.rollbackOwed = false;
  }

  /** Finalizes the prepared statements, then closes the file (idempotent). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.statements].map((s) => s.finalize()));
      await new Promise<void>((resolve, reject) => this.db.close((err) => (err ? reject(this.errorFor(err, 'close')) : resolve())));
    })();
    return this.closing;
  }
}

/** A statement compiled once; its errors name the operation it was prepared for. */
export class SqlitePreparedStatement {
  private finalizing: Promise<void> | undefined;

  constructor(
    private readonly connection: SqliteConnection,
    private readonly handle: SqliteStatementHandle,
    readonly operation: string,
    private readonly forget: () => void,
  ) {}

  run(params: unknown[]): Promise<SqliteRunResult> {
    return new Promise((resolve, reject) => {
      const fail = (err: Error) => reject(this.connection.errorFor(err, this.operation));
      this.handle.run(params, function (err) {
        if (err) fail(err);
        else resolve({ changes: this.changes, lastID: this.lastID });
      });
    });
  }

  get(params: unknown[]): Promise<SqliteRow | undefined> {
    return new Promise((resolve, reject) => this.handle.get(params, (err, row) => (err ? reject(this.connection.errorFor(err, this.operation)) : resolve(row))));
  }

  all(params: unknown[]): Promise<SqliteRow[]> {
    return new Promise((resolve, reject) => this.handle.all(params, (err, rows) => (err ? reject(this.connection.errorFor(err, this.operation)) : resolve(rows))));
  }

  finalize(): Promise<void> {
    this.finalizing ??= new Promise<void>((resolve, reject) => {
      this.forget();
      this.handle.finalize((err) => (err ? reject(this.connection.errorFor(err, `finalize the statement to ${this.operation}`)) : resolve()));
    });
    return this.finalizing;
  }
}
