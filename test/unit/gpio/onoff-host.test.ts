// The onoff host on a machine without GPIO: it says why and opens nothing; onoff is required on
// first ask, not when the module loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_GPIO, OnoffGpioHost } from '../../../lib/gpio/onoff-host';

test('onoff present but Gpio.accessible false (this machine): unavailable, and open refuses', () => {
  const host = new OnoffGpioHost('/sys');
  assert.match(host.unavailable ?? '', new RegExp(`^${NO_GPIO} \\(onoff: Gpio.accessible is false`));
  assert.throws(() => host.open(588, 'in'), new RegExp(NO_GPIO));
});

test('onoff absent: unavailable with the fix; loading is lazy', () => {
  let loads = 0;
  const host = new OnoffGpioHost('/sys', () => {
    loads++;
    throw new Error('package "onoff" is not installed or failed to load (Cannot find module \'onoff\'); fix: cd ~/.node-red && npm install onoff');
  });
  assert.equal(loads, 0);
  assert.match(host.unavailable ?? '', /^GPIO not available on this host \(package "onoff" is not installed.*npm install onoff\)$/);
  void host.unavailable;
  assert.equal(loads, 1, 'probed once');
});

test('an accessible onoff opens inputs watching both edges and outputs at their level', () => {
  const made: Array<[number, string, string | undefined]> = [];
  class FakeGpio {
    static accessible = true;
    constructor(n: number, direction: string, edge?: string) {
      made.push([n, direction, edge]);
    }
    read = async () => 0 as const;
    write = async () => undefined;
    watch = () => undefined;
    unwatchAll = () => undefined;
    unexport = () => undefined;
  }
  const host = new OnoffGpioHost('/sys', () => ({ Gpio: FakeGpio }));
  assert.equal(host.unavailable, undefined);
  host.open(588, 'in');
  host.open(598, 'high');
  assert.deepEqual(made, [
    [588, 'in', 'both'],
    [598, 'high', undefined],
  ]);
});
