// The rows a DurableQueue committed and its forwarder has not read yet, kept in memory so that the
// forwarder, which reads them a few milliseconds after they were written, gets them without a
// SQLite query: on a busy gateway that read (a 100 KB row per 1,000-tag scan, copied out of
// SQLite into a JS string on the thread pool) is a good part of the queue's cost. The database
// stays the truth: a read that the cache cannot answer exactly as the storage would goes to it.
//
// Invariant: every queued row with seq >= `from` is in `rows` (and nothing else is). A commit adds
// its new rows and removes the rows it deleted (acked, dead-lettered, dropped); a read served
// from here, and the byte cap, move `from` up past the rows they let go of.
//
// The cap counts what a row costs the heap (its strings and the objects around them), not only
// its stored bytes: a queue whose forwarder is far behind (an uplink down for a weekend) keeps
// at most the cap's worth of its newest rows here, whatever its depth.
import type { StoredRow } from './types';

/** What a held row costs the heap besides its text: the row object, its id string, the map entry. */
export const ROW_OVERHEAD_BYTES = 160;

export interface RecentRowsHeld {
  rows: number;
  /** the heap the held rows cost, as the cap counts it */
  bytes: number;
}

export class RecentRows {
  private readonly rows = new Map<number, StoredRow>();
  /**
   * The held seqs in the order they came (ascending), oldest at `head`; a seq removed from `rows`
   * stays until the head passes it. Evicting the oldest is then O(1), where taking the first key
   * of a Map that many deletes went through walks past every deleted entry.
   */
  private order: number[] = [];
  private head = 0;
  private bytes = 0;
  /** the lowest seq from which on every queued row is held */
  private from: number;

  constructor(
    highWater: number,
    private readonly maxBytes: number,
  ) {
    this.from = highWater + 1;
  }

  /**
   * After a commit: its new rows (seq ascending, above every held one) and the seqs it deleted.
   * Returns whether the cap let go of rows not yet read (the reader has fallen behind).
   */
  committed(added: readonly StoredRow[], removed: ReadonlyArray<{ seq: number }>): boolean {
    for (const r of removed) this.forget(r.seq);
    for (const r of added) {
      this.rows.set(r.seq, r);
      this.order.push(r.seq);
      this.bytes += heldBytes(r);
    }
    let evicted = false;
    // the oldest go first
    while (this.bytes > this.maxBytes && this.rows.size) {
      const seq = this.oldest()!;
      this.forget(seq);
      this.from = Math.max(this.from, seq + 1);
      evicted = true;
    }
    this.compact();
    return evicted;
  }

  /**
   * The queued rows with seq > afterSeq, up to `limit`, as the storage would return them; or
   * undefined when some of them may not be held (then the storage must answer). `highWater` is
   * the last seq committed. Rows returned are let go: a second read of them (a resend after a
   * failure) goes to the storage.
   */
  take(afterSeq: number, limit: number, highWater: number): StoredRow[] | undefined {
    if (afterSeq + 1 < this.from) return undefined;
    const out: StoredRow[] = [];
    // seqs between are rows already deleted (acked, dropped): skipped, but not without bound
    let budget = limit + 1000;
    let seq = afterSeq + 1;
    for (; seq <= highWater && out.length < limit; seq++) {
      if (--budget < 0) return undefined;
      const row = this.rows.get(seq);
      if (row) out.push(row);
    }
    for (const r of out) this.forget(r.seq);
    if (out.length) this.from = Math.max(this.from, out[out.length - 1].seq + 1);
    this.compact();
    return out;
  }

  /** Everything is let go (the storage failed or closed: the next reads go to it). */
  clear(highWater: number): void {
    this.rows.clear();
    this.order = [];
    this.head = 0;
    this.bytes = 0;
    this.from = highWater + 1;
  }

  get size(): number {
    return this.rows.size;
  }

  /** What the cache holds now: bounded by the cap, whatever the queue's depth. */
  held(): RecentRowsHeld {
    return { rows: this.rows.size, bytes: this.bytes };
  }

  private oldest(): number | undefined {
    while (this.head < this.order.length && !this.rows.has(this.order[this.head])) this.head++;
    return this.order[this.head];
  }

  /** Drops the seqs the head passed once they are most of the array (amortised O(1) per row). */
  private compact(): void {
    this.oldest(); // moves the head past what reads and deletes let go of
    if (this.rows.size === 0) {
      this.order = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }

  private forget(seq: number): void {
    const row = this.rows.get(seq);
    if (!row) return;
    this.rows.delete(seq);
    this.bytes -= heldBytes(row);
  }
}

/** What a row holds in memory: its body, its payload's text when kept, and the objects around them. */
export function heldBytes(r: StoredRow): number {
  return r.bytes + (r.payloadJson?.length ?? 0) + ROW_OVERHEAD_BYTES;
}
