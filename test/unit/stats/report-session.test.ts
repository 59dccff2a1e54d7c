// The CSV report (real files) and a stats session over a real SQLite store: open windows survive
// a stop and a "crash", and no closed window is written twice or lost.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, chmodSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CsvReport, CSV_HEADER } from '../../../lib/stats/report';
import { readCsv } from '../../../lib/system/text/csv';
import { StatsSession } from '../../../lib/stats/session';
import { SqliteWindowStore, MemoryWindowStore } from '../../../lib/stats/window-store';
import type { ClosedWindow, WindowConfig } from '../../../lib/stats/windows';
import type { TagSample } from '../../../lib/tags/contract';
import { needPeers } from '../../helpers/peers';
import { SQLITE_PEER } from '../../helpers/sqlite-store';

const H = 3_600_000;
const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 1, 9, 0); // 10:00 in Berlin

function sample(name: string, value: unknown, ts: number): TagSample {
  return { device: 'meter', name, value: value as number, quality: 'good', ts };
}

function rowsOf(file: string): string[][] {
  return readCsv(readFileSync(file, 'utf8'))
    .slice(1)
    .map((r) => r.fields);
}

describe('stats report and session', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-stats-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('rows go to a file per local hour, header first; retention deletes expired files only', () => {
    const out = join(dir, 'hourly');
    const report = new CsvReport({ dir: out, per: 'hour', timeZone: 'Europe/Berlin', retentionDays: 2, prefix: 'meter' });
    const win = (start: number, name: string, mean: number): ClosedWindow => ({
      device: 'meter',
      name,
      start,
      end: start + H,
      recovered: false,
      figures: {
        count: 2,
        bad: 1,
        late: 0,
        sum: 2 * mean,
        min: mean - 1,
        max: mean + 1,
        mean,
        timeWeightedMean: mean,
        stddev: Math.SQRT2,
        first: mean - 1,
        last: mean + 1,
        firstTs: start,
        lastTs: start + 1,
      },
    });
    assert.deepEqual(report.write([win(T0, 'power', 5), win(T0, 'a,"quoted" tag', 6), win(T0 + H, 'power', 7)]), { written: 3, skipped: 0 });
    report.write([win(T0, 'energy', 8)]);
    const files = readdirSync(out).sort();
    assert.deepEqual(files, ['meter-2026-12-01_10.csv', 'meter-2026-12-01_11.csv']);
    const text = readFileSync(join(out, files[0]), 'utf8');
    assert.equal(text.split('\n')[0], CSV_HEADER);
    assert.equal(text.split('\n').filter((l) => l === CSV_HEADER).length, 1, 'one header per file');
    const rows = rowsOf(join(out, files[0]));
    assert.deepEqual(
      rows.map((r) => r[3]),
      ['power', 'a,"quoted" tag', 'energy'],
    );
    assert.deepEqual(rows[0].slice(0, 12), ['2026-12-01T10:00:00+01:00', '2026-12-01T11:00:00+01:00', 'meter', 'power', '2', '1', '0', '4', '6', '5', '5', String(Math.SQRT2)]);
    assert.equal(rows[0][15], '', 'no percentiles: empty cells');

    writeFileSync(join(out, 'meter-2026-11-28_23.csv'), CSV_HEADER + '\n');
    writeFileSync(join(out, 'meter-2026-11-29_01.csv'), CSV_HEADER + '\n');
    writeFileSync(join(out, 'other-2026-01-01_00.csv'), 'not ours\n');
    const deleted = report.prune(Date.UTC(2026, 11, 1, 0, 30)); // 01:30 Berlin on Dec 1
    assert.deepEqual(
      deleted.map((f) => f.slice(out.length + 1)),
      ['meter-2026-11-28_23.csv'],
    );
    assert.ok(existsSync(join(out, 'meter-2026-11-29_01.csv')));
    assert.ok(existsSync(join(out, 'other-2026-01-01_00.csv')));
  });

  test('a recovered window already in its file is skipped, by key', () => {
    const out = join(dir, 'recovered');
    const report = new CsvReport({ dir: out, per: 'day', timeZone: 'UTC', retentionDays: 0, prefix: 'r' });
    const w: ClosedWindow = {
      device: 'd',
      name: 't',
      start: T0,
      end: T0 + MIN,
      recovered: false,
      figures: { count: 1, bad: 0, late: 0, sum: 1, min: 1, max: 1, mean: 1, timeWeightedMean: 1, stddev: 0, first: 1, last: 1, firstTs: T0, lastTs: T0 },
    };
    report.write([w]);
    assert.deepEqual(
      report.write([
        { ...w, recovered: true },
        { ...w, name: 'u', recovered: true },
      ]),
      { written: 1, skipped: 1 },
    );
    assert.deepEqual(
      rowsOf(report.fileFor(T0)).map((r) => r[3]),
      ['t', 'u'],
    );
  });

  test('a row torn by a crash (its quote never closed) hides neither the rows before it nor those appended after it', () => {
    const out = join(dir, 'torn');
    const report = new CsvReport({ dir: out, per: 'day', timeZone: 'UTC', retentionDays: 0, prefix: 'r' });
    const w: ClosedWindow = {
      device: 'd',
      name: 'before',
      start: T0,
      end: T0 + MIN,
      recovered: false,
      figures: { count: 1, bad: 0, late: 0, sum: 1, min: 1, max: 1, mean: 1, timeWeightedMean: 1, stddev: 0, first: 1, last: 1, firstTs: T0, lastTs: T0 },
    };
    report.write([w]);
    writeFileSync(report.fileFor(T0), '2026-12-01T09:00:00Z,2026-12-01T09:01:00Z,d,"torn, tag\n', { flag: 'a' });
    report.write([{ ...w, name: 'after' }]);
    assert.deepEqual(
      report.write([
        { ...w, recovered: true },
        { ...w, name: 'after', recovered: true },
        { ...w, name: 'new', recovered: true },
      ]),
      { written: 1, skipped: 2 },
    );
  });

  const config: WindowConfig = { kind: 'tumbling', by: 'time', length: MIN, timeZone: 'UTC', graceMs: 0 };

  async function runSession(
    store: SqliteWindowStore | MemoryWindowStore,
    reportDir: string,
    clock: { now: number },
    samples: TagSample[],
    stop: boolean,
  ): Promise<{ session: StatsSession; emitted: ClosedWindow[]; errors: Error[] }> {
    const emitted: ClosedWindow[] = [];
    const errors: Error[] = [];
    const session = new StatsSession({
      windows: config,
      report: new CsvReport({ dir: reportDir, per: 'day', timeZone: 'UTC', retentionDays: 0, prefix: 'm' }),
      store,
      now: () => clock.now,
      onWindows: (w) => emitted.push(...w),
      onError: (e) => errors.push(e),
    });
    session.add(samples.slice(0, 1)); // before start(): waits for the stored windows
    await session.start();
    session.add(samples.slice(1));
    session.tick();
    if (stop) await session.stop();
    return { session, emitted, errors };
  }

  test('SQLite: open windows survive a stop and a crash; no window is written twice or lost', needPeers(SQLITE_PEER()), async () => {
    const db = join(dir, 'state', 'stats.db');
    const out = join(dir, 'session');
    const clock = { now: T0 + 30_000 };
    // 1: half a window, then a clean stop (a redeploy or restart)
    let run = await runSession(new SqliteWindowStore(db, 'node1'), out, clock, [sample('p', 1, T0 + 1000), sample('p', 2, T0 + 2000)], true);
    assert.deepEqual([run.emitted.length, run.errors.length], [0, 0]);
    // 2: the rest of the window, then the clock closes it: one row with all 3 samples
    clock.now = T0 + MIN + 10;
    run = await runSession(new SqliteWindowStore(db, 'node1'), out, clock, [sample('p', 3, T0 + 3000)], false);
    assert.deepEqual(run.errors, []);
    assert.deepEqual(
      run.emitted.map((w) => [w.figures.count, w.figures.sum]),
      [[3, 6]],
    );
    await run.session.stop();
    // 3: a crash after the row was written but before the store learnt it, simulated by putting
    // back the pre-close snapshot (what the store holds had the process died in between)
    const crashed = new SqliteWindowStore(db, 'node1');
    await crashed.save(
      [
        {
          device: 'meter',
          name: 'p',
          start: T0,
          end: T0 + MIN,
          seen: 3,
          sinceOutput: 0,
          acc: { count: 3, bad: 0, late: 0, sum: 6, min: 1, max: 3, mean: 2, m2: 2, first: 1, last: 3, firstTs: T0 + 1000, lastTs: T0 + 3000, twMean: 1.5, twWeight: 2000 },
        },
      ],
      [],
    );
    await crashed.close();
    clock.now = T0 + 2 * MIN + 10;
    run = await runSession(new SqliteWindowStore(db, 'node1'), out, clock, [sample('p', 4, T0 + MIN + 5000)], true);
    assert.deepEqual(run.errors, []);
    assert.equal(run.session.rowsSkipped, 1, 'the recovered window was found in the file');
    const rows = rowsOf(join(out, 'm-2026-12-01.csv'));
    assert.deepEqual(
      rows.map((r) => [r[0], r[4], r[12]]),
      [
        ['2026-12-01T09:00:00+00:00', '3', '6'],
        ['2026-12-01T09:01:00+00:00', '1', '4'],
      ],
    );
  });

  test('rows that cannot be written stay queued (memory and store) and are written once the directory works', async () => {
    const out = join(dir, 'blocked');
    mkdirSync(out);
    writeFileSync(join(out, 'm-2026-12-01.csv'), CSV_HEADER + '\n');
    chmodSync(join(out, 'm-2026-12-01.csv'), 0o444);
    const isRoot = process.getuid?.() === 0;
    const clock = { now: T0 + MIN + 10 };
    const store = new MemoryWindowStore(`blocked-${process.pid}`);
    const run = await runSession(store, isRoot ? join(dir, 'blocked', 'm-2026-12-01.csv', 'sub') : out, clock, [sample('p', 1, T0 + 1000)], false);
    assert.equal(run.emitted.length, 0);
    assert.match(run.errors[0]?.message ?? '', /^report .*m-2026-12-01\.csv|^report .*: cannot (append|create the directory)/);
    assert.equal(run.session.unwrittenCount, 1);
    await run.session.stop();
    assert.equal((await store.load()).unwritten.length, 1, 'the unwritten window is in the store');
    chmodSync(join(out, 'm-2026-12-01.csv'), 0o644);
    const again = await runSession(store, out, clock, [], true);
    assert.deepEqual(again.errors, []);
    assert.equal(again.emitted.length, 1);
    assert.deepEqual(
      rowsOf(join(out, 'm-2026-12-01.csv')).map((r) => r[4]),
      ['1'],
    );
    MemoryWindowStore.forget(`blocked-${process.pid}`);
  });
});
