// Windows: tumbling/sliding, time/count, wall-clock alignment across DST and half-hour zones,
// bad and late samples counted apart, closing by clock, and a snapshot that restores the same state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WindowSet, StatsConfigError, type ClosedWindow, type WindowConfig } from '../../../lib/stats/windows';
import { alignedSpan, isoLocal, localMidnight } from '../../../lib/stats/wall-clock';
import { windowScans } from '../../../lib/stats/output';

const H = 3_600_000;
const MIN = 60_000;

function feed(set: WindowSet, rows: Array<[number, unknown, ('good' | 'bad' | 'stale')?, string?]>): ClosedWindow[] {
  for (const [ts, value, quality, name] of rows) set.add('meter', name ?? 'power', value, ts, quality ?? 'good');
  return set.drain();
}

test('wall-clock alignment: a DST day has 23 or 25 hourly windows; hours in Kolkata start on the local hour', () => {
  const tz = 'Europe/Berlin';
  const springDay = Date.UTC(2026, 2, 29, 12); // clocks go 02:00 -> 03:00
  const m = localMidnight(springDay, tz);
  assert.equal(isoLocal(m, tz), '2026-03-29T00:00:00+01:00');
  const day = alignedSpan(springDay, 24 * H, tz);
  assert.equal(day.end - day.start, 23 * H);
  assert.equal(isoLocal(day.end, tz), '2026-03-30T00:00:00+02:00');
  const autumn = alignedSpan(Date.UTC(2026, 9, 25, 12), 24 * H, tz);
  assert.equal(autumn.end - autumn.start, 25 * H);
  let hours = 0;
  for (let t = autumn.start; t < autumn.end; t = alignedSpan(t, H, tz).end) hours++;
  assert.equal(hours, 25);
  const three = alignedSpan(Date.UTC(2026, 2, 29, 1, 30), H, tz); // 03:30 local, the first hour after the gap
  assert.equal(isoLocal(three.start, tz), '2026-03-29T03:00:00+02:00');
  const kolkata = alignedSpan(Date.UTC(2026, 0, 1, 4, 45), H, 'Asia/Kolkata'); // 10:15 local
  assert.equal(isoLocal(kolkata.start, 'Asia/Kolkata'), '2026-01-01T10:00:00+05:30');
  assert.equal(kolkata.end - kolkata.start, H);
  const quarter = alignedSpan(Date.UTC(2026, 0, 1, 4, 45), 15 * MIN, 'Asia/Kolkata');
  assert.equal(isoLocal(quarter.start, 'Asia/Kolkata'), '2026-01-01T10:15:00+05:30');
  assert.deepEqual(alignedSpan(90 * MIN + 5, H, undefined), { start: H, end: 2 * H });
});

test('tumbling time windows close on a later sample or by the clock; bad and late samples are counted apart', () => {
  const set = new WindowSet({ kind: 'tumbling', by: 'time', length: MIN, timeZone: 'UTC', graceMs: 500 });
  const t0 = Date.UTC(2026, 11, 1, 10, 0);
  let closed = feed(set, [
    [t0 + 1000, 10],
    [t0 + 2000, 'oops'],
    [t0 + 3000, 30, 'bad'],
    [t0 + 4000, 20],
    [t0 + 61_000, 5],
    [t0 + 10_000, 99], // late: its window is closed
  ]);
  assert.equal(closed.length, 1);
  const f = closed[0].figures;
  assert.deepEqual([closed[0].start, closed[0].end], [t0, t0 + MIN]);
  assert.deepEqual([f.count, f.bad, f.late, f.min, f.max, f.mean, f.first, f.last], [2, 2, 0, 10, 20, 15, 10, 20]);
  // 10 held 3 s, 20 held to the window's end (56 s)
  assert.equal(f.timeWeightedMean, (10 * 3 + 20 * 56) / 59);
  set.advance(t0 + 2 * MIN + 499);
  assert.equal(set.drain().length, 0, 'the grace period holds the window open');
  set.advance(t0 + 2 * MIN + 500);
  closed = set.drain();
  assert.equal(closed.length, 1);
  assert.deepEqual([closed[0].figures.count, closed[0].figures.late, closed[0].figures.mean], [1, 1, 5]);
  const [scan] = windowScans(closed);
  assert.equal(scan.topic, 'meter');
  assert.deepEqual(scan.window, { start: t0 + MIN, end: t0 + 2 * MIN });
  assert.equal(scan.payload['power.mean'], 5);
  assert.equal(scan.tags.find((t) => t.name === 'power.mean')?.quality, 'uncertain', 'a late sample makes the window uncertain');
  assert.equal(scan.tags.find((t) => t.name === 'power.count')?.quality, 'good');
  set.advance(t0 + 100 * MIN);
  assert.equal(set.drain().length, 0, 'an empty window is not emitted');
});

