// The durable storage: one SQLite file per queue, WAL mode, one writer connection (the queue's
// transactions) and one reader connection (the forwarder's reads), so a read never sees rows of a
// transaction that is still open or that rolls back. sqlite3 is optional and loaded lazily.
//
// A file that is not a database or fails its integrity check is moved aside with a timestamped
// name and a fresh queue starts in its place: a corrupt file never becomes a crash loop.
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { loadOptional } from '../system/optional';
import type { SqliteDatabase, SqliteModule } from '../modbus/register-store/sqlite';
import { QueueError, type CommitPlan, type CommitResult, type DeadLetter, type QueueStorage, type RemovedRow, type StoredRow, type StoredState } from './types';

export interface SqliteQueueStorageOptions {
  queue: string;
  /** the database file */
  path: string;
  durability: 'normal' | 'full';
  /** loads the sqlite3 package (tests pass a failing loader for the missing-package path) */
  loader?: () => SqliteModule;
  /** SQLite's own cap on the file (pages of 4 KiB); reaching it is SQLITE_FULL, as a full disk is */
  maxPageCount?: number;
  /** called when a corrupt file was moved aside */
  onQuarantine?: (q: { path: string; movedTo: string; reason: string }) => void;
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
const CORRUPTION = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT']);
const insertSql = new Map<number, string>();
function insertStatement(n: number): string {
  let sql = insertSql.get(n);
  if (!sql) {
    sql = `INSERT INTO messages (seq, id, enqueued_at, bytes, body) VALUES ${Array(n).fill('(?,?,?,?,?)').join(',')}`;
    insertSql.set(n, sql);
  }
  return sql;
}

export class SqliteQueueStorage implements QueueStorage {
  readonly kind = 'sqlite' as const;
  readonly location: string;
  private readonly sqlite: SqliteModule;
  private writer: SqliteDatabase | undefined;
  private reader: SqliteDatabase | undefined;

  constructor(private readonly opts: SqliteQueueStorageOptions) {
    // throws MissingPackageError synchronously: the node says "needs sqlite3" at deploy
    this.sqlite = (opts.loader ?? (() => loadOptional<SqliteModule>('sqlite3')))();
    this.location = opts.path;
  }

  async open(): Promise<StoredState> {
    try {
      await fs.mkdir(join(this.opts.path, '..'), { recursive: true });
    } catch (err) {
      throw new QueueError(this.opts.queue, `cannot create the directory of ${this.opts.path}: ${(err as Error).message}`);
    }
    try {
      return await this.openOnce();
    } catch (err) {
      const code = (err as QueueError).code;
      if (!code || !CORRUPTION.has(code)) throw err;
      await this.closeConnections();
      const movedTo = await this.quarantine();
      this.opts.onQuarantine?.({ path: this.opts.path, movedTo, reason: (err as Error).message });
      return this.openOnce();
    }
  }

  private async openOnce(): Promise<StoredState> {
    const w = (this.writer = await this.connect());
    const check = await this.all(w, 'PRAGMA quick_check', [], 'cannot read the database');
    const problems = check.map((r) => String(Object.values(r)[0])).filter((s) => s !== 'ok');
    if (problems.length) throw new QueueError(this.opts.queue, `${this.opts.path}: the database is corrupt (quick_check: ${problems.slice(0, 3).join('; ')})`, 'SQLITE_CORRUPT');
    await this.all(w, 'PRAGMA journal_mode = WAL', [], 'cannot switch to WAL');
    await this.run(w, `PRAGMA synchronous = ${this.opts.durability === 'full' ? 'FULL' : 'NORMAL'}`, [], 'cannot set synchronous');
    if (this.opts.maxPageCount) await this.all(w, `PRAGMA max_page_count = ${Math.floor(this.opts.maxPageCount)}`, [], 'cannot set max_page_count');
    for (const sql of SCHEMA) await this.run(w, sql, [], 'cannot create the schema');
    const [meta] = await this.all(w, `SELECT value FROM queue_meta WHERE key = 'high_water'`, [], 'cannot read the high-water mark');
    const [stats] = await this.all(w, 'SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b, max(seq) AS last FROM messages', [], 'cannot count the queue');
    const [oldest] = await this.all(w, 'SELECT enqueued_at FROM messages ORDER BY seq LIMIT 1', [], 'cannot read the queue');
    this.reader = await this.connect();
    // the high-water mark is the larger of what was recorded and what is there (a seq is never reused)
    const highWater = Math.max(Number(meta?.value ?? 0), Number(stats?.last ?? 0));
    return { highWater, depth: Number(stats.n), bytes: Number(stats.b), oldestAt: oldest ? Number(oldest.enqueued_at) : null };
  }

