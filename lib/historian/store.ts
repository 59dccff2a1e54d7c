// The historian's SQLite file: samples written in batches (one transaction per batch, each tag's
// samples of the batch one chunk, the chunks bound as JSON text to one prepared INSERT), kept for
// the retention period (expired chunks deleted and a partly expired one trimmed, in bounded steps
// on a timer, freed pages given back by incremental vacuum), and read back by reader.ts.
import { loadSqlite, openSqliteDatabase, type SqliteConnection, type SqliteDurability, type SqliteLoader, type SqlitePreparedStatement } from '../storage/sqlite';
import type { TagSample } from '../tags/contract';
import { chunkRowsJson, insertTexts, mergeSamples, runChunkRows, runsOf, type ChunkRowJson, type TagRun } from './chunks';
import { SampleBacklog, sampleAt, type SampleColumns } from './backlog';
import { TagSlots } from './tag-slots';
import { SampleSequence } from './sequence';
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
  /** samples of the batch the writer has now (0 while it is idle) */
  writing: number;
  /** samples lost: a failed batch, or more waiting than the backlog holds */
  dropped: number;
  /** rows retention deleted */
  pruned: number;
  batches: number;
  /** tag runs that reached back into stored time: read, merged and rewritten instead of appended */
  merged: number;
}

/** Waiting samples beyond this many batches are dropped (the disk cannot keep up): memory stays bounded. */
export const BACKLOG_BATCHES = 20;
/**
 * A batch's chunks go in about this many INSERTs: the next text is encoded while SQLite's worker
 * thread writes one, and a batch costs a few round trips through the event loop whatever its size
 * (on a loaded gateway each waits behind the loop's other work: at 500 devices the loop's delay
 * reached seconds, and texts of 2,000 samples made a batch of 50,000 samples 25 waits).
 */
const INSERTS_PER_BATCH = 4;
/** ... of at least this many samples each (fewer texts for a small batch) */
const MIN_SAMPLES_PER_INSERT = 2000;
const DEFAULT_PRUNE_CHUNK = 5000;
export const DEFAULT_BATCH_SIZE = 20_000;
/** pages given back per incremental_vacuum step */
const VACUUM_PAGES = 2000;
/** expired chunks one retention step looks at */
const PRUNE_CHUNKS_PER_STEP = 256;

const tagKey = (device: string, name: string) => `${device}\u0000${name}`;

/** A tag the history could not be given a row for. */
export class HistorianTagError extends Error {
  constructor(
    /** "device/name" */
    readonly tag: string,
    readonly reason: string,
  ) {
    super(`historian: tag ${tag} ${reason}`);
    this.name = 'HistorianTagError';
  }
}

export class HistorianStore {
  readonly counts: HistorianCounts = { stored: 0, skipped: 0, pending: 0, writing: 0, dropped: 0, pruned: 0, batches: 0, merged: 0 };
  /**
   * Samples waiting for the writer. The writer takes a batch only when it can start it: while it
   * writes, the batches cut meanwhile wait here as columns and go as one bigger batch, so what
   * waits is bounded by the backlog's bound (the oldest dropped and counted), never a chain of
   * taken batches and their encoded text. Taking a batch only when the writer starts it also
   * plans batches in the order they commit: a batch planned ahead of an earlier one (one with a
   * new tag waited for its tag's row) saw the later batch's times as stored and merged every run.
   */
  private readonly backlog = new SampleBacklog();
  private readonly slots = new TagSlots();
  private readonly seq = new SampleSequence();
  private writer: Promise<void> | undefined;
  private readonly tagIds = new Map<string, number>();
  /**
   * tag_id -> a bound on the latest ts stored or being written of the tag: a batch's run that
   * starts after it cannot overlap a stored chunk and is appended without a read. Raised when a
   * batch is planned (batches are planned in the order they commit), so it is never below the
   * truth; a failed batch leaves it high, which only sends the tag's next older sample the
   * slower (merging) way.
   */
  private readonly latestTs = new Map<number, number>();
  private insert: SqlitePreparedStatement | undefined;
  private readonly deadband: DeadbandFilter;
  private readonly reader: HistoryReader;
  private batchTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
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
      store.slots.known(String(r.device), String(r.name), Number(r.tag_id));
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

