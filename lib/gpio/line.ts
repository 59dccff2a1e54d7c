// The small surface of a GPIO line this package uses, over onoff's Gpio (onoff-host.ts) or a
// software twin in tests: the input debounce, edge filter and output sequencing (input.ts,
// output.ts) are written against it, so the code the tests drive is the code a Raspberry Pi runs.
import type { GpioChip } from './pin-number';

/** The electrical level of a line: 1 high, 0 low (before active-low is applied). */
export type RawLevel = 0 | 1;

/**
 * How a line is opened: 'in' reports every change (edge both), the filtering is ours;
 * 'low' / 'high' make it an output already at that level, so it never glitches on the way.
 */
export type LineDirection = 'in' | 'low' | 'high';

export type LineListener = (err: Error | null | undefined, raw: RawLevel) => void;

export interface GpioLine {
  read(): Promise<RawLevel>;
  write(raw: RawLevel): Promise<void>;
  /** every change of an input line, as the kernel reports it (bounces included) */
  watch(listener: LineListener): void;
  /** stops watching and gives the line back (sysfs unexport) */
  release(): void;
}

/** Where lines come from: the host's GPIO (onoff) or a twin. */
export interface GpioHost {
  /** why this host has no GPIO (no onoff, Gpio.accessible false); undefined when it has */
  readonly unavailable: string | undefined;
  /** the gpiochips sysfs lists, to turn a chip's line into a sysfs number (pin-number.ts) */
  chips(): Promise<GpioChip[]>;
  open(sysfsNumber: number, direction: LineDirection): GpioLine;
}

/** A line that failed to open, read or write; carries the sysfs number and what was done. */
export class GpioIoError extends Error {
  constructor(
    readonly sysfsNumber: number,
    readonly operation: 'open' | 'read' | 'write' | 'watch' | 'release',
    cause: unknown,
  ) {
    super(`GPIO ${sysfsNumber}: ${operation} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'GpioIoError';
  }
}
