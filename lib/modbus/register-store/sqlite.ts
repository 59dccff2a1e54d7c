// Holding registers kept in a SQLite database: one row per register that was ever written, so a
// restart (or a power cut, with the 'durable' level) keeps what remote masters and the flow wrote.
// sqlite3 is an optional native dependency: it is required lazily, and a palette install where it
// did not build gets a MissingPackageError at construction, which the node turns into a status.
//
// Writes are coalesced: every save() within `coalesceMs` of the first pending one goes into one
// transaction, and a single save() (one FC16 of up to 123 registers, or a whole snapshot) is
// always exactly one transaction, so a reader never sees half of a multi-register value.
import { LazySqliteDatabase, loadSqlite, openSqliteDatabase, type SqliteConnection, type SqliteLoader, type SqliteModule, type SqliteStoreError } from '../../storage/sqlite';
import { RegisterStoreError, type RegisterRange, type RegisterStore, type StoredRegisters } from './register-store';

export interface SqliteRegisterStoreOptions {
  /** how long the first pending save waits for others to join its transaction (default 5 ms) */
  coalesceMs?: number;
  /** how long a write waits for another connection's lock before failing (default 2000 ms) */
  busyTimeoutMs?: number;
  /** loads the sqlite3 package (tests pass a failing loader to exercise the missing-package path) */
  loader?: SqliteLoader;
}

/** A SQLite failure, with the file named and SQLite's own code (SQLITE_NOTADB, SQLITE_BUSY, ...). */
export class SqliteRegisterStoreError extends RegisterStoreError {
  constructor(
    path: string,
    message: string,
    readonly sqliteCode?: string,
    options?: { cause?: unknown },
  ) {
    super(path, message, options);
    this.name = 'SqliteRegisterStoreError';
  }
}

export const SQLITE_TABLE = 'holding_registers';
const COLUMNS = ['unit', 'address', 'value', 'updated_at'];

const SCHEMA = `CREATE TABLE IF NOT EXISTS ${SQLITE_TABLE} (
  unit INTEGER NOT NULL CHECK (unit BETWEEN 0 AND 255),
  address INTEGER NOT NULL CHECK (address BETWEEN 0 AND 65535),
  value INTEGER NOT NULL CHECK (value BETWEEN 0 AND 65535),
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (unit, address)
) WITHOUT ROWID`;

// One statement per batch, whatever its size: the rows travel as one JSON array [[unit, address,
// value], ...] instead of one native call per register. updated_at changes only with the value.
const UPSERT = `INSERT INTO ${SQLITE_TABLE} (unit, address, value, updated_at)
  SELECT json_extract(r.value, '$[0]'), json_extract(r.value, '$[1]'), json_extract(r.value, '$[2]'), ?
  FROM json_each(?) AS r WHERE true
  ON CONFLICT (unit, address) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
  WHERE ${SQLITE_TABLE}.value <> excluded.value`;

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

export class SqliteRegisterStore implements RegisterStore {
  private readonly sqlite: SqliteModule;
  private readonly coalesceMs: number;
  private readonly busyTimeoutMs: number;
  /** a failed open (locked, corrupt, no directory) is retried by the next load/save */
  private readonly database = new LazySqliteDatabase(() => this.openOnce());
  /** unit -> address -> newest value not yet committed */
  private pending = new Map<number, Map<number, number>>();
  /** units whose rows are replaced wholesale by the next transaction (a save without ranges) */
  private snapshotUnits = new Set<number>();
  private waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  /** transactions committed by this store (diagnostics) */
  commits = 0;

  constructor(
    readonly path: string,
    opts: SqliteRegisterStoreOptions = {},
  ) {
    // throws MissingPackageError synchronously, so a node can refuse the configuration at deploy
    this.sqlite = (opts.loader ?? loadSqlite)();
    this.coalesceMs = opts.coalesceMs ?? 5;
    this.busyTimeoutMs = opts.busyTimeoutMs ?? 2000;
  }

  async load(): Promise<StoredRegisters> {
    if (this.closed) throw new SqliteRegisterStoreError(this.path, 'the store is closed');
    const db = await this.database.connection();
    const rows = await db.all(`SELECT unit, address, value FROM ${SQLITE_TABLE} ORDER BY unit, address`, [], 'read registers');
    const byUnit = new Map<number, Array<[number, number]>>();
    for (const row of rows) {
      const { unit, address, value } = row as { unit: unknown; address: unknown; value: unknown };
      const where = `row unit=${JSON.stringify(unit)} address=${JSON.stringify(address)}`;
      if (!isInt(unit, 0, 255)) throw new SqliteRegisterStoreError(this.path, `${where}: unit is not 0..255`);
      if (!isInt(address, 0, 65535)) throw new SqliteRegisterStoreError(this.path, `${where}: address is not 0..65535`);
      if (!isInt(value, 0, 65535)) throw new SqliteRegisterStoreError(this.path, `${where}: value ${JSON.stringify(value)} is not 0..65535`);
      let list = byUnit.get(unit);
      if (!list) byUnit.set(unit, (list = []));
      list.push([address, value]);
    }
    const out: StoredRegisters = new Map();
    for (const [unit, list] of byUnit) {
      const regs = new Uint16Array(list[list.length - 1][0] + 1); // rows are ordered by address
      for (const [address, value] of list) regs[address] = value;
      out.set(unit, regs);
    }
    return out;
  }