  async commit(plan: CommitPlan): Promise<CommitResult> {
    const w = this.requireWriter();
    const result: CommitResult = { droppedOldest: [], droppedByAge: [], delivered: [], deadLettered: [] };
    await this.run(w, 'BEGIN IMMEDIATE', [], 'cannot start a transaction');
    try {
      if (plan.delivered.length) {
        const seqs = JSON.stringify(plan.delivered);
        if (plan.keepDelivered) {
          await this.run(
            w,
            `INSERT OR REPLACE INTO delivered (seq, id, enqueued_at, delivered_at, bytes, body) SELECT seq, id, enqueued_at, ?, bytes, body FROM messages WHERE seq IN (SELECT value FROM json_each(?))`,
            [plan.now, seqs],
            'cannot keep delivered messages',
          );
        }
        result.delivered = (await this.all(w, `DELETE FROM messages WHERE seq IN (SELECT value FROM json_each(?)) RETURNING seq, bytes`, [seqs], 'cannot delete delivered messages')).map(removed);
      }
      for (const { seq, error } of plan.rejected) {
        await this.run(
          w,
          `INSERT OR REPLACE INTO dead_letters (seq, id, enqueued_at, failed_at, error, bytes, body) SELECT seq, id, enqueued_at, ?, ?, bytes, body FROM messages WHERE seq = ?`,
          [plan.now, error, seq],
          'cannot dead-letter a message',
        );
        result.deadLettered.push(...(await this.all(w, 'DELETE FROM messages WHERE seq = ? RETURNING seq, bytes', [seq], 'cannot delete a dead letter')).map(removed));
      }
      if (plan.ageCutoff !== undefined) result.droppedByAge = await this.deleteOldest(w, (r) => r.enqueued_at < plan.ageCutoff!);
      if (plan.dropOldest) {
        const { count, bytes } = plan.dropOldest([...result.delivered, ...result.deadLettered, ...result.droppedByAge]);
        if (count > 0 || bytes > 0) result.droppedOldest = await this.deleteOldest(w, (_r, n, b) => n < count || b < bytes);
      }
      for (let i = 0; i < plan.rows.length; i += ROWS_PER_INSERT) {
        const chunk = plan.rows.slice(i, i + ROWS_PER_INSERT);
        const params: unknown[] = [];
        for (const r of chunk) params.push(r.seq, r.id, r.enqueuedAt, r.bytes, r.body);
        await this.run(w, insertStatement(chunk.length), params, 'cannot write messages');
      }
      if (plan.rows.length) await this.run(w, `UPDATE queue_meta SET value = ? WHERE key = 'high_water'`, [plan.highWater], 'cannot write the high-water mark');
      await this.run(w, 'COMMIT', [], 'cannot commit');
    } catch (err) {
      await this.run(w, 'ROLLBACK', [], 'cannot roll back').catch(() => undefined);
      throw err;
    }
    return result;
  }

