// The alarm node's lib parts: its config with the rule table from the dialog or a file, the
// active list's summary for the status and /health, and the store SQLite or memory.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAlarmConfig } from '../../../lib/alarm/node-config';
import { underUserDir } from '../../../lib/system/fs/user-dir';
import { alarmHealthDegraded, summarizeActiveList } from '../../../lib/alarm/active-summary';
import type { AlarmRecord, AlarmState } from '../../../lib/alarm/engine';
import type { Severity } from '../../../lib/alarm/rules';
import { ConfigFieldError } from '../../../lib/config/fields';
import { sqliteOrMemory } from '../../../lib/storage/sqlite';
import { MissingPackageError } from '../../../lib/system/process/optional';
import { needPeers } from '../../helpers/peers';
import { SQLITE_PEER } from '../../helpers/sqlite-store';

const peers = needPeers(SQLITE_PEER());

function record(id: string, severity: Severity, state: AlarmState): AlarmRecord {
  return { id, tag: 't', rule: 'hi', severity, state, value: 1, limit: 0, message: '', ts: 0, ackedBy: null, activeSince: 0 };
}

describe('alarm node parts', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-alarm-parts-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('config: rules from the dialog or a file under the user directory; errors name the origin, line and field', () => {
    const fromDialog = readAlarmConfig({ rules: 'tag,type,limit\noven/temp,hi,80\n', cooldownSec: '2' }, dir);
    assert.equal(fromDialog.rules.length, 1);
    assert.equal(fromDialog.dbPath, join(dir, 'edge-gateway-state.db'));
    writeFileSync(join(dir, 'alarms.csv'), 'tag,type,limit\na,hi,1\nb,lo,2\n');
    assert.equal(readAlarmConfig({ rulesSource: 'file' }, dir).rules.length, 2, 'the placeholder file name, under the user directory');
    assert.throws(() => readAlarmConfig({ rules: 'tag,type,limit\nx,hi,lots\n' }, dir), { message: 'rules: line 2, field limit: "lots" is not a number' });
    assert.throws(() => readAlarmConfig({ rulesSource: 'file', rulesFile: 'none.csv' }, dir), /^Error: rulesFile: cannot read .*none\.csv: file not found \(ENOENT\)/);
    assert.throws(
      () => readAlarmConfig({ persist: 'disk' }, dir),
      (e) => e instanceof ConfigFieldError && e.field === 'persist',
    );
    assert.equal(underUserDir('/abs/x.db', dir), '/abs/x.db');
  });

  test('the active list summarised, and /health degraded as healthOn says or on a failed save', () => {
    const list = [record('a', 'critical', 'active'), record('b', 'critical', 'acknowledged'), record('c', 'low', 'cleared-unacknowledged'), record('d', 'high', 'cleared')];
    const s = summarizeActiveList(list);
    assert.deepEqual(s, { listed: 4, unacknowledged: 2, raised: 2, criticalUnacknowledged: 1, criticalActive: 2 });
    assert.equal(alarmHealthDegraded(s, 'critical-unacknowledged', false), true);
    const acked = summarizeActiveList([record('b', 'critical', 'acknowledged')]);
    assert.equal(alarmHealthDegraded(acked, 'critical-unacknowledged', false), false);
    assert.equal(alarmHealthDegraded(acked, 'critical-active', false), true);
    assert.equal(alarmHealthDegraded(acked, 'never', false), false);
    // cleared before anyone acknowledged it: still unacknowledged, still degraded
    const clearedUnacked = summarizeActiveList([record('e', 'critical', 'cleared-unacknowledged')]);
    assert.equal(clearedUnacked.criticalUnacknowledged, 1);
    assert.equal(alarmHealthDegraded(clearedUnacked, 'critical-unacknowledged', false), true);
    assert.equal(alarmHealthDegraded(clearedUnacked, 'critical-active', false), false);
    assert.equal(alarmHealthDegraded(summarizeActiveList([]), 'never', true), true);
  });

  test('the store: memory when asked, SQLite when asked, and memory with the reason when sqlite3 is missing', () => {
    assert.deepEqual(
      sqliteOrMemory(
        'memory',
        () => 'sqlite',
        () => 'memory',
      ),
      { store: 'memory' },
    );
    const missing = new MissingPackageError('sqlite3', 'persisting');
    const chosen = sqliteOrMemory(
      'sqlite',
      () => {
        throw missing;
      },
      () => 'memory',
    );
    assert.equal(chosen.store, 'memory');
    assert.ok(chosen.noSqlite instanceof MissingPackageError);
  });

  test('the store: another failure of the SQLite one is thrown, not hidden behind memory', peers, () => {
    assert.throws(
      () =>
        sqliteOrMemory(
          'sqlite',
          () => {
            throw new Error('bad path');
          },
          () => 'memory',
        ),
      /bad path/,
    );
  });
});
