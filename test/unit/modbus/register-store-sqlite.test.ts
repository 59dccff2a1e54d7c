// SQLite register store: round trip, one FC16 = one transaction (counted in the write-ahead log
// and checked through a second connection), bursts coalesced, restart of a real server keeps
// what a master wrote, corrupt/foreign/locked files give errors naming the file, a missing
// sqlite3 package gives MissingPackageError, and the settings that choose a store.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needPeers } from '../../helpers/peers';
import { SQLITE_PEER, secondConnection, walCommits } from '../../helpers/sqlite-store';
import { SqliteRegisterStore, SqliteRegisterStoreError } from '../../../lib/modbus/register-store/sqlite';
import { RegisterStoreError, JsonFileRegisterStore, type StoredRegisters } from '../../../lib/modbus/register-store/register-store';
import { createRegisterStore, persistenceFromSettings, PersistenceConfigError } from '../../../lib/modbus/register-store/config';
import { MissingPackageError, loadOptional } from '../../../lib/system/process/optional';
import { ModbusServer } from '../../../lib/modbus/server/server';
import { createModbusLine } from '../../../lib/modbus/line/line';

const sqlite = needPeers(SQLITE_PEER());

function image(unit: number, size: number, set: Record<number, number>): StoredRegisters {
  const regs = new Uint16Array(size);
  for (const [a, v] of Object.entries(set)) regs[Number(a)] = v;
  return new Map([[unit, regs]]);
}

