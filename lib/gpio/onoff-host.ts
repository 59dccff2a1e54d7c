// The host's GPIO through onoff (sysfs). onoff is an optional native package: it is required on
// first use, never at load, so every node loads where it did not build; without it, or where
// Gpio.accessible is false (no /sys/class/gpio, as on a PC or in a container), the host says why
// it has no GPIO and opens nothing.
import { loadOptional } from '../system/process/optional';
import { readGpioChips } from './pin-number';
import type { GpioHost, GpioLine, LineDirection, LineListener, RawLevel } from './line';

/** The part of onoff's Gpio class this package drives. */
interface OnoffGpio {
  read(): Promise<RawLevel>;
  write(value: RawLevel): Promise<void>;
  watch(callback: LineListener): void;
  unwatchAll(): void;
  unexport(): void;
}
interface OnoffModule {
  Gpio: { accessible: boolean; new (gpio: number, direction: string, edge?: string): OnoffGpio };
}

/** What the node statuses say when a host has no GPIO, whatever the reason. */
export const NO_GPIO = 'GPIO not available on this host';

class OnoffLine implements GpioLine {
  constructor(private readonly gpio: OnoffGpio) {}
  read(): Promise<RawLevel> {
    return this.gpio.read();
  }
  write(raw: RawLevel): Promise<void> {
    return this.gpio.write(raw);
  }
  watch(listener: LineListener): void {
    this.gpio.watch(listener);
  }
  release(): void {
    // the line is unexported even when dropping its watchers failed
    try {
      this.gpio.unwatchAll();
    } finally {
      this.gpio.unexport();
    }
  }
}

export class OnoffGpioHost implements GpioHost {
  private loaded: { module?: OnoffModule; unavailable?: string } | undefined;

  constructor(
    private readonly sysRoot = '/sys',
    private readonly load: () => OnoffModule = () => loadOptional<OnoffModule>('onoff'),
  ) {}

  private probe(): { module?: OnoffModule; unavailable?: string } {
    if (this.loaded) return this.loaded;
    try {
      const module = this.load();
      this.loaded = module.Gpio.accessible ? { module } : { unavailable: `${NO_GPIO} (onoff: Gpio.accessible is false, no ${this.sysRoot}/class/gpio)` };
    } catch (err) {
      this.loaded = { unavailable: `${NO_GPIO} (${(err as Error).message})` };
    }
    return this.loaded;
  }

  get unavailable(): string | undefined {
    return this.probe().unavailable;
  }

  chips() {
    return readGpioChips(this.sysRoot);
  }

  open(sysfsNumber: number, direction: LineDirection): GpioLine {
    const { module, unavailable } = this.probe();
    if (!module) throw new Error(unavailable);
    return new OnoffLine(direction === 'in' ? new module.Gpio(sysfsNumber, 'in', 'both') : new module.Gpio(sysfsNumber, direction));
  }
}
