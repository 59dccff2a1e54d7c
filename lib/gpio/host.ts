// The process's one GPIO host: onoff over /sys unless another was put in its place (a software
// twin in tests, a simulator). Kept under a global symbol so two copies of this module (the
// runtime's and a palette install's) hand out the same host.
import type { GpioHost } from './line';
import { OnoffGpioHost } from './onoff-host';

const KEY = Symbol.for('edgegw.gpio.host');
type HostSlot = { [KEY]?: GpioHost };

export function currentGpioHost(): GpioHost {
  const slot = globalThis as HostSlot;
  return (slot[KEY] ??= new OnoffGpioHost());
}

/** Puts `host` in place of the current one; the returned function puts the previous one back. */
export function replaceGpioHost(host: GpioHost): () => void {
  const slot = globalThis as HostSlot;
  const previous = slot[KEY];
  slot[KEY] = host;
  return () => {
    slot[KEY] = previous;
  };
}
