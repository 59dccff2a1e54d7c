// A software twin of a host's GPIO (lib/gpio/line.ts): chips as a recorded sysfs layout lists them,
// and lines whose level the test drives (a button, bouncing) and whose writes it reads back. The
// nodes and lib/gpio run the same code over it as over onoff.
import type { GpioHost, GpioLine, LineDirection, LineListener, RawLevel } from '../../lib/gpio/line';
import type { GpioChip } from '../../lib/gpio/pin-number';

/** A Raspberry Pi 5 on kernel 6.6 (test/unit/gpio/pin-number.test.ts): the header is pinctrl-rp1 at 571. */
export const PI5_CHIPS: GpioChip[] = [
  { name: 'gpiochip512', base: 512, label: 'gpio-brcmstb@107d508500', ngpio: 17 },
  { name: 'gpiochip571', base: 571, label: 'pinctrl-rp1', ngpio: 54 },
];

export class TwinLine implements GpioLine {
  level: RawLevel = 0;
  /** every raw level written, in order */
  readonly written: RawLevel[] = [];
  /** each write waits for this many ms (a slow sysfs), so sequencing can be seen */
  writeDelayMs = 0;
  released = false;
  failReads: Error | undefined;
  /** release() throws this after letting go (an unexport the kernel refuses: EBUSY, EINVAL) */
  failRelease: Error | undefined;
  private listeners: LineListener[] = [];

  constructor(
    readonly sysfsNumber: number,
    readonly direction: LineDirection,
  ) {
    if (direction === 'high') this.level = 1;
  }

  async read(): Promise<RawLevel> {
    if (this.failReads) throw this.failReads;
    return this.level;
  }

  async write(raw: RawLevel): Promise<void> {
    if (this.released) throw new Error('EBADF: the line was unexported');
    if (this.writeDelayMs) await new Promise((r) => setTimeout(r, this.writeDelayMs));
    this.level = raw;
    this.written.push(raw);
  }

  watch(listener: LineListener): void {
    this.listeners.push(listener);
  }

  release(): void {
    this.released = true;
    this.listeners = [];
    if (this.failRelease) throw this.failRelease;
  }

  /** The outside world sets the line (a contact closing): watchers see it as the kernel reports it. */
  drive(raw: RawLevel): void {
    this.level = raw;
    for (const l of this.listeners) l(null, raw);
  }

  /** A watch error, as epoll reports one. */
  fail(err: Error): void {
    for (const l of this.listeners) l(err, this.level);
  }
}

export class GpioTwin implements GpioHost {
  readonly lines: TwinLine[] = [];
  unavailable: string | undefined = undefined;
  /** the level an input line is at when it is opened (a pull-up holds an idle button at 1) */
  readonly idle = new Map<number, RawLevel>();

  constructor(private readonly layout: GpioChip[] = PI5_CHIPS) {}

  async chips(): Promise<GpioChip[]> {
    return this.layout;
  }

  open(sysfsNumber: number, direction: LineDirection): TwinLine {
    const line = new TwinLine(sysfsNumber, direction);
    if (direction === 'in') line.level = this.idle.get(sysfsNumber) ?? 0;
    this.lines.push(line);
    return line;
  }

  /** The line opened last on that number. */
  line(sysfsNumber: number): TwinLine {
    const found = this.lines.filter((l) => l.sysfsNumber === sysfsNumber).at(-1);
    if (!found) throw new Error(`GPIO ${sysfsNumber} was not opened`);
    return found;
  }
}
