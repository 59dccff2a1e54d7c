// Windows per tag: tumbling or sliding, by time or by count, fed with samples and returning the
// windows that closed. Time windows belong to the sample's own timestamp (not arrival time), are
// aligned to the wall clock of a time zone (wall-clock.ts) or to the epoch, and close either when
// a later sample arrives or when `advance(now)` passes their end plus a grace period (for tags that
// fall silent). A window with no sample at all is not emitted.
import { ConfigFieldError } from '../config/fields';
import type { Quality, TagSample } from '../tags/contract';
import { FigureAccumulator, FigureSlab, type AccumulatorState, type WindowFigures } from './figures';
import { alignedSpan, checkTimeZone, DAY_MS, TimeZoneError, type Span } from './wall-clock';

export interface WindowConfig {
  kind: 'tumbling' | 'sliding';
  by: 'time' | 'count';
  /** ms for time windows, samples for count windows */
  length: number;
  /** sliding windows: ms (time) or samples (count) between two outputs; tumbling: ignored */
  hop?: number;
  /** time windows: align to the wall clock of this IANA zone; absent: multiples of length since the epoch */
  timeZone?: string;
  percentiles?: boolean;
  /** time windows: how long after its end a window waits for late samples before advance() closes it */
  graceMs?: number;
}

/** A window configuration value is wrong (the node's fields are read by STATS_FIELDS). */
export class StatsConfigError extends ConfigFieldError {
  constructor(field: string, message: string, value?: unknown) {
    super(field, value, message);
    this.name = 'StatsConfigError';
  }
}

export function validateWindowConfig(c: WindowConfig): void {
  if (c.kind !== 'tumbling' && c.kind !== 'sliding') throw new StatsConfigError('kind', `"${String(c.kind)}" is not tumbling or sliding`);
  if (c.by !== 'time' && c.by !== 'count') throw new StatsConfigError('by', `"${String(c.by)}" is not time or count`);
  const unit = c.by === 'time' ? 'ms' : 'samples';
  if (!Number.isInteger(c.length) || c.length < 1) throw new StatsConfigError('length', `${String(c.length)} is not a whole number of ${unit} >= 1`);
  if (c.by === 'count' && c.length > 1_000_000) throw new StatsConfigError('length', `${c.length} samples is more than the 1,000,000 a count window may hold`);
  if (c.kind === 'sliding') {
    if (!Number.isInteger(c.hop) || c.hop! < 1 || c.hop! > c.length) throw new StatsConfigError('hop', `${String(c.hop)} is not a whole number of ${unit} between 1 and the length (${c.length})`);
  }
  if (c.by === 'time' && c.timeZone) {
    try {
      checkTimeZone(c.timeZone);
    } catch (err) {
      if (err instanceof TimeZoneError) throw new StatsConfigError('timeZone', `"${c.timeZone}" is not an IANA time zone this Node.js knows (e.g. "UTC", "Europe/Berlin")`);
      throw err;
    }
    const step = c.kind === 'sliding' ? c.hop! : c.length;
    if (step !== DAY_MS && (step > DAY_MS || DAY_MS % step !== 0)) {
      throw new StatsConfigError(c.kind === 'sliding' ? 'hop' : 'length', `${step} ms does not divide a day: wall-clock windows need a length such as 1 min, 15 min, 1 h or 1 day`);
    }
  }
  if (c.graceMs !== undefined && (!Number.isFinite(c.graceMs) || c.graceMs < 0)) throw new StatsConfigError('graceMs', `${String(c.graceMs)} is not a number of ms >= 0`);
}

export interface ClosedWindow {
  device: string;
  name: string;
  start: number;
  end: number;
  figures: WindowFigures;
  /** restored from persistence: it may have been written before a crash (report.ts checks) */
  recovered: boolean;
}

interface HeldSample {
  ts: number;
  value: number;
  good: boolean;
}

interface Pane {
  start: number;
  end: number;
  acc: FigureAccumulator;
}

