// TagStore with its SQLite persistence (the real sqlite3 package, real files): batched writes,
// last values back as stale after a restart, user tags back as set, failures kept and retried.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TagStore } from '../../../lib/tags/store';
import { SqliteTagPersistence, decodeValue, encodeValue } from '../../../lib/tags/store-sqlite';
import { parseUserTags } from '../../../lib/tags/store-config';
import { MissingPackageError } from '../../../lib/system/process/optional';
import { needPeers } from '../../helpers/peers';
import { SQLITE_PEER, secondConnection } from '../../helpers/sqlite-store';
import type { TagSample } from '../../../lib/tags/contract';

const s = (device: string, name: string, value: TagSample['value'], ts: number): TagSample => ({ device, name, value, quality: 'good', ts });

describe('TagStore persistence (sqlite3)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-tags-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('values keep their type through the text column', () => {
    for (const v of [1.5, true, 'text', null, 2n ** 70n, Buffer.from([1, 2, 255])]) {
      assert.deepEqual(decodeValue(encodeValue(v)), v);
    }
  });

  test('batched writes; after a restart tags are stale with their last values, user tags as set', needPeers(SQLITE_PEER()), async () => {
    const file = join(dir, 'restart.sqlite');
    const userTags = parseUserTags('setpoint number 0..100 = 10\nlabel string');
    const persistence = new SqliteTagPersistence(file);
    const first = new TagStore({ persistence, userTags, tickMs: 3_600_000 });
    await first.start();
    for (let i = 0; i < 5; i++) first.write([s('meter1', 'voltage', 230 + i, 1000 + i), s('meter1', 'count', 2n ** 60n, 1000 + i)]);
    first.setUserTag('setpoint', 42, 'test');
    assert.equal(first.tick().pending, 0);
    await first.flush();
    assert.equal(persistence.commits, 1, 'five scans and a set go in one transaction');
    first.write([{ ...s('meter1', 'energy', 7, 2000), unit: 'kWh', source: 'modbus' }]);
    await first.close(); // saves what is pending
    assert.equal(persistence.commits, 2);

    const peek = await secondConnection(file);
    // voltage, count, energy, setpoint; label was never set, so it has no row
    assert.deepEqual(
      (await peek.all('SELECT device, name FROM tag_values ORDER BY device, name')).map((r) => `${r.device as string}/${r.name as string}`),
      ['meter1/count', 'meter1/energy', 'meter1/voltage', 'user/setpoint'],
    );
    await peek.close();

    const second = new TagStore({ persistence: new SqliteTagPersistence(file), userTags, tickMs: 3_600_000 });
    second.write([s('meter1', 'current', 5, 3000)]); // fresh data before the load finishes wins
    await second.start();
    assert.deepEqual(second.read('meter1/voltage'), { device: 'meter1', name: 'voltage', value: 234, quality: 'stale', ts: 1004, error: 'last value before a restart' });
    assert.equal(second.read('meter1/count')!.value, 2n ** 60n);
    assert.deepEqual(second.read('meter1/energy'), { device: 'meter1', name: 'energy', value: 7, quality: 'stale', ts: 2000, unit: 'kWh', source: 'modbus', error: 'last value before a restart' });
    assert.equal(second.read('meter1/current')!.quality, 'good');
    assert.equal(second.read('user/setpoint')!.value, 42);
    assert.equal(second.read('user/setpoint')!.quality, 'good');
    assert.equal(second.read('user/label')!.quality, 'uncertain');
    second.write([s('meter1', 'voltage', 229, 4000)]);
    assert.equal(second.read('meter1/voltage')!.quality, 'good');
    await second.close();

    // a user tag whose range no longer admits the stored value keeps its configured initial value
    const third = new TagStore({ persistence: new SqliteTagPersistence(file), userTags: parseUserTags('setpoint number 0..20 = 10'), tickMs: 3_600_000 });
    await third.start();
    assert.equal(third.read('user/setpoint')!.value, 10);
    assert.equal(third.readDevice('user').length, 1, 'a user tag no longer configured is not restored');
    await third.close();
  });

  test('a file that is no database: the store keeps working in memory, says why, and retries', needPeers(SQLITE_PEER()), async () => {
    const file = join(dir, 'not-a-db.sqlite');
    writeFileSync(file, 'this is not a sqlite database, just text that is long enough to have a header'.repeat(20));
    const errors: string[] = [];
    const store = new TagStore({ persistence: new SqliteTagPersistence(file), tickMs: 3_600_000, onPersistenceError: (e) => errors.push(e.message) });
    await store.start();
    assert.ok(
      errors.some((e) => e.includes(file)),
      errors.join('\n'),
    );
    store.write([s('d', 'a', 1, 1)]);
    assert.equal(store.read('d/a')!.value, 1);
    await store.flush();
    assert.equal(store.pendingCount, 1, 'the unsaved tag waits for the next batch');
    assert.ok(store.tick().persistenceError?.includes(file));
    await store.close();
  });

  test('without sqlite3 the persistence cannot be created: the caller runs in memory', () => {
    assert.throws(
      () =>
        new SqliteTagPersistence(join(dir, 'x.sqlite'), () => {
          throw new MissingPackageError('sqlite3', new Error('Cannot find module'));
        }),
      (e: Error) => e instanceof MissingPackageError && /npm install sqlite3/.test(e.message),
    );
  });
});
