// textOf: the text of an untyped config or table value. Scalars and arrays read as String() reads
// them (what a field accepts stays the same); a plain object reads as its JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { textOf } from '../../../lib/system/text/text-of';

test('scalars read exactly as String() reads them', () => {
  for (const v of ['', ' 12 ', 'gt', 0, -1.5, 1e21, NaN, Infinity, true, false, null, undefined, 10n]) {
    assert.equal(textOf(v), String(v), `textOf(${String(v)})`);
  }
});

test('arrays read as String() reads them, so a number parsed from one is the same', () => {
  for (const v of [[], [5], ['5'], [1, 2], [null], [undefined, 'a'], [[3]], [true]]) {
    assert.equal(textOf(v), String(v), `textOf(${JSON.stringify(v)})`);
    assert.deepEqual(Number(textOf(v).trim()), Number(String(v).trim()));
  }
});

test('a plain object reads as its JSON, still NaN as a number', () => {
  assert.equal(textOf({ a: 1 }), '{"a":1}');
  assert.equal(textOf({}), '{}');
  assert.ok(Number.isNaN(Number(textOf({ a: 1 }).trim())));
  assert.equal(textOf([{ a: 1 }]), '{"a":1}');
});
