// The historian's SQLite file: samples written in batches (one transaction per batch, each tag's
// samples of the batch one chunk, the chunks bound as JSON text to one prepared INSERT), kept for
// the retention period (expired chunks deleted and a partly expired one trimmed, in bounded steps
// on a timer, freed pages given back by incremental vacuum), and read back by reader.ts.
import { loadSqlite, openSqliteDatabase, type SqliteConnection, type SqliteDurability, type SqliteLoader, type SqlitePreparedStatement } from '../storage/sqlite';
import type { TagSample } from '../tags/contract';
import { chunkRowsJson, insertTexts, mergeSamples, runsOf, type ChunkRowJson, type TagRun } from './chunks';
import { DeadbandFilter, type DeadbandConfig } from './deadband';
import { HistoryReader, type StoredSample } from './reader';
import type { HistorianQuery, HistorianRow } from './query';
import { CHUNKS_TABLE, createHistorianSchema, INSERT_CHUNKS_JSON_SQL, pageCacheKibFor, setPageCache, TAGS_TABLE } from './schema';
import { parseChunkSamples } from './chunk-text';
import type { EncodedSample } from './values';

export interface HistorianStoreOptions {
  path: string;
  /** samples older than this (ms) are deleted */
  retentionMs: number;
  /** a batch is written when this many samples wait (default 5000) */
  batchSize?: number;
  /** ... or when the oldest waiting sample has waited this long (ms, default 1000) */
  batchMs?: number;
  deadband?: DeadbandConfig;
  /** 'normal' (default): a commit survives a crash of the process; 'durable': also a power cut */
  durability?: SqliteDurability;
  /** how often retention runs (ms, default 60 s; the first run follows the open) */
  pruneEveryMs?: number;
  /** rows one DELETE removes at most (default 5000): the writer waits for no more than that */
  pruneChunk?: number;
  /** a batch that could not be written or a retention run that failed */
  onError?: (err: Error) => void;
  loader?: SqliteLoader;
  now?: () => number;
}

export interface HistorianCounts {
  /** samples committed since the store opened */
  stored: number;
  /** samples the deadband left out */
  skipped: number;
  /** samples waiting for the next batch */
  pending: number;
  /** samples lost: a failed batch, or more waiting than the backlog holds */
  dropped: number;
  /** rows retention deleted */
  pruned: number;
  batches: number;
  /** tag runs that reached back into stored time: read, merged and rewritten instead of appended */
  merged: number;
}

/** Waiting samples beyond this many batches are dropped (the disk cannot keep up): memory stays bounded. */
const BACKLOG_BATCHES = 20;
/** Samples one INSERT takes at most: bounds the JSON text of a large backlog's batch. */
const SAMPLES_PER_INSERT = 10_000;
const DEFAULT_PRUNE_CHUNK = 5000;
export const DEFAULT_BATCH_SIZE = 20_000;
/** pages given back per incremental_vacuum step */
const VACUUM_PAGES = 2000;
/** expired chunks one retention step looks at */
const PRUNE_CHUNKS_PER_STEP = 256;

const tagKey = (device: string, name: string) => `${device}\u0000${name}`;

/** A batch ready to write: the chunks that append to their tags, and the runs that reach back into stored time. */
interface PlannedBatch {
  appends: ChunkRowJson[];
  merges: TagRun[];
}

export class HistorianStore {
  readonly counts: HistorianCounts = { stored: 0, skipped: 0, pending: 0, dropped: 0, pruned: 0, batches: 0, merged: 0 };
  private pending: TagSample[] = [];
  private readonly tagIds = new Map<string, number>();
  /**
   * tag_id -> a bound on the latest ts stored or being written of the tag: a batch's run that
   * starts after it cannot overlap a stored chunk and is appended without a read. Raised when a
   * batch is planned (before it commits), so it is never below the truth; a failed batch leaves
   * it high, which only sends the tag's next older sample the slower (merging) way.
   */
  private readonly latestTs = new Map<number, number>();
  private insert: SqlitePreparedStatement | undefined;
  private readonly deadband: DeadbandFilter;
  private readonly reader: HistoryReader;
  private batchTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** SQLite's page cache of this file, KiB (pageCacheKibFor its tags) */
  private cacheKib = 0;
  private pruning: Promise<number> | undefined;
  private closed = false;
  private readonly batchSize: number;
  private readonly batchMs: number;
  private readonly now: () => number;