test('the clock closes every window of a tag, not only the first: the window after a clock close is closed by the clock too', () => {
  const set = new WindowSet({ kind: 'tumbling', by: 'time', length: MIN, timeZone: 'UTC', graceMs: 0 });
  const t0 = Date.UTC(2026, 11, 1, 10, 0);
  const closedAt: number[] = [];
  for (let i = 0; i < 3; i++) {
    feed(set, [[t0 + i * MIN + 1000, i]]);
    set.advance(t0 + (i + 1) * MIN + 10);
    closedAt.push(...set.drain().map((w) => w.start));
  }
  assert.deepEqual(closedAt, [t0, t0 + MIN, t0 + 2 * MIN]);
});

test('a window of only bad samples says so', () => {
  const set = new WindowSet({ kind: 'tumbling', by: 'count', length: 2 });
  const closed = feed(set, [
    [1, 1, 'stale'],
    [2, NaN],
  ]);
  assert.equal(closed[0].figures.count, 0);
  assert.equal(closed[0].figures.bad, 2);
  const tags = windowScans(closed)[0].tags;
  assert.equal(tags.find((t) => t.name === 'power.min')?.quality, 'bad');
  assert.equal(tags.find((t) => t.name === 'power.min')?.value, null);
});

test('tumbling count windows with exact percentiles; tags are independent', () => {
  const set = new WindowSet({ kind: 'tumbling', by: 'count', length: 5, percentiles: true });
  const rows: Array<[number, unknown, 'good', string]> = [];
  for (let i = 1; i <= 12; i++) rows.push([i * 1000, i, 'good', i % 2 ? 'a' : 'b']);
  const all = [...feed(set, rows.slice(0, 9)), ...feed(set, rows.slice(9))];
  assert.deepEqual(
    all.map((w) => w.name),
    ['a', 'b'],
  );
  const a = all[0];
  assert.deepEqual([a.start, a.end, a.figures.count, a.figures.p50, a.figures.sum], [1000, 9000, 5, 5, 25]);
  assert.equal(a.figures.p95, 8.6); // ranks 1,3,5,7,9: (5-1)*0.95 = 3.8 -> 7 + 0.8*2
});

test('sliding count windows: the last N samples, every hop samples', () => {
  const set = new WindowSet({ kind: 'sliding', by: 'count', length: 4, hop: 2 });
  const closed = feed(
    set,
    [1, 2, 3, 4, 5, 6, 7].map((v, i) => [i * 10, v] as [number, number]),
  );
  assert.deepEqual(
    closed.map((w) => [w.figures.count, w.figures.min, w.figures.max]),
    [
      [2, 1, 2],
      [4, 1, 4],
      [4, 3, 6],
    ],
  );
  // a length that is not a whole number of hops: the samples themselves are kept
  const odd = new WindowSet({ kind: 'sliding', by: 'count', length: 3, hop: 2 });
  const oddClosed = feed(
    odd,
    [1, 2, 3, 4, 5, 6, 7].map((v, i) => [i * 10, v] as [number, number]),
  );
  assert.deepEqual(
    oddClosed.map((w) => [w.figures.count, w.figures.min, w.figures.max]),
    [
      [2, 1, 2],
      [3, 2, 4],
      [3, 4, 6],
    ],
  );
});

test('sliding time windows: length 10 min every 5 min, emitted at each hop', () => {
  const set = new WindowSet({ kind: 'sliding', by: 'time', length: 10 * MIN, hop: 5 * MIN, graceMs: 0 });
  const t0 = 100 * 5 * MIN;
  const closed = feed(set, [
    [t0 + 1 * MIN, 1],
    [t0 + 6 * MIN, 2],
    [t0 + 11 * MIN, 3],
    [t0 + 16 * MIN, 4],
  ]);
  assert.deepEqual(
    closed.map((w) => [w.start - t0, w.end - t0, w.figures.count, w.figures.sum]),
    [
      [-5 * MIN, 5 * MIN, 1, 1],
      [0, 10 * MIN, 2, 3],
      [5 * MIN, 15 * MIN, 2, 5],
    ],
  );
  set.advance(t0 + 20 * MIN);
  assert.deepEqual(
    set.drain().map((w) => [w.start - t0, w.figures.sum]),
    [[10 * MIN, 7]],
  );
  set.advance(t0 + 25 * MIN);
  assert.deepEqual(
    set.drain().map((w) => [w.start - t0, w.figures.sum]),
    [[15 * MIN, 4]],
  );
  set.advance(t0 + 60 * MIN);
  assert.equal(set.drain().length, 0);
});

