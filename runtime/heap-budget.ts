// The memory budget of an edge box (docs/default-flows.md: 150 MB RSS with the default flows):
// two V8 heap settings made at start, each left alone when the user chose it with node flags or
// NODE_OPTIONS. `--max-semi-space-size` and `--max-old-space-size` work only on the command line,
// which the `edge-gateway` command does not control (npm's bin shim, systemd units, `npm start`),
// and a re-exec would cost a second Node process (~40 MB); the two below V8 reads as it goes.
//
// Young generation: V8 lets its semi-spaces (where new objects are born) grow to 16 MB each,
// 32-48 MB of memory in all, whenever allocation is brisk: a fifth of the budget, spent on
// garbage. The growth factor set to 1 keeps them at their initial 1 MB. Measured with the default
// flows: about 25 MB less RSS.
//
// Old generation: after each full collection V8 lets the old generation grow to up to 4x what
// survived before the next one, more the faster the program allocates. A gateway moving 100,000
// tags a second keeps about 50 MB alive but let its heap reach 150-200 MB between collections,
// and its RSS 280-300 MB. A fixed growth of 50% (--heap-growing-percent=50) holds that to about
// 75 MB, and the pipeline moves more, not less: smaller collections, a heap that stays in cache
// (docs/pipeline-benchmark.md).
import { setFlagsFromString, getHeapSpaceStatistics } from 'node:v8';
import { PerformanceObserver, constants } from 'node:perf_hooks';

/** Flags with which the user chose the young generation's size themselves. */
const USER_YOUNG = /--(max-semi-space-size|min-semi-space-size|semi-space-growth-factor|max-young-generation-size)\b/;

export interface YoungGenerationChoice {
  /** whether this process now keeps its young generation at its initial size */
  limited: boolean;
  /** why not, when not */
  reason?: string;
}

/**
 * Keeps the young generation at its initial size, unless the user sized it with node flags or
 * NODE_OPTIONS (`NODE_OPTIONS=--semi-space-growth-factor=2` is V8's default behaviour).
 */
export function limitYoungGeneration(execArgv: readonly string[] = process.execArgv, env: NodeJS.ProcessEnv = process.env): YoungGenerationChoice {
  const own = userChoice(USER_YOUNG, execArgv, env);
  if (own) return { limited: false, reason: `sized by the user (${own})` };
  setFlagsFromString('--semi-space-growth-factor=1');
  return { limited: true };
}

/** How much the old generation may grow past what survived the last full collection. */
export const HEAP_GROWING_PERCENT = 50;
const USER_OLD = /--heap-growing-percent\b/;

export interface OldGenerationChoice {
  /** the growth this process now uses, in percent; absent when the user chose it */
  percent?: number;
  /** why not, when not */
  reason?: string;
}

/** Holds the old generation's growth between full collections to HEAP_GROWING_PERCENT. */
export function limitOldGenerationGrowth(execArgv: readonly string[] = process.execArgv, env: NodeJS.ProcessEnv = process.env): OldGenerationChoice {
  const own = userChoice(USER_OLD, execArgv, env);
  if (own) return { reason: `chosen by the user (${own})` };
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return { percent: HEAP_GROWING_PERCENT };
}

function userChoice(flag: RegExp, execArgv: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  return [...execArgv, env.NODE_OPTIONS ?? ''].find((a) => flag.test(a))?.match(flag)?.[0];
}

/** The young generation's current size in bytes (V8's new_space), for tests and diagnostics. */
export function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

export interface YoungGenerationGovernorOptions {
  /** allocation rate (MB/s, over one window) at which the young generation may grow */
  busyMBps?: number;
  /** allocation rate (MB/s) under which, for `idleWindows` windows in a row, it is held again */
  idleMBps?: number;
  windowMs?: number;
  idleWindows?: number;
  /** told when the governor lets the young generation grow (true) or holds it again (false) */
  onChange?: (growing: boolean, mbPerSec: number) => void;
}

/** What the governor does after a window: let the young generation grow, hold it, or nothing. */
export function youngGenerationDecision(growing: boolean, mbPerSec: number, idleStreak: number, o: Required<Omit<YoungGenerationGovernorOptions, 'onChange'>>): 'grow' | 'hold' | undefined {
  if (!growing) return mbPerSec >= o.busyMBps ? 'grow' : undefined;
  return mbPerSec < o.idleMBps && idleStreak >= o.idleWindows ? 'hold' : undefined;
}

/**
 * Started after limitYoungGeneration() held it: the young generation held at its initial size while the gateway is quiet (the default flows
 * allocate 2-4 MB/s), and let grow as V8 would while it is busy: a gateway that moves 100,000
 * tags a second allocates well over 100 MB/s, and with 1 MB semi-spaces it copies its in-flight
 * scans again and again (a quarter of its throughput, docs/pipeline-benchmark.md). The rate is
 * counted from the collections of the young generation (each one means a semi-space was filled).
 * V8 gives the memory back on its own once allocation stays low; holding it again only stops
 * further growth.
 */
export class YoungGenerationGovernor {
  growing = false;
  /** the allocation rate of the last window, MB/s */
  lastMBps = 0;
  private minor = 0;
  private idleStreak = 0;
  private readonly o: Required<Omit<YoungGenerationGovernorOptions, 'onChange'>>;
  private readonly observer: PerformanceObserver;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly opts: YoungGenerationGovernorOptions = {}) {
    this.o = { busyMBps: opts.busyMBps ?? 32, idleMBps: opts.idleMBps ?? 8, windowMs: opts.windowMs ?? 5000, idleWindows: opts.idleWindows ?? 6 };
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) this.minor++;
    });
    this.observer.observe({ entryTypes: ['gc'] });
    this.timer = setInterval(() => this.tick(), this.o.windowMs);
    this.timer.unref();
  }

  /** One window: the rate from the young collections in it, and what to do about it. */
  tick(): void {
    // each young collection follows a filled semi-space (half of new_space's size)
    const mb = (this.minor * youngGenerationBytes()) / 2 / 1048576;
    this.minor = 0;
    this.lastMBps = mb / (this.o.windowMs / 1000);
    this.idleStreak = this.lastMBps < this.o.idleMBps ? this.idleStreak + 1 : 0;
    const d = youngGenerationDecision(this.growing, this.lastMBps, this.idleStreak, this.o);
    if (!d) return;
    this.growing = d === 'grow';
    setFlagsFromString(`--semi-space-growth-factor=${this.growing ? 2 : 1}`);
    this.opts.onChange?.(this.growing, this.lastMBps);
  }

  stop(): void {
    clearInterval(this.timer);
    this.observer.disconnect();
  }
}
