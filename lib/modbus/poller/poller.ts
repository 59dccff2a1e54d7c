// DevicePoller: polls one unit's tag table through a ModbusLine, one timer per poll group.
//
// A cycle sends every block of its group's plan at once and lets the line queue them (the line
// owns fairness between units, in-flight limits and the serial inter-frame gap). A cycle never
// overlaps the previous one of the same group: a tick that finds it still running is skipped
// and counted as an overrun, so a slow device lowers the rate instead of piling up requests.
// Each block's tags are settled (sample, last value, report-by-exception) when its answer
// arrives, while the line already has the next request on the wire; the end of a cycle only
// collects what was reported, so little work sits between one scan's last answer and the next.
//
// Quality: a block that answers gives `good` samples; one that fails gives `bad` samples
// (value null, with the error) for its tags only; while the unit's breaker is open the tags
// keep their last good value with quality `stale` (ts stays the time the value was read).
// "Illegal data address" splits the block (see planner.ts) and the halves are read at once.
import { EventEmitter } from 'node:events';
import type { TagSample, TagValue, Quality } from '../../tags/contract';
import { compileCodec, scaleRounding, type TagCodec } from '../codec';
import { decodeFastBlock, type FastTag } from '../fast-decode';
import { BreakerOpenError, ModbusExceptionError } from '../errors';
import { modbusProblemOf, type ModbusProblem } from '../problem';
import type { ModbusLine } from '../line/types';
import { RegisterPlanner, type PlannerLimits, type PlanItem, type ReadBlock } from './planner';
import type { TagDef } from '../types';

export interface PollGroup {
  name: string;
  intervalMs: number;
}

export interface PollerOptions {
  line: Pick<ModbusLine, 'read'>;
  unit: number;
  /** device name: the first part of every topic */
  device: string;
  tags: readonly TagDef[];
  /** at least one; tags without a group belong to the first */
  groups: readonly PollGroup[];
  limits?: PlannerLimits;
  /** written into every sample's `source` */
  source?: string;
  now?: () => number;
  /**
   * asked before every cycle (the identity check): a message back makes every tag of the cycle
   * `bad` with it, and nothing else is read (a bare message is the problem `refused`); must not reject
   */
  gate?: () => Promise<PollRefusal | string | undefined>;
}

/** Why a gate keeps a cycle from reading: the message its samples carry, and its problem code. */
export interface PollRefusal {
  message: string;
  problem: ModbusProblem;
}

export interface CycleResult {
  group: string;
  /** one sample per tag of the group, in tag-table order */
  samples: TagSample[];
  /** the samples to report by exception (value beyond deadband, or quality changed) */
  changed: TagSample[];
  requests: number;
  failedRequests: number;
  startedAt: number;
  durationMs: number;
  /** the first failure of the cycle (its samples carry the English message), none when every read succeeded */
  problem?: ModbusProblem;
}

export interface PollerStats {
  tags: number;
  good: number;
  bad: number;
  stale: number;
  uncertain: number;
  cycles: number;
  overruns: number;
  requests: number;
  failedRequests: number;
  /** block splits forced by "illegal data address" answers */
  splits: number;
  /** requests one scan of every group takes with the current plan */
  requestsPerScan: number;
}

/** A tag as the poller holds it: planned, with its codec and the state RBE needs. */
interface PolledTag extends PlanItem, FastTag {
  codec: TagCodec;
  /** position in the tag table, to keep samples in table order */
  index: number;
  /** position in its group's tag list: where its sample goes in a cycle's samples */
  pos: number;
  deadband: number;
  /** its poll group's position in the poller's runs: where its latest sample is kept */
  run: number;
  /**
   * the latest good sample, kept here only once a later sample is not good (while the latest is
   * good, it is that one): a store per tag per scan into long-lived objects cost about a seventh
   * of a changing scan's CPU in the garbage collector's write barrier
   */
  lastGood?: TagSample;
  /** the sample last reported by exception; kept for deadband tags only (see settle) */
  lastReported?: TagSample;
}

