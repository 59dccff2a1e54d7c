// The figure accumulator's running figures in a Float64Array (a window set's slab, or its own)
// against the former number fields (figures-model.ts): random sequences of adds, merges, resets,
// state round trips and slots given back and taken again give the same figures and state, bit for
// bit (Object.is on every number, so -0 and NaN count); the percentile collector's exact values
// in a plain array against the former Float64Array (percentiles-model.ts) the same way. And a window set gives back every slot of
// a closed pane and a merge: its slots stay one per open window and pane.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FigureAccumulator, FigureSlab } from '../../../lib/stats/figures';
import { WindowSet, type WindowConfig } from '../../../lib/stats/windows';
import { PercentileCollector, type PercentileState } from '../../../lib/stats/percentiles';
import { FieldAccumulator } from './figures-model';
import { TypedPercentileCollector } from './percentiles-model';

function sameBits(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === 'number') {
    assert.ok(Object.is(actual, expected), `${path}: ${String(actual)} is not ${String(expected)}`);
    return;
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), path);
    assert.equal((actual as unknown[]).length, expected.length, `${path}.length`);
    expected.forEach((e, i) => sameBits((actual as unknown[])[i], e, `${path}[${i}]`));
    return;
  }
  if (expected && typeof expected === 'object') {
    const a = actual as Record<string, unknown>;
    assert.deepEqual(Object.keys(a).sort(), Object.keys(expected).sort(), `${path} keys`);
    for (const [k, v] of Object.entries(expected)) sameBits(a[k], v, `${path}.${k}`);
    return;
  }
  assert.equal(actual, expected, path);
}

// values as a meter gives them: a few decimals, far from and near zero, some -0; timestamps in order
// with repeats (a zero hold) and gaps
const value = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.integer({ min: -5, max: 5 }).map((i) => i / 100),
  fc.constant(-0),
  fc.double({ min: 1e9 - 1, max: 1e9 + 1, noNaN: true }),
);
const op = fc.oneof(
  { weight: 12, arbitrary: fc.record({ kind: fc.constant('add' as const), v: value, dt: fc.integer({ min: 0, max: 3000 }), into: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('bad' as const), into: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('merge' as const), from: fc.nat(3), into: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const), into: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('renew' as const), into: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('roundTrip' as const), into: fc.nat(3) }) },
);

test('running figures in a slab equal the former number fields bit for bit: adds, merges, resets, slots reused, state round trips', () => {
  fc.assert(
    fc.property(fc.constantFrom<'exact' | 'sketch' | undefined>(undefined, 'exact', 'sketch'), fc.boolean(), fc.array(op, { maxLength: 200 }), (mode, ownArray, ops) => {
      const slab = new FigureSlab();
      const made = () => (ownArray ? new FigureAccumulator(mode) : new FigureAccumulator(mode, slab));
      const mine = [made(), made(), made(), made()];
      const model = [0, 1, 2, 3].map(() => new FieldAccumulator(mode));
      // each accumulator's samples come in time order; a merge takes one whose samples are later
      const clock = [1_700_000_000_000, 1_700_000_000_000, 1_700_000_000_000, 1_700_000_000_000];
      for (const o of ops) {
        const i = o.into;
        if (o.kind === 'add') {
          clock[i] += o.dt;
          mine[i].add(o.v, clock[i]);
          model[i].add(o.v, clock[i]);
        } else if (o.kind === 'bad') {
          mine[i].bad++;
          model[i].bad++;
        } else if (o.kind === 'merge') {
          if (o.from === i || clock[o.from] < clock[i]) continue;
          mine[i].merge(mine[o.from]);
          model[i].merge(model[o.from]);
          clock[i] = clock[o.from];
        } else if (o.kind === 'reset') {
          mine[i].reset();
          model[i] = new FieldAccumulator(mode);
        } else if (o.kind === 'renew') {
          // the slot goes back and the next accumulator takes it: nothing of the former is left
          mine[i].release();
          mine[i] = made();
          model[i] = new FieldAccumulator(mode);
        } else {
          const state = JSON.parse(JSON.stringify(model[i].state()));
          sameBits(JSON.parse(JSON.stringify(mine[i].state())), state, 'state as JSON');
          mine[i].release();
          mine[i] = made();
          mine[i].restore(state);
          model[i] = new FieldAccumulator(mode);
          model[i].restore(state);
        }
        sameBits(mine[i].figures(clock[i] + 500), model[i].figures(clock[i] + 500), `figures of ${i} after ${o.kind}`);
      }
      for (let i = 0; i < 4; i++) {
        sameBits(mine[i].state(), model[i].state(), `state of ${i}`);
        sameBits(mine[i].figures(clock[i]), model[i].figures(clock[i]), `figures of ${i} at its last sample`);
        for (const k of ['count', 'bad', 'late', 'sum', 'min', 'max', 'mean', 'm2', 'first', 'last', 'firstTs', 'lastTs'] as const) sameBits(mine[i][k], model[i][k], `${k} of ${i}`);
      }
      if (!ownArray) assert.equal(slab.inUse, 4);
    }),
    { numRuns: 300 },
  );
});

