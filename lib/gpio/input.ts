// A GPIO input: the line reports every change it sees, contacts included (a push button bounces
// for a few milliseconds); a change counts once the line has held its new level for the debounce
// time, and is passed on when it is an edge the user asked for. The kernel's own edge setting
// stays at "both" because the level after the bouncing, not the first flank, decides the edge.
import { GpioIoError, type GpioLine, type RawLevel } from './line';
import { levelOfRaw } from './levels';

export type EdgeFilter = 'rising' | 'falling' | 'both';

/** What a reading is: the first one at deploy, or an edge of the logical level. */
export type LevelChange = 'initial' | 'rising' | 'falling';

export interface GpioInputOptions {
  sysfsNumber: number;
  edge: EdgeFilter;
  /** how long a new level must hold before it counts; 0 takes every change */
  debounceMs: number;
  activeLow: boolean;
}

export interface GpioInputEvents {
  level(level: boolean, change: LevelChange): void;
  error(err: GpioIoError): void;
}

export class GpioInput {
  private stable: boolean | undefined;
  private pending: RawLevel | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly line: GpioLine,
    private readonly options: GpioInputOptions,
    private readonly events: GpioInputEvents,
  ) {}

  /** The level now (and, when `initialRead`, passed on as 'initial'); watching starts first so no change falls between. */
  async start(initialRead: boolean): Promise<void> {
    try {
      this.line.watch((err, raw) => this.onChange(err, raw));
    } catch (err) {
      throw new GpioIoError(this.options.sysfsNumber, 'watch', err);
    }
    let raw: RawLevel;
    try {
      raw = await this.line.read();
    } catch (err) {
      throw new GpioIoError(this.options.sysfsNumber, 'read', err);
    }
    if (this.closed) return;
    // a change seen while the read ran is newer than what it returned
    if (this.stable !== undefined) return;
    this.stable = levelOfRaw(raw, this.options.activeLow);
    if (initialRead) this.events.level(this.stable, 'initial');
  }

  /** The last level that held for the debounce time; undefined before the first read. */
  get level(): boolean | undefined {
    return this.stable;
  }

  private onChange(err: Error | null | undefined, raw: RawLevel): void {
    if (this.closed) return;
    if (err) return this.events.error(new GpioIoError(this.options.sysfsNumber, 'watch', err));
    if (this.options.debounceMs <= 0) return this.settle(raw);
    this.pending = raw;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.pending !== undefined) this.settle(this.pending);
    }, this.options.debounceMs);
  }

  private settle(raw: RawLevel): void {
    if (this.closed) return;
    const level = levelOfRaw(raw, this.options.activeLow);
    if (level === this.stable) return;
    this.stable = level;
    const change: LevelChange = level ? 'rising' : 'falling';
    if (this.options.edge === 'both' || this.options.edge === change) this.events.level(level, change);
  }

  /** Stops watching and releases the line; a release the host refuses is thrown as a GpioIoError. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    try {
      this.line.release();
    } catch (err) {
      throw new GpioIoError(this.options.sysfsNumber, 'release', err);
    }
  }
}