interface GroupRun {
  group: PollGroup;
  tags: PolledTag[];
  planner: RegisterPlanner<PolledTag>;
  timer?: NodeJS.Timeout;
  running?: Promise<CycleResult>;
  /** the samples of the cycle in progress, filling in block by block */
  current?: TagSample[];
  /** the samples of the last completed cycle: the poller's own array (a result's may be changed by its reader) */
  previous?: TagSample[];
}

/** One cycle in progress: its samples fill in block by block as the answers arrive. */
interface CycleState {
  samples: TagSample[];
  /** the last completed cycle's samples, by position */
  previous: TagSample[] | undefined;
  /** 1 at the positions whose sample is reported by exception; made at the first one (most scans of steady registers report nothing) */
  reported: Uint8Array | undefined;
  requests: number;
  failed: number;
  problem?: ModbusProblem;
}

export class PollerConfigError extends Error {
  constructor(
    readonly tag: string,
    readonly field: string,
    reason: string,
  ) {
    super(`tag '${tag}', field '${field}': ${reason}`);
    this.name = 'PollerConfigError';
  }
}

export class DevicePoller extends EventEmitter {
  private readonly runs: GroupRun[] = [];
  private readonly byName = new Map<string, PolledTag>();
  private readonly now: () => number;
  private started = false;
  private stopped = false;
  private counters = { cycles: 0, overruns: 0, requests: 0, failedRequests: 0 };

  constructor(private readonly opts: PollerOptions) {
    super();
    if (opts.groups.length === 0) throw new Error('a poller needs at least one poll group');
    this.now = opts.now ?? Date.now;
    const groups = new Map<string, PolledTag[]>();
    for (const g of opts.groups) {
      if (!(g.intervalMs >= 1)) throw new Error(`poll group '${g.name}': interval must be at least 1 ms, got ${g.intervalMs}`);
      if (groups.has(g.name)) throw new Error(`poll group '${g.name}' is defined twice`);
      groups.set(g.name, []);
    }
    opts.tags.forEach((tag, index) => {
      const gname = tag.group ?? opts.groups[0].name;
      const list = groups.get(gname);
      if (!list) throw new PollerConfigError(tag.name, 'group', `no poll group named '${gname}'`);
      const codec = compileCodec(tag);
      const pt: PolledTag = {
        tag,
        width: codec.width,
        codec,
        fast: codec.fast,
        identity: tag.scale === 1 && tag.offset === 0,
        scale: tag.scale,
        offset: tag.offset,
        rounding: scaleRounding(codec.shape.kind, tag.scale, tag.offset),
        address: tag.address,
        index,
        pos: list.length,
        deadband: tag.deadband ?? 0,
        run: opts.groups.findIndex((g) => g.name === gname),
        rawHigh: -1,
        rawLow: -1,
        rawValue: 0,
      };
      list.push(pt);
      this.byName.set(tag.name, pt);
    });
    for (const g of opts.groups) {
      const tags = groups.get(g.name)!;
      this.runs.push({ group: g, tags, planner: new RegisterPlanner(tags, opts.limits) });
    }
  }

  /** Starts every group's timer; each group's first cycle runs at once. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    for (const run of this.runs) {
      if (run.tags.length === 0) continue;
      run.timer = setInterval(() => this.tick(run), run.group.intervalMs);
      this.tick(run);
    }
  }

  /** Stops every timer. Cycles in flight finish quietly: nothing is emitted after stop(). */
  stop(): void {
    this.stopped = true;
    for (const run of this.runs) {
      if (run.timer) clearInterval(run.timer);
      run.timer = undefined;
    }
  }

  /** Resolves when no cycle is in flight (after stop(), for a clean shutdown). */
  async idle(): Promise<void> {
    await Promise.all(this.runs.flatMap((r) => (r.running ? [r.running.catch(() => undefined)] : [])));
  }

  /** Runs one cycle of a group now (outside its timer); null when one is already running. */
  async pollGroup(name: string): Promise<CycleResult | null> {
    const run = this.runs.find((r) => r.group.name === name);
    if (!run) throw new Error(`no poll group named '${name}'`);
    if (run.running) return null;
    return this.cycle(run);
  }