  /** Deletes the oldest rows while `more(row, removedSoFar, bytesSoFar)` holds; O(rows removed). */
  private async deleteOldest(w: SqliteDatabase, more: (row: { enqueued_at: number }, n: number, bytes: number) => boolean): Promise<RemovedRow[]> {
    const out: RemovedRow[] = [];
    let bytes = 0;
    let after = 0;
    for (;;) {
      const rows = await this.all(w, 'SELECT seq, bytes, enqueued_at FROM messages WHERE seq > ? ORDER BY seq LIMIT 1000', [after], 'cannot read the queue');
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
    if (out.length) await this.run(w, 'DELETE FROM messages WHERE seq <= ?', [out[out.length - 1].seq], 'cannot drop messages');
    return out;
  }

  async read(afterSeq: number, limit: number): Promise<StoredRow[]> {
    const rows = await this.all(this.requireReader(), 'SELECT seq, id, enqueued_at, bytes, body FROM messages WHERE seq > ? ORDER BY seq LIMIT ?', [afterSeq, limit], 'cannot read the queue');
    return rows.map(stored);
  }

  async oldestAt(): Promise<number | null> {
    const [r] = await this.all(this.requireReader(), 'SELECT enqueued_at FROM messages ORDER BY seq LIMIT 1', [], 'cannot read the queue');
    return r ? Number(r.enqueued_at) : null;
  }

  async delivered(from: number, to: number, afterSeq: number, limit: number): Promise<StoredRow[]> {
    const rows = await this.all(
      this.requireReader(),
      'SELECT seq, id, enqueued_at, bytes, body FROM delivered WHERE enqueued_at BETWEEN ? AND ? AND seq > ? ORDER BY seq LIMIT ?',
      [from, to, afterSeq, limit],
      'cannot read delivered messages',
    );
    return rows.map(stored);
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    const rows = await this.all(this.requireReader(), 'SELECT seq, id, enqueued_at, bytes, body, failed_at, error FROM dead_letters ORDER BY seq LIMIT ?', [limit], 'cannot read dead letters');
    return rows.map((r) => ({ ...stored(r), failedAt: Number(r.failed_at), error: String(r.error) }));
  }

  async pruneDelivered(cutoff: number): Promise<number> {
    const rows = await this.all(this.requireWriter(), 'DELETE FROM delivered WHERE delivered_at < ? RETURNING seq', [cutoff], 'cannot prune delivered messages');
    return rows.length;
  }

  async close(): Promise<void> {
    await this.closeConnections();
  }

  // ---- connections ----

  private connect(): Promise<SqliteDatabase> {
    return new Promise<SqliteDatabase>((resolve, reject) => {
      const d: SqliteDatabase = new this.sqlite.Database(this.opts.path, this.sqlite.OPEN_READWRITE | this.sqlite.OPEN_CREATE, (err) => {
        if (err) return reject(this.wrap(err, 'cannot open'));
        d.configure('busyTimeout', 5000);
        resolve(d);
      });
    });
  }

  private async closeConnections(): Promise<void> {
    const dbs = [this.reader, this.writer].filter((d): d is SqliteDatabase => !!d);
    this.reader = this.writer = undefined;
    for (const d of dbs) await new Promise<void>((resolve) => d.close(() => resolve()));
  }

  private async quarantine(): Promise<string> {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const movedTo = `${this.opts.path}.corrupt-${stamp}`;
    for (const suffix of ['', '-wal', '-shm']) {
      await fs.rename(this.opts.path + suffix, movedTo + suffix).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw new QueueError(this.opts.queue, `cannot move the corrupt file ${this.opts.path}${suffix} aside: ${err.message}`);
      });
    }
    return movedTo;
  }

  private requireWriter(): SqliteDatabase {
    if (!this.writer) throw new QueueError(this.opts.queue, `${this.opts.path} is not open`);
    return this.writer;
  }

  private requireReader(): SqliteDatabase {
    if (!this.reader) throw new QueueError(this.opts.queue, `${this.opts.path} is not open`);
    return this.reader;
  }

  // ---- sqlite3 calls as promises, errors naming the file ----

  private run(db: SqliteDatabase, sql: string, params: unknown[], what: string): Promise<void> {
    return new Promise((resolve, reject) => db.run(sql, params, (err) => (err ? reject(this.wrap(err, what)) : resolve())));
  }

  private all(db: SqliteDatabase, sql: string, params: unknown[], what: string): Promise<Array<Record<string, unknown>>> {
    return new Promise((resolve, reject) => db.all(sql, params, (err, rows) => (err ? reject(this.wrap(err, what)) : resolve(rows))));
  }

  private wrap(err: Error, what: string): QueueError {
    const code = (err as { code?: string }).code;
    const why = code === 'SQLITE_FULL' ? 'the disk is full (or the file reached its size cap)' : code && CORRUPTION.has(code) ? 'the file is not a SQLite database or is corrupt' : undefined;
    return new QueueError(this.opts.queue, `${this.opts.path}: ${what}: ${why ? `${why} (${err.message})` : err.message}`, code);
  }
}

function removed(r: Record<string, unknown>): RemovedRow {
  return { seq: Number(r.seq), bytes: Number(r.bytes) };
}

function stored(r: Record<string, unknown>): StoredRow {
  return { seq: Number(r.seq), id: String(r.id), enqueuedAt: Number(r.enqueued_at), bytes: Number(r.bytes), body: String(r.body) };
}
