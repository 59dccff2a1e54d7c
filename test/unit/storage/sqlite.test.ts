// lib/storage/sqlite against the real sqlite3 package and real files: the pragmas of each
// durability level read back, corrupt files refused or quarantined, SQLite's codes mapped to the
// error classes (with the file and the operation named), transactions that roll back on a failed
// statement and on a failed COMMIT, prepared statements finalized by close, the lazy package load.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needPeers } from '../../helpers/peers';
import { SQLITE_PEER, secondConnection } from '../../helpers/sqlite-store';
import {
  DEFAULT_BUSY_TIMEOUT_MS,
  LazySqliteDatabase,
  SqliteBusyError,
  SqliteCannotOpenError,
  SqliteConnection,
  SqliteCorruptError,
  SqliteDocumentTable,
  SqliteFullError,
  SqliteReadOnlyError,
  SqliteStoreError,
  loadSqlite,
  openSqliteDatabase,
  sqliteErrorIn,
  type SqliteOpenOptions,
  type SqliteQuarantine,
} from '../../../lib/storage/sqlite';
import { MissingPackageError, loadOptional } from '../../../lib/system/process/optional';

const peers = needPeers(SQLITE_PEER());
const isRoot = process.getuid?.() === 0;

class StoreFailure extends Error {
  constructor(readonly original: SqliteStoreError) {
    super(`my store: ${original.description}`, { cause: original });
  }
}