  /** Bytes the waiting samples' columns take (texts aside): bounded by the backlog's bound. */
  get backlogBytes(): number {
    return this.backlog.bytes;
  }

  /** Takes samples to store (after the deadband); they are written with the next batch. */
  add(samples: readonly TagSample[]): void {
    if (this.closed) {
      this.counts.dropped += samples.length;
      return;
    }
    const kept = this.deadband.filter(samples);
    this.counts.skipped += samples.length - kept.length;
    for (const s of kept) this.backlog.push(this.slots.slotOf(s), s);
    const bound = this.batchSize * BACKLOG_BATCHES;
    if (this.backlog.length > bound) {
      const over = this.backlog.length - bound;
      this.backlog.dropOldest(over);
      this.counts.dropped += over;
      this.seq.advance(over);
    }
    this.counts.pending = this.backlog.length;
    const uncut = this.seq.head + this.backlog.length - this.seq.cut;
    if (uncut >= this.batchSize) void this.flush();
    else if (uncut > 0 && !this.batchTimer) this.batchTimer = setTimeout(() => void this.flush(), this.batchMs);
  }

  /** Writes what waits now; resolves when it is committed (or has failed: onError is told). */
  flush(): Promise<void> {
    clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    this.seq.cut = this.seq.head + this.backlog.length;
    const written = this.seq.written(this.seq.cut);
    if (!this.writer && this.backlog.length > 0) this.writer = this.writeDue();
    return written;
  }

  /**
   * Resolves when the writer has taken what waits now (at once when nothing waits): a producer
   * that can wait keeps the backlog within a batch or two this way, and the writer busy.
   */
  taken(): Promise<void> {
    return this.seq.left(this.seq.head + this.backlog.length);
  }

  /** Writes the due samples as one batch, again while more became due meanwhile. */
  private async writeDue(): Promise<void> {
    try {
      while (this.seq.cut > this.seq.head) {
        const batch = this.backlog.take(this.seq.cut - this.seq.head);
        this.counts.pending = this.backlog.length;
        this.counts.writing = batch.length;
        this.seq.advance(batch.length);
        try {
          await this.writeBatch(batch);
        } catch (err) {
          this.counts.dropped += batch.length;
          this.opts.onError?.(err as Error);
        }
        this.counts.writing = 0;
        this.seq.writtenToHead();
      }
    } finally {
      // at once, not a microtask later: a flush that a settled waiter's code calls must find the writer idle
      this.writer = undefined;
    }
  }

  private async writeBatch(batch: SampleColumns): Promise<void> {
    const created = new Map<number, number>();
    let merges = 0;
    await this.db.transaction(async () => {
      const runs = runsOf(batch, this.slots.count);
      const newSlots = runs.filter((run) => this.slots.idOf(run.slot) === undefined).map((run) => run.slot);
      if (newSlots.length) for (const [slot, id] of await this.createTags(newSlots)) created.set(slot, id);
      for (const run of runs) run.tagId = this.slots.idOf(run.slot) ?? (created.get(run.slot) as number);
      // in tag order: each tag's chunk lands beside its earlier ones, a walk along the B-tree
      runs.sort((a, b) => a.tagId - b.tagId);
      const appends: TagRun[] = [];
      const merging: TagRun[] = [];
      for (const run of runs) {
        const latest = this.latestTs.get(run.tagId);
        const last = batch.ts[run.order[run.order.length - 1]];
        if (latest === undefined || batch.ts[run.order[0]] > latest) appends.push(run);
        else merging.push(run);
        this.latestTs.set(run.tagId, latest === undefined ? last : Math.max(latest, last));
      }
      await this.insertChunks(appendRows(batch, appends), Math.max(MIN_SAMPLES_PER_INSERT, Math.ceil(batch.length / INSERTS_PER_BATCH)));
      for (const run of merging)
        await this.mergeRun(
          run.tagId,
          Array.from(run.order, (i) => sampleAt(batch, i)),
        );
      merges = merging.length;
    });
    // ids of tags made in a transaction that rolled back would name no row: kept only now
    for (const [slot, id] of created) {
      const tag = this.slots.tag(slot);
      this.slots.setId(slot, id);
      this.tagIds.set(tagKey(tag.device, tag.name), id);
    }
    if (created.size) await this.sizePageCache();
    this.counts.stored += batch.length;
    this.counts.batches++;
    this.counts.merged += merges;
  }

