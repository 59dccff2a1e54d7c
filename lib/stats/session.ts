// One stats node's life, without Node-RED: windows fed with samples, closed windows written to
// the CSV report (when configured) and handed to the caller, and the open windows kept in a
// store so they survive a redeploy and a restart.
//
// Order of a close: the CSV rows are appended and fsync'ed, then the store's snapshot replaces the
// open windows (so a window is never both written and still stored as open for long). A crash
// between the two restores the window as open; it closes again and report.ts finds its row
// already in the file, by key, and skips it. Closed windows whose rows could not be written
// (disk full, permissions) stay queued, in memory and in the store, and are retried with the next
// window that closes and, between closes, by tick() with a growing delay (a full disk is not
// hammered every second, and is not left waiting for a window that may be an hour away).
// Samples that arrive before the stored windows are loaded wait for them.
import type { TagSample } from '../tags/contract';
import { CsvReport, ReportWriteError } from './report';
import { ExponentialBackoff, type BackoffOptions } from '../system/retry/backoff';
import { readableFigures } from './figures';
import { WindowSet, type ClosedWindow, type PersistedTagWindow, type WindowChanges, type WindowConfig } from './windows';

export interface WindowStore {
  load(): Promise<{ open: PersistedTagWindow[]; unwritten: ClosedWindow[] }>;
  /** Replaces what is stored with these windows, each whole. */
  save(open: PersistedTagWindow[], unwritten: ClosedWindow[]): Promise<void>;
  /** Applies what changed since the last save; `replaceAll`: `changes` holds every window, nothing else stays. */
  saveChanges(changes: WindowChanges, unwritten: ClosedWindow[], replaceAll: boolean): Promise<void>;
  close(): Promise<void>;
}

export interface StatsSessionOptions {
  windows: WindowConfig;
  report?: CsvReport;
  store?: WindowStore;
  /** decimals of every figure written and sent; without, the samples' own (readableFigures) */
  decimals?: number;
  now?: () => number;
  /** closed windows, after their rows are written */
  onWindows: (windows: ClosedWindow[]) => void;
  onError: (err: Error) => void;
  /** after a failed write: how many rows wait to be written and when tick() tries them again */
  onRowsPending?: (rows: number, retryInMs: number) => void;
  /** delays between retries of unwritten rows by tick() (default 1 s growing to 60 s) */
  retryBackoff?: BackoffOptions;
  /** how often tick() saves the open windows (ms, default 5000) */
  checkpointMs?: number;
}

export class StatsSession {
  readonly windows: WindowSet;
  private readonly now: () => number;
  private ready = false;
  private waiting: TagSample[] = [];
  private unwritten: ClosedWindow[] = [];
  private lastCheckpoint = 0;
  private lastPrune = -Infinity;
  private saving: Promise<void> = Promise.resolve();
  private dirty = false;
  /** the next checkpoint writes every window (the first after start, and after a failed save) */
  private wholeSaveDue = true;
  private readonly retryBackoff: ExponentialBackoff;
  private retryAt = -Infinity;
  /** rows appended to the report by this session: the file holds them, each once */
  rowsWritten = 0;
  /** why the last save of the open windows failed; undefined once one succeeds */
  saveError: string | undefined;
  rowsSkipped = 0;

  constructor(private readonly opts: StatsSessionOptions) {
    this.windows = new WindowSet(opts.windows);
    this.now = opts.now ?? Date.now;
    this.retryBackoff = new ExponentialBackoff(opts.retryBackoff ?? { minMs: 1000, maxMs: 60_000 });
  }

  /** Loads the stored windows (if any store), then lets waiting samples in. */
  async start(): Promise<void> {
    try {
      if (this.opts.store) {
        const { open, unwritten } = await this.opts.store.load();
        this.windows.restore(open);
        this.unwritten.push(...unwritten.map((w) => ({ ...w, recovered: true })));
      }
    } finally {
      this.ready = true;
      this.lastCheckpoint = this.now();
      const waiting = this.waiting;
      this.waiting = [];
      this.add(waiting);
    }
    this.flush();
  }