test('a snapshot restores open windows (JSON round trip) that then close with every sample', () => {
  for (const config of [
    { kind: 'tumbling', by: 'time', length: H, timeZone: 'Europe/Berlin', percentiles: true },
    { kind: 'tumbling', by: 'count', length: 6, percentiles: true },
    { kind: 'sliding', by: 'count', length: 6, hop: 6 },
    { kind: 'sliding', by: 'time', length: H, hop: H },
  ] as WindowConfig[]) {
    const t0 = Date.UTC(2026, 0, 1, 10);
    const rows: Array<[number, number]> = [1, 2, 3, 4, 5, 6].map((v, i) => [t0 + i * MIN, v]);
    const whole = new WindowSet(config);
    const expected = feed(whole, [...rows, [t0 + 2 * H, 0]]);
    const first = new WindowSet(config);
    assert.equal(feed(first, rows.slice(0, 3)).length, 0);
    const second = new WindowSet(config);
    second.restore(JSON.parse(JSON.stringify(first.snapshot())));
    const got = feed(second, [...rows.slice(3), [t0 + 2 * H, 0]]);
    assert.ok(expected.length > 0, `${config.kind} ${config.by}: windows closed`);
    assert.deepEqual(
      got.map((w) => ({ ...w, recovered: false })),
      expected,
      `${config.kind} ${config.by}`,
    );
    assert.equal(got[0].recovered, true, 'the first window after a restore is marked recovered');
  }
});

test('bad configurations name the field', () => {
  const bad: Array<[Partial<WindowConfig>, RegExp]> = [
    [{ kind: 'hopping' as never }, /^kind: "hopping" is not tumbling or sliding/],
    [{ length: 0 }, /^length: 0 is not a whole number of ms >= 1/],
    [{ kind: 'sliding', hop: 0 }, /^hop: 0 is not a whole number of ms between 1 and the length/],
    [{ timeZone: 'Mars/Olympus' }, /^timeZone: "Mars\/Olympus" is not an IANA time zone/],
    [{ timeZone: 'UTC', length: 7 * MIN }, /^length: 420000 ms does not divide a day/],
  ];
  for (const [patch, message] of bad) {
    assert.throws(
      () => new WindowSet({ kind: 'tumbling', by: 'time', length: H, hop: MIN, ...patch }),
      (err: Error) => err instanceof StatsConfigError && message.test(err.message),
    );
  }
});

test('a window stored under another configuration is closed as it stands at restore, not lost', () => {
  const before = new WindowSet({ kind: 'tumbling', by: 'count', length: 10 });
  feed(before, [
    [1000, 1],
    [2000, 2],
  ]);
  const after = new WindowSet({ kind: 'tumbling', by: 'time', length: MIN });
  after.restore(JSON.parse(JSON.stringify(before.snapshot())));
  const closed = after.drain();
  assert.deepEqual(
    closed.map((w) => [w.start, w.end, w.figures.count, w.figures.sum, w.recovered]),
    [[1000, 2000, 2, 3, true]],
  );
  assert.equal(after.tagCount, 0);
});

test('sliding time windows (merged panes) equal a direct computation over each window`s samples', async () => {
  const fc = (await import('fast-check')).default;
  const { FigureAccumulator } = await import('../../../lib/stats/figures');
  fc.assert(
    fc.property(
      fc.array(fc.record({ dt: fc.integer({ min: 1, max: 40_000 }), v: fc.double({ min: -5, max: 5, noNaN: true }), bad: fc.boolean() }), { minLength: 1, maxLength: 200 }),
      fc.constantFrom(0, 1e9),
      (rows, offset) => {
        const config: WindowConfig = { kind: 'sliding', by: 'time', length: 5 * MIN, hop: MIN, percentiles: true, graceMs: 0 };
        const set = new WindowSet(config);
        let ts = 1_700_000_000_000;
        const samples = rows.map((r) => ({ ts: (ts += r.dt), v: offset + r.v, bad: r.bad }));
        for (const s of samples) set.add('d', 't', s.bad ? 'x' : s.v, s.ts, 'good');
        set.advance(ts + 10 * MIN);
        const windows = set.drain();
        assert.ok(windows.length > 0);
        for (const w of windows) {
          const direct = new FigureAccumulator('sketch');
          for (const s of samples) {
            if (s.ts < w.start || s.ts >= w.end) continue;
            if (s.bad) direct.bad++;
            else direct.add(s.v, s.ts);
          }
          const want = direct.figures(w.end);
          const got = w.figures;
          assert.deepEqual([got.count, got.bad, got.min, got.max, got.first, got.last, got.p50, got.p99], [want.count, want.bad, want.min, want.max, want.first, want.last, want.p50, want.p99]);
          for (const k of ['mean', 'timeWeightedMean', 'stddev', 'sum'] as const) {
            const tol = 1e-9 * 5 * Math.max(1, got.count) + 64 * Number.EPSILON * offset * (k === 'sum' ? got.count : 1);
            assert.ok(Math.abs(got[k] - want[k]) <= tol || (Number.isNaN(got[k]) && Number.isNaN(want[k])), `${k}: ${got[k]} vs ${want[k]}`);
          }
        }
      },
    ),
    { numRuns: 150 },
  );
});
