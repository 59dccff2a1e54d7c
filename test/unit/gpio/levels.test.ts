// Payloads that set an output, and active-low between logical and raw levels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GpioPayloadError, levelOf, levelOfRaw, rawOf } from '../../../lib/gpio/levels';

test('true/false, 1/0 and "on"/"off" name a level', () => {
  for (const on of [true, 1, 'on', 'ON', ' On ', 'true', '1', 'high']) assert.equal(levelOf(on), true, String(on));
  for (const off of [false, 0, 'off', 'Off', 'false', '0', 'low']) assert.equal(levelOf(off), false, String(off));
});

test('any other payload is an error naming it', () => {
  const cases: Array<[unknown, RegExp]> = [
    [2, /^payload 2 is not a level/],
    ['maybe', /^payload "maybe" is not a level: send true\/false, 1\/0 or "on"\/"off"$/],
    [null, /^payload null /],
    [undefined, /^payload undefined /],
    [{ on: true }, /^payload an object /],
    [[1], /^payload an array /],
    [Buffer.from([1]), /^payload a Buffer of 1 bytes /],
    ['x'.repeat(100), /^payload "x{40}\.\.\." /],
  ];
  for (const [payload, message] of cases) {
    assert.throws(
      () => levelOf(payload),
      (err: unknown) => err instanceof GpioPayloadError && err.payload === payload && message.test(err.message),
    );
  }
});

test('active low inverts the raw level both ways', () => {
  assert.equal(rawOf(true, false), 1);
  assert.equal(rawOf(true, true), 0);
  assert.equal(rawOf(false, true), 1);
  assert.equal(levelOfRaw(0, true), true);
  assert.equal(levelOfRaw(1, true), false);
  assert.equal(levelOfRaw(1, false), true);
});
