// The stats node's config read in lib: fields as a window in ms or samples, the CSV report with its
// directory under the user directory, and errors naming the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readStatsConfig } from '../../../lib/stats/node-config';
import { ConfigFieldError } from '../../../lib/config/fields';

test('stats config: a time window in ms, a count window in samples, the report and database under the user directory', () => {
  const byTime = readStatsConfig({ windowKind: 'sliding', length: '2', lengthUnit: 'min', hop: '30', hopUnit: 's', graceSec: 2, persist: 'memory' }, '/data');
  assert.deepEqual(byTime.windows, { kind: 'sliding', by: 'time', length: 120_000, hop: 30_000, percentiles: false, graceMs: 2000 });
  assert.equal(byTime.report, undefined);
  assert.equal(byTime.persist, 'memory');
  assert.equal(byTime.dbPath, join('/data', 'edge-gateway-state.db'));
  const byCount = readStatsConfig({ windowBy: 'count', length: 100, report: true, reportDir: '/var/reports', reportPer: 'hour', align: true, timeZone: 'Europe/Berlin' }, '/data');
  assert.deepEqual(byCount.windows, { kind: 'tumbling', by: 'count', length: 100, percentiles: false, graceMs: 1000 });
  assert.equal(byCount.report?.dir, '/var/reports');
  assert.equal(byCount.report?.per, 'hour');
  assert.equal(readStatsConfig({ report: true }, '/data').report?.dir, join('/data', 'reports'));
  assert.throws(
    () => readStatsConfig({ length: '-1' }, '/data'),
    (e) => e instanceof ConfigFieldError && e.field === 'length',
  );
});