describe('SqliteRegisterStore', () => {
  let dir: string;
  let n = 0;
  const file = () => join(dir, `store-${++n}.db`);
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-sqlite-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('round trip: what is saved loads back, including a register written back to 0', sqlite, async () => {
    const path = file();
    const a = new SqliteRegisterStore(path);
    assert.equal((await a.load()).size, 0, 'a new database holds nothing');
    await a.save(
      new Map([
        [1, Uint16Array.from([0, 7, 65535, 3])],
        [9, Uint16Array.from([5, 6])],
      ]),
      [
        { unit: 1, address: 1, count: 3 },
        { unit: 9, address: 0, count: 2 },
      ],
    );
    await a.save(image(1, 4, { 1: 7, 2: 65535, 3: 0 }), [{ unit: 1, address: 3, count: 1 }]);
    await a.close();
    const b = new SqliteRegisterStore(path);
    const loaded = await b.load();
    await b.close();
    assert.deepEqual([...loaded.keys()].sort(), [1, 9]);
    assert.deepEqual([...loaded.get(1)!], [0, 7, 65535, 0]);
    assert.deepEqual([...loaded.get(9)!], [5, 6]);
  });

  test('one FC16 of 100 registers is one transaction, seen whole by a second connection', sqlite, async () => {
    const path = file();
    const store = new SqliteRegisterStore(path);
    await store.load();
    const before = walCommits(path);
    const regs = new Uint16Array(200);
    for (let i = 0; i < 100; i++) regs[50 + i] = 1000 + i;
    await store.save(new Map([[3, regs]]), [{ unit: 3, address: 50, count: 100 }]);
    assert.equal(walCommits(path) - before, 1, 'exactly one commit record in the write-ahead log');
    assert.equal(store.commits, 1);
    const other = await secondConnection(path);
    try {
      const rows = await other.all('SELECT unit, address, value, updated_at FROM holding_registers ORDER BY address');
      assert.equal(rows.length, 100);
      assert.deepEqual(
        rows.map((r) => r.value),
        Array.from({ length: 100 }, (_, i) => 1000 + i),
      );
      assert.deepEqual(new Set(rows.map((r) => r.unit)), new Set([3]));
      assert.equal(new Set(rows.map((r) => r.updated_at)).size, 1, 'one transaction, one timestamp');
      assert.deepEqual(await other.all('PRAGMA journal_mode'), [{ journal_mode: 'wal' }]);
    } finally {
      await other.close();
      await store.close();
    }
  });

  test('a burst of saves is coalesced into one transaction; close flushes what is pending', sqlite, async () => {
    const path = file();
    const store = new SqliteRegisterStore(path, { coalesceMs: 50 });
    await store.load();
    const before = walCommits(path);
    const regs = new Uint16Array(30);
    const saves: Array<Promise<void>> = [];
    for (let i = 0; i < 20; i++) {
      regs[i] = i + 1;
      saves.push(store.save(new Map([[1, regs.slice()]]), [{ unit: 1, address: i, count: 1 }]));
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(saves);
    assert.equal(store.commits, 1, '20 saves, one transaction');
    assert.equal(walCommits(path) - before, 1);

    // saved and closed at once: close commits it
    regs[25] = 4242;
    const last = store.save(new Map([[1, regs.slice()]]), [{ unit: 1, address: 25, count: 1 }]);
    await store.close();
    await last;
    const again = new SqliteRegisterStore(path);
    const loaded = (await again.load()).get(1)!;
    await again.close();
    assert.deepEqual(
      [...loaded.subarray(0, 20)],
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    assert.equal(loaded[25], 4242);
    await assert.rejects(store.save(new Map(), []), /store-\d+\.db: the store is closed/);
  });

  test('a save without ranges replaces the units it carries (rows of zeros are dropped)', sqlite, async () => {
    const path = file();
    const store = new SqliteRegisterStore(path);
    await store.save(
      new Map([
        [1, Uint16Array.from([1, 2, 3])],
        [2, Uint16Array.from([9])],
      ]),
      [
        { unit: 1, address: 0, count: 3 },
        { unit: 2, address: 0, count: 1 },
      ],
    );
    await store.save(new Map([[1, Uint16Array.from([0, 0, 8])]]), []);
    const other = await secondConnection(path);
    const rows = await other.all('SELECT unit, address, value FROM holding_registers ORDER BY unit, address');
    await other.close();
    await store.close();
    assert.deepEqual(rows, [
      { unit: 1, address: 2, value: 8 },
      { unit: 2, address: 0, value: 9 },
    ]);
  });

  test('a server restarted on the same database keeps what a remote master wrote', sqlite, async () => {
    const path = file();
    const opts = () => ({ transport: { kind: 'tcp' as const, host: '127.0.0.1', port: 0 }, units: [1, 2], holdingSize: 1000, store: new SqliteRegisterStore(path), persistDelayMs: 5 });
    const first = new ModbusServer(opts());
    await first.start();
    const port = (first.address() as { port: number }).port;
    const line = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port } });
    const values = Array.from({ length: 100 }, (_, i) => (i * 655) & 0xffff);
    try {
      await line.write(2, 'holding', 300, values);
      await line.write(1, 'holding', 0, [11, 22]);
    } finally {
      await line.close();
    }
    await first.close();
    const second = new ModbusServer(opts());
    try {
      await second.start();
      assert.deepEqual(second.getRegisters(2, 'holding', 300, 100), values);
      assert.deepEqual(second.getRegisters(1, 'holding', 0, 3), [11, 22, 0]);
    } finally {
      await second.close();
    }
  });

  test('a file that is not a database: a clear error naming the file', sqlite, async () => {
    const path = file();
    writeFileSync(path, 'this is not a database, just some text '.repeat(200));
    const store = new SqliteRegisterStore(path);
    await assert.rejects(store.load(), (err: Error) => {
      assert.ok(err instanceof SqliteRegisterStoreError && err instanceof RegisterStoreError);
      assert.equal(err.sqliteCode, 'SQLITE_NOTADB');
      assert.ok(err.message.includes(path), err.message);
      assert.match(err.message, /not a SQLite database/);
      return true;
    });
    await store.close();
    assert.match(readFileSync(path, 'utf8'), /^this is not a database/, 'the file is left as it was');
  });

  test('a damaged database: a clear error naming the file', sqlite, async () => {
    const path = file();
    const good = new SqliteRegisterStore(path);
    const regs = new Uint16Array(5000).map((_, i) => i + 1);
    await good.save(new Map([[1, regs]]), [{ unit: 1, address: 0, count: 5000 }]);
    await good.close();
    const bytes = readFileSync(path);
    assert.ok(bytes.length > 4 * 4096, `the database spans several pages (${bytes.length} bytes)`);
    bytes.fill(0xa5, 4096 + 8, 3 * 4096); // overwrite the b-tree pages after the first
    writeFileSync(path, bytes);
    const store = new SqliteRegisterStore(path);
    await assert.rejects(store.load(), (err: Error) => {
      assert.ok(err instanceof SqliteRegisterStoreError, String(err));
      assert.ok(err.message.startsWith(`register store ${path}: `), err.message);
      assert.match(err.message, /corrupt|malformed/);
      return true;
    });
    await store.close();
  });

  test('a database whose table has other columns is refused by name', sqlite, async () => {
    const path = file();
    const other = await secondConnection(path);
    await other.run('CREATE TABLE holding_registers (id INTEGER PRIMARY KEY, payload TEXT)');
    await other.close();
    const store = new SqliteRegisterStore(path);
    await assert.rejects(store.load(), /holding_registers exists with other columns \(id, payload; missing unit, address, value, updated_at\)/);
    await store.close();
  });

  test('rows out of range written by someone else are reported with the row', sqlite, async () => {
    const path = file();
    const store = new SqliteRegisterStore(path);
    await store.load();
    const other = await secondConnection(path);
    // the CHECK constraints stop bad values; a foreign tool could still disable them
    await other.run('PRAGMA ignore_check_constraints = ON');
    await other.run('INSERT INTO holding_registers VALUES (1, 4, 70000, 0)');
    await other.close();
    await assert.rejects(store.load(), new RegExp(`${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: row unit=1 address=4: value 70000 is not 0\\.\\.65535`));
    await store.close();
  });

  test('locked by another connection: the save fails naming the file, then succeeds once released', sqlite, async () => {
    const path = file();
    const store = new SqliteRegisterStore(path, { busyTimeoutMs: 100 });
    await store.load();
    const other = await secondConnection(path);
    try {
      await other.run('BEGIN IMMEDIATE');
      await assert.rejects(store.save(image(1, 10, { 4: 44 }), [{ unit: 1, address: 4, count: 1 }]), (err: Error) => {
        assert.ok(err instanceof SqliteRegisterStoreError);
        assert.equal(err.sqliteCode, 'SQLITE_BUSY');
        assert.ok(err.message.includes(path), err.message);
        assert.match(err.message, /locked by another connection or process \(waited 100 ms\)/);
        return true;
      });
      await other.run('ROLLBACK');
      // the failed batch was kept: the next save commits it together with its own
      await store.save(image(1, 10, { 4: 44, 5: 55 }), [{ unit: 1, address: 5, count: 1 }]);
      assert.deepEqual(await other.all('SELECT address, value FROM holding_registers ORDER BY address'), [
        { address: 4, value: 44 },
        { address: 5, value: 55 },
      ]);
    } finally {
      await other.close();
      await store.close();
    }
  });

  test('a directory that cannot hold the file: a clear error naming it', sqlite, async () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'x');
    const path = join(blocker, 'sub', 'regs.db');
    const store = new SqliteRegisterStore(path);
    await assert.rejects(store.load(), (err: Error) => err instanceof RegisterStoreError && err.message.startsWith(`register store ${path}: cannot create its directory`));
    await store.close();
  });

  test('sqlite3 missing: MissingPackageError at construction, naming the package', () => {
    assert.throws(
      () => new SqliteRegisterStore(join(dir, 'never.db'), { loader: () => loadOptional('edgegw-no-such-sqlite3-package') }),
      (err: Error) => err instanceof MissingPackageError && err.packageName === 'edgegw-no-such-sqlite3-package' && /npm install edgegw-no-such-sqlite3-package/.test(err.message),
    );
  });
});