  /** Reads every tag once, group by group; the samples in tag-table order. */
  async pollAll(): Promise<TagSample[]> {
    const results = await Promise.all(this.runs.map((r) => (r.tags.length ? (r.running ?? this.cycle(r)) : Promise.resolve(null))));
    const all: Array<[number, TagSample]> = [];
    results.forEach((res, i) => res?.samples.forEach((s, j) => all.push([this.runs[i].tags[j].index, s])));
    return all.sort((a, b) => a[0] - b[0]).map(([, s]) => s);
  }

  /** The latest sample of a tag (any quality). */
  lastSample(name: string): TagSample | undefined {
    const t = this.byName.get(name);
    return t && this.latest(t);
  }

  /** The latest good value of a tag, for write audits. */
  lastGoodValue(name: string): TagValue | undefined {
    const t = this.byName.get(name);
    return t && this.latestGood(t)?.value;
  }

  blocks(group?: string): ReadBlock<PlanItem>[] {
    return this.runs.filter((r) => !group || r.group.name === group).flatMap((r) => [...r.planner.blocks]);
  }

  stats(): PollerStats {
    const q: Record<Quality, number> = { good: 0, bad: 0, stale: 0, uncertain: 0 };
    for (const t of this.byName.values()) {
      const last = this.latest(t);
      if (last) q[last.quality]++;
    }
    let splits = 0;
    let requestsPerScan = 0;
    for (const r of this.runs) {
      splits += r.planner.splits;
      requestsPerScan += r.planner.blocks.length;
    }
    return { tags: this.byName.size, ...q, ...this.counters, splits, requestsPerScan };
  }

  private tick(run: GroupRun): void {
    if (this.stopped) return;
    if (run.running) {
      this.counters.overruns++;
      this.emit('overrun', run.group.name);
      return;
    }
    this.cycle(run).then(
      (result) => {
        if (!this.stopped) this.emit('cycle', result);
      },
      (err) => {
        // runCycle turns every read failure into bad samples; this is a bug guard, never a crash
        if (!this.stopped && this.listenerCount('error') > 0) this.emit('error', err);
      },
    );
  }

  private cycle(run: GroupRun): Promise<CycleResult> {
    const p = this.runCycle(run).finally(() => {
      if (run.running === p) run.running = undefined;
      run.current = undefined;
    });
    run.running = p;
    return p;
  }

  private async runCycle(run: GroupRun): Promise<CycleResult> {
    const startedAt = this.now();
    const n = run.tags.length;
    const cycle: CycleState = { samples: new Array(n), previous: run.previous, reported: undefined, requests: 0, failed: 0 };
    run.current = cycle.samples;
    const gated = this.opts.gate ? await this.opts.gate() : undefined;
    if (gated !== undefined) {
      const blocked: PollRefusal = typeof gated === 'string' ? { message: gated, problem: { code: 'refused' } } : gated;
      cycle.problem = blocked.problem;
      const ts = this.now();
      for (const t of run.tags) this.settle(cycle, t, this.sample(t, null, 'bad', ts, blocked.message));
    } else {
      await Promise.all(run.planner.blocks.map((b) => this.readBlock(run, b, cycle)));
    }
    this.counters.cycles++;
    this.counters.requests += cycle.requests;
    this.counters.failedRequests += cycle.failed;
    const samples = cycle.samples;
    run.previous = samples.slice();
    const changed: TagSample[] = [];
    const reported = cycle.reported;
    if (reported) for (let i = 0; i < n; i++) if (reported[i] === 1) changed.push(samples[i]);
    const result: CycleResult = { group: run.group.name, samples, changed, requests: cycle.requests, failedRequests: cycle.failed, startedAt, durationMs: this.now() - startedAt };
    if (cycle.problem) result.problem = cycle.problem;
    return result;
  }

  /** The latest sample of a tag: of the cycle in progress once its block is in, else of the last one. */
  private latest(t: PolledTag): TagSample | undefined {
    const run = this.runs[t.run];
    return run.current?.[t.pos] ?? run.previous?.[t.pos];
  }

  private latestGood(t: PolledTag): TagSample | undefined {
    const last = this.latest(t);
    return last?.quality === 'good' ? last : t.lastGood;
  }