test('a window set keeps one slot per open window and pane: closed panes and merges give theirs back', () => {
  const configs: WindowConfig[] = [
    { kind: 'tumbling', by: 'time', length: 60_000 },
    { kind: 'sliding', by: 'time', length: 60_000, hop: 15_000, percentiles: true },
    { kind: 'sliding', by: 'count', length: 6, hop: 2 },
    { kind: 'sliding', by: 'count', length: 5, hop: 2 },
    { kind: 'tumbling', by: 'count', length: 7 },
  ];
  for (const config of configs) {
    const set = new WindowSet(config);
    const t0 = Date.UTC(2026, 11, 1);
    let most = 0;
    for (let s = 0; s < 600; s++) {
      for (let t = 0; t < 20; t++) set.add('d', `t${t}`, (s * 7 + t) % 13, t0 + s * 1000, 'good');
      set.drain();
      most = Math.max(most, set.figureSlots);
    }
    const windows = set.snapshot();
    const open = windows.reduce((n, w) => n + 1 + (w.panes?.length ?? 0), 0);
    assert.equal(set.figureSlots, open, `${JSON.stringify(config)}: a slot per open window and pane`);
    const bound = config.kind === 'sliding' && config.by === 'time' ? 20 * (1 + 60_000 / 15_000 + 1) : 20 * (1 + 6 / 2 + 1);
    assert.ok(most <= bound, `${JSON.stringify(config)}: at most ${bound} slots, not ${most}`);
    // a restored set: the same figures when the windows close, and no slot of the replaced windows kept
    const again = new WindowSet(config);
    again.restore(JSON.parse(JSON.stringify(windows)));
    again.restore(JSON.parse(JSON.stringify(windows)));
    assert.equal(again.figureSlots, open, `${JSON.stringify(config)}: a restore over the same windows keeps one slot each`);
    const end = t0 + 3_600_000;
    set.advance(end);
    again.advance(end);
    for (let t = 0; t < 20; t++) {
      set.add('d', `t${t}`, 1, end, 'good');
      again.add('d', `t${t}`, 1, end, 'good');
    }
    assert.deepEqual(
      again.drain().map((w) => w.figures),
      set.drain().map((w) => w.figures),
    );
  }
});

test('exact values in a plain array equal the former Float64Array bit for bit: quantiles, state, the switch to the sketch, restores and merges', () => {
  const many = fc.array(value, { minLength: 0, maxLength: 1500 });
  fc.assert(
    fc.property(fc.constantFrom<'exact' | 'sketch'>('exact', 'sketch'), many, many, fc.nat(1500), fc.nat(600), (mode, xs, ys, cut, from) => {
      const mine = new PercentileCollector(mode);
      const model = new TypedPercentileCollector(mode);
      const qs = [0, 0.01, 0.5, 0.95, 0.99, 1];
      const compare = (what: string) => {
        sameBits(mine.quantiles(qs), model.quantiles(qs), `${what}: quantiles`);
        sameBits(mine.state(), model.state(), `${what}: state`);
        sameBits(mine.exactCount, model.exactCount, `${what}: exact count`);
        if (mine.exactCount !== undefined) sameBits(mine.exactValues(from, from + 300), model.exactValues(from, from + 300), `${what}: values`);
      };
      const head = xs.slice(0, cut);
      for (const x of head) {
        mine.add(x);
        model.add(x);
      }
      compare('added');
      // restored from the state (the capacity after a restore decides when a time window switches)
      const state = JSON.parse(JSON.stringify(model.state())) as PercentileState;
      const mine2 = new PercentileCollector(mode);
      const model2 = new TypedPercentileCollector(mode);
      mine2.restore(state);
      model2.restore(state);
      for (const x of xs.slice(cut)) {
        mine2.add(x);
        model2.add(x);
      }
      sameBits(mine2.quantiles(qs), model2.quantiles(qs), 'restored, then added: quantiles');
      sameBits(mine2.state(), model2.state(), 'restored, then added: state');
      // another collector merged in
      const other = new PercentileCollector(mode);
      const otherModel = new TypedPercentileCollector(mode);
      for (const y of ys) {
        other.add(y);
        otherModel.add(y);
      }
      mine.mergeFrom(other);
      model.mergeFrom(otherModel);
      compare('merged');
    }),
    { numRuns: 200 },
  );
});

test('a restored time window switches to the sketch when the former one did: full at the limit or past it', () => {
  for (const restored of [0, 15, 100, 600, 1000, 1024, 1100]) {
    const state: PercentileState = { mode: 'sketch', values: Array.from({ length: restored }, (_, i) => 50 + (i % 37) / 100) };
    const mine = new PercentileCollector('sketch');
    const model = new TypedPercentileCollector('sketch');
    mine.restore(state);
    model.restore(state);
    let switchedAt: number | undefined;
    for (let i = 0; i < 2500; i++) {
      mine.add(60 + (i % 13) / 10);
      model.add(60 + (i % 13) / 10);
      assert.equal(mine.exactCount, model.exactCount, `restored ${restored}, then ${i + 1} added`);
      if (switchedAt === undefined && model.exactCount === undefined) switchedAt = restored + i;
    }
    assert.ok(switchedAt !== undefined && switchedAt >= 1024, `restored ${restored}: switched at ${switchedAt}`);
    sameBits(mine.quantiles([0.5, 0.99]), model.quantiles([0.5, 0.99]), `restored ${restored}: quantiles`);
  }
});
