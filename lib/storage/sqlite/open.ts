// Opening a store's database file: its directory made (lib/system/directory.ts), the file checked
// (PRAGMA quick_check reads every page's structure, so a damaged file is found at open rather
// than by a write half-way through a batch), the pragmas of its durability level set, and the
// store's schema created. A corrupt file is either refused, left as it is for someone to look at,
// or moved aside with a timestamp so a fresh file takes its place and a corrupt file never
// becomes a crash loop; the store chooses.
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { DirectoryError, ensureDirectory } from '../../system/fs/directory';
import { SqliteConnection, type SqliteConnectOptions } from './connection';
import { SqliteCannotOpenError, SqliteCorruptError, SqliteStoreError, sqliteErrorIn } from './errors';

/**
 * How much a commit survives. Both levels use the write-ahead log (readers never block the
 * writer, a commit is one sequential append).
 * - durable: synchronous=FULL, an fsync per commit: a commit survives a power cut;
 * - normal: synchronous=NORMAL: a commit survives a crash of the process, and a power cut may
 *   lose the last commits (never corrupts the file).
 */
export type SqliteDurability = 'durable' | 'normal';

export const DURABILITY_PRAGMAS: Record<SqliteDurability, { journalMode: 'wal'; synchronous: 'FULL' | 'NORMAL' }> = {
  durable: { journalMode: 'wal', synchronous: 'FULL' },
  normal: { journalMode: 'wal', synchronous: 'NORMAL' },
};

export interface SqliteQuarantine {
  /** the file that was found corrupt (a fresh one is there now) */
  path: string;
  /** where it was moved, with its -wal and -shm files */
  movedTo: string;
  /** the error that showed it corrupt */
  reason: string;
}

export interface SqliteOpenOptions extends SqliteConnectOptions {
  durability: SqliteDurability;
  /** SQLite's own cap on the file in pages; reaching it is SQLITE_FULL, as a full disk is */
  maxPageCount?: number;
  /** a file that is not a database or fails quick_check: refused (the default) or moved aside */
  corruptFile?: 'refuse' | 'quarantine';
  /** told when a corrupt file was moved aside (corruptFile: 'quarantine') */
  onQuarantine?: (quarantine: SqliteQuarantine) => void;
  /** creates and checks the store's schema; when it fails the connection is closed */
  setup?: (db: SqliteConnection) => Promise<void>;
}

/** Opens `path` ready for use; rejects with a SqliteStoreError (or the store's wrapping of it). */
export async function openSqliteDatabase(opts: SqliteOpenOptions): Promise<SqliteConnection> {
  const wrap = opts.wrapError ?? ((e: SqliteStoreError) => e);
  try {
    ensureDirectory(dirname(opts.path));
  } catch (err) {
    if (!(err instanceof DirectoryError)) throw err;
    throw wrap(new SqliteCannotOpenError(opts.path, 'create its directory', err.message, { code: err.code, cause: err }));
  }
  if (opts.corruptFile !== 'quarantine') return openChecked(opts);
  // Several stores of the process may share a file (the stats and alarm nodes' state): their
  // opens take turns, so the file one of them moves aside is the corrupt one, never the fresh
  // file another just made, and the others then open that fresh file.
  return withPathTurn(opts.path, async () => {
    try {
      return await openChecked(opts);
    } catch (err) {
      if (!(sqliteErrorIn(err) instanceof SqliteCorruptError)) throw err;
      const movedTo = await quarantine(opts.path, wrap);
      opts.onQuarantine?.({ path: opts.path, movedTo, reason: (err as Error).message });
      return openChecked(opts);
    }
  });
}

const turns = new Map<string, Promise<unknown>>();

/** Runs `job` after every earlier job of the same path has settled. */
function withPathTurn<T>(path: string, job: () => Promise<T>): Promise<T> {
  const before = turns.get(path) ?? Promise.resolve();
  const mine = before.then(job, job);
  const settled = mine.catch(() => undefined);
  turns.set(path, settled);
  void settled.then(() => {
    if (turns.get(path) === settled) turns.delete(path);
  });
  return mine;
}

async function openChecked(opts: SqliteOpenOptions): Promise<SqliteConnection> {
  const db = await SqliteConnection.open(opts);
  try {
    // the first statement reads the header: a file that is no database fails here (SQLITE_NOTADB)
    const check = await db.all('PRAGMA quick_check', [], 'open');
    const problems = check.map((r) => String(Object.values(r)[0])).filter((s) => s !== 'ok');
    if (problems.length) {
      throw db.errorFor(new SqliteCorruptError(opts.path, 'open', `the database is corrupt (quick_check: ${problems.slice(0, 3).join('; ')})`, { code: 'SQLITE_CORRUPT' }), 'open');
    }
    const pragmas = DURABILITY_PRAGMAS[opts.durability];
    await db.all(`PRAGMA journal_mode = ${pragmas.journalMode}`, [], 'switch to the write-ahead log');
    await db.run(`PRAGMA synchronous = ${pragmas.synchronous}`, [], 'set synchronous');
    if (opts.maxPageCount) await db.all(`PRAGMA max_page_count = ${Math.floor(opts.maxPageCount)}`, [], 'set max_page_count');
    await opts.setup?.(db);
    return db;
  } catch (err) {
    // the error that stopped the open is the one to report; a failure to close adds nothing to it
    await db.close().catch(() => undefined);
    throw err;
  }
}

/** Moves the file and its -wal and -shm companions aside under one timestamped name. */
async function quarantine(path: string, wrap: (e: SqliteStoreError) => Error): Promise<string> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const movedTo = `${path}.corrupt-${stamp}`;
  for (const suffix of ['', '-wal', '-shm']) {
    try {
      await fs.rename(path + suffix, movedTo + suffix);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'ENOENT') throw wrap(new SqliteStoreError(path, `move the corrupt file ${path}${suffix} aside`, e.message, { code: e.code, cause: e }));
    }
  }
  return movedTo;
}

/**
 * A database opened at its first use, for a store that is constructed at deploy but touches its
 * file later: concurrent first uses share one open, and a failed open (locked, corrupt, no
 * directory) is tried again by the next use rather than remembered.
 */
export class LazySqliteDatabase {
  private opening: Promise<SqliteConnection> | undefined;

  constructor(private readonly openFile: () => Promise<SqliteConnection>) {}

  connection(): Promise<SqliteConnection> {
    if (!this.opening) {
      const opening = this.openFile();
      this.opening = opening;
      opening.catch(() => {
        if (this.opening === opening) this.opening = undefined;
      });
    }
    return this.opening;
  }

  /** Closes the connection if one was opened; a later use opens the file again. */
  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    const db = opening && (await opening.catch(() => undefined));
    await db?.close();
  }
}
