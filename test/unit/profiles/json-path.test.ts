// The JSON-path subset of device profiles: what compiles, what is refused with its column, and
// that reading never finds inherited members.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileJsonPath, JsonPathError, readJsonPath } from '../../../lib/profiles/json-path';

const doc = { ENERGY: { Power: 5, 'switch:0': { apower: 7 } }, sensors: [{ temp: 21.5 }, { temp: 19 }], 'a.b': 1 };

test('member, index and quoted steps read the value they name', () => {
  assert.equal(readJsonPath(doc, compileJsonPath('ENERGY.Power')), 5);
  assert.equal(readJsonPath(doc, compileJsonPath('$.ENERGY.Power')), 5);
  assert.equal(readJsonPath(doc, compileJsonPath("ENERGY['switch:0'].apower")), 7);
  assert.equal(readJsonPath(doc, compileJsonPath('sensors[1].temp')), 19);
  assert.equal(readJsonPath(doc, compileJsonPath('["a.b"]')), 1);
  assert.deepEqual(readJsonPath(doc, compileJsonPath('$')), doc);
});

test('a missing step, a wrong container and an inherited member read undefined', () => {
  assert.equal(readJsonPath(doc, compileJsonPath('ENERGY.Voltage')), undefined);
  assert.equal(readJsonPath(doc, compileJsonPath('ENERGY[0]')), undefined);
  assert.equal(readJsonPath(doc, compileJsonPath('sensors.temp')), undefined);
  assert.equal(readJsonPath(doc, compileJsonPath('ENERGY.constructor')), undefined);
  assert.equal(readJsonPath(doc, compileJsonPath('ENERGY.toString')), undefined);
  assert.equal(readJsonPath(7, compileJsonPath('a')), undefined);
});

test('malformed paths are refused with the column', () => {
  for (const [text, column] of [
    ['a..b', 3],
    ['a.', 2],
    ['a[', 2],
    ['a[x]', 3],
    ['a b', 2],
    ['$x', 2],
    ['a]', 2],
  ] as const) {
    assert.throws(
      () => compileJsonPath(text),
      (e: unknown) => e instanceof JsonPathError && e.column === column,
      text,
    );
  }
});
