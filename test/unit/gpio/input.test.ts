// A GPIO input over a twin line: the initial read, debounce of a bouncing contact, the edge filter
// and active-low, and a watch error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { GpioInput, type EdgeFilter, type LevelChange } from '../../../lib/gpio/input';
import { GpioIoError } from '../../../lib/gpio/line';
import { TwinLine } from '../../helpers/gpio-twin';

function input(options: { edge?: EdgeFilter; debounceMs?: number; activeLow?: boolean } = {}) {
  const line = new TwinLine(588, 'in');
  const seen: Array<[boolean, LevelChange]> = [];
  const errors: GpioIoError[] = [];
  const gpio = new GpioInput(
    line,
    { sysfsNumber: 588, edge: options.edge ?? 'both', debounceMs: options.debounceMs ?? 0, activeLow: options.activeLow ?? false },
    { level: (l, c) => seen.push([l, c]), error: (e) => errors.push(e) },
  );
  return { line, seen, errors, gpio };
}

test('the initial read is passed on when asked, and only then', async () => {
  const a = input();
  a.line.level = 1;
  await a.gpio.start(true);
  assert.deepEqual(a.seen, [[true, 'initial']]);
  const b = input();
  await b.gpio.start(false);
  assert.deepEqual(b.seen, []);
  assert.equal(b.gpio.level, false);
});

test('without debounce every change is an edge; a repeated level is none', async () => {
  const { line, seen, gpio } = input();
  await gpio.start(false);
  line.drive(1);
  line.drive(1);
  line.drive(0);
  assert.deepEqual(seen, [
    [true, 'rising'],
    [false, 'falling'],
  ]);
});

test('a bouncing contact makes one edge, after the level held for the debounce time', async () => {
  const { line, seen, gpio } = input({ debounceMs: 30 });
  await gpio.start(false);
  for (const raw of [1, 0, 1, 0, 1] as const) line.drive(raw);
  await sleep(10);
  assert.deepEqual(seen, [], 'nothing while it bounces');
  await sleep(60);
  assert.deepEqual(seen, [[true, 'rising']]);
  // a glitch shorter than the debounce time that ends at the same level is no edge at all
  line.drive(0);
  line.drive(1);
  await sleep(60);
  assert.deepEqual(seen, [[true, 'rising']]);
  gpio.close();
});

test('the edge filter passes only the edges asked for; the level still follows', async () => {
  const rising = input({ edge: 'rising' });
  await rising.gpio.start(false);
  rising.line.drive(1);
  rising.line.drive(0);
  rising.line.drive(1);
  assert.deepEqual(rising.seen, [
    [true, 'rising'],
    [true, 'rising'],
  ]);
  const falling = input({ edge: 'falling' });
  await falling.gpio.start(false);
  falling.line.drive(1);
  assert.equal(falling.gpio.level, true);
  falling.line.drive(0);
  assert.deepEqual(falling.seen, [[false, 'falling']]);
});

test('active low: a button to ground reads true when pressed, and pressing it is rising', async () => {
  const { line, seen, gpio } = input({ activeLow: true, edge: 'rising' });
  line.level = 1;
  await gpio.start(true);
  line.drive(0);
  line.drive(1);
  assert.deepEqual(seen, [
    [false, 'initial'],
    [true, 'rising'],
  ]);
});

test('a watch error is reported with the GPIO number; close stops the debounce timer and releases the line', async () => {
  const { line, seen, errors, gpio } = input({ debounceMs: 20 });
  await gpio.start(false);
  line.fail(new Error('EPOLLERR'));
  assert.equal(errors[0]?.message, 'GPIO 588: watch failed: EPOLLERR');
  line.drive(1);
  gpio.close();
  await sleep(40);
  assert.deepEqual(seen, []);
  assert.equal(line.released, true);
});

test('a failed initial read is a GpioIoError naming the line', async () => {
  const { line, gpio } = input();
  line.failReads = new Error('EACCES: permission denied');
  await assert.rejects(gpio.start(true), { name: 'GpioIoError', message: 'GPIO 588: read failed: EACCES: permission denied' });
});
