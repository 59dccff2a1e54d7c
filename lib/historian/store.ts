// The historian's SQLite file: samples written in batches (one transaction per batch, the rows
// bound as JSON text to one prepared INSERT), kept for the retention period (deleted in bounded chunks on a
// timer, freed pages given back by incremental vacuum), and read back as ranges, downsampled in
// SQL (reader.ts).
import { loadSqlite, openSqliteDatabase, type SqliteConnection, type SqliteDurability, type SqliteLoader, type SqlitePreparedStatement } from '../storage/sqlite';
import type { TagSample } from '../tags/contract';
import { DeadbandFilter, type DeadbandConfig } from './deadband';
import { HistoryReader, type StoredSample } from './reader';
import type { HistorianQuery, HistorianRow } from './query';
import { createHistorianSchema, INSERT_SAMPLES_JSON_SQL, SAMPLES_TABLE, TAGS_TABLE } from './schema';
import { sampleRowJson } from './values';

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
}

/** Waiting samples beyond this many batches are dropped (the disk cannot keep up): memory stays bounded. */
const BACKLOG_BATCHES = 20;
/** Rows one INSERT takes at most: bounds the JSON text of a large backlog's batch. */
const ROWS_PER_INSERT = 10_000;
const DEFAULT_PRUNE_CHUNK = 5000;
export const DEFAULT_BATCH_SIZE = 20_000;
/** pages given back per incremental_vacuum step */
const VACUUM_PAGES = 2000;

const tagKey = (device: string, name: string) => `${device}\u0000${name}`;

/**
 * A batch as the JSON texts of INSERT_SAMPLES_JSON_SQL, at most ROWS_PER_INSERT rows each. In key
 * order, each tag's rows of the batch go into its page one after another (SQLite appends after
 * the cursor without a new search): about twice the rate of arrival order, where consecutive
 * rows belong to different tags.
 */
function encodeRows(batch: readonly TagSample[], ids: readonly number[]): string[] {
  const order = batch.map((_, i) => i).sort((a, b) => ids[a] - ids[b] || batch[a].ts - batch[b].ts);
  const texts: string[] = [];
  for (let at = 0; at < order.length; at += ROWS_PER_INSERT) {
    const rows: string[] = [];
    for (let k = at; k < Math.min(order.length, at + ROWS_PER_INSERT); k++) {
      const s = batch[order[k]];
      rows.push(sampleRowJson(ids[order[k]], s.ts, s.value, s.quality));
    }
    texts.push(`[${rows.join(',')}]`);
  }
  return texts;
}

export class HistorianStore {
  readonly counts: HistorianCounts = { stored: 0, skipped: 0, pending: 0, dropped: 0, pruned: 0, batches: 0 };
  private pending: TagSample[] = [];
  private readonly tagIds = new Map<string, number>();
  private insert: SqlitePreparedStatement | undefined;
  private readonly deadband: DeadbandFilter;
  private readonly reader: HistoryReader;
  private batchTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
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

  /** The batch's INSERT texts when every tag of it has an id already, else undefined. */
  private encodeKnown(batch: readonly TagSample[]): string[] | undefined {
    const ids = new Array<number>(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const id = this.tagIds.get(tagKey(batch[i].device, batch[i].name));
      if (id === undefined) return undefined;
      ids[i] = id;
    }
    return encodeRows(batch, ids);
  }

  private async writeBatch(batch: TagSample[], encoded: string[] | undefined): Promise<void> {
    const created = new Map<string, number>();
    await this.db.transaction(async () => {
      let texts = encoded;
      if (!texts) {
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
        texts = encodeRows(batch, ids);
      }
      const insert = (this.insert ??= await this.db.prepare(INSERT_SAMPLES_JSON_SQL, 'store samples'));
      for (const text of texts) await insert.run([text]);
    });
    // ids of tags made in a transaction that rolled back would name no row: cached only now
    for (const [key, id] of created) this.tagIds.set(key, id);
    this.counts.stored += batch.length;
    this.counts.batches++;
  }

  private async createTag(s: TagSample): Promise<number> {
    await this.db.run(`INSERT INTO ${TAGS_TABLE} (device, name, unit) VALUES (?, ?, ?) ON CONFLICT (device, name) DO NOTHING`, [s.device, s.name, s.unit ?? null], 'add a tag');
    const row = await this.db.get(`SELECT tag_id FROM ${TAGS_TABLE} WHERE device = ? AND name = ?`, [s.device, s.name], 'read a tag id');
    return Number(row?.tag_id);
  }

  /**
   * Deletes samples older than the retention, each tag in chunks of at most pruneChunk rows, each
   * chunk its own short transaction (batches are written between them), then gives freed pages
   * back to the file system. Resolves with the rows deleted.
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
        const { changes } = await this.db.transaction(() =>
          this.db.run(
            `DELETE FROM ${SAMPLES_TABLE} WHERE tag_id = ? AND ts IN (SELECT ts FROM ${SAMPLES_TABLE} WHERE tag_id = ? AND ts < ? ORDER BY ts LIMIT ?)`,
            [id, id, cutoff, chunk],
            'delete expired samples',
          ),
        );
        deleted += changes;
        this.counts.pruned += changes;
        if (changes < chunk) break;
      }
    }
    if (deleted > 0) await this.vacuum();
    return deleted;
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
