// Heartbeat supervision per key with one timer for all keys: messages only stamp a time (O(1));
// the timer fires at the earliest deadline, marks the overdue keys silent and re-arms itself.
import { EventEmitter } from 'node:events';
import type { ListedKey } from './keys';

export interface TimerApi {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_TIMERS: TimerApi = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface SupervisorOptions {
  /** the default timeout of a key, ms (> 0) */
  timeoutMs: number;
  /** keys supervised from the start, so one that never speaks is caught too */
  keys?: ListedKey[];
  /** supervise keys not in the list the first time they appear */
  learn: boolean;
  /** the most keys learned (beyond: ignored, counted in ignoredKeys) */
  maxKeys?: number;
  now?: () => number;
  timers?: TimerApi;
}

/** A key's silence began (alarm) or ended (recovery). */
export interface KeyEvent {
  key: string;
  /** how long it has been (or was) silent, ms: since its last heartbeat, or since supervision began */
  silentForMs: number;
  /** epoch ms of its last heartbeat; null when it never sent one */
  lastSeen: number | null;
  timeoutMs: number;
}

interface KeyEntry {
  timeoutMs: number;
  /** last heartbeat, or the start of supervision for a key never heard */
  since: number;
  heard: boolean;
  silent: boolean;
}

/** Events: 'silent' (KeyEvent) when a key's timeout passes without a heartbeat, 'recovered' (KeyEvent). */
export class HeartbeatSupervisor extends EventEmitter {
  private readonly entries = new Map<string, KeyEntry>();
  private readonly now: () => number;
  private readonly timers: TimerApi;
  private readonly maxKeys: number;
  private timer: unknown = undefined;
  private armedFor = Infinity;
  private silentCount = 0;
  private running = false;
  /** heartbeats of keys neither listed nor learned */
  ignoredKeys = 0;

  constructor(private readonly opts: SupervisorOptions) {
    super();
    if (!(opts.timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${opts.timeoutMs}`);
    this.now = opts.now ?? Date.now;
    this.timers = opts.timers ?? REAL_TIMERS;
    this.maxKeys = opts.maxKeys ?? 10_000;
  }

  /** Starts the clocks of the listed keys and the timer. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const t = this.now();
    for (const k of this.opts.keys ?? []) {
      this.entries.set(k.key, { timeoutMs: k.timeoutMs ?? this.opts.timeoutMs, since: t, heard: false, silent: false });
    }
    this.rearm();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  /**
   * A message for `key` arrived. `good` false (bad quality counted as silence) refreshes nothing
   * but still makes a learned key known. Returns the recovery when the key was silent.
   */
  beat(key: string, good = true): KeyEvent | undefined {
    let e = this.entries.get(key);
    const t = this.now();
    if (!e) {
      if (!this.opts.learn || this.entries.size >= this.maxKeys) {
        this.ignoredKeys++;
        return undefined;
      }
      e = { timeoutMs: this.opts.timeoutMs, since: t, heard: false, silent: false };
      this.entries.set(key, e);
      if (!good) this.armAt(t + e.timeoutMs);
    }
    if (!good) return undefined;
    let recovery: KeyEvent | undefined;
    if (e.silent) {
      recovery = { key, silentForMs: t - e.since, lastSeen: e.heard ? e.since : null, timeoutMs: e.timeoutMs };
      e.silent = false;
      this.silentCount--;
    }
    e.since = t;
    e.heard = true;
    this.armAt(t + e.timeoutMs);
    if (recovery) this.emit('recovered', recovery);
    return recovery;
  }

  /** Marks every overdue key silent now (the timer does this too); returns the new alarms. */
  check(): KeyEvent[] {
    const t = this.now();
    const alarms: KeyEvent[] = [];
    for (const [key, e] of this.entries) {
      if (e.silent || t < e.since + e.timeoutMs) continue;
      e.silent = true;
      this.silentCount++;
      alarms.push({ key, silentForMs: t - e.since, lastSeen: e.heard ? e.since : null, timeoutMs: e.timeoutMs });
    }
    for (const a of alarms) this.emit('silent', a);
    return alarms;
  }

  /** Whether no supervised key is silent. */
  healthy(): boolean {
    return this.silentCount === 0;
  }

  silentKeys(): string[] {
    const out: string[] = [];
    for (const [key, e] of this.entries) if (e.silent) out.push(key);
    return out;
  }

  keyCount(): number {
    return this.entries.size;
  }

  private onTimer = (): void => {
    this.timer = undefined;
    this.armedFor = Infinity;
    if (!this.running) return;
    this.check();
    this.rearm();
  };

  /** Arms the one timer for the earliest deadline of the keys not yet silent. */
  private rearm(): void {
    let earliest = Infinity;
    for (const e of this.entries.values()) if (!e.silent && e.since + e.timeoutMs < earliest) earliest = e.since + e.timeoutMs;
    if (earliest < Infinity) this.armAt(earliest);
  }

  /** Makes sure the timer fires no later than `deadline` (a timer already due earlier stays). */
  private armAt(deadline: number): void {
    if (!this.running || deadline >= this.armedFor) return;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.armedFor = deadline;
    this.timer = this.timers.setTimeout(this.onTimer, Math.max(1, deadline - this.now()));
  }
}