interface TagWindow {
  device: string;
  name: string;
  /** tumbling: the open window's span (count windows: first sample's ts, end NaN) */
  start: number;
  end: number;
  /** samples of any quality in the open window (count windows close on it) */
  seen: number;
  acc: FigureAccumulator;
  /** sliding count windows: the last `length` samples */
  held?: HeldSample[];
  /** sliding time windows: one accumulator per hop still inside some future window, oldest first */
  panes?: Pane[];
  /** sliding time windows: where the open hop starts */
  paneStart: number;
  /** sliding count windows: samples since the last output */
  sinceOutput: number;
  recovered: boolean;
  /** changed since the last changes() */
  dirty: boolean;
  /** handed out by changes() and not removed since: the store holds it */
  stored: boolean;
  /** tumbling windows: how many of acc's exact percentile values changes() has handed out */
  valuesOut: number;
}

export interface PersistedTagWindow {
  device: string;
  name: string;
  start: number;
  end: number;
  seen: number;
  acc: AccumulatorState;
  held?: Array<[number, number, boolean]>;
  panes?: Array<{ start: number; end: number; acc: AccumulatorState }>;
  sinceOutput: number;
  /** the window configuration it was opened under (configKey) */
  config?: string;
  /**
   * Set by changes(): acc's first `valuesApart` exact percentile values (whole chunks) are not in
   * acc but kept apart by the store (WindowChange.values); the store puts them back before restore().
   */
  valuesApart?: number;
}

/** One open window that changed, as changes() hands it to a store. */
export interface WindowChange {
  window: PersistedTagWindow;
  /**
   * The whole chunks of a tumbling window's exact percentile values from index `from` on (a
   * multiple of VALUE_CHUNK; the store holds those before it already, and drops any after these).
   * Absent when the window keeps none apart (no percentiles, or the sketch, which stays in acc).
   */
  values?: { from: number; values: number[] };
}

/** What changed in the open windows since the last changes(), for a store to apply. */
export interface WindowChanges {
  changed: WindowChange[];
  /** windows handed out before with nothing open any more: [device, name] */
  removed: Array<[string, string]>;
}

/**
 * Exact percentile values are handed out in chunks of this many, each once, when full; the values
 * of the chunk still filling stay in the window's state. A checkpoint writes at most a chunk's
 * worth of values a window, not an hour of values already stored.
 */
export const VALUE_CHUNK = 256;

/** What must match for a stored window to continue under a new configuration. */
export function configKey(c: WindowConfig): string {
  return JSON.stringify([c.kind, c.by, c.length, c.kind === 'sliding' ? c.hop : 0, c.by === 'time' ? (c.timeZone ?? '') : '', !!c.percentiles]);
}

