// What a SQLite DurableQueue holds in memory for its forwarder's reads, bounded whatever the depth:
// - following the writer (RecentRows): the forwarder keeps up and reads rows a few milliseconds
//   after their commit, so they are handed over from memory without a query;
// - reading a backlog (the uplink came back after an outage): rows are read from SQLite in pages
//   of up to PAGE_MAX_BYTES, and the next page is read while the current one is being sent, so
//   the forwarder's sends never wait for a query.
// While the forwarder is behind, new rows are not held at all: a queue that fills for a weekend
// keeps nothing per message in memory. The database stays the truth: every read answers what the
// storage would (the rows queued after afterSeq, in seq order, possibly fewer than asked when a
// page ends), and whatever it cannot answer so, the storage answers.
import { RecentRows, heldBytes, type RecentRowsHeld } from './recent-rows';
import type { RemovedRow, StoredRow } from './types';

export interface QueueReadCacheLimits {
  /** the rows kept for a forwarder that follows the writer */
  recentMaxBytes: number;
  /** one page read from storage (two are held while the next is read ahead) */
  pageMaxBytes: number;
  /** at most this many rows per page */
  pageMaxRows: number;
}

export const READ_CACHE_LIMITS: QueueReadCacheLimits = { recentMaxBytes: 4 * 1024 * 1024, pageMaxBytes: 1024 * 1024, pageMaxRows: 1000 };

/** Reads the storage: queued rows with seq > afterSeq, in seq order, at most `limit`. */
export type StorageRead = (afterSeq: number, limit: number) => Promise<StoredRow[]>;

/** Every queued row with after < seq <= upTo is in `rows` from `next` on (seq ascending), and nothing else. */
interface Page {
  after: number;
  upTo: number;
  rows: StoredRow[];
  next: number;
}

/** A page being read ahead: rows deleted meanwhile may still be in what the read returns. */
interface ReadAhead {
  after: number;
  rows: Promise<StoredRow[]>;
  deleted: Set<number>;
}

export class QueueReadCache {
  private readonly recent: RecentRows;
  /** true while the forwarder keeps up: only then are committed rows held */
  private following: boolean;
  private page: Page | undefined;
  private ahead: ReadAhead | undefined;
  /** storage reads under way, awaited before the storage closes */
  private readonly reading = new Set<Promise<unknown>>();

  constructor(
    state: { highWater: number; depth: number },
    private readonly readStorage: StorageRead,
    /** the last seq committed, now */
    private readonly highWater: () => number,
    private readonly limits: QueueReadCacheLimits = READ_CACHE_LIMITS,
  ) {
    this.recent = new RecentRows(state.highWater, limits.recentMaxBytes);
    // a backlog at open is read from storage first: nothing to follow until it is drained
    this.following = state.depth === 0;
  }

  /** After a commit: its new rows and the rows it deleted; `highWater` is the last seq committed. */
  committed(added: readonly StoredRow[], removed: readonly RemovedRow[], highWater: number): void {
    if (removed.length && (this.page || this.ahead)) {
      const page = this.page;
      // acknowledgements delete rows already handed out (before page.next): the page changes only
      // when a row not yet read goes (dropped by age or by drop-oldest), not at every commit
      const unread = page?.rows[page.next]?.seq;
      if (page && unread !== undefined && removed.some((r) => r.seq >= unread)) {
        const gone = new Set(removed.map((r) => r.seq));
        page.rows = page.rows.slice(page.next).filter((r) => !gone.has(r.seq));
        page.next = 0;
      }
      // only a seq after the read's start can be in what it returns
      const ahead = this.ahead;
      if (ahead) for (const r of removed) if (r.seq > ahead.after) ahead.deleted.add(r.seq);
    }
    if (this.following && this.recent.committed(added, removed)) {
      // the forwarder fell behind by more than the cap: it reads from storage until it catches up
      this.following = false;
    }
    if (!this.following) this.recent.clear(highWater);
  }

  /**
   * The queued rows with seq > afterSeq, up to `limit`. `highWater`: the last seq committed;
   * `rowBytes`: the queue's mean row size, to size a page.
   */
  async read(afterSeq: number, limit: number, rowBytes: number): Promise<StoredRow[]> {
    const rows = await this.answer(afterSeq, limit, rowBytes);
    // the forwarder caught up with the writer: the rows committed from now on are held for it
    if (!this.following && !(this.page && this.page.next < this.page.rows.length) && (rows.length === 0 || rows[rows.length - 1].seq >= this.highWater())) this.follow();
    return rows;
  }

