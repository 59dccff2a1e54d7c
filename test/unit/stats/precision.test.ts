// Stats figures as people read them: rounded once when a window closes, the same in the scan and
// the CSV row, to the samples' decimals (two more for mean, twmean and stddev) or the node's
// Decimals; the accumulators stay exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CsvReport } from '../../../lib/stats/report';
import { FigureAccumulator, readableFigures } from '../../../lib/stats/figures';
import { StatsSession } from '../../../lib/stats/session';
import { windowScans } from '../../../lib/stats/output';
import type { ClosedWindow } from '../../../lib/stats/windows';
import { readCsv } from '../../../lib/system/text/csv';

const sample = (value: number, ts: number) => ({ device: 'meter', name: 'p', value, quality: 'good' as const, ts });

async function closedWindow(values: number[], decimals?: number, reportDir?: string): Promise<ClosedWindow> {
  const closed: ClosedWindow[] = [];
  const report = reportDir ? new CsvReport({ dir: reportDir, per: 'day', timeZone: 'UTC', retentionDays: 0, prefix: 'p' }) : undefined;
  const session = new StatsSession({ windows: { kind: 'tumbling', by: 'count', length: values.length }, report, decimals, onWindows: (w) => closed.push(...w), onError: (e) => assert.fail(e) });
  await session.start();
  session.add(values.map((v, i) => sample(v, Date.UTC(2026, 11, 1) + i * 1000)));
  assert.equal(closed.length, 1);
  return closed[0];
}

test('the noise of the issue is gone: a sum of 176294.8000000002 reads 176294.8, in the scan and the CSV row', async () => {
  const values = Array.from({ length: 100 }, () => 1762.948);
  const exact = values.reduce((a, b) => a + b, 0);
  assert.equal(exact, 176294.8000000002, 'the exact sum is noisy');
  const dir = mkdtempSync(join(tmpdir(), 'edgegw-stats-precision-'));
  try {
    const w = await closedWindow(values, undefined, dir);
    assert.equal(w.figures.sum, 176294.8);
    assert.equal(w.figures.min, 1762.948);
    const scan = windowScans([w])[0];
    assert.equal(scan.payload['p.sum'], 176294.8);
    const [file] = readdirSync(dir);
    const [header, row] = readCsv(readFileSync(join(dir, file), 'utf8')).map((r) => r.fields);
    assert.equal(row[header.indexOf('sum')], '176294.8');
    assert.equal(row[header.indexOf('mean')], String(w.figures.mean));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mean, twmean and stddev get two decimals more than the samples; six significant digits at least', async () => {
  const w = await closedWindow([1, 2, 4]);
  assert.equal(w.figures.mean, 2.33333, 'six significant digits over the 0 + 2 decimals of whole samples');
  const tenths = await closedWindow([20.1, 20.4, 20.4]);
  assert.equal(tenths.figures.mean, 20.3);
  assert.equal(tenths.figures.stddev, 0.173205);
  assert.equal(tenths.figures.sum, 60.9);
  const a = new FigureAccumulator(undefined);
  for (const [i, v] of [1, 2, 4].entries()) a.add(v, i * 1000);
  const f = readableFigures({ ...a.figures(3000), decimals: 0 });
  assert.equal(f.mean, 2.33333);
  assert.equal(a.figures(3000).mean, 7 / 3, 'the accumulator itself stays exact');
});

test('the node-wide Decimals rounds every figure to that many', async () => {
  const w = await closedWindow([20.123, 20.456, 20.789], 1);
  assert.deepEqual([w.figures.min, w.figures.max, w.figures.mean, w.figures.sum, w.figures.stddev, w.figures.count], [20.1, 20.8, 20.5, 61.4, 0.3, 3]);
});

test('a sample once seen with more decimals keeps them for the window; merged windows take the most', () => {
  const a = new FigureAccumulator(undefined);
  a.add(1.25, 0);
  a.add(3, 1000);
  const b = new FigureAccumulator(undefined);
  b.add(0.123456789, 2000);
  assert.equal(a.figures(1000).decimals, 2);
  a.merge(b);
  assert.equal(a.figures(2000).decimals, 6, 'at most six counted from a sample');
  const restored = new FigureAccumulator(undefined);
  restored.restore(a.state());
  assert.equal(restored.figures(2000).decimals, 6);
});