describe('lib/storage/sqlite', () => {
  let dir: string;
  let n = 0;
  const file = (name = 'db') => join(dir, `${name}-${++n}.sqlite`);
  const open = (path: string, more: Partial<SqliteOpenOptions> = {}) => openSqliteDatabase({ path, sqlite: loadSqlite(), durability: 'durable', ...more });
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-storage-sqlite-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('durability levels', () => {
    test('durable: WAL, synchronous FULL, the default busy timeout', peers, async () => {
      const path = file();
      const db = await open(path);
      try {
        assert.deepEqual(await db.get('PRAGMA journal_mode', [], 'read'), { journal_mode: 'wal' });
        assert.deepEqual(await db.get('PRAGMA synchronous', [], 'read'), { synchronous: 2 }, 'FULL');
        assert.deepEqual(await db.get('PRAGMA busy_timeout', [], 'read'), { timeout: DEFAULT_BUSY_TIMEOUT_MS });
        assert.equal(DEFAULT_BUSY_TIMEOUT_MS, 2000);
      } finally {
        await db.close();
      }
    });

    test('normal: WAL, synchronous NORMAL; busy timeout and max_page_count as asked', peers, async () => {
      const path = file();
      const db = await open(path, { durability: 'normal', busyTimeoutMs: 750, maxPageCount: 5000 });
      try {
        assert.deepEqual(await db.get('PRAGMA synchronous', [], 'read'), { synchronous: 1 }, 'NORMAL');
        assert.deepEqual(await db.get('PRAGMA busy_timeout', [], 'read'), { timeout: 750 });
        assert.deepEqual(await db.get('PRAGMA max_page_count', [], 'read'), { max_page_count: 5000 });
        assert.equal(db.busyTimeoutMs, 750);
      } finally {
        await db.close();
      }
      // the journal mode is a property of the file: another connection sees it too
      const other = await secondConnection(path);
      assert.deepEqual(await other.all('PRAGMA journal_mode'), [{ journal_mode: 'wal' }]);
      await other.close();
    });

    test('the directory is made; the setup runs once the pragmas are set, and its failure closes the file', peers, async () => {
      const path = join(dir, 'deep', 'er', 'state.sqlite');
      const db = await open(path, { setup: (c) => c.exec('CREATE TABLE t (k TEXT PRIMARY KEY); INSERT INTO t VALUES (1);', 'create the schema') });
      assert.deepEqual(await db.all('SELECT k FROM t', [], 'read t'), [{ k: '1' }]);
      await db.close();
      await db.close(); // idempotent
      await assert.rejects(
        open(path, { setup: (c) => c.exec('CREATE TABLE t (k TEXT)', 'create the schema') }),
        (err: Error) => err instanceof SqliteStoreError && err.operation === 'create the schema' && err.message.startsWith(`${path}: cannot create the schema: `) && /already exists/.test(err.message),
      );
      // nothing kept the file open: an exclusive lock can be taken at once
      const other = await secondConnection(path);
      await other.run('BEGIN EXCLUSIVE');
      await other.run('ROLLBACK');
      await other.close();
    });
  });

  describe('corrupt files', () => {
    const garbage = (path: string) => writeFileSync(path, 'not a database, only text that fills a header and more '.repeat(100));

    test('refused by default: SqliteCorruptError naming the file, the file left as it was', peers, async () => {
      const path = file('garbage');
      garbage(path);
      await assert.rejects(open(path), (err: Error) => {
        assert.ok(err instanceof SqliteCorruptError, String(err));
        assert.equal(err.code, 'SQLITE_NOTADB');
        assert.equal(err.path, path);
        assert.equal(err.operation, 'open');
        assert.match(err.message, /cannot open: the file is not a SQLite database or is corrupt/);
        return true;
      });
      assert.match(readFileSync(path, 'utf8'), /^not a database/);
    });

    test('document tables (the stats and alarm state): a corrupt shared file is moved aside once, and every table then works in the fresh file', peers, async () => {
      const path = file('state');
      garbage(path);
      const seen: SqliteQuarantine[] = [];
      const tables = ['alarms_a', 'stats_b', 'stats_c'].map((t) => new SqliteDocumentTable(path, t, loadSqlite, (q) => seen.push(q)));
      try {
        // opened together, as the nodes of one deploy do
        await Promise.all(tables.map((t, i) => t.replace(new Map([[`k${i}`, { v: i }]]))));
        assert.equal(seen.length, 1, 'one quarantine, not one per table');
        assert.match(readFileSync(seen[0].movedTo, 'utf8'), /^not a database/);
        for (const [i, t] of tables.entries()) assert.deepEqual([...(await t.loadAll())], [[`k${i}`, { v: i }]]);
      } finally {
        for (const t of tables) await t.close();
      }
      // what they wrote is in the file at the path, not in the one moved aside
      const again = new SqliteDocumentTable(path, 'stats_c');
      try {
        assert.deepEqual([...(await again.loadAll())], [['k2', { v: 2 }]]);
      } finally {
        await again.close();
      }
    });

    test('quarantined on request: moved aside with a timestamp, reported, and a fresh file opened', peers, async () => {
      const path = file('garbage');
      garbage(path);
      const seen: SqliteQuarantine[] = [];
      const db = await open(path, {
        corruptFile: 'quarantine',
        onQuarantine: (q) => seen.push(q),
        wrapError: (e) => new StoreFailure(e),
        setup: (c) => c.exec('CREATE TABLE t (v INTEGER)', 'create the schema'),
      });
      try {
        await db.run('INSERT INTO t VALUES (?)', [7], 'write');
        assert.deepEqual(await db.all('SELECT v FROM t', [], 'read'), [{ v: 7 }]);
      } finally {
        await db.close();
      }
      assert.equal(seen.length, 1);
      assert.equal(seen[0].path, path);
      assert.match(seen[0].movedTo, new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\.corrupt-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d-\\d{3}Z$`));
      assert.match(seen[0].reason, /^my store: cannot open: the file is not a SQLite database or is corrupt/, 'the reason is the store’s own error');
      assert.match(readFileSync(seen[0].movedTo, 'utf8'), /^not a database/);
      assert.deepEqual(
        readdirSync(dir)
          .filter((f) => f.startsWith(`garbage-${n}.sqlite`))
          .sort(),
        [`garbage-${n}.sqlite`, seen[0].movedTo.slice(dir.length + 1)].sort(),
        'the fresh file beside the one moved aside',
      );
    });

    test('a damaged database fails its check (or its first read) as SqliteCorruptError', peers, async () => {
      const path = file('damaged');
      const good = await open(path, { setup: (c) => c.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT); CREATE INDEX tv ON t (v);', 'create the schema') });
      await good.transaction(async () => {
        for (let i = 0; i < 2000; i++) await good.run('INSERT INTO t (v) VALUES (?)', [`value ${i} `.repeat(5)], 'write');
      });
      await good.run('PRAGMA wal_checkpoint(TRUNCATE)', [], 'checkpoint');
      await good.close();
      const bytes = readFileSync(path);
      assert.ok(bytes.length > 8 * 4096, `several pages (${bytes.length} bytes)`);
      bytes.fill(0xa5, 4096 + 8, 4 * 4096);
      writeFileSync(path, bytes);
      await assert.rejects(open(path), (err: Error) => err instanceof SqliteCorruptError && err.message.includes(path) && /corrupt|malformed/.test(err.message));
    });
  });

  describe('error mapping', () => {
    test('a file that is a directory: SqliteCannotOpenError (SQLITE_CANTOPEN)', peers, async () => {
      const path = file('is-a-dir');
      mkdirSync(path);
      await assert.rejects(
        open(path),
        (err: Error) => err instanceof SqliteCannotOpenError && err.code === 'SQLITE_CANTOPEN' && err.operation === 'open' && err.message.startsWith(`${path}: cannot open: `),
      );
    });

    test('a directory that cannot be made: SqliteCannotOpenError naming the level in the way', peers, async () => {
      const blocker = file('plain');
      writeFileSync(blocker, 'x');
      const path = join(blocker, 'sub', 'state.sqlite');
      await assert.rejects(open(path, { wrapError: (e) => new StoreFailure(e) }), (err: Error) => {
        assert.ok(err instanceof StoreFailure, String(err));
        const inner = sqliteErrorIn(err);
        assert.ok(inner instanceof SqliteCannotOpenError);
        assert.equal(inner.code, 'ENOTDIR');
        assert.equal(inner.operation, 'create its directory');
        assert.match(err.message, new RegExp(`^my store: cannot create its directory: .*${blocker.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is a file, not a directory`));
        return true;
      });
    });

    test('a database that may not be written here: SqliteReadOnlyError (SQLITE_READONLY)', peers, async () => {
      const db = await open(file(), { setup: (c) => c.exec('CREATE TABLE t (v INTEGER)', 'create the schema') });
      try {
        await db.run('PRAGMA query_only = ON', [], 'set query_only');
        await assert.rejects(
          db.run('INSERT INTO t VALUES (1)', [], 'write t'),
          (err: Error) => err instanceof SqliteReadOnlyError && err.code === 'SQLITE_READONLY' && /cannot write t: the database is read-only here/.test(err.message),
        );
      } finally {
        await db.close();
      }
    });

    test('a read-only directory: the new file cannot be made (SqliteCannotOpenError)', { ...peers, skip: peers.skip ?? (isRoot ? 'root ignores directory permissions' : undefined) }, async () => {
      const ro = join(dir, `read-only-${++n}`);
      mkdirSync(ro);
      chmodSync(ro, 0o555);
      try {
        await assert.rejects(open(join(ro, 'state.sqlite')), (err: Error) => err instanceof SqliteCannotOpenError && err.code === 'SQLITE_CANTOPEN');
      } finally {
        chmodSync(ro, 0o755);
      }
    });

    test('the size cap reached: SqliteFullError (SQLITE_FULL), the transaction rolled back', peers, async () => {
      const db = await open(file(), { maxPageCount: 8, setup: (c) => c.exec('CREATE TABLE t (v TEXT)', 'create the schema') });
      try {
        await assert.rejects(
          db.transaction(async () => {
            for (let i = 0; i < 100; i++) await db.run('INSERT INTO t VALUES (?)', ['x'.repeat(1000)], 'write t');
          }),
          (err: Error) => err instanceof SqliteFullError && err.code === 'SQLITE_FULL' && /disk is full/.test(err.message),
        );
        assert.deepEqual(await db.get('SELECT count(*) AS n FROM t', [], 'count'), { n: 0 });
      } finally {
        await db.close();
      }
    });

    test('locked by another connection: SqliteBusyError saying how long it waited', peers, async () => {
      const path = file();
      const db = await open(path, { busyTimeoutMs: 50, setup: (c) => c.exec('CREATE TABLE t (v INTEGER)', 'create the schema') });
      const other = await secondConnection(path);
      try {
        await other.run('BEGIN IMMEDIATE');
        await assert.rejects(
          db.transaction(() => db.run('INSERT INTO t VALUES (1)', [], 'write t')),
          (err: Error) =>
            err instanceof SqliteBusyError && err.code === 'SQLITE_BUSY' && err.operation === 'start a transaction' && /locked by another connection or process \(waited 50 ms\)/.test(err.message),
        );
        await other.run('ROLLBACK');
        await db.transaction(() => db.run('INSERT INTO t VALUES (1)', [], 'write t'));
      } finally {
        await other.close();
        await db.close();
      }
    });

    test('any other failure is a SqliteStoreError with SQLite’s own text and code', peers, async () => {
      const db = await open(file());
      try {
        await assert.rejects(db.all('SELECT * FROM missing_table', [], 'read the missing table'), (err: Error) => {
          assert.ok(err instanceof SqliteStoreError && !(err instanceof SqliteCorruptError));
          assert.equal(err.code, 'SQLITE_ERROR');
          assert.match(err.description, /^cannot read the missing table: SQLITE_ERROR: no such table: missing_table$/);
          return true;
        });
      } finally {
        await db.close();
      }
    });
  });

  describe('transactions', () => {
    const withTable = (path: string) => open(path, { setup: (c) => c.exec('CREATE TABLE t (v INTEGER)', 'create the schema') });

    test('a failing statement rolls back everything before it; the connection stays usable', peers, async () => {
      const path = file();
      const db = await withTable(path);
      try {
        await assert.rejects(
          db.transaction(async () => {
            await db.run('INSERT INTO t VALUES (1)', [], 'write t');
            await db.run('INSERT INTO t VALUES (2)', [], 'write t');
            await db.run('INSERT INTO nowhere VALUES (3)', [], 'write nowhere');
          }),
          /cannot write nowhere: SQLITE_ERROR: no such table: nowhere/,
        );
        assert.deepEqual(await db.all('SELECT v FROM t', [], 'read'), []);
        const result = await db.transaction(async () => (await db.run('INSERT INTO t VALUES (4)', [], 'write t')).changes);
        assert.equal(result, 1, 'the transaction resolves with what its work returned');
        assert.deepEqual(await db.all('SELECT v FROM t', [], 'read'), [{ v: 4 }]);
      } finally {
        await db.close();
      }
    });

    test('an error thrown by the work itself (not SQLite) rolls back and comes out unchanged', peers, async () => {
      const db = await withTable(file());
      const mine = new Error('the batch did not validate');
      try {
        await assert.rejects(
          db.transaction(async () => {
            await db.run('INSERT INTO t VALUES (1)', [], 'write t');
            throw mine;
          }),
          (err) => err === mine,
        );
        assert.deepEqual(await db.all('SELECT v FROM t', [], 'read'), []);
      } finally {
        await db.close();
      }
    });

    test('a failed COMMIT (deferred foreign key) is rolled back, so the next transaction can begin', peers, async () => {
      const db = await open(file(), {
        setup: (c) =>
          c.exec(
            `PRAGMA foreign_keys = ON;
             CREATE TABLE parent (id INTEGER PRIMARY KEY);
             CREATE TABLE child (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);`,
            'create the schema',
          ),
      });
      try {
        // the orphan is accepted statement by statement and refused at COMMIT, which leaves the
        // transaction open: without a ROLLBACK the next BEGIN would fail
        await assert.rejects(
          db.transaction(() => db.run('INSERT INTO child VALUES (1, 99)', [], 'write child')),
          (err: Error) => err instanceof SqliteStoreError && err.operation === 'commit' && err.code === 'SQLITE_CONSTRAINT',
        );
        await db.transaction(async () => {
          await db.run('INSERT INTO parent VALUES (99)', [], 'write parent');
          await db.run('INSERT INTO child VALUES (2, 99)', [], 'write child');
        });
        assert.deepEqual(await db.all('SELECT id FROM child', [], 'read'), [{ id: 2 }]);
      } finally {
        await db.close();
      }
    });

    test('transactions started together run one after the other, each whole', peers, async () => {
      const path = file();
      const db = await withTable(path);
      try {
        const tick = () => new Promise((r) => setImmediate(r));
        await Promise.all(
          [1, 2, 3].map((k) =>
            db.transaction(async () => {
              await db.run('INSERT INTO t VALUES (?)', [k * 10], 'write t');
              await tick();
              await db.run('INSERT INTO t VALUES (?)', [k * 10 + 1], 'write t');
            }),
          ),
        );
        assert.deepEqual(
          (await db.all('SELECT v FROM t ORDER BY rowid', [], 'read')).map((r) => r.v),
          [10, 11, 20, 21, 30, 31],
        );
      } finally {
        await db.close();
      }
    });
  });

  describe('prepared statements', () => {
    test('run, get and all reuse one statement; close finalizes what is still open', peers, async () => {
      const db = await open(file(), { setup: (c) => c.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)', 'create the schema') });
      const insert = await db.prepare('INSERT INTO t (k, v) VALUES (?, ?)', 'write t');
      const one = await db.prepare('SELECT v FROM t WHERE k = ?', 'read t');
      const above = await db.prepare('SELECT k FROM t WHERE k > ? ORDER BY k', 'read t');
      for (let k = 1; k <= 5; k++) assert.deepEqual(await insert.run([k, `v${k}`]), { changes: 1, lastID: k });
      assert.deepEqual(await one.get([3]), { v: 'v3' });
      assert.equal(await one.get([42]), undefined);
      assert.deepEqual(await above.all([3]), [{ k: 4 }, { k: 5 }]);
      await assert.rejects(insert.run([1, 'again']), (err: Error) => err instanceof SqliteStoreError && err.operation === 'write t' && err.code === 'SQLITE_CONSTRAINT');
      await one.finalize();
      await db.close(); // insert and above are finalized here, or the close would fail
    });

    test('a statement that does not compile is refused naming the operation', peers, async () => {
      const db = await open(file());
      try {
        await assert.rejects(db.prepare('SELEC 1', 'read something'), (err: Error) => err instanceof SqliteStoreError && /cannot read something: SQLITE_ERROR: near "SELEC"/.test(err.message));
      } finally {
        await db.close();
      }
    });
  });

  describe('loading sqlite3 and the document table', () => {
    test('without the package: MissingPackageError from the loader, at the first use of a document table', async () => {
      const loader = () => loadOptional<never>('edgegw-no-such-sqlite3-package');
      assert.throws(loader, (err: Error) => err instanceof MissingPackageError && /npm install edgegw-no-such-sqlite3-package/.test(err.message));
      const table = new SqliteDocumentTable(join(dir, 'never.sqlite'), 'docs', loader);
      await assert.rejects(table.loadAll(), MissingPackageError);
      await table.close();
      assert.equal(existsSync(join(dir, 'never.sqlite')), false);
    });

    test('documents round trip by key; replaceAll drops the others; a closed table refuses', peers, async () => {
      const path = file('docs');
      const a = new SqliteDocumentTable(path, 'docs_a');
      await a.replace(
        new Map<string, unknown>([
          ['x', { n: 1 }],
          ['y', [1, 2]],
        ]),
      );
      await a.replace(new Map([['z', 'zed']]), ['x']);
      assert.deepEqual([...(await a.loadAll())].sort(), [
        ['y', [1, 2]],
        ['z', 'zed'],
      ]);
      await a.replace(new Map([['w', true]]), [], true);
      await a.close();
      await assert.rejects(a.replace(new Map()), /cannot write table docs_a: the store is closed/);
      const again = new SqliteDocumentTable(path, 'docs_a');
      assert.deepEqual([...(await again.loadAll())], [['w', true]]);
      await again.close();
      assert.throws(() => new SqliteDocumentTable(path, 'no; DROP'), /not a plain identifier/);
    });
  });

  test('opened on demand: first uses share one open, a failed open is tried again, close allows a reopen', peers, async () => {
    const blocker = file('blocker');
    writeFileSync(blocker, 'x');
    const path = join(blocker, 'state.sqlite');
    let opens = 0;
    const lazy = new LazySqliteDatabase(() => {
      opens++;
      return open(path);
    });
    await assert.rejects(lazy.connection(), SqliteCannotOpenError);
    rmSync(blocker);
    const [a, b] = await Promise.all([lazy.connection(), lazy.connection()]);
    assert.equal(a, b);
    assert.equal(opens, 2, 'the failure was not remembered; the two uses shared the second open');
    await lazy.close();
    await assert.rejects(a.all('SELECT 1', [], 'read'), /SQLITE_MISUSE/, 'closed');
    const c = await lazy.connection();
    assert.notEqual(c, a);
    assert.equal(opens, 3);
    await lazy.close();
    await lazy.close();
  });

  test('a connection opened alone (no pragmas) shares the file: a second reader of the queue', peers, async () => {
    const path = file();
    const writer = await open(path, { setup: (c) => c.exec('CREATE TABLE t (v INTEGER)', 'create the schema') });
    const reader = await SqliteConnection.open({ path, sqlite: loadSqlite(), busyTimeoutMs: 300 });
    try {
      assert.deepEqual(await reader.get('PRAGMA busy_timeout', [], 'read'), { timeout: 300 });
      await writer.transaction(async () => {
        await writer.run('INSERT INTO t VALUES (1)', [], 'write t');
        assert.deepEqual(await reader.all('SELECT v FROM t', [], 'read t'), [], 'an open transaction is not seen by the reader');
      });
      assert.deepEqual(await reader.all('SELECT v FROM t', [], 'read t'), [{ v: 1 }]);
    } finally {
      await reader.close();
      await writer.close();
    }
  });
});
