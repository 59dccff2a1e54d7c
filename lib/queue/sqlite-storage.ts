// The durable storage: one SQLite file per queue, WAL mode, one writer connection (the queue's
// transactions) and one reader connection (the forwarder's reads), so a read never sees rows of a
// transaction that is still open or that rolls back. sqlite3 is optional and loaded lazily.
//
// A file that is not a database or fails its integrity check is moved aside with a timestamped
// name and a fresh queue starts in its place: a corrupt file never becomes a crash loop.
import { SqliteConnection, loadSqlite, openSqliteDatabase, type SqliteLoader, type SqliteModule, type SqlitePreparedStatement, type SqliteQuarantine, type SqliteStoreError } from '../storage/sqlite';
import { QueueError, type Durability, type CommitPlan, type CommitResult, type DeadLetter, type QueueStorage, type RemovedRow, type StoredRow, type StoredState } from './types';

export interface SqliteQueueStorageOptions {
  queue: string;
  /** the database file */
  path: string;
  durability: Durability;
  /** loads the sqlite3 package (tests pass a failing loader for the missing-package path) */
  loader?: SqliteLoader;
  /** SQLite's own cap on the file (pages of 4 KiB); reaching it is SQLITE_FULL, as a full disk is */
  maxPageCount?: number;
  /** called when a corrupt file was moved aside */
  onQuarantine?: (q: SqliteQuarantine) => void;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS queue_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)`,
  `INSERT OR IGNORE INTO queue_meta (key, value) VALUES ('high_water', 0)`,
  `CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, enqueued_at INTEGER NOT NULL, bytes INTEGER NOT NULL, body TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS delivered (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, enqueued_at INTEGER NOT NULL, delivered_at INTEGER NOT NULL, bytes INTEGER NOT NULL, body TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS delivered_enqueued ON delivered (enqueued_at)`,
  `CREATE INDEX IF NOT EXISTS delivered_at ON delivered (delivered_at)`,
  `CREATE TABLE IF NOT EXISTS dead_letters (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, enqueued_at INTEGER NOT NULL, failed_at INTEGER NOT NULL, error TEXT NOT NULL, bytes INTEGER NOT NULL, body TEXT NOT NULL)`,
];
const ROWS_PER_INSERT = 1000; // 5 parameters a row, well under SQLite's 32766
// longer than the stores' default: a commit that gives up on a lock refuses a whole batch of
// enqueues, and the queue's own reader connection shares the file with the writer
const BUSY_TIMEOUT_MS = 5000;
/** INSERT statements kept compiled, one per batch size: a steady flow uses one or two sizes */
const CACHED_INSERTS = 4;
function insertStatement(n: number): string {
  return `INSERT INTO messages (seq, id, enqueued_at, bytes, body) VALUES ${Array(n).fill('(?,?,?,?,?)').join(',')}`;
}

export class SqliteQueueStorage implements QueueStorage {
  readonly kind = 'sqlite' as const;
  readonly location: string;
  private readonly sqlite: SqliteModule;
  private writer: SqliteConnection | undefined;
  private reader: SqliteConnection | undefined;
  /** the reader's two statements, run for every batch the forwarder takes */
  private readRows: SqlitePreparedStatement | undefined;
  private readOldest: SqlitePreparedStatement | undefined;
  /**
   * The writer's multi-row INSERTs by row count, compiled once: a 500-row INSERT has 2,500
   * parameters, and compiling it again for every transaction cost as much as running it.
   */
  private inserts = new Map<number, SqlitePreparedStatement>();
  /** the writer's DELETE of acknowledged rows, run by every transaction that records acks */
  private deleteDelivered: SqlitePreparedStatement | undefined;
  /** the writer's UPDATE of the high-water mark, run when the last seq's row is deleted */
  private writeHighWater: SqlitePreparedStatement | undefined;

  constructor(private readonly opts: SqliteQueueStorageOptions) {
    // throws MissingPackageError synchronously: the node says "needs sqlite3" at deploy
    this.sqlite = (opts.loader ?? loadSqlite)();
    this.location = opts.path;
  }

  async open(): Promise<StoredState> {
    let state: StoredState | undefined;
    // a file that is no database or fails its check is moved aside, and a fresh queue starts
    this.writer = await openSqliteDatabase({
      path: this.opts.path,
      sqlite: this.sqlite,
      durability: this.opts.durability === 'full' ? 'durable' : 'normal',
      busyTimeoutMs: BUSY_TIMEOUT_MS,
      // hundreds of short transactions a second while draining (acknowledgements): BEGIN and COMMIT stay compiled
      preparedTransactions: true,
      maxPageCount: this.opts.maxPageCount,
      corruptFile: 'quarantine',
      onQuarantine: this.opts.onQuarantine,
      wrapError: this.wrapError,
      setup: async (db) => {
        for (const sql of SCHEMA) await db.run(sql, [], 'create the schema');
        state = await this.storedState(db);
      },
    });
    try {
      const r = (this.reader = await SqliteConnection.open({ path: this.opts.path, sqlite: this.sqlite, busyTimeoutMs: BUSY_TIMEOUT_MS, wrapError: this.wrapError }));
      this.readRows = await r.prepare('SELECT seq, id, enqueued_at, bytes, body FROM messages WHERE seq > ? ORDER BY seq LIMIT ?', 'read the queue');
      this.readOldest = await r.prepare('SELECT enqueued_at FROM messages ORDER BY seq LIMIT 1', 'read the queue');
    } catch (err) {
      await this.closeConnections().catch(() => undefined); // the open's error is the one to report
      throw err;
    }
    return state!;
  }

  private async storedState(w: SqliteConnection): Promise<StoredState> {
    const meta = await w.get(`SELECT value FROM queue_meta WHERE key = 'high_water'`, [], 'read the high-water mark');
    const stats = (await w.get('SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b, max(seq) AS last FROM messages', [], 'count the queue'))!;
    const oldest = await w.get('SELECT enqueued_at FROM messages ORDER BY seq LIMIT 1', [], 'read the queue');
    // the high-water mark is the larger of what was recorded and what is there (a seq is never reused)
    const highWater = Math.max(Number(meta?.value ?? 0), Number(stats.last ?? 0));
    return { highWater, depth: Number(stats.n), bytes: Number(stats.b), oldestAt: oldest ? Number(oldest.enqueued_at) : null };
  }

  async commit(plan: CommitPlan): Promise<CommitResult> {
    const w = this.requireWriter();
    const result: CommitResult = { droppedOldest: [], droppedByAge: [], delivered: [], deadLettered: [] };
    await w.transaction(async () => {
      if (plan.delivered.length) {
        const seqs = JSON.stringify(plan.delivered);
        if (plan.keepDelivered) {
          await w.run(
            `INSERT OR REPLACE INTO delivered (seq, id, enqueued_at, delivered_at, bytes, body) SELECT seq, id, enqueued_at, ?, bytes, body FROM messages WHERE seq IN (SELECT value FROM json_each(?))`,
            [plan.now, seqs],
            'keep delivered messages',
          );
        }
        this.deleteDelivered ??= await w.prepare(`DELETE FROM messages WHERE seq IN (SELECT value FROM json_each(?)) RETURNING seq, bytes`, 'delete delivered messages');
        result.delivered = (await this.deleteDelivered.all([seqs])).map(removed);
      }
      for (const { seq, error } of plan.rejected) {
        await w.run(
          `INSERT OR REPLACE INTO dead_letters (seq, id, enqueued_at, failed_at, error, bytes, body) SELECT seq, id, enqueued_at, ?, ?, bytes, body FROM messages WHERE seq = ?`,
          [plan.now, error, seq],
          'dead-letter a message',
        );
        result.deadLettered.push(...(await w.all('DELETE FROM messages WHERE seq = ? RETURNING seq, bytes', [seq], 'delete a dead letter')).map(removed));
      }
      if (plan.ageCutoff !== undefined) result.droppedByAge = await this.deleteOldest(w, (r) => r.enqueued_at < plan.ageCutoff!);
      if (plan.dropOldest) {
        const { count, bytes } = plan.dropOldest([...result.delivered, ...result.deadLettered, ...result.droppedByAge]);
        if (count > 0 || bytes > 0) result.droppedOldest = await this.deleteOldest(w, (_r, n, b) => n < count || b < bytes);
      }
      for (let i = 0; i < plan.rows.length; i += ROWS_PER_INSERT) {
        const end = Math.min(plan.rows.length, i + ROWS_PER_INSERT);
        const params: unknown[] = new Array((end - i) * 5);
        for (let k = i, p = 0; k < end; k++) {
          const r = plan.rows[k];
          params[p++] = r.seq;
          params[p++] = r.id;
          params[p++] = r.enqueuedAt;
          params[p++] = r.bytes;
          params[p++] = r.body;
        }
        await (await this.insert(w, end - i)).run(params);
      }
      // The high-water mark is the larger of the recorded one and the largest seq queued
      // (storedState): while the row of the last seq given out is queued, it says the mark. Only
      // a transaction that deletes that very row takes it away, so only such a one records the
      // mark (its rows are deleted before any insert, so it inserts none); a drain's
      // acknowledgements of older rows write nothing more than their DELETE.
      if (deletes(result, plan.highWater)) {
        this.writeHighWater ??= await w.prepare(`UPDATE queue_meta SET value = ? WHERE key = 'high_water'`, 'write the high-water mark');
        await this.writeHighWater.run([plan.highWater]);
      }
    });
    return result;
  }

  /** The compiled INSERT of `n` rows; the least recently compiled size goes when more are kept. */
  private async insert(w: SqliteConnection, n: number): Promise<SqlitePreparedStatement> {
    let statement = this.inserts.get(n);
    if (!statement) {
      statement = await w.prepare(insertStatement(n), 'write messages');
      this.inserts.set(n, statement);
      if (this.inserts.size > CACHED_INSERTS) {
        const [oldest, dropped] = this.inserts.entries().next().value as [number, SqlitePreparedStatement];
        this.inserts.delete(oldest);
        await dropped.finalize();
      }
    }
    return statement;
  }

  /** Deletes the oldest rows while `more(row, removedSoFar, bytesSoFar)` holds; O(rows removed). */
  private async deleteOldest(w: SqliteConnection, more: (row: { enqueued_at: number }, n: number, bytes: number) => boolean): Promise<RemovedRow[]> {
    const out: RemovedRow[] = [];
    let bytes = 0;
    let after = 0;
    for (;;) {
      const rows = await w.all('SELECT seq, bytes, enqueued_at FROM messages WHERE seq > ? ORDER BY seq LIMIT 1000', [after], 'read the queue');
      let stop = rows.length === 0;
      for (const r of rows) {
        if (!more(r as { enqueued_at: number }, out.length, bytes)) {
          stop = true;
          break;
        }
        out.push(removed(r));
        bytes += Number(r.bytes);
        after = Number(r.seq);
      }
      if (stop) break;
    }
    if (out.length) await w.run('DELETE FROM messages WHERE seq <= ?', [out[out.length - 1].seq], 'drop messages');
    return out;
  }

  async read(afterSeq: number, limit: number): Promise<StoredRow[]> {
    const rows = await this.require(this.readRows).all([afterSeq, limit]);
    return rows.map(stored);
  }

  async oldestAt(): Promise<number | null> {
    const r = await this.require(this.readOldest).get([]);
    return r ? Number(r.enqueued_at) : null;
  }

  async delivered(from: number, to: number, afterSeq: number, limit: number): Promise<StoredRow[]> {
    const rows = await this.requireReader().all(
      'SELECT seq, id, enqueued_at, bytes, body FROM delivered WHERE enqueued_at BETWEEN ? AND ? AND seq > ? ORDER BY seq LIMIT ?',
      [from, to, afterSeq, limit],
      'read delivered messages',
    );
    return rows.map(stored);
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    const rows = await this.requireReader().all('SELECT seq, id, enqueued_at, bytes, body, failed_at, error FROM dead_letters ORDER BY seq LIMIT ?', [limit], 'read dead letters');
    return rows.map((r) => ({ ...stored(r), failedAt: Number(r.failed_at), error: String(r.error) }));
  }

  async pruneDelivered(cutoff: number): Promise<number> {
    const rows = await this.requireWriter().all('DELETE FROM delivered WHERE delivered_at < ? RETURNING seq', [cutoff], 'prune delivered messages');
    return rows.length;
  }

  async close(): Promise<void> {
    await this.closeConnections();
  }

  // ---- connections ----

  private readonly wrapError = (err: SqliteStoreError): QueueError => new QueueError(this.opts.queue, err.message, err.code, { cause: err });

  private async closeConnections(): Promise<void> {
    const connections = [this.reader, this.writer].filter((c): c is SqliteConnection => !!c);
    this.reader = this.writer = this.readRows = this.readOldest = undefined;
    this.inserts.clear(); // finalized by their connection's close
    this.deleteDelivered = this.writeHighWater = undefined;
    for (const c of connections) await c.close();
  }

  private require<T>(opened: T | undefined): T {
    if (!opened) throw new QueueError(this.opts.queue, `${this.opts.path} is not open`);
    return opened;
  }

  private requireWriter(): SqliteConnection {
    return this.require(this.writer);
  }

  private requireReader(): SqliteConnection {
    return this.require(this.reader);
  }
}

/** Whether the transaction deleted the row of `seq` (acknowledged, dead-lettered or dropped). */
function deletes(result: CommitResult, seq: number): boolean {
  // RETURNING gives no order: every row is looked at
  for (const rows of [result.delivered, result.deadLettered, result.droppedByAge, result.droppedOldest]) for (const r of rows) if (r.seq >= seq) return true;
  return false;
}

function removed(r: Record<string, unknown>): RemovedRow {
  return { seq: Number(r.seq), bytes: Number(r.bytes) };
}

function stored(r: Record<string, unknown>): StoredRow {
  return { seq: Number(r.seq), id: String(r.id), enqueuedAt: Number(r.enqueued_at), bytes: Number(r.bytes), body: String(r.body) };
}
