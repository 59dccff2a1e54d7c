// Live values at the rate a person can read: each widget (a key) gets at most one update per
// interval, and what it gets is the latest value. 1,000 tags changing ten times a second then cost
// the browser four renders a second per widget, not ten thousand messages. An update can ask for a
// longer pause after it (a big one: the browser's work grows with what it carries).

export interface ThrottleClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Node's timers, not holding the process open. */
export const REAL_CLOCK: ThrottleClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class ThrottleConfigError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'ThrottleConfigError';
  }
}

interface KeyState<T> {
  lastSentAt: number;
  /** the pause the last value sent asked for (the interval at least) */
  gapMs: number;
  pending?: { value: T; gapMs: number };
  timer?: unknown;
}

/** Per-key rate limit, latest value wins; `deliver` is called with what passes. */
export class WidgetThrottle<T> {
  private readonly keys = new Map<string, KeyState<T>>();
  private readonly intervalMs: number;
  private delivered = 0;
  private superseded = 0;

  constructor(
    maxPerSecond: number,
    private readonly deliver: (key: string, value: T) => void,
    private readonly clock: ThrottleClock = REAL_CLOCK,
  ) {
    if (!Number.isFinite(maxPerSecond) || maxPerSecond <= 0) throw new ThrottleConfigError('maxPerSecond', `must be a number above 0, got ${maxPerSecond}`);
    this.intervalMs = 1000 / maxPerSecond;
  }

  /**
   * Sends now when the pause after the key's last value has passed, else keeps the value for the end
   * of it (replacing any kept one). `gapMs`: the pause after this value, when longer than the interval.
   */
  offer(key: string, value: T, gapMs = 0): void {
    const now = this.clock.now();
    let state = this.keys.get(key);
    if (!state) {
      state = { lastSentAt: -Infinity, gapMs: this.intervalMs };
      this.keys.set(key, state);
    }
    const gap = Math.max(this.intervalMs, gapMs);
    if (state.timer === undefined && now - state.lastSentAt >= state.gapMs) {
      state.lastSentAt = now;
      state.gapMs = gap;
      this.send(key, value);
      return;
    }
    if (state.pending) this.superseded++;
    state.pending = { value, gapMs: gap };
    if (state.timer === undefined) {
      const wait = Math.max(0, state.lastSentAt + state.gapMs - now);
      const s = state;
      s.timer = this.clock.setTimeout(() => this.flush(key, s), wait);
    }
  }

  /** Forgets a key and what it kept (a widget that went away). */
  drop(key: string): void {
    const state = this.keys.get(key);
    if (state?.timer !== undefined) this.clock.clearTimeout(state.timer);
    this.keys.delete(key);
  }

  /** Forgets every key; nothing kept is sent. */
  close(): void {
    for (const key of [...this.keys.keys()]) this.drop(key);
  }

  stats(): { keys: number; delivered: number; superseded: number } {
    return { keys: this.keys.size, delivered: this.delivered, superseded: this.superseded };
  }

  private flush(key: string, state: KeyState<T>): void {
    state.timer = undefined;
    if (this.keys.get(key) !== state || !state.pending) return;
    const { value, gapMs } = state.pending;
    state.pending = undefined;
    state.lastSentAt = this.clock.now();
    state.gapMs = gapMs;
    this.send(key, value);
  }

  private send(key: string, value: T): void {
    this.delivered++;
    this.deliver(key, value);
  }
}
