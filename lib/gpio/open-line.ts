// What both GPIO nodes do at deploy before they touch a line: find out whether the host has GPIO
// at all, and turn the user's chip and line into the sysfs number (pin-number.ts).
import type { GpioHost } from './line';
import { sysfsGpioNumber } from './pin-number';

export type LineResolution = { kind: 'unavailable'; reason: string } | { kind: 'resolved'; sysfsNumber: number };

/** Throws GpioLineError (naming the chip and line) when the chip or line does not exist. */
export async function resolveLine(host: GpioHost, chip: string, line: number): Promise<LineResolution> {
  const reason = host.unavailable;
  if (reason !== undefined) return { kind: 'unavailable', reason };
  return { kind: 'resolved', sysfsNumber: sysfsGpioNumber(await host.chips(), chip, line) };
}