  /**
   * Queues the registers named by `changed` (their values taken from `image` now) for the next
   * transaction; without ranges, every unit of `image` is replaced. Resolves once committed.
   */
  save(image: StoredRegisters, changed: RegisterRange[] = []): Promise<void> {
    if (this.closed) return Promise.reject(new SqliteRegisterStoreError(this.path, 'the store is closed'));
    if (changed.length === 0) {
      for (const [unit, regs] of image) {
        const values = new Map<number, number>();
        regs.forEach((v, address) => {
          if (v !== 0) values.set(address, v);
        });
        this.pending.set(unit, values);
        this.snapshotUnits.add(unit);
      }
    } else {
      for (const { unit, address, count } of changed) {
        const regs = image.get(unit);
        if (!regs) continue;
        let values = this.pending.get(unit);
        if (!values) this.pending.set(unit, (values = new Map()));
        const end = Math.min(address + count, regs.length);
        for (let a = Math.max(0, address); a < end; a++) values.set(a, regs[a]);
      }
    }
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.timer) this.timer = setTimeout(() => this.flush(), this.coalesceMs);
    return done;
  }

  /** Commits what is pending, then closes the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    await this.writing;
    await this.database.close();
  }

  // ---- writing ----

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waiters.length === 0) return;
    const pending = this.pending;
    const snapshotUnits = this.snapshotUnits;
    const waiters = this.waiters;
    this.pending = new Map();
    this.snapshotUnits = new Set();
    this.waiters = [];
    this.writing = this.writing
      .then(() => this.commit(pending, snapshotUnits))
      .then(
        () => {
          for (const w of waiters) w.resolve();
        },
        (err: Error) => {
          this.requeue(pending, snapshotUnits);
          for (const w of waiters) w.reject(err);
        },
      );
  }

  /** After a failed transaction its values go back into the queue, unless something newer is already there. */
  private requeue(pending: Map<number, Map<number, number>>, snapshotUnits: Set<number>): void {
    for (const [unit, values] of pending) {
      if (this.snapshotUnits.has(unit)) continue;
      if (snapshotUnits.has(unit)) this.snapshotUnits.add(unit);
      const now = this.pending.get(unit);
      if (!now) {
        this.pending.set(unit, values);
        continue;
      }
      for (const [a, v] of values) if (!now.has(a)) now.set(a, v);
    }
  }

  private async commit(pending: Map<number, Map<number, number>>, snapshotUnits: Set<number>): Promise<void> {
    const db = await this.database.connection();
    const rows: Array<[number, number, number]> = [];
    for (const [unit, values] of pending) for (const [address, value] of values) rows.push([unit, address, value]);
    await db.transaction(async () => {
      for (const unit of snapshotUnits) await db.run(`DELETE FROM ${SQLITE_TABLE} WHERE unit = ?`, [unit], 'write');
      if (rows.length) await db.run(UPSERT, [Date.now(), JSON.stringify(rows)], 'write');
    });
    this.commits++;
  }

  // ---- opening ----

  private openOnce(): Promise<SqliteConnection> {
    return openSqliteDatabase({
      path: this.path,
      sqlite: this.sqlite,
      // a register a master wrote must survive a power cut: an fsync per commit
      durability: 'durable',
      busyTimeoutMs: this.busyTimeoutMs,
      // a corrupt file is refused and left as it is: the registers in it are the plant's setpoints
      corruptFile: 'refuse',
      wrapError: (err: SqliteStoreError) => new SqliteRegisterStoreError(this.path, err.description, err.code, { cause: err }),
      setup: async (db) => {
        await db.run(SCHEMA, [], 'create the table');
        const columns = (await db.all(`PRAGMA table_info(${SQLITE_TABLE})`, [], 'read the schema')).map((r) => String(r.name));
        const missing = COLUMNS.filter((c) => !columns.includes(c));
        if (missing.length) {
          throw new SqliteRegisterStoreError(this.path, `table ${SQLITE_TABLE} exists with other columns (${columns.join(', ')}; missing ${missing.join(', ')}): not a register store`);
        }
      },
    });
  }
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}
