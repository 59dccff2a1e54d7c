// The explicit `memory` mode, for machines without sqlite3: the same semantics as the SQLite
// storage (seq, limits, acks, dead letters, replay) but nothing survives the process. Chosen by the
// user, never as a silent fallback.
import type { CommitPlan, CommitResult, DeadLetter, QueueStorage, RemovedRow, StoredRow, StoredState } from './types';

export class MemoryQueueStorage implements QueueStorage {
  readonly kind = 'memory' as const;
  readonly location = 'memory';
  /** queued rows in seq order; `head` skips removed ones without shifting the array */
  private rows: StoredRow[] = [];
  private head = 0;
  private readonly bySeq = new Map<number, StoredRow>();
  private deliveredRows: Array<StoredRow & { deliveredAt: number }> = [];
  private dead: DeadLetter[] = [];
  private highWater = 0;

  async open(): Promise<StoredState> {
    let bytes = 0;
    for (const r of this.bySeq.values()) bytes += r.bytes;
    return { highWater: this.highWater, depth: this.bySeq.size, bytes, oldestAt: this.firstLive()?.enqueuedAt ?? null };
  }

  async commit(plan: CommitPlan): Promise<CommitResult> {
    const result: CommitResult = { droppedOldest: [], droppedByAge: [], delivered: [], deadLettered: [] };
    for (const seq of plan.delivered) {
      const r = this.bySeq.get(seq);
      if (!r) continue;
      result.delivered.push(this.remove(r));
      if (plan.keepDelivered) this.deliveredRows.push({ ...r, deliveredAt: plan.now });
    }
    for (const { seq, error } of plan.rejected) {
      const r = this.bySeq.get(seq);
      if (!r) continue;
      result.deadLettered.push(this.remove(r));
      this.dead.push({ ...r, failedAt: plan.now, error });
    }
    if (plan.ageCutoff !== undefined) {
      for (let r = this.firstLive(); r && r.enqueuedAt < plan.ageCutoff; r = this.firstLive()) result.droppedByAge.push(this.remove(r));
    }
    if (plan.dropOldest) {
      const need = plan.dropOldest([...result.delivered, ...result.deadLettered, ...result.droppedByAge]);
      let count = 0;
      let bytes = 0;
      for (let r = this.firstLive(); r && (count < need.count || bytes < need.bytes); r = this.firstLive()) {
        result.droppedOldest.push(this.remove(r));
        count++;
        bytes += r.bytes;
      }
    }
    for (const r of plan.rows) {
      this.rows.push(r);
      this.bySeq.set(r.seq, r);
    }
    this.highWater = plan.highWater;
    if (this.head > 1024 && this.head * 2 > this.rows.length) {
      this.rows = this.rows.slice(this.head);
      this.head = 0;
    }
    return result;
  }

  async read(afterSeq: number, limit: number): Promise<StoredRow[]> {
    const out: StoredRow[] = [];
    for (let i = this.head; i < this.rows.length && out.length < limit; i++) {
      const r = this.rows[i];
      if (r.seq > afterSeq && this.bySeq.has(r.seq)) out.push(r);
    }
    return out;
  }

  async oldestAt(): Promise<number | null> {
    return this.firstLive()?.enqueuedAt ?? null;
  }

  async delivered(from: number, to: number, afterSeq: number, limit: number): Promise<StoredRow[]> {
    return this.deliveredRows
      .filter((r) => r.seq > afterSeq && r.enqueuedAt >= from && r.enqueuedAt <= to)
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit);
  }

  async deadLetters(limit: number): Promise<DeadLetter[]> {
    return this.dead.slice(0, limit);
  }

  async pruneDelivered(cutoff: number): Promise<number> {
    const before = this.deliveredRows.length;
    this.deliveredRows = this.deliveredRows.filter((r) => r.deliveredAt >= cutoff);
    return before - this.deliveredRows.length;
  }

  async close(): Promise<void> {
    // the rows stay in this object: a memory queue reopened in the same process keeps them
  }

  private firstLive(): StoredRow | undefined {
    while (this.head < this.rows.length && !this.bySeq.has(this.rows[this.head].seq)) this.head++;
    return this.rows[this.head];
  }

  private remove(r: StoredRow): RemovedRow {
    this.bySeq.delete(r.seq);
    return { seq: r.seq, bytes: r.bytes };
  }
}