  /** Inserts chunk rows; each INSERT's text is encoded while SQLite writes the one before. */
  private async insertChunks(rows: Iterable<ChunkRowJson>, samplesPerInsert = MIN_SAMPLES_PER_INSERT): Promise<void> {
    let running: Promise<unknown> | undefined;
    for (const text of insertTexts(rows, samplesPerInsert)) {
      const insert = (this.insert ??= await this.db.prepare(INSERT_CHUNKS_JSON_SQL, 'store samples'));
      if (running) await running;
      running = insert.run([text]);
    }
    await running;
  }

  /** A run that reaches back into stored time, merged with the chunks it overlaps (the run's sample wins at the same ms). */
  private async mergeRun(tagId: number, run: EncodedSample[]): Promise<void> {
    const range = [tagId, run[0].ts, run[run.length - 1].ts];
    const overlap = `FROM ${CHUNKS_TABLE} WHERE tag_id = ? AND t1 >= ? AND t0 <= ?`;
    const stored: EncodedSample[] = [];
    for (const r of await this.db.all(`SELECT t0, samples ${overlap} ORDER BY t0`, range, 'read samples to merge')) stored.push(...parseChunkSamples(String(r.samples), Number(r.t0)));
    await this.db.run(`DELETE ${overlap}`, range, 'merge samples');
    await this.insertChunks(chunkRowsJson(tagId, mergeSamples(stored, run)));
  }

  /** The page cache for the tags the store has now (pageCacheKibFor); set again when that changes. */
  private async sizePageCache(): Promise<void> {
    const kib = pageCacheKibFor(this.tagIds.size);
    if (kib === this.cacheKib) return;
    await setPageCache(this.db, kib);
    this.cacheKib = kib;
  }

  /**
   * The hist_tags rows of new tags, made with one INSERT and read back with one SELECT whatever
   * their number (a row and a read a tag made the first batch of 50,000 tags, 500 devices, wait
   * for 100,000 round trips to SQLite's thread): slot -> tag_id.
   */
  private async createTags(slots: readonly number[]): Promise<Map<number, number>> {
    const tags = slots.map((slot) => this.slots.tag(slot));
    const json = JSON.stringify(tags.map((t) => [t.device, t.name, t.unit ?? null]));
    // "WHERE true": SQLite's parser needs it to tell the upsert's ON CONFLICT from a join's ON
    await this.db.run(`INSERT INTO ${TAGS_TABLE} (device, name, unit) SELECT value->>0, value->>1, value->>2 FROM json_each(?) WHERE true ON CONFLICT (device, name) DO NOTHING`, [json], 'add tags');
    const rows = await this.db.all(`SELECT t.tag_id, t.device, t.name FROM json_each(?) j JOIN ${TAGS_TABLE} t ON t.device = j.value->>0 AND t.name = j.value->>1`, [json], 'read tag ids');
    const idByKey = new Map(rows.map((r) => [tagKey(String(r.device), String(r.name)), Number(r.tag_id)]));
    const ids = new Map<number, number>();
    slots.forEach((slot, i) => {
      const id = idByKey.get(tagKey(tags[i].device, tags[i].name));
      if (id === undefined) throw new HistorianTagError(`${tags[i].device}/${tags[i].name}`, 'has no tag id after it was added');
      ids.set(slot, id);
    });
    return ids;
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
    await this.writer;
    await this.db.close();
  }
}

/** The chunk rows of the runs that append to their tags, made as the INSERTs ask for them. */
function* appendRows(batch: SampleColumns, runs: readonly TagRun[]): Generator<ChunkRowJson> {
  for (const run of runs) yield* runChunkRows(batch, run.tagId, run.order);
}
