// A GPIO output: opened already at its initial level, then set from messages one write at a time,
// and left in its safe level when the node stops or is redeployed. Writes are chained, so the safe
// level is written after any write still under way, and a message that arrives after the stop is
// refused instead of driving the pin again.
import { GpioIoError, type GpioHost, type GpioLine } from './line';
import { rawOf } from './levels';

/** What the pin does when the node stops: drive it off or on, or leave it where it is. */
export type SafeState = 'off' | 'on' | 'keep';

export interface GpioOutputOptions {
  sysfsNumber: number;
  activeLow: boolean;
  /** the logical level the pin takes at deploy */
  initial: boolean;
  safe: SafeState;
}

/** A write asked of an output that is stopping; carries the pin. */
export class GpioOutputClosedError extends Error {
  constructor(readonly sysfsNumber: number) {
    super(`GPIO ${sysfsNumber}: the output is stopping, the level was not set`);
    this.name = 'GpioOutputClosedError';
  }
}

export class GpioOutput {
  private writes: Promise<void> = Promise.resolve();
  private current: boolean;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly line: GpioLine,
    private readonly options: GpioOutputOptions,
  ) {
    this.current = options.initial;
  }

  static open(host: GpioHost, options: GpioOutputOptions): GpioOutput {
    let line: GpioLine;
    try {
      line = host.open(options.sysfsNumber, rawOf(options.initial, options.activeLow) === 1 ? 'high' : 'low');
    } catch (err) {
      throw new GpioIoError(options.sysfsNumber, 'open', err);
    }
    return new GpioOutput(line, options);
  }

  /** The logical level last written (or being written). */
  get level(): boolean {
    return this.current;
  }

  /** Sets the logical level, after the writes before it. */
  set(level: boolean): Promise<void> {
    if (this.closing) return Promise.reject(new GpioOutputClosedError(this.options.sysfsNumber));
    this.current = level;
    return this.enqueue(level);
  }

  private enqueue(level: boolean): Promise<void> {
    const raw = rawOf(level, this.options.activeLow);
    const write = this.writes.then(() =>
      this.line.write(raw).catch((err: unknown) => {
        throw new GpioIoError(this.options.sysfsNumber, 'write', err);
      }),
    );
    // a failed write is its caller's; the next write still runs
    this.writes = write.catch(() => undefined);
    return write;
  }

  /** Refuses new writes, lets the pending ones finish, writes the safe level, releases the line. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.writes;
        if (this.options.safe !== 'keep') {
          this.current = this.options.safe === 'on';
          await this.enqueue(this.current);
        }
      } finally {
        try {
          this.line.release();
        } catch (err) {
          throw new GpioIoError(this.options.sysfsNumber, 'release', err);
        }
      }
    })();
    return this.closing;
  }
}
