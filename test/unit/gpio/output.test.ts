// A GPIO output over a twin: opened at its initial level, writes in order, the safe level written
// after the writes under way, and no write after the stop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GpioOutput, GpioOutputClosedError } from '../../../lib/gpio/output';
import { GpioTwin } from '../../helpers/gpio-twin';

test('the line opens already at its initial level (no glitch through the other), active low included', () => {
  const twin = new GpioTwin();
  GpioOutput.open(twin, { sysfsNumber: 598, activeLow: false, initial: true, safe: 'off' });
  GpioOutput.open(twin, { sysfsNumber: 599, activeLow: true, initial: true, safe: 'off' });
  assert.equal(twin.line(598).direction, 'high');
  assert.equal(twin.line(599).direction, 'low');
});

test('writes run one at a time in order; the safe level follows the last, then the line is released', async () => {
  const twin = new GpioTwin();
  const out = GpioOutput.open(twin, { sysfsNumber: 598, activeLow: false, initial: false, safe: 'off' });
  const line = twin.line(598);
  line.writeDelayMs = 15;
  const writes = [out.set(true), out.set(false), out.set(true)];
  const closing = out.close();
  await assert.rejects(out.set(false), (err: unknown) => err instanceof GpioOutputClosedError && err.message === 'GPIO 598: the output is stopping, the level was not set');
  await Promise.all(writes);
  await closing;
  assert.deepEqual(line.written, [1, 0, 1, 0]);
  assert.equal(line.released, true);
  assert.equal(out.level, false);
  await out.close();
  assert.deepEqual(line.written, [1, 0, 1, 0], 'a second close writes nothing');
});

test('safe on drives the line on (low when active low); keep writes nothing', async () => {
  const twin = new GpioTwin();
  const on = GpioOutput.open(twin, { sysfsNumber: 598, activeLow: true, initial: false, safe: 'on' });
  await on.close();
  assert.deepEqual(twin.line(598).written, [0]);
  const keep = GpioOutput.open(twin, { sysfsNumber: 599, activeLow: false, initial: false, safe: 'keep' });
  await keep.set(true);
  await keep.close();
  assert.deepEqual(twin.line(599).written, [1]);
  assert.equal(twin.line(599).released, true);
});

test('a failed write rejects with the GPIO number and does not stop the next ones', async () => {
  const twin = new GpioTwin();
  const out = GpioOutput.open(twin, { sysfsNumber: 598, activeLow: false, initial: false, safe: 'off' });
  const line = twin.line(598);
  const write = line.write.bind(line);
  let failNext = true;
  line.write = async (raw) => {
    if (failNext) {
      failNext = false;
      throw new Error('EIO');
    }
    return write(raw);
  };
  await assert.rejects(out.set(true), { name: 'GpioIoError', message: 'GPIO 598: write failed: EIO' });
  await out.set(true);
  assert.deepEqual(line.written, [1]);
});

test('an open that fails is a GpioIoError naming the line', () => {
  const twin = new GpioTwin();
  twin.open = () => {
    throw new Error('EBUSY: device or resource busy');
  };
  assert.throws(() => GpioOutput.open(twin, { sysfsNumber: 598, activeLow: false, initial: false, safe: 'off' }), {
    name: 'GpioIoError',
    message: 'GPIO 598: open failed: EBUSY: device or resource busy',
  });
});
