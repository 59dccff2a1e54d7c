// CalcEngine: definitions in order, quality of the inputs, missing inputs, bad results with
// their reason, device paths, units, rate/delta.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CalcEngine, compileDefinitions, ExprError } from '../../../lib/expr';
import type { TagSample } from '../../../lib/tags/contract';

const s = (device: string, name: string, value: TagSample['value'], quality: TagSample['quality'] = 'good', ts = 1000, unit?: string): TagSample =>
  unit ? { device, name, value, quality, ts, unit } : { device, name, value, quality, ts };

function engine(text: string, missing: 'uncertain' | 'skip' = 'uncertain', clock = { t: 5000 }) {
  return new CalcEngine(compileDefinitions(text), { device: 'calc', missing, now: () => clock.t, source: 'tag-calc' });
}

describe('CalcEngine', () => {
  test('definitions use tags, device paths and earlier results; units and device on each result', () => {
    const e = engine('power_kw [kW] = meter1.voltage * current * pf / 1000\ndouble = power_kw * 2\n# a comment\nsum_v = meter1.voltage + meter2.voltage');
    assert.equal(e.update([s('meter1', 'voltage', 230), s('meter1', 'current', 10), s('meter1', 'pf', 0.5), s('meter2', 'voltage', 220)]), true);
    const out = e.evaluate();
    assert.deepEqual(out, [
      { device: 'calc', name: 'power_kw', value: 1.15, quality: 'good', ts: 5000, unit: 'kW', source: 'tag-calc' },
      { device: 'calc', name: 'double', value: 2.3, quality: 'good', ts: 5000, source: 'tag-calc' },
      { device: 'calc', name: 'sum_v', value: 450, quality: 'good', ts: 5000, source: 'tag-calc' },
    ]);
  });

  test('the result takes the worst input quality, and good again when inputs are', () => {
    const e = engine('p = a * b\nq = p + 1\nr = c');
    e.update([s('d', 'a', 2, 'uncertain'), s('d', 'b', 3, 'good'), s('d', 'c', 1, 'stale')]);
    let [p, q, r] = e.evaluate();
    assert.equal(p.quality, 'uncertain');
    assert.equal(q.quality, 'uncertain');
    assert.equal(r.quality, 'stale');
    e.update([s('d', 'a', 2, 'bad'), s('d', 'c', 1, 'good')]);
    [p, q, r] = e.evaluate();
    assert.equal(p.quality, 'bad');
    assert.equal(q.quality, 'bad');
    assert.equal(r.quality, 'good');
    e.update([s('d', 'a', 2, 'good')]);
    assert.deepEqual(
      e.evaluate().map((x) => x.quality),
      ['good', 'good', 'good'],
    );
  });

  test('update says whether an input changed; unrelated tags are ignored', () => {
    const e = engine('p = a * 2');
    assert.equal(e.update([s('d', 'zzz', 1)]), false);
    assert.equal(e.update([s('d', 'a', 1)]), true);
    assert.equal(e.update([s('d', 'a', 1)]), false);
    assert.equal(e.update([s('d', 'a', 1, 'uncertain')]), true);
    assert.equal(e.update([s('d', 'a', 2, 'uncertain')]), true);
  });

  test('a missing input gives uncertain with the reason, or no result', () => {
    const uncertain = engine('p = a + b\nq = p * 2\nk = 3');
    uncertain.update([s('d', 'a', 1)]);
    const out = uncertain.evaluate();
    assert.deepEqual(
      out.map((x) => [x.name, x.value, x.quality, x.error]),
      [
        ['p', null, 'uncertain', 'missing input: b'],
        ['q', null, 'uncertain', 'missing input: p'],
        ['k', 3, 'good', undefined],
      ],
    );
    const skip = engine('p = a + b\nk = 3', 'skip');
    skip.update([s('d', 'a', 1)]);
    assert.deepEqual(
      skip.evaluate().map((x) => x.name),
      ['k'],
    );
  });

  test('division by zero, NaN, Infinity and failures are bad with the reason, never an exception', () => {
    const e = engine('inf = a / b\nnan = b / b\nneg = -a / b\nroot = sqrt(-a)\nfromBad = inf + 1\nlog0 = log(b)\ntext = s * 2');
    e.update([s('d', 'a', 1), s('d', 'b', 0), s('d', 's', 'abc')]);
    const byName = Object.fromEntries(e.evaluate().map((x) => [x.name, x]));
    assert.deepEqual([byName.inf.quality, byName.inf.value, byName.inf.error], ['bad', null, 'result is Infinity (division by zero?)']);
    assert.equal(byName.nan.error, 'result is NaN');
    assert.equal(byName.neg.error, 'result is -Infinity (division by zero?)');
    assert.equal(byName.root.error, 'result is NaN');
    assert.equal(byName.fromBad.quality, 'bad');
    assert.equal(byName.log0.quality, 'bad');
    assert.equal(byName.text.quality, 'bad');
    assert.match(byName.text.error!, /d\/s: value is not a number/);
  });

  test('a bare name reads the latest sample of that name from any device', () => {
    const e = engine('v = voltage');
    e.update([s('meter1', 'voltage', 230), s('meter2', 'voltage', 220)]);
    assert.equal(e.evaluate()[0].value, 220);
  });

  test('a bare name reads the tag from any device; bigint and boolean inputs work', () => {
    const e = engine('x = count + 1\ny = on ? 10 : 20');
    e.update([s('plc', 'count', 41n), s('plc', 'on', true)]);
    assert.deepEqual(
      e.evaluate().map((r) => r.value),
      [42, 10],
    );
    e.update([s('other', 'count', 1)]);
    assert.equal(e.evaluate()[0].value, 2);
  });

  test('device paths with several segments: line1.meter1.voltage is device line1/meter1', () => {
    const e = engine('v = line1.meter1.voltage');
    e.update([s('line1/meter1', 'voltage', 7)]);
    assert.equal(e.evaluate()[0].value, 7);
  });

  test('unit conversion uses the unit in the tag table; rate() and delta() use sample times', () => {
    const clock = { t: 0 };
    const e = engine('kwh = energy to kWh\ntemp_f = t to degF\nper_hour [kWh/h] = rate(meter1.energy_kwh) * 3600\nd = delta(meter1.energy_kwh)', 'uncertain', clock);
    e.update([s('meter1', 'energy', 1500, 'good', 0, 'Wh'), s('room', 't', 100, 'good', 0, 'degC'), s('meter1', 'energy_kwh', 10, 'good', 0)]);
    let out = e.evaluate();
    assert.deepEqual([out[0].value, out[0].unit], [1.5, 'kWh']);
    assert.ok(Math.abs((out[1].value as number) - 212) < 1e-9);
    assert.equal(out[2].quality, 'uncertain');
    assert.match(out[2].error!, /rate\(meter1\/energy_kwh\): no previous sample yet/);
    e.update([s('meter1', 'energy_kwh', 10.5, 'good', 1_800_000)]); // +0.5 kWh in half an hour
    out = e.evaluate();
    assert.ok(Math.abs((out[2].value as number) - 1) < 1e-9, String(out[2].value));
    assert.equal(out[2].unit, 'kWh/h');
    assert.ok(Math.abs((out[3].value as number) - 0.5) < 1e-9);
  });

  test('converting a tag without a unit, or to an incompatible unit, is bad with the reason', () => {
    const e = engine('a = x to kW\nb = y to kW');
    e.update([s('d', 'x', 1), s('d', 'y', 1, 'good', 0, 'm')]);
    const [a, b] = e.evaluate();
    assert.deepEqual([a.quality, a.error], ['bad', 'x has no unit to convert from']);
    assert.equal(b.quality, 'bad');
    assert.match(b.error!, /cannot convert m to kW/);
  });

  test('an unknown quality is bad, with the reason; it is never read as good', () => {
    const e = engine('a = x + 1');
    e.update([s('d', 'x', 1, 'weird' as TagSample['quality'])]);
    const [a] = e.evaluate();
    assert.deepEqual([a.value, a.quality, a.error], [2, 'bad', 'd/x: unknown quality "weird" (good, uncertain, stale or bad)']);
    e.update([s('d', 'x', 1, '__proto__' as TagSample['quality'])]);
    assert.equal(e.evaluate()[0].quality, 'bad');
    e.update([s('d', 'x', 1, 'good')]);
    assert.deepEqual([e.evaluate()[0].quality, e.evaluate()[0].error], ['good', undefined]);
  });

  test('a remainder by zero (x % 0, mod(x, 0)) is bad with "division by zero", not x', () => {
    const e = engine('a = x % y\nb = mod(x, y)\nc = 1 % 0\nd = x % 3');
    e.update([s('d', 'x', 1), s('d', 'y', 0)]);
    const out = e.evaluate();
    for (const r of out.slice(0, 3)) {
      assert.equal(r.value, null, r.name);
      assert.equal(r.quality, 'bad', r.name);
      assert.match(r.error!, /division by zero/, r.name);
    }
    assert.deepEqual([out[3].value, out[3].quality], [1, 'good']);
    e.update([s('d', 'y', 2)]);
    assert.deepEqual([e.evaluate()[0].value, e.evaluate()[0].quality], [1, 'good']);
  });

  test('a unit text holding a number ("5 kWh") is refused, not read as kWh', () => {
    const e = engine('a = x to Wh');
    e.update([s('d', 'x', 2, 'good', 0, '5 kWh')]);
    const [a] = e.evaluate();
    assert.equal(a.quality, 'bad');
    assert.match(a.error!, /"5 kWh" holds a number; a unit is a name alone/);
    e.update([s('d', 'x', 2, 'good', 0, 'kWh')]);
    assert.deepEqual([e.evaluate()[0].value, e.evaluate()[0].quality], [2000, 'good']);
    assert.throws(
      () => compileDefinitions('a [5 kWh] = 1'),
      (e: ExprError) => e.line === 1 && /unit in \[ \] holds a number \("5 kWh"\)/.test(e.message),
    );
    assert.equal(compileDefinitions('a [1/min] = 1').definitions[0].unit, '1/min', 'a unit that starts with a digit is still a unit');
  });

  test('definition errors name the line: bad form, duplicates, use before definition', () => {
    assert.throws(
      () => compileDefinitions('just an expression'),
      (e: ExprError) => e.line === 1 && /expected "name = expression"/.test(e.message),
    );
    assert.throws(
      () => compileDefinitions('a = 1\na = 2'),
      (e: ExprError) => e.line === 2 && /already defined on line 1/.test(e.message),
    );
    assert.throws(
      () => compileDefinitions('a = b * 2\nb = 1'),
      (e: ExprError) => e.line === 1 && e.column === 5 && /defined on line 2, below its use/.test(e.message),
    );
    assert.throws(
      () => compileDefinitions('a [] = 1'),
      (e: ExprError) => /unit in \[ \] is empty/.test(e.message),
    );
    assert.throws(
      () => compileDefinitions('a ='),
      (e: ExprError) => /expression after "=" is empty/.test(e.message),
    );
    assert.throws(() => compileDefinitions('\n# only comments\n'), /no definitions/);
    assert.throws(() => compileDefinitions(`a = ${'1+'.repeat(600)}1`), /longer than 1000/);
    assert.throws(() => compileDefinitions(`a = ${'('.repeat(80)}1${')'.repeat(80)}`), /nested deeper than 64/);
  });

  test('a definition over its time budget is bad, not silently late', () => {
    const e = new CalcEngine(compileDefinitions('p = a * 2'), { device: 'calc', budgetMs: -1 });
    e.update([s('d', 'a', 1)]);
    const [p] = e.evaluate();
    assert.equal(p.quality, 'bad');
    assert.match(p.error!, /time budget exceeded/);
    assert.equal(e.overBudget, 1);
  });
});
