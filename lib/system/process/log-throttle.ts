// A flood of bad input must not flood the log: the first `burst` lines of each interval are
// written, the rest are counted, and one summary line per interval says how many were held back
// (with the last of them, so the newest reason is always visible). The clock and timers are
// injectable so tests need not wait.

export interface LogThrottleOptions {
  /** lines written per interval before holding back (default 10) */
  burst?: number;
  /** the interval, ms (default 60 s) */
  intervalMs?: number;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => { unref?(): void };
  clearTimer?: (t: unknown) => void;
  /** the summary line of `held` lines held back over `seconds` (default: "N more <what> not logged ...") */
  summary?: (held: number, seconds: number, last: string) => string;
}

export class LogThrottle {
  private readonly burst: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly setTimer: NonNullable<LogThrottleOptions['setTimer']>;
  private readonly clearTimer: NonNullable<LogThrottleOptions['clearTimer']>;
  private readonly summary: NonNullable<LogThrottleOptions['summary']>;
  private windowStart = -Infinity;
  private written = 0;
  private held = 0;
  private lastHeld = '';
  private timer: unknown;
  private closed = false;

  constructor(
    private readonly write: (line: string) => void,
    private readonly what = 'messages',
    opts: LogThrottleOptions = {},
  ) {
    this.burst = Math.max(1, opts.burst ?? 10);
    this.intervalMs = Math.max(1, opts.intervalMs ?? 60_000);
    this.now = opts.now ?? Date.now;
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((t) => clearTimeout(t as NodeJS.Timeout));
    this.summary = opts.summary ?? ((n, seconds, last) => `${n} more ${this.what} not logged in the last ${seconds} s; the last: ${last}`);
  }

  /**
   * Writes the line now (by `writeNow` when given: the caller reports it in full its own way), or
   * counts it for the interval's summary. True when it was written.
   */
  log(line: string, writeNow?: () => void): boolean {
    if (this.closed) return false;
    const now = this.now();
    if (now - this.windowStart >= this.intervalMs) {
      this.flush();
      this.windowStart = now;
      this.written = 0;
    }
    if (this.written < this.burst) {
      this.written++;
      if (writeNow) writeNow();
      else this.write(line);
      return true;
    }
    this.held++;
    this.lastHeld = line;
    if (this.timer === undefined) {
      const t = this.setTimer(
        () => {
          this.timer = undefined;
          this.flush();
        },
        Math.max(1, this.windowStart + this.intervalMs - now),
      );
      t.unref?.();
      this.timer = t;
    }
    return false;
  }

  /** Lines held back in the current interval, not yet summarized. */
  pending(): number {
    return this.held;
  }

  /** Writes the summary of what was held back, if anything. */
  flush(): void {
    if (this.timer !== undefined) {
      this.clearTimer(this.timer);
      this.timer = undefined;
    }
    if (this.held === 0) return;
    const n = this.held;
    this.held = 0;
    this.write(this.summary(n, Math.round(this.intervalMs / 1000), this.lastHeld));
  }

  /** Summarizes what is held back and stops (the node is closing). */
  close(): void {
    this.flush();
    this.closed = true;
  }
}
