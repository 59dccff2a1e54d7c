// tag-calc results as people read them: the binary noise of the issue (boiler_delta_t
// 10.100000000000001, meter_apparent_kva 5.360882911571131) is gone; a definition's {decimals}
// rounds to exactly that; without one, the inputs' decimals and six significant digits at least.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CalcEngine, compileDefinitions, ExprError, checkDefinitions } from '../../../lib/expr';
import type { TagSample } from '../../../lib/tags/contract';

const s = (name: string, value: number): TagSample => ({ device: 'd', name, value, quality: 'good', ts: 1000 });

function results(text: string, samples: TagSample[]): Record<string, unknown> {
  const e = new CalcEngine(compileDefinitions(text), { device: 'calc', now: () => 5000 });
  e.update(samples);
  return Object.fromEntries(e.evaluate().map((r) => [r.name, r.value]));
}

describe('tag-calc precision', () => {
  test('without {decimals}: the inputs decimals, noise gone, six significant digits kept', () => {
    assert.notEqual(70.1 - 60, 10.1, 'the subtraction itself is noisy');
    const r = results('boiler_delta_t [K] = t_flow - t_return\nkva = sqrt(p^2 + q^2)\nratio = a / b\nsmall = a / b / 1e6\nchained = boiler_delta_t * 3', [
      s('t_flow', 70.1),
      s('t_return', 60),
      s('p', 4.2),
      s('q', 3.33),
      s('a', 1),
      s('b', 3),
    ]);
    assert.equal(r.boiler_delta_t, 10.1);
    assert.equal(r.kva, 5.35993);
    assert.equal(r.ratio, 0.333333);
    assert.equal(r.small, 3.33333e-7);
    assert.equal(r.chained, 30.3);
  });

  test('an input once seen with more decimals keeps them: the precision does not flicker', () => {
    const e = new CalcEngine(compileDefinitions('x = a * 1000'), { device: 'calc', now: () => 5000 });
    e.update([s('a', 1.2345678)]);
    assert.equal(e.evaluate()[0].value, 1234.5678);
    e.update([s('a', 2)]);
    assert.equal(e.evaluate()[0].value, 2000);
    e.update([s('a', 0.0000004)]);
    // six decimals at most from an input: 0.0004 exactly, not 0.00039999999999999996
    assert.equal(e.evaluate()[0].value, 0.0004);
  });

  test('{decimals} rounds to exactly that many, 0 to a whole number, and earlier results pass theirs on', () => {
    const r = results('kva [kVA] {2} = sqrt(p^2 + q^2)\nwhole {0} = p * 10.26\nnext = kva + 1', [s('p', 4.2), s('q', 3.33)]);
    assert.equal(r.kva, 5.36);
    assert.equal(r.whole, 43);
    assert.equal(r.next, 6.36);
  });

  test('a {decimals} that is not 0..15 is refused naming the line and column', () => {
    for (const bad of ['{x}', '{-1}', '{16}', '{}']) {
      assert.throws(
        () => compileDefinitions(`ok = 1\nkva [kVA] ${bad} = p`),
        (e: ExprError) => e instanceof ExprError && e.line === 2 && e.column === 11 && /decimals in \{ \} must be a whole number from 0 to 15/.test(e.message),
        bad,
      );
    }
    assert.equal(checkDefinitions('kva [kVA] {2} = p').ok, true);
  });
});