  private constructor(
    private readonly db: SqliteConnection,
    private readonly opts: HistorianStoreOptions,
  ) {
    this.batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
    this.batchMs = opts.batchMs ?? 1000;
    this.now = opts.now ?? Date.now;
    this.deadband = new DeadbandFilter(opts.deadband ?? { absolute: 0, percent: 0, maxIntervalMs: 0 });
    this.reader = new HistoryReader(db, this.tagIds);
  }

  /** Opens (creating) the file; rejects with MissingPackageError when sqlite3 is not installed. */
  static async open(opts: HistorianStoreOptions): Promise<HistorianStore> {
    const sqlite = (opts.loader ?? loadSqlite)();
    const db = await openSqliteDatabase({ path: opts.path, sqlite, durability: opts.durability ?? 'normal', setup: createHistorianSchema });
    const store = new HistorianStore(db, opts);
    for (const r of await db.all(`SELECT tag_id, device, name FROM ${TAGS_TABLE}`, [], 'read the tags')) {
      store.tagIds.set(tagKey(String(r.device), String(r.name)), Number(r.tag_id));
    }
    for (const r of await db.all(`SELECT tag_id, max(t1) AS latest FROM ${CHUNKS_TABLE} GROUP BY tag_id`, [], 'read the latest samples')) {
      store.latestTs.set(Number(r.tag_id), Number(r.latest));
    }
    await store.sizePageCache();
    const every = opts.pruneEveryMs ?? 60_000;
    store.pruneTimer = setTimeout(
      function tick() {
        store.prune().catch((err: Error) => opts.onError?.(err));
        store.pruneTimer = setTimeout(tick, every);
        store.pruneTimer.unref();
      },
      Math.min(every, 1000),
    );
    store.pruneTimer.unref();
    return store;
  }

  get path(): string {
    return this.opts.path;
  }

  /** The page cache the file has now, KiB: it follows the number of tags (pageCacheKibFor). */
  get pageCacheKib(): number {
    return this.cacheKib;
  }

  /** Takes samples to store (after the deadband); they are written with the next batch. */
  add(samples: readonly TagSample[]): void {
    if (this.closed) {
      this.counts.dropped += samples.length;
      return;
    }
    const kept = this.deadband.filter(samples);
    this.counts.skipped += samples.length - kept.length;
    for (const s of kept) this.pending.push(s);
    const backlog = this.batchSize * BACKLOG_BATCHES;
    if (this.pending.length > backlog) {
      const over = this.pending.length - backlog;
      this.pending.splice(0, over);
      this.counts.dropped += over;
    }
    this.counts.pending = this.pending.length;
    if (this.pending.length >= this.batchSize) void this.flush();
    else if (this.pending.length && !this.batchTimer) this.batchTimer = setTimeout(() => void this.flush(), this.batchMs);
  }

  /** Writes what waits now; resolves when it is committed (or has failed: onError is told). */
  flush(): Promise<void> {
    clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    const batch = this.pending;
    if (batch.length === 0) return this.writing;
    this.pending = [];
    this.counts.pending = 0;
    // encoded now, while the previous batch may still be in SQLite's hands (its worker thread):
    // the event loop's share of a batch overlaps the disk's share of the one before
    const encoded = this.encodeKnown(batch);
    this.writing = this.writing.then(() =>
      this.writeBatch(batch, encoded).catch((err: Error) => {
        this.counts.dropped += batch.length;
        this.opts.onError?.(err);
      }),
    );
    return this.writing;
  }

  /** The batch planned when every tag of it has an id already, else undefined. */
  private encodeKnown(batch: readonly TagSample[]): PlannedBatch | undefined {
    const ids = new Array<number>(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const id = this.tagIds.get(tagKey(batch[i].device, batch[i].name));
      if (id === undefined) return undefined;
      ids[i] = id;
    }
    return this.plan(batch, ids);
  }

