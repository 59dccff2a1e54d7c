// The rows a DurableQueue committed and its forwarder has not read yet, kept in memory so that the
// forwarder, which reads them a few milliseconds after they were written, gets them without a
// SQLite query: on a busy gateway that read (a 100 KB row per 1,000-tag scan, copied out of
// SQLite into a JS string on the thread pool) is a good part of the queue's cost. The database
// stays the truth: a read that the cache cannot answer exactly as the storage would goes to it.
//
// Invariant: every queued row with seq >= `from` is in `rows` (and nothing else is). A commit adds
// its new rows and removes the rows it deleted (acked, dead-lettered, dropped); a read served
// from here, and the byte cap, move `from` up past the rows they let go of.
import type { StoredRow } from './types';

export class RecentRows {
  private readonly rows = new Map<number, StoredRow>();
  private bytes = 0;
  /** the lowest seq from which on every queued row is held */
  private from: number;

  constructor(
    highWater: number,
    private readonly maxBytes: number,
  ) {
    this.from = highWater + 1;
  }

  /** After a commit: its new rows (seq ascending, above every held one) and the seqs it deleted. */
  committed(added: readonly StoredRow[], removed: ReadonlyArray<{ seq: number }>): void {
    for (const r of removed) this.forget(r.seq);
    for (const r of added) {
      this.rows.set(r.seq, r);
      this.bytes += held(r);
    }
    // the oldest go first (Map order is seq order: seqs are given out ascending)
    while (this.bytes > this.maxBytes && this.rows.size) {
      const seq = this.rows.keys().next().value as number;
      this.forget(seq);
      this.from = Math.max(this.from, seq + 1);
    }
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
    return out;
  }

  /** Everything is let go (the storage failed or closed: the next reads go to it). */
  clear(highWater: number): void {
    this.rows.clear();
    this.bytes = 0;
    this.from = highWater + 1;
  }

  get size(): number {
    return this.rows.size;
  }

  private forget(seq: number): void {
    const row = this.rows.get(seq);
    if (!row) return;
    this.rows.delete(seq);
    this.bytes -= held(row);
  }
}

/** What a row holds in memory: its body and, when kept, its payload's text. */
function held(r: StoredRow): number {
  return r.bytes + (r.payloadJson?.length ?? 0);
}