/** A value as a number for the figures, or undefined for one that cannot be (counted as bad). */
export function numericValue(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

/** Whether a window holds anything to persist (a window with no sample yet is not stored). */
function hasOpenState(w: TagWindow): boolean {
  return w.seen > 0 || !!(w.held && w.held.length) || !!(w.panes && w.panes.length);
}

export class WindowSet {
  private readonly tags = new Map<string, TagWindow>();
  /**
   * The same windows by device, then name: a sample finds its window without building the
   * "device/name" key (a string made and hashed for every sample). `tags` stays the one that
   * decides which window a pair belongs to; this only remembers its answers.
   */
  private readonly byDevice = new Map<string, Map<string, TagWindow>>();
  private readonly closed: ClosedWindow[] = [];
  /** the running figures of every accumulator of the set (open windows, panes, merges) */
  private readonly slab = new FigureSlab();
  private readonly percentileMode: 'exact' | 'sketch' | undefined;
  private readonly graceMs: number;
  /** the earliest end of any open time window: advance() does nothing before it */
  private earliestEnd = Infinity;
  private lastSpan: Span = { start: NaN, end: NaN };
  private readonly key: string;
  /** counts over the set's life (status, metrics) */
  samples = 0;
  badSamples = 0;

  constructor(readonly config: WindowConfig) {
    validateWindowConfig(config);
    this.percentileMode = config.percentiles ? (config.by === 'count' ? 'exact' : 'sketch') : undefined;
    this.graceMs = config.graceMs ?? 1000;
    this.key = configKey(config);
  }

  get tagCount(): number {
    return this.tags.size;
  }

  addSample(s: TagSample): void {
    this.add(s.device ?? '', s.name, s.value, s.ts, s.quality);
  }

  add(device: string, name: string, value: unknown, ts: number, quality: Quality): void {
    let names = this.byDevice.get(device);
    if (!names) this.byDevice.set(device, (names = new Map()));
    let w = names.get(name);
    if (!w) {
      const key = device ? device + '/' + name : name;
      w = this.tags.get(key);
      if (!w) {
        w = this.open(device, name, ts);
        this.tags.set(key, w);
      }
      names.set(name, w);
    }
    w.dirty = true;
    this.samples++;
    const x = quality === 'good' ? numericValue(value) : undefined;
    if (x === undefined) this.badSamples++;
    if (this.config.kind === 'sliding') {
      this.addSliding(w, x, ts);
      return;
    }
    const c = this.config;
    if (c.by === 'time') {
      if (ts >= w.end) {
        this.closeTumbling(w, w.end);
        this.reopen(w, ts);
      } else if (ts < w.start) {
        w.acc.late++;
        return;
      }
    } else if (w.seen === 0) {
      w.start = ts;
    }
    // a window reopened by advance() has no sample yet and was left out of earliestEnd: its first
    // sample puts it back, or the clock would never close it (only a sample after its end would)
    if (c.by === 'time' && w.seen === 0 && w.end < this.earliestEnd) this.earliestEnd = w.end;
    w.seen++;
    if (x === undefined) w.acc.bad++;
    else w.acc.add(x, ts);
    if (c.by === 'count' && w.seen >= c.length) {
      this.closeTumbling(w, w.acc.count ? w.acc.lastTs : ts);
      this.reopen(w, ts);
    }
  }

  /** Closes every time window whose end (plus grace) is at or before now. */
  advance(now: number): void {
    if (this.config.by !== 'time' || now < this.earliestEnd + this.graceMs) return;
    let earliest = Infinity;
    for (const w of this.tags.values()) {
      if (this.config.kind === 'tumbling') {
        if (w.end + this.graceMs <= now && w.seen > 0) {
          this.closeTumbling(w, w.end);
          this.reopen(w, w.end);
        }
      } else {
        while (w.end + this.graceMs <= now && w.panes!.length > 0) this.emitSliding(w);
      }
      if (w.seen > 0 || (w.panes && w.panes.length > 0)) earliest = Math.min(earliest, w.end);
    }
    this.earliestEnd = earliest;
  }

  /** Windows closed since the last call, oldest first. */
  drain(): ClosedWindow[] {
    return this.closed.splice(0, this.closed.length);
  }

  get pendingClosed(): number {
    return this.closed.length;
  }

  /** The open windows, to persist, each whole. */
  snapshot(): PersistedTagWindow[] {
    const out: PersistedTagWindow[] = [];
    for (const w of this.tags.values()) if (hasOpenState(w)) out.push(this.persisted(w, 0));
    return out;
  }

  /**
   * The open windows changed since the last call (`all`: every open window, and every exact
   * percentile value), to persist: at 1 s samples every window changes, but the exact percentile
   * values of an hour's window are only appended to, so each full chunk is handed out once and
   * only the chunk still filling goes with the window's state. A caller whose store missed a batch
   * (a failed save) asks for `all` next.
   */
  changes(all = false): WindowChanges {
    const changed: WindowChange[] = [];
    const removed: Array<[string, string]> = [];
    const tumbling = this.config.kind === 'tumbling';
    for (const w of this.tags.values()) {
      if (!w.dirty && !all) continue;
      w.dirty = false;
      if (!hasOpenState(w)) {
        if (w.stored) removed.push([w.device, w.name]);
        w.stored = false;
        w.valuesOut = 0;
        continue;
      }
      w.stored = true;
      const exact = tumbling ? w.acc.percentiles?.exactCount : undefined;
      if (exact === undefined) {
        changed.push({ window: this.persisted(w, 0) });
        continue;
      }
      const apart = Math.floor(exact / VALUE_CHUNK) * VALUE_CHUNK;
      const from = all ? 0 : Math.min(w.valuesOut, apart);
      const window = this.persisted(w, apart);
      window.valuesApart = apart;
      changed.push({ window, values: { from, values: w.acc.percentiles!.exactValues(from, apart) } });
      w.valuesOut = apart;
    }
    return { changed, removed };
  }

  private persisted(w: TagWindow, valuesFrom: number): PersistedTagWindow {
    return {
      device: w.device,
      name: w.name,
      start: w.start,
      end: w.end,
      seen: w.seen,
      acc: w.acc.state(valuesFrom),
      held: w.held?.map((h) => [h.ts, h.value, h.good]),
      panes: w.panes?.map((pn) => ({ start: pn.start, end: pn.end, acc: pn.acc.state() })),
      sinceOutput: w.sinceOutput,
      config: this.key,
    };
  }

  /**
   * Open windows from a snapshot; they are marked recovered (report.ts skips one already written).
   * A window opened under another configuration (the node was edited) cannot continue: it is
   * closed as it stands, so its samples are not lost.
   */
  restore(windows: PersistedTagWindow[]): void {
    this.byDevice.clear();
    for (const p of windows) {
      if (p.config !== this.key) {
        const acc = new FigureAccumulator(p.acc.percentiles ? p.acc.percentiles.mode : undefined);
        acc.restore(p.acc);
        for (const [ts, value, good] of p.held ?? []) {
          if (good) acc.add(value, ts);
          else acc.bad++;
        }
        for (const pn of p.panes ?? []) {
          const paneAcc = new FigureAccumulator(pn.acc.percentiles ? pn.acc.percentiles.mode : undefined);
          paneAcc.restore(pn.acc);
          acc.merge(paneAcc);
        }
        if (acc.count === 0 && acc.bad === 0 && acc.late === 0) continue;
        const end = Number.isFinite(p.end) && p.end !== null ? p.end : acc.lastTs;
        const start = Number.isFinite(p.start) && p.start !== null ? p.start : acc.firstTs;
        this.closed.push({ device: p.device, name: p.name, start, end, figures: acc.figures(end), recovered: true });
        continue;
      }
      const w = this.open(p.device, p.name, p.start);
      w.start = p.start;
      w.end = p.end ?? NaN;
      w.seen = p.seen;
      w.acc.restore(p.acc);
      if (w.held) w.held = (p.held ?? []).map(([ts, value, good]) => ({ ts, value, good }));
      if (w.panes) {
        this.spanFor(w, p.end - 1); // the open hop: its start too
        w.panes = (p.panes ?? []).map((pn) => {
          const acc = new FigureAccumulator(this.percentileMode, this.slab);
          acc.restore(pn.acc);
          return { start: pn.start, end: pn.end ?? NaN, acc };
        });
      }
      w.sinceOutput = p.sinceOutput ?? 0;
      w.recovered = true;
      w.dirty = true;
      const key = p.device ? p.device + '/' + p.name : p.name;
      const former = this.tags.get(key);
      if (former) this.releaseAll(former);
      this.tags.set(key, w);
      if (this.config.by === 'time' && Number.isFinite(w.end)) this.earliestEnd = Math.min(this.earliestEnd, w.end);
    }
  }

  // ---- tumbling ----

  private open(device: string, name: string, ts: number): TagWindow {
    const w: TagWindow = {
      device,
      name,
      start: NaN,
      end: NaN,
      seen: 0,
      acc: new FigureAccumulator(this.percentileMode, this.slab),
      sinceOutput: 0,
      recovered: false,
      paneStart: NaN,
      dirty: true,
      stored: false,
      valuesOut: 0,
    };
    if (this.config.kind === 'sliding') {
      // count windows use panes when a window is a whole number of hops, else the samples themselves
      if (this.config.by === 'time' || this.config.length % this.config.hop! === 0) w.panes = [];
      else w.held = [];
    }
    this.spanFor(w, ts);
    return w;
  }

  private spanFor(w: TagWindow, ts: number): void {
    const c = this.config;
    if (c.by !== 'time') return;
    // every tag shares the same boundaries: one wall-clock computation per window, not per tag
    let span = this.lastSpan;
    if (!(ts >= span.start && ts < span.end)) span = this.lastSpan = alignedSpan(ts, c.kind === 'sliding' ? c.hop! : c.length, c.timeZone);
    w.start = c.kind === 'sliding' ? span.end - c.length : span.start;
    w.end = span.end;
    w.paneStart = span.start;
    if (span.end < this.earliestEnd) this.earliestEnd = span.end;
  }

  private reopen(w: TagWindow, ts: number): void {
    w.seen = 0;
    w.acc.reset();
    w.valuesOut = 0;
    w.dirty = true;
    w.recovered = false;
    if (this.config.by === 'time') this.spanFor(w, ts);
    else w.start = w.end = NaN;
  }

  private closeTumbling(w: TagWindow, endTs: number): void {
    if (w.seen === 0 && w.acc.late === 0) return;
    const figures = w.acc.figures(endTs);
    const end = this.config.by === 'time' ? w.end : endTs;
    this.closed.push({ device: w.device, name: w.name, start: w.start, end, figures, recovered: w.recovered });
  }

  // ---- sliding ----

  private addSliding(w: TagWindow, x: number | undefined, ts: number): void {
    const c = this.config;
    if (c.by === 'time') {
      while (ts >= w.end && w.panes!.length > 0) this.emitSliding(w);
      if (ts >= w.end) this.spanFor(w, ts);
      if (ts < w.paneStart) {
        // older than the open hop: belongs to windows already emitted
        w.acc.late++;
        return;
      }
      const panes = w.panes!;
      let pane = panes[panes.length - 1];
      if (!pane || pane.end !== w.end) panes.push((pane = { start: w.paneStart, end: w.end, acc: new FigureAccumulator(this.percentileMode, this.slab) }));
      if (x === undefined) pane.acc.bad++;
      else pane.acc.add(x, ts);
      w.seen++;
      return;
    }
    if (w.panes) {
      const panes = w.panes;
      let pane = panes[panes.length - 1];
      if (!pane || Number.isFinite(pane.end)) panes.push((pane = { start: ts, end: NaN, acc: new FigureAccumulator(this.percentileMode, this.slab) }));
      if (x === undefined) pane.acc.bad++;
      else pane.acc.add(x, ts);
      w.seen++;
      if (++w.sinceOutput < c.hop!) return;
      w.sinceOutput = 0;
      pane.end = ts;
      const keep = c.length / c.hop!;
      if (panes.length > keep) for (const gone of panes.splice(0, panes.length - keep)) gone.acc.release();
      const acc = new FigureAccumulator(this.percentileMode, this.slab);
      for (const pn of panes) acc.merge(pn.acc);
      this.closed.push({ device: w.device, name: w.name, start: panes[0].start, end: ts, figures: acc.figures(ts), recovered: w.recovered });
      acc.release();
      w.recovered = false;
      return;
    }
    const held = w.held!;
    held.push({ ts, value: x ?? NaN, good: x !== undefined });
    if (held.length > c.length) held.shift();
    w.seen = held.length;
    if (++w.sinceOutput >= c.hop!) {
      w.sinceOutput = 0;
      this.emitFrom(w, held, held[0].ts, ts, ts);
    }
  }

  /** Emits the sliding time window ending at w.end (its panes merged), then moves to the next hop. */
  private emitSliding(w: TagWindow): void {
    const c = this.config;
    const start = w.end - c.length;
    const acc = new FigureAccumulator(this.percentileMode, this.slab);
    acc.late = w.acc.late;
    for (const pane of w.panes!) if (pane.start >= start && pane.end <= w.end) acc.merge(pane.acc);
    if (acc.count > 0 || acc.bad > 0 || acc.late > 0) this.closed.push({ device: w.device, name: w.name, start, end: w.end, figures: acc.figures(w.end), recovered: w.recovered });
    acc.release();
    w.acc.reset(); // carries only the late count between outputs
    w.dirty = true;
    w.recovered = false;
    this.spanFor(w, w.end); // the hop that starts where this window ended
    const panes = w.panes!;
    let drop = 0;
    while (drop < panes.length && panes[drop].start < w.start) drop++;
    if (drop) for (const gone of panes.splice(0, drop)) gone.acc.release();
    let seen = 0;
    for (const pane of panes) seen += pane.acc.count + pane.acc.bad;
    w.seen = seen;
  }

  private emitFrom(w: TagWindow, samples: HeldSample[], start: number, end: number, holdUntil: number): void {
    const acc = new FigureAccumulator(this.percentileMode, this.slab);
    acc.late = w.acc.late;
    for (const s of samples) {
      if (s.good) acc.add(s.value, s.ts);
      else acc.bad++;
    }
    this.closed.push({ device: w.device, name: w.name, start, end, figures: acc.figures(holdUntil), recovered: w.recovered });
    acc.release();
  }

  /** Gives a window's running figures back to the slab (a window replaced by restore()). */
  private releaseAll(w: TagWindow): void {
    w.acc.release();
    for (const pane of w.panes ?? []) pane.acc.release();
  }

  /** Slots of the slab in use: one per open window and pane (tests). */
  get figureSlots(): number {
    return this.slab.inUse;
  }
}