  private plan(batch: readonly TagSample[], ids: readonly number[]): PlannedBatch {
    const planned: PlannedBatch = { appends: [], merges: [] };
    for (const run of runsOf(batch, ids)) {
      const latest = this.latestTs.get(run.tagId);
      const last = run.samples[run.samples.length - 1].ts;
      if (latest === undefined || run.samples[0].ts > latest) planned.appends.push(...chunkRowsJson(run.tagId, run.samples));
      else planned.merges.push(run);
      this.latestTs.set(run.tagId, latest === undefined ? last : Math.max(latest, last));
    }
    return planned;
  }

  private async writeBatch(batch: TagSample[], encoded: PlannedBatch | undefined): Promise<void> {
    const created = new Map<string, number>();
    let merges = 0;
    await this.db.transaction(async () => {
      let planned = encoded;
      if (!planned) {
        const ids = new Array<number>(batch.length);
        for (let i = 0; i < batch.length; i++) {
          const s = batch[i];
          const key = tagKey(s.device, s.name);
          let id = this.tagIds.get(key) ?? created.get(key);
          if (id === undefined) {
            id = await this.createTag(s);
            created.set(key, id);
          }
          ids[i] = id;
        }
        planned = this.plan(batch, ids);
      }
      await this.insertChunks(planned.appends);
      for (const run of planned.merges) await this.mergeRun(run);
      merges = planned.merges.length;
    });
    this.counts.merged += merges;
    // ids of tags made in a transaction that rolled back would name no row: cached only now
    for (const [key, id] of created) this.tagIds.set(key, id);
    if (created.size) await this.sizePageCache();
    this.counts.stored += batch.length;
    this.counts.batches++;
  }

  private async insertChunks(rows: readonly ChunkRowJson[]): Promise<void> {
    if (rows.length === 0) return;
    const insert = (this.insert ??= await this.db.prepare(INSERT_CHUNKS_JSON_SQL, 'store samples'));
    for (const text of insertTexts(rows, SAMPLES_PER_INSERT)) await insert.run([text]);
  }

  /** A run that reaches back into stored time, merged with the chunks it overlaps (the run's sample wins at the same ms). */
  private async mergeRun(run: TagRun): Promise<void> {
    const range = [run.tagId, run.samples[0].ts, run.samples[run.samples.length - 1].ts];
    const overlap = `FROM ${CHUNKS_TABLE} WHERE tag_id = ? AND t1 >= ? AND t0 <= ?`;
    const stored: EncodedSample[] = [];
    for (const r of await this.db.all(`SELECT t0, samples ${overlap} ORDER BY t0`, range, 'read samples to merge')) stored.push(...parseChunkSamples(String(r.samples), Number(r.t0)));
    await this.db.run(`DELETE ${overlap}`, range, 'merge samples');
    await this.insertChunks(chunkRowsJson(run.tagId, mergeSamples(stored, run.samples)));
  }

  /** The page cache for the tags the store has now (pageCacheKibFor); set again when that changes. */
  private async sizePageCache(): Promise<void> {
    const kib = pageCacheKibFor(this.tagIds.size);
    if (kib === this.cacheKib) return;
    await setPageCache(this.db, kib);
    this.cacheKib = kib;
  }

  private async createTag(s: TagSample): Promise<number> {
    await this.db.run(`INSERT INTO ${TAGS_TABLE} (device, name, unit) VALUES (?, ?, ?) ON CONFLICT (device, name) DO NOTHING`, [s.device, s.name, s.unit ?? null], 'add a tag');
    const row = await this.db.get(`SELECT tag_id FROM ${TAGS_TABLE} WHERE device = ? AND name = ?`, [s.device, s.name], 'read a tag id');
    return Number(row?.tag_id);
  }

