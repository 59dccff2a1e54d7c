// The memory budget of an edge box (docs/default-flows.md: 150 MB RSS with the default flows),
// kept without costing a busy gateway its throughput. Two V8 heap settings, both read by V8 as it
// runs (`--max-semi-space-size` and `--max-old-space-size` work only on the command line, which
// the `edge-gateway` command does not control: npm's bin shim, systemd units, `npm start`; a
// re-exec would cost a second Node process, ~40 MB). Each is left alone when the user chose it
// with node flags or NODE_OPTIONS.
//
// Young generation: V8 lets its semi-spaces (where new objects are born) grow to 16 MB each,
// 32-48 MB of memory in all, whenever allocation is brisk: a fifth of the budget, spent on
// garbage. The growth factor set to 1 keeps them at their initial 1 MB: about 25 MB less RSS
// with the default flows. But a gateway moving 100,000 tags a second then copies its in-flight
// scans through 1 MB semi-spaces again and again: a quarter of its throughput.
//
// Old generation: after each full collection V8 lets the old generation grow to up to 4x what
// survived before the next one, more the faster the program allocates: a busy gateway keeping
// about 50 MB alive let its heap reach 150-200 MB between collections, and its RSS 280-320 MB.
// A fixed growth of 50% (--heap-growing-percent=50) holds that to about 75 MB, and the pipeline
// moves more, not less (smaller collections, a heap that stays in cache). While quiet, V8's own
// growth is the smaller one (its memory reducer), so the 50% is for busy times only.
//
// Size over speed: V8's --optimize-for-size (also read as it runs) lets the old generation grow
// by at most 2x after a full collection (1.1x in the unit test's workload, where V8 alone takes
// 4x) and trades speed for memory elsewhere in V8. With the default flows: 9-10 MB less RSS at
// 10 minutes (heap total 70-71 instead of 76-77.5 MB), CPU 0-11% more at their 2-4 MB/s
// (docs/reports/2026-12-08-default-flows-rss.md); a busy gateway wants the speed. It is set at the
// first quiet verdict, not from the start: set from the start, V8's first full collection of the
// default flows came 30-50 s later, at 82 MB of heap used instead of 74, a peak of 160 MB RSS.
//
// So: quiet (the default flows allocate 2-4 MB/s), the young generation is held, the old one
// grows as V8 likes and V8 optimizes for size; busy (over 32 MB/s), the young generation grows as
// V8 likes, the old one by 50%, and V8 optimizes for speed; from the start until it is known,
// held, 50% and V8's own (speed) (HeapGovernor).
// docs/reports/2026-12-02-pipeline-benchmark.md, docs/default-flows.md.
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

/** How much the old generation may grow past what survived the last full collection, while busy. */
export const HEAP_GROWING_PERCENT = 50;
const USER_OLD = /--heap-growing-percent\b/;

export interface OldGenerationChoice {
  /** the growth this process now uses, in percent; absent when the user chose it */
  percent?: number;
  /** why not, when not */
  reason?: string;
}

/** Holds the old generation's growth between full collections to HEAP_GROWING_PERCENT, unless the user chose it. */
export function limitOldGenerationGrowth(execArgv: readonly string[] = process.execArgv, env: NodeJS.ProcessEnv = process.env): OldGenerationChoice {
  const own = ownOldGenerationGrowth(execArgv, env);
  if (own) return { reason: `chosen by the user (${own})` };
  holdOldGenerationGrowth(true);
  return { percent: HEAP_GROWING_PERCENT };
}

/** The old generation grows HEAP_GROWING_PERCENT between full collections (true), or as V8 likes. */
function holdOldGenerationGrowth(hold: boolean): void {
  setFlagsFromString(oldGenerationGrowthFlag(hold));
}

function oldGenerationGrowthFlag(hold: boolean): string {
  return `--heap-growing-percent=${hold ? HEAP_GROWING_PERCENT : 0}`;
}

/** The user's own --heap-growing-percent flag (node flags or NODE_OPTIONS), if any. */
export function ownOldGenerationGrowth(execArgv: readonly string[] = process.execArgv, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return userChoice(USER_OLD, execArgv, env);
}

/** Flags with which the user chose V8's size/speed trade-off themselves. */
const USER_SIZE = /--(?:no-)?optimize[-_]for[-_]size\b/;