describe('choosing a register store from the node settings', () => {
  const ctx = { baseDir: '/data/node-red', nodeId: 'ab12.cd' };
  test('persistence none | json | sqlite, relative paths in the user directory', () => {
    assert.equal(persistenceFromSettings({ persistence: 'none', persist: true, persistFile: 'x.json' }, ctx), undefined);
    assert.deepEqual(persistenceFromSettings({ persistence: 'json' }, ctx), { kind: 'json', path: '/data/node-red/modbus-server-ab12.cd.json' });
    assert.deepEqual(persistenceFromSettings({ persistence: 'sqlite' }, ctx), { kind: 'sqlite', path: '/data/node-red/modbus-server-ab12.cd.db' });
    assert.deepEqual(persistenceFromSettings({ persistence: 'sqlite', persistFile: ' regs/plant.data ' }, ctx), { kind: 'sqlite', path: '/data/node-red/regs/plant.data' });
    assert.deepEqual(persistenceFromSettings({ persistence: 'json', persistFile: '/var/lib/regs.json' }, ctx), { kind: 'json', path: '/var/lib/regs.json' });
  });

  test('flows from before the option: persist + a .db/.sqlite file means sqlite, else json', () => {
    assert.equal(persistenceFromSettings({}, ctx), undefined);
    assert.equal(persistenceFromSettings({ persist: false, persistFile: 'a.db' }, ctx), undefined);
    assert.deepEqual(persistenceFromSettings({ persist: true, persistFile: '' }, ctx), { kind: 'json', path: '/data/node-red/modbus-server-ab12.cd.json' });
    assert.deepEqual(persistenceFromSettings({ persist: 'true', persistFile: 'r.json' }, ctx), { kind: 'json', path: '/data/node-red/r.json' });
    for (const f of ['r.db', 'r.sqlite', 'r.SQLITE3', 'r.db3']) assert.equal(persistenceFromSettings({ persist: true, persistFile: f }, ctx)?.kind, 'sqlite', f);
  });

  test('an unknown mode is refused naming the field', () => {
    assert.throws(
      () => persistenceFromSettings({ persistence: 'mysql' }, ctx),
      (err: Error) => err instanceof PersistenceConfigError && err.field === 'persistence' && /none, json or sqlite, got "mysql"/.test(err.message),
    );
  });

  test('createRegisterStore: the store class and how long the server gathers changes', sqlite, async () => {
    const json = createRegisterStore({ kind: 'json', path: '/tmp/never.json' });
    assert.ok(json.store instanceof JsonFileRegisterStore);
    assert.equal(json.persistDelayMs, 500);
    const db = createRegisterStore({ kind: 'sqlite', path: '/tmp/never-opened.db' });
    assert.ok(db.store instanceof SqliteRegisterStore);
    assert.ok(db.persistDelayMs <= 10);
    await db.store.close();
    await json.store.close();
    assert.throws(() => createRegisterStore({ kind: 'sqlite', path: '/tmp/x.db' }, { loader: () => loadOptional('edgegw-no-such-sqlite3-package') }), MissingPackageError);
  });
});