  /**
   * Deletes samples older than the retention, tag by tag: whole chunks that expired, and the
   * expired part of a chunk that straddles the cutoff (rewritten with what is left). Each step
   * removes about pruneChunk samples at most in its own short transaction (batches are written
   * between them), then freed pages are given back to the file system. Resolves with the samples
   * deleted.
   */
  prune(): Promise<number> {
    this.pruning ??= this.pruneOnce().finally(() => (this.pruning = undefined));
    return this.pruning;
  }

  private async pruneOnce(): Promise<number> {
    const cutoff = this.now() - this.opts.retentionMs;
    const chunk = this.opts.pruneChunk ?? DEFAULT_PRUNE_CHUNK;
    let deleted = 0;
    for (const id of [...this.tagIds.values()]) {
      for (;;) {
        if (this.closed) return deleted;
        const removed = await this.db.transaction(() => this.pruneStep(id, cutoff, chunk));
        if (removed === undefined) break;
        deleted += removed;
        this.counts.pruned += removed;
      }
    }
    if (deleted > 0) await this.vacuum();
    return deleted;
  }

  /** One step of a tag's retention: the samples it deleted, undefined when nothing was expired. */
  private async pruneStep(id: number, cutoff: number, maxSamples: number): Promise<number | undefined> {
    const expired = await this.db.all(`SELECT t0, t1, n FROM ${CHUNKS_TABLE} WHERE tag_id = ? AND t0 < ? ORDER BY t0 LIMIT ${PRUNE_CHUNKS_PER_STEP}`, [id, cutoff], 'find expired samples');
    if (expired.length === 0) return undefined;
    // whole chunks up to about maxSamples (at least one); a chunk reaching past the cutoff can only be the last
    let whole = 0;
    let removed = 0;
    while (whole < expired.length && Number(expired[whole].t1) < cutoff && (whole === 0 || removed + Number(expired[whole].n) <= maxSamples)) removed += Number(expired[whole++].n);
    if (whole > 0) {
      await this.db.run(`DELETE FROM ${CHUNKS_TABLE} WHERE tag_id = ? AND t0 >= ? AND t0 <= ?`, [id, Number(expired[0].t0), Number(expired[whole - 1].t0)], 'delete expired samples');
      return removed;
    }
    const t0 = Number(expired[0].t0);
    const row = await this.db.get(`SELECT samples FROM ${CHUNKS_TABLE} WHERE tag_id = ? AND t0 = ?`, [id, t0], 'read a chunk to trim');
    const kept = parseChunkSamples(String(row?.samples), t0).filter((s) => s.ts >= cutoff);
    await this.db.run(`DELETE FROM ${CHUNKS_TABLE} WHERE tag_id = ? AND t0 = ?`, [id, t0], 'delete expired samples');
    await this.insertChunks(chunkRowsJson(id, kept));
    return Number(expired[0].n) - kept.length;
  }

  private async vacuum(): Promise<void> {
    for (;;) {
      if (this.closed) return;
      const free = Number((await this.db.get('PRAGMA freelist_count', [], 'read the free pages'))?.freelist_count ?? 0);
      if (free === 0) return;
      await this.db.transaction(() => this.db.all(`PRAGMA incremental_vacuum(${VACUUM_PAGES})`, [], 'give free pages back'));
      if (free <= VACUUM_PAGES) return;
    }
  }

  /** The rows a query asks for (raw samples, or one row per step and tag). */
  query(q: HistorianQuery): Promise<HistorianRow[]> {
    return this.reader.query(q);
  }

  /** Stored samples of `tags` in [from, to) in time order, after `after` (a page of a playback). */
  samples(tags: readonly string[], from: number, to: number, limit: number, after?: StoredSample): Promise<StoredSample[]> {
    return this.reader.samples(tags, from, to, limit, after);
  }

  /** Writes what waits, stops the timers and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    // closed first: a sample offered while the last batch commits would start a batch timer
    // that fires after the file closed (add() refuses from here on, counted as dropped)
    this.closed = true;
    await this.flush();
    clearTimeout(this.pruneTimer);
    await this.pruning?.catch(() => undefined);
    await this.writing;
    await this.db.close();
  }
}