  private async answer(afterSeq: number, limit: number, rowBytes: number): Promise<StoredRow[]> {
    const highWater = this.highWater();
    if (this.following) {
      const rows = this.recent.take(afterSeq, limit, highWater);
      if (rows) return rows;
    }
    const page = this.page;
    if (page && afterSeq >= page.after && afterSeq <= page.upTo) {
      const rows = takeAfter(page, afterSeq, limit);
      if (rows.length) {
        if (page.rows.length - page.next < this.pageRows(rowBytes) / 2) this.readAhead(page.upTo, highWater, rowBytes);
        return rows;
      }
      // nothing is queued in (afterSeq, upTo]: the answer is the next page's start
      return this.nextPage(page.upTo, limit, rowBytes);
    }
    // a rewind (a resend after a failure) or the first read of a backlog
    this.page = undefined;
    this.ahead = undefined;
    return this.nextPage(afterSeq, limit, rowBytes);
  }

  /** Lets go of everything (the storage failed or closed); the next reads go to the storage. */
  clear(highWater: number): void {
    this.recent.clear(highWater);
    this.page = undefined;
    this.ahead = undefined;
    this.following = false;
  }

  /** What is held now: the rows following the writer and the page being sent, not the depth. */
  held(): RecentRowsHeld & { following: boolean } {
    const recent = this.recent.held();
    const pageRows = this.page ? this.page.rows.slice(this.page.next) : [];
    let pageBytes = 0;
    for (const r of pageRows) pageBytes += heldBytes(r);
    return { rows: recent.rows + pageRows.length, bytes: recent.bytes + pageBytes, following: this.following };
  }

  /** Settles once no read of the storage is under way (before the storage closes). */
  async idle(): Promise<void> {
    await Promise.all([...this.reading].map((r) => r.catch(() => undefined)));
  }

  private fetch(after: number, limit: number): Promise<StoredRow[]> {
    const rows = this.readStorage(after, limit);
    this.reading.add(rows);
    const done = () => this.reading.delete(rows);
    rows.then(done, done);
    return rows;
  }

  private pageRows(rowBytes: number): number {
    return Math.max(1, Math.min(this.limits.pageMaxRows, Math.floor(this.limits.pageMaxBytes / Math.max(1, rowBytes))));
  }

  private readAhead(after: number, highWater: number, rowBytes: number): void {
    if (this.ahead || after >= highWater) return;
    const rows = this.fetch(after, this.pageRows(rowBytes));
    rows.catch(() => undefined); // reported by the read that uses it
    this.ahead = { after, rows, deleted: new Set() };
  }

  private async nextPage(after: number, limit: number, rowBytes: number): Promise<StoredRow[]> {
    const ahead = this.ahead?.after === after ? this.ahead : undefined;
    this.ahead = undefined;
    const pageRows = Math.max(limit, this.pageRows(rowBytes));
    // a deletion committed while the storage was read may not be in what the read saw
    const deleted = ahead?.deleted ?? new Set<number>();
    const reading: ReadAhead = ahead ?? { after, rows: this.fetch(after, pageRows), deleted };
    this.ahead = reading;
    let rows: StoredRow[];
    try {
      rows = await reading.rows;
    } finally {
      if (this.ahead === reading) this.ahead = undefined;
    }
    const live = deleted.size ? rows.filter((r) => !deleted.has(r.seq)) : rows;
    if (rows.length === 0) {
      // nothing queued after `after`: the forwarder has caught up with the writer
      this.page = undefined;
      return [];
    }
    const page: Page = { after, upTo: rows[rows.length - 1].seq, rows: live, next: 0 };
    this.page = page;
    const out = takeAfter(page, after, limit);
    if (out.length === 0) return this.nextPage(page.upTo, limit, rowBytes);
    return out;
  }

  private follow(): void {
    this.recent.clear(this.highWater());
    this.page = undefined;
    this.ahead = undefined;
    this.following = true;
  }
}

/** The page's rows after afterSeq, up to limit, let go of; the page then starts after the last. */
function takeAfter(page: Page, afterSeq: number, limit: number): StoredRow[] {
  let start = page.next;
  while (start < page.rows.length && page.rows[start].seq <= afterSeq) start++;
  const out = page.rows.slice(start, start + limit);
  page.next = start + out.length;
  page.after = out.length ? out[out.length - 1].seq : Math.max(page.after, afterSeq);
  return out;
}