  /** A tag's sample of this cycle: stored in table order (which makes it the tag's latest), reported by exception or not. */
  private settle(cycle: CycleState, t: PolledTag, s: TagSample): void {
    cycle.samples[t.pos] = s;
    const previous = cycle.previous?.[t.pos];
    if (s.quality !== 'good' && previous?.quality === 'good') t.lastGood = previous;
    // Without a deadband, the last reported sample and the previous one have the same value and
    // quality (a sample that differs is reported), so the previous one stands in for it.
    if (t.deadband > 0) {
      if (!shouldReport(t.lastReported, s, t.deadband)) return;
      t.lastReported = s;
    } else if (!shouldReport(previous, s, 0)) return;
    (cycle.reported ??= new Uint8Array(cycle.samples.length))[t.pos] = 1;
  }

  private async readBlock(run: GroupRun, block: ReadBlock<PolledTag>, cycle: CycleState): Promise<void> {
    cycle.requests++;
    let data: number[] | boolean[];
    try {
      data = await this.opts.line.read(this.opts.unit, block.area, block.address, block.count);
    } catch (err) {
      cycle.failed++;
      if (err instanceof ModbusExceptionError && err.code === 2) {
        const halves = run.planner.split(block);
        if (halves) {
          this.emit('split', { group: run.group.name, block, halves });
          await Promise.all(halves.map((h) => this.readBlock(run, h, cycle)));
          return;
        }
      }
      this.failBlock(cycle, block, err as Error);
      return;
    }
    const ts = this.now();
    if (data.length < block.count) {
      const short = new Error(`short answer: ${data.length} of ${block.count} values for ${block.area} ${block.address}..${block.address + block.count - 1}`);
      this.failBlock(cycle, block, short, { code: 'protocol' });
      return;
    }
    const items = block.items;
    const values: Array<number | boolean | undefined> = new Array(items.length);
    decodeFastBlock(items, data, block.address, values);
    for (let i = 0; i < items.length; i++) {
      const t = items[i];
      let value: TagValue | undefined = values[i];
      if (value === undefined) {
        try {
          value = t.codec.decode(data, t.address - block.address);
        } catch (err) {
          cycle.problem ??= { code: 'decode' };
          this.settle(cycle, t, this.sample(t, null, 'bad', ts, (err as Error).message));
          continue;
        }
      }
      this.settle(cycle, t, this.sample(t, value, 'good', ts));
    }
  }

  private failBlock(cycle: CycleState, block: ReadBlock<PolledTag>, err: Error, problem = modbusProblemOf(err)): void {
    cycle.problem ??= problem;
    const ts = this.now();
    const stale = err instanceof BreakerOpenError;
    for (const t of block.items) {
      const lastGood = stale ? this.latestGood(t) : undefined;
      if (lastGood) this.settle(cycle, t, this.sample(t, lastGood.value, 'stale', lastGood.ts, err.message));
      else this.settle(cycle, t, this.sample(t, null, 'bad', ts, err.message));
    }
  }

  private sample(t: PolledTag, value: TagValue, quality: Quality, ts: number, error?: string): TagSample {
    // one object shape for every sample keeps the hot path monomorphic
    const s: TagSample = { device: this.opts.device, name: t.tag.name, value, quality, ts, unit: t.tag.unit, source: this.opts.source };
    if (error) s.error = error;
    return s;
  }
}

/** Report by exception: first sample, a quality change, or a value change beyond the deadband. */
export function shouldReport(prev: TagSample | undefined, next: TagSample, deadband: number): boolean {
  if (!prev) return true;
  if (prev.quality !== next.quality) return true;
  const a = prev.value;
  const b = next.value;
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return !Object.is(a, b);
    return deadband > 0 ? Math.abs(b - a) > deadband : a !== b;
  }
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    if ((typeof a !== 'bigint' && typeof a !== 'number') || (typeof b !== 'bigint' && typeof b !== 'number')) return true;
    const diff = BigInt(b) - BigInt(a);
    const abs = diff < 0n ? -diff : diff;
    return deadband > 0 ? Number(abs) > deadband : abs !== 0n;
  }
  return a !== b;
}