  get isReady(): boolean {
    return this.ready;
  }

  get unwrittenCount(): number {
    return this.unwritten.length;
  }

  add(samples: TagSample[]): void {
    if (!this.ready) {
      for (const s of samples) this.waiting.push(s);
      return;
    }
    if (samples.length === 0) return;
    for (const s of samples) this.windows.addSample(s);
    this.dirty = true;
    if (this.windows.pendingClosed) this.flush();
  }

  /** Closes windows due by the clock, retries unwritten rows, checkpoints and prunes when due. */
  tick(): void {
    if (!this.ready) return;
    const now = this.now();
    this.windows.advance(now);
    this.flush(now >= this.retryAt);
    // void: checkpoint() hands a failed save to onError itself; its promise is for stop() to await
    if (this.dirty && now - this.lastCheckpoint >= (this.opts.checkpointMs ?? 5000)) void this.checkpoint();
    if (this.opts.report && now - this.lastPrune >= 3_600_000) {
      this.lastPrune = now;
      try {
        this.opts.report.prune(now);
      } catch (err) {
        this.opts.onError(err as Error);
      }
    }
  }

  /** Writes the closed windows' rows, with the unwritten ones when any window closed or retryDue. */
  private flush(retryDue = true): void {
    // rounded once here: the CSV row, the scan and a stored unwritten window read the same figures
    const closed = this.windows.drain().map((w) => ({ ...w, figures: readableFigures(w.figures, this.opts.decimals) }));
    if (closed.length === 0 && (this.unwritten.length === 0 || !retryDue)) return;
    const batch = this.unwritten.length ? [...this.unwritten, ...closed] : closed;
    this.unwritten = [];
    let done = batch;
    if (this.opts.report) {
      try {
        const r = this.opts.report.write(batch);
        this.rowsWritten += r.written;
        this.rowsSkipped += r.skipped;
        this.retryBackoff.reset();
        this.retryAt = -Infinity;
      } catch (err) {
        // a ReportWriteError says which windows are in their files; any other error wrote none
        if (err instanceof ReportWriteError) {
          this.rowsWritten += err.written;
          this.rowsSkipped += err.skipped;
          done = err.done;
          this.unwritten = err.unwritten;
        } else {
          done = [];
          this.unwritten = batch;
        }
        const retryInMs = this.retryBackoff.next();
        this.retryAt = this.now() + retryInMs;
        this.opts.onError(err as Error);
        this.opts.onRowsPending?.(this.unwritten.length, retryInMs);
      }
    }
    if (done.length) {
      try {
        this.opts.onWindows(done);
      } catch (err) {
        this.opts.onError(err as Error);
      }
    }
    void this.checkpoint(); // a failed save goes to onError inside checkpoint()
  }

  /**
   * Saves the open windows now (serialized: one save at a time, the latest state wins): those
   * changed since the last checkpoint; every one after start and after a failed save, so the
   * store never misses what a lost save held.
   */
  checkpoint(): Promise<void> {
    this.lastCheckpoint = this.now();
    this.dirty = false;
    const store = this.opts.store;
    if (!store) return Promise.resolve();
    const whole = this.wholeSaveDue;
    this.wholeSaveDue = false;
    const changes = this.windows.changes(whole);
    const unwritten = this.unwritten.slice();
    this.saving = this.saving
      .then(() => store.saveChanges(changes, unwritten, whole))
      .then(
        () => {
          this.saveError = undefined;
        },
        (err: Error) => {
          this.wholeSaveDue = true;
          this.saveError = err.message;
          this.opts.onError(err);
        },
      );
    return this.saving;
  }

  /** Saves the open windows and closes the store; the windows stay open for the next start. */
  async stop(): Promise<void> {
    if (this.ready) {
      this.flush();
      await this.checkpoint();
    }
    await this.saving;
    await this.opts.store?.close();
  }
}
