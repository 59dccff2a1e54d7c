// One stats node's life, without Node-RED: windows fed with samples, closed windows written to
// the CSV report (when configured) and handed to the caller, and the open windows kept in a
// store so they survive a redeploy and a restart.
//
// Order of a close: the CSV rows are appended and fsync'ed, then the store's snapshot replaces the
// open windows (so a window is never both written and still stored as open for long). A crash
// between the two restores the window as open; it closes again and report.ts finds its row
// already in the file, by key, and skips it. Closed windows whose rows could not be written
// (disk full, permissions) stay queued, in memory and in the store, and are retried each tick.
// Samples that arrive before the stored windows are loaded wait for them.
import type { TagSample } from '../tags/contract';
import { CsvReport } from './report';
import { WindowSet, type ClosedWindow, type PersistedTagWindow, type WindowConfig } from './windows';

export interface WindowStore {
  load(): Promise<{ open: PersistedTagWindow[]; unwritten: ClosedWindow[] }>;
  save(open: PersistedTagWindow[], unwritten: ClosedWindow[]): Promise<void>;
  close(): Promise<void>;
}

export interface StatsSessionOptions {
  windows: WindowConfig;
  report?: CsvReport;
  store?: WindowStore;
  now?: () => number;
  /** closed windows, after their rows are written */
  onWindows: (windows: ClosedWindow[]) => void;
  onError: (err: Error) => void;
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
  rowsWritten = 0;
  /** why the last save of the open windows failed; undefined once one succeeds */
  saveError: string | undefined;
  rowsSkipped = 0;

  constructor(private readonly opts: StatsSessionOptions) {
    this.windows = new WindowSet(opts.windows);
    this.now = opts.now ?? Date.now;
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
    this.flush();
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

  private flush(): void {
    const closed = this.windows.drain();
    if (closed.length === 0 && this.unwritten.length === 0) return;
    const batch = this.unwritten.length ? [...this.unwritten, ...closed] : closed;
    this.unwritten = [];
    if (this.opts.report) {
      try {
        const r = this.opts.report.write(batch);
        this.rowsWritten += r.written;
        this.rowsSkipped += r.skipped;
      } catch (err) {
        this.unwritten = batch;
        this.opts.onError(err as Error);
        void this.checkpoint(); // a failed save goes to onError inside checkpoint()
        return;
      }
    }
    try {
      this.opts.onWindows(batch);
    } catch (err) {
      this.opts.onError(err as Error);
    }
    void this.checkpoint(); // a failed save goes to onError inside checkpoint()
  }

  /** Saves the open windows now (serialized: one save at a time, the latest state wins). */
  checkpoint(): Promise<void> {
    this.lastCheckpoint = this.now();
    this.dirty = false;
    const store = this.opts.store;
    if (!store) return Promise.resolve();
    const open = this.windows.snapshot();
    const unwritten = this.unwritten.slice();
    this.saving = this.saving
      .then(() => store.save(open, unwritten))
      .then(
        () => {
          this.saveError = undefined;
        },
        (err: Error) => {
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