export interface SizeChoice {
  /** whether the heap governor may have V8 optimize for size while the gateway is quiet */
  forSize: boolean;
  /** why not, when not */
  reason?: string;
}

/**
 * Whether V8 may optimize for size while quiet (HeapGovernor's `size`), unless the user chose size
 * or speed with node flags or NODE_OPTIONS. Nothing is set here: the governor sets it at its first
 * quiet verdict.
 */
export function mayOptimizeForSize(execArgv: readonly string[] = process.execArgv, env: NodeJS.ProcessEnv = process.env): SizeChoice {
  const own = userChoice(USER_SIZE, execArgv, env);
  if (own) return { forSize: false, reason: `chosen by the user (${own})` };
  return { forSize: true };
}

function userChoice(flag: RegExp, execArgv: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  return [...execArgv, env.NODE_OPTIONS ?? ''].find((a) => flag.test(a))?.match(flag)?.[0];
}

/** The young generation's current size in bytes (V8's new_space), for tests and diagnostics. */
export function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

export interface HeapGovernorOptions {
  /** whether it may change the young generation's growth (false: the user sized it) */
  young?: boolean;
  /** whether it may change the old generation's growth (false: the user chose it); start after limitOldGenerationGrowth() */
  old?: boolean;
  /** whether it may switch V8's --optimize-for-size: on while quiet, off while busy (see mayOptimizeForSize()) */
  size?: boolean;
  /** allocation rate (MB/s, over one window) from which the gateway counts as busy */
  busyMBps?: number;
  /** allocation rate (MB/s) under which, for `idleWindows` windows in a row, it is quiet again */
  idleMBps?: number;
  windowMs?: number;
  idleWindows?: number;
  /** told when the gateway turns busy (true) or quiet again (false) */
  onChange?: (busy: boolean, mbPerSec: number) => void;
  /** how it sets V8's flags (tests watch it); v8.setFlagsFromString */
  setFlags?: (flags: string) => void;
}

type Thresholds = Required<Pick<HeapGovernorOptions, 'busyMBps' | 'idleMBps' | 'windowMs' | 'idleWindows'>>;

/** What the governor does after a window: turn busy, turn quiet, or nothing (busy undefined: not known yet). */
export function heapDecision(busy: boolean | undefined, mbPerSec: number, idleStreak: number, o: Thresholds): 'busy' | 'quiet' | undefined {
  if (busy !== true && mbPerSec >= o.busyMBps) return 'busy';
  if (busy !== false && mbPerSec < o.idleMBps && idleStreak >= o.idleWindows) return 'quiet';
  return undefined;
}

/**
 * Busy (32 MB/s allocated or more, over 5 s): the young generation grows as V8 likes, the old one
 * by HEAP_GROWING_PERCENT, V8 optimizes for speed. Quiet (under 8 MB/s for 30 s): the young
 * generation held at its initial size, the old one growing as V8 likes, V8 optimizing for size
 * (with `size`). Until it knows, from its start: the young generation held and the old one by
 * HEAP_GROWING_PERCENT (start it after limitYoungGeneration() and limitOldGenerationGrowth(),
 * which set those), so that a gateway busy from the start never lets its heap run ahead; V8's
 * own speed. The rate is counted from the collections of the young generation (each one
 * means a semi-space was filled). V8 gives young-generation memory back on its own once
 * allocation stays low; turning quiet only stops further growth.
 */
export class HeapGovernor {
  /** undefined until the first busy or quiet verdict */
  busy: boolean | undefined;
  /** the allocation rate of the last window, MB/s */
  lastMBps = 0;
  private minor = 0;
  private idleStreak = 0;
  private readonly o: Thresholds;
  private readonly observer: PerformanceObserver;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly opts: HeapGovernorOptions = {}) {
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
    const d = heapDecision(this.busy, this.lastMBps, this.idleStreak, this.o);
    if (!d) return;
    this.busy = d === 'busy';
    const set = this.opts.setFlags ?? setFlagsFromString;
    if (this.opts.young !== false) set(`--semi-space-growth-factor=${this.busy ? 2 : 1}`);
    if (this.opts.old !== false) set(oldGenerationGrowthFlag(this.busy));
    if (this.opts.size) set(this.busy ? '--no-optimize-for-size' : '--optimize-for-size');
    this.opts.onChange?.(this.busy, this.lastMBps);
  }

  stop(): void {
    clearInterval(this.timer);
    this.observer.disconnect();
  }
}
