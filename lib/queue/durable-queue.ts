// DurableQueue: what the flow hands over is on disk before done() is called, delivered in order,
// deleted only after its destination acknowledged it. Enqueues, acks and dead letters of a short
// window share one transaction (multi-row INSERTs); each enqueue promise resolves after that
// transaction committed. seq grows by one per committed message and is never reused: the
// high-water mark is persisted in the same transaction, so deleting rows cannot roll it back.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { MemoryQueueStorage } from './memory-storage';
import { QueueReadCache } from './read-cache';
import { SqliteQueueStorage } from './sqlite-storage';
import { queueOptions, type DurableQueueOptions, type ResolvedQueueOptions } from './options';
import { messageHead, type MessageHead } from '../forward/destination';
import { bodyText, jsonOf, messageOf, type BodyText } from './body';
import {
  QueueClosedError,
  QueueError,
  QueueWaitingFullError,
  toQueuedMessage,
  type CommitPlan,
  type CommitResult,
  type DeadLetter,
  type DropReason,
  type QueueStorage,
  type QueuedMessage,
  type RemovedRow,
  type StoredRow,
} from './types';

import type { DropReport, EnqueueResult, QueueMemory, QueueStats } from './reports';
export type { DropReport, EnqueueResult, QueueMemory, QueueStats };

/** How enqueueWithCallback answers: `err` when the message was refused, else its result. */
export type EnqueueCallback = (err: Error | undefined, result?: EnqueueResult) => void;

interface Entry {
  id: string;
  enqueuedAt: number;
  body: string;
  bytes: number;
  payloadJson?: string;
  head?: MessageHead;
  /** one of the two is called, once: with the result once committed (or dropped by policy), or with why it was refused */
  resolve: (r: EnqueueResult) => void;
  reject: (err: Error) => void;
}
interface Settle {
  delivered: number[];
  rejected: Array<{ seq: number; error: string }>;
  resolve: () => void;
}

/**
 * Events: 'committed' (new rows readable), 'drop' (DropReport), 'storage' ({ error?: QueueError },
 * on every change between failing and working), 'quarantined' ({ path, movedTo, reason }).
 */
export class DurableQueue extends EventEmitter {
  readonly name: string;
  readonly storage: QueueStorage;
  private readonly o: ResolvedQueueOptions;
  private opening: Promise<void> | undefined;
  /** set once open() succeeded: enqueues then skip waiting for it */
  private opened = false;
  private pending: Entry[] = [];
  private pendingBytes = 0;
  private blocked: Array<Entry & { msg: unknown }> = [];
  private blockedBytes = 0;
  private waitingRefused = 0;
  private settles: Settle[] = [];
  private soonFlush: NodeJS.Immediate | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private ageCheck = false;
  private sweeps = 0;
  private closed = false;
  /** set once close() has committed everything and closes the storage: no transaction after it */
  private storageClosed = false;
  private readonly counts = { depth: 0, bytes: 0, highWater: 0, enqueued: 0, delivered: 0, deadLettered: 0, dropped: 0 };
  private storageError: QueueError | undefined;
  private committing = false;
  /** messages (and their bytes) of the transaction being committed: they count against the limits */
  private inTransaction = 0;
  private inTransactionBytes = 0;
  private storageRefused = 0;
  private flushAfterCommit = false;
  private commitCount = 0;
  private commitMs = 0;
  /** the rows held for the forwarder's next reads, bounded whatever the depth (SQLite only: memory reads are cheap) */
  private readCache: QueueReadCache | undefined;

  constructor(opts: DurableQueueOptions) {
    super();
    this.o = queueOptions(opts);
    this.name = this.o.name;
    this.storage =
      this.o.storage === 'memory'
        ? new MemoryQueueStorage()
        : new SqliteQueueStorage({
            queue: this.name,
            path: join(this.o.dir!, `${this.o.fileName}.sqlite`),
            durability: this.o.durability,
            loader: opts.loader,
            maxPageCount: opts.maxPageCount,
            onQuarantine: (q) => this.emit('quarantined', q),
          });
  }

  /** Opens the storage (idempotent); rejects with a QueueError naming the file when it cannot. */
  open(): Promise<void> {
    this.opening ??= this.storage.open().then((s) => {
      Object.assign(this.counts, { depth: s.depth, bytes: s.bytes, highWater: s.highWater });
      this.opened = true;
      if (this.storage.kind === 'sqlite') {
        this.readCache = new QueueReadCache(
          s,
          (after, limit) => this.storage.read(after, limit),
          () => this.counts.highWater,
        );
      }
      if (this.o.maxAgeMs || this.o.retentionMs) {
        this.sweepTimer = setInterval(() => this.sweep(), this.o.sweepMs);
        this.sweepTimer.unref();
      }
    });
    return this.opening;
  }

  stats(): QueueStats {
    return {
      ...this.counts,
      blocked: this.blocked.length,
      blockedBytes: this.blockedBytes,
      waitingRefused: this.waitingRefused,
      pending: this.pending.length + this.inTransaction,
      commits: this.commitCount,
      commitMs: this.commitMs,
      storageError: this.storageError,
      storageRefused: this.storageRefused,
    };
  }

  /**
   * What the queue holds in memory, by its own count: rows held for the forwarder (bounded by
   * READ_CACHE_LIMITS, whatever the depth), messages accepted and not yet committed, messages
   * waiting for space (policy block, bounded by maxWaiting). The depth lives on disk only.
   */
  memoryHeld(): QueueMemory {
    const cached = this.readCache?.held() ?? { rows: 0, bytes: 0 };
    return {
      cachedRows: cached.rows,
      cachedBytes: cached.bytes,
      pending: this.pending.length + this.inTransaction,
      pendingBytes: this.pendingBytes + this.inTransactionBytes,
      blocked: this.blocked.length,
      blockedBytes: this.blockedBytes,
    };
  }

  /**
   * Queues a message; resolves once its transaction committed (or it was dropped by policy, reported).
   * On an open queue the message is admitted at once, with the one promise its caller waits for.
   */
  enqueue(msg: unknown, keep?: { id: string; enqueuedAt: number }): Promise<EnqueueResult> {
    return new Promise<EnqueueResult>((resolve, reject) => this.offer(msg, resolve, reject, keep));
  }

  /**
   * enqueue() with a callback instead of a promise, called once, at the same moment the promise
   * would settle (or at once when the message is refused before it is admitted). A node that calls
   * done() from it keeps no promise and no promise derived by then() per message: at 30,000
   * messages/s, with thousands waiting for their transaction, those were a good part of what the
   * garbage collector had to trace.
   */
  enqueueWithCallback(msg: unknown, done: EnqueueCallback, keep?: { id: string; enqueuedAt: number }): void {
    this.offer(
      msg,
      (result) => done(undefined, result),
      (err) => done(err),
      keep,
    );
  }

  private offer(msg: unknown, resolve: (r: EnqueueResult) => void, reject: (err: Error) => void, keep?: { id: string; enqueuedAt: number }): void {
    if (this.closed) return reject(new QueueClosedError(this.name));
    let text: BodyText;
    try {
      text = bodyText(msg);
    } catch (err) {
      return reject(new QueueError(this.name, `the message cannot be stored: it is not JSON-serialisable (${(err as Error).message})`));
    }
    if (text.body === undefined) return reject(new QueueError(this.name, 'the message cannot be stored: it is undefined'));
    this.admit(text.body, msg, resolve, reject, keep, text.payloadJson === undefined ? undefined : { payloadJson: text.payloadJson, head: messageHead(msg as QueuedMessage['msg']) });
  }

  /** `fast`: what the forwarder may use instead of parsing the body (held in memory only, see StoredRow) */
  private admit(
    body: string,
    msg: unknown,
    resolve: (r: EnqueueResult) => void,
    reject: (err: Error) => void,
    keep?: { id: string; enqueuedAt: number },
    fast?: { payloadJson: string; head: MessageHead },
  ): void {
    if (!this.opened) {
      this.open().then(() => this.admit(body, msg, resolve, reject, keep, fast), reject);
      return;
    }
    // close() may have begun while open() was awaited: it takes the entry into its last
    // transactions (push flushes at once while closing) unless the file is already closing
    if (this.storageClosed) return reject(new QueueClosedError(this.name));
    const bytes = Buffer.byteLength(body);
    const o = this.o;
    if (o.maxBytes && bytes > o.maxBytes) {
      if (o.policy === 'block') return reject(new QueueError(this.name, `a message of ${bytes} bytes can never fit maxBytes ${o.maxBytes}`));
      this.reportDrop({ queue: this.name, reason: 'too-large', policy: o.policy, count: 1, bytes, messages: [msg] });
      return resolve({ status: 'dropped', reason: 'too-large' });
    }
    const entry: Entry = { id: keep?.id ?? randomUUID(), enqueuedAt: keep?.enqueuedAt ?? o.now(), body, bytes, payloadJson: fast?.payloadJson, head: fast?.head, resolve, reject };
    const full = this.exceeds(1, bytes);
    if (o.policy === 'block' && (full || this.blocked.length)) {
      // waiting messages are in memory only: past the bound, refused (done(err)) rather than held
      if (this.blocked.length >= o.maxWaiting || this.blockedBytes + bytes > o.maxWaitingBytes) {
        this.waitingRefused++;
        return reject(new QueueWaitingFullError(this.name, this.blocked.length, this.blockedBytes, { messages: o.maxWaiting, bytes: o.maxWaitingBytes }, this.waitingRefused));
      }
      this.blocked.push({ ...entry, msg });
      this.blockedBytes += bytes;
      return;
    }
    if (o.policy === 'drop-newest' && full) {
      this.reportDrop({ queue: this.name, reason: full, policy: o.policy, count: 1, bytes, messages: [msg] });
      return resolve({ status: 'dropped', reason: full });
    }
    this.push(entry);
  }

  /**
   * Which limit n more messages of `bytes` would break, counting what is committed, pending and in
   * the transaction being committed (not yet in counts.depth: leaving it out let a burst overshoot).
   */
  private exceeds(n: number, bytes: number): DropReason | undefined {
    const o = this.o;
    if (o.maxMessages && this.counts.depth + this.inTransaction + this.pending.length + n > o.maxMessages) return 'max-messages';
    if (o.maxBytes && this.counts.bytes + this.inTransactionBytes + this.pendingBytes + bytes > o.maxBytes) return 'max-bytes';
    return undefined;
  }

  private push(entry: Entry): void {
    this.pending.push(entry);
    this.pendingBytes += entry.bytes;
    // closing: at once, so that close() sees the transaction before it closes the file
    if (this.pending.length >= this.o.batchMax || this.closed) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.o.batchMs);
  }

  /** Up to `limit` queued messages after `afterSeq`, in order (only committed rows). */
  async read(afterSeq: number, limit: number): Promise<QueuedMessage[]> {
    await this.open();
    const rows = this.readCache ? await this.readCache.read(afterSeq, limit, this.counts.depth ? this.counts.bytes / this.counts.depth : 0) : await this.storage.read(afterSeq, limit);
    return rows.map((r) => toQueuedMessage(this.name, r));
  }

  /**
   * Records delivered and rejected (dead-lettered) messages; resolves once committed. `soon`: the
   * caller waits for this commit (a forwarder whose in-flight window is full), so it is not held
   * for the rest of the transaction window: it goes out on the next turn of the event loop.
   */
  settle(delivered: number[], rejected: Array<{ seq: number; error: string }> = [], soon = false): Promise<void> {
    if (delivered.length === 0 && rejected.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.settles.push({ delivered, rejected, resolve });
      if (soon && !this.soonFlush) {
        this.soonFlush = setImmediate(() => {
          this.soonFlush = undefined;
          this.flush();
        });
      }
      this.timer ??= setTimeout(() => this.flush(), this.o.batchMs);
    });
  }

  /**
   * Resends what was delivered with an enqueue time in [from, to] (kept for the retention period):
   * each goes back into the queue with its original id and enqueue time and a new seq.
   */
  async replay(from: number, to: number): Promise<number> {
    await this.open();
    let after = 0;
    let count = 0;
    for (;;) {
      const rows = await this.storage.delivered(from, to, after, 1000);
      if (rows.length === 0) return count;
      const results = await Promise.all(
        rows.map((r) => new Promise<EnqueueResult>((resolve, reject) => this.admit(r.body, messageOf(r.body), resolve, reject, { id: r.id, enqueuedAt: r.enqueuedAt }))),
      );
      count += results.filter((r) => r.status === 'queued').length;
      after = rows[rows.length - 1].seq;
    }
  }

  async deadLetters(limit = 1000): Promise<DeadLetter[]> {
    await this.open();
    // the message's JSON, whatever form the row stores it in (lib/queue/body.ts)
    return (await this.storage.deadLetters(limit)).map((d) => ({ ...d, body: jsonOf(d.body) }));
  }

  async oldestAt(): Promise<number | null> {
    await this.open();
    return this.counts.depth ? this.storage.oldestAt() : null;
  }

  /** Commits what is pending, then closes the storage; messages waiting for space are refused. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweepTimer);
    clearTimeout(this.retryTimer);
    clearImmediate(this.soonFlush);
    this.soonFlush = undefined;
    this.blockedBytes = 0;
    for (const b of this.blocked.splice(0)) answer(b, new QueueError(this.name, 'the queue closed while the message waited for space'));
    if (this.opening) await this.opening.catch(() => undefined);
    this.flush();
    // a transaction that ends starts the next one with what waited (and what arrives while
    // closing is flushed at once): wait for the last; from its end to storageClosed nothing awaits
    for (let w: Promise<void> | undefined; w !== this.writing;) {
      w = this.writing;
      await w;
    }
    await this.readCache?.idle();
    this.readCache?.clear(this.counts.highWater);
    this.storageClosed = true;
    await this.storage.close();
  }

  // ---- the write path ----

  /**
   * Starts the next transaction with what is waiting (at most batchMax messages). One transaction
   * at a time: what arrives meanwhile waits in `pending` and goes into the next one as soon as the
   * current one ends, so when the disk is slower than the windows, windows merge into bigger
   * transactions (the writer catches up) instead of queueing up one small transaction each, and
   * stats().pending counts every accepted message not yet on disk.
   */
  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.opening) return;
    if (this.storageClosed) {
      // acknowledgements that came after the last transaction: their messages stay queued and
      // go out again after the restart (at-least-once), nothing else waits here (see admit)
      for (const s of this.settles.splice(0)) s.resolve();
      for (const e of this.pending.splice(0)) answer(e, new QueueClosedError(this.name));
      this.pendingBytes = 0;
      return;
    }
    if (this.committing) {
      this.flushAfterCommit = true;
      return;
    }
    const ageCheck = this.ageCheck;
    if (this.pending.length === 0 && this.settles.length === 0 && !ageCheck) return;
    const entries = this.pending.splice(0, this.o.batchMax);
    let entryBytes = 0;
    for (const e of entries) entryBytes += e.bytes;
    this.pendingBytes -= entryBytes;
    const settles = this.settles;
    this.settles = [];
    this.ageCheck = false;
    this.committing = true;
    this.inTransaction = entries.length;
    this.inTransactionBytes = entryBytes;
    this.writing = this.writing
      .then(() => this.commit(entries, settles, ageCheck))
      .finally(() => {
        this.committing = false;
        this.inTransaction = 0;
        this.inTransactionBytes = 0;
        // more than batchMax waited (or the queue is closing): the rest goes at once, not after another window
        if (this.flushAfterCommit || this.pending.length >= this.o.batchMax || (this.closed && this.pending.length)) {
          this.flushAfterCommit = false;
          this.flush();
        } else if (this.pending.length || this.settles.length) {
          // what was left over after a full batch was taken had its window's timer cleared by
          // that flush: without a new one it would wait for the next message to arrive
          this.timer ??= setTimeout(() => this.flush(), this.o.batchMs);
        }
      });
  }

  private async commit(entries: Entry[], settles: Settle[], ageCheck: boolean): Promise<void> {
    const o = this.o;
    const now = o.now();
    // a batch that alone breaks a limit loses its own oldest part (drop-oldest), never a seq
    const trimmed: Entry[] = [];
    if (o.policy === 'drop-oldest') {
      let bytes = entries.reduce((s, e) => s + e.bytes, 0);
      while (entries.length && ((o.maxMessages && entries.length > o.maxMessages) || (o.maxBytes && bytes > o.maxBytes))) {
        const e = entries.shift()!;
        bytes -= e.bytes;
        trimmed.push(e);
      }
    }
    const first = this.counts.highWater + 1;
    const rows: StoredRow[] = entries.map((e, i) => ({ seq: first + i, id: e.id, enqueuedAt: e.enqueuedAt, bytes: e.bytes, body: e.body, payloadJson: e.payloadJson, head: e.head }));
    const incomingBytes = rows.reduce((s, r) => s + r.bytes, 0);
    const plan: CommitPlan = {
      rows,
      highWater: this.counts.highWater + rows.length,
      delivered: settles.flatMap((s) => s.delivered),
      rejected: settles.flatMap((s) => s.rejected),
      keepDelivered: o.retentionMs > 0,
      ageCutoff: ageCheck && o.maxAgeMs ? now - o.maxAgeMs : undefined,
      now,
    };
    if (o.policy === 'drop-oldest' && rows.length) {
      plan.dropOldest = (gone: RemovedRow[]) => {
        const goneBytes = gone.reduce((s, r) => s + r.bytes, 0);
        const depth = this.counts.depth - gone.length;
        const bytes = this.counts.bytes - goneBytes;
        return {
          count: o.maxMessages ? Math.max(0, depth + rows.length - o.maxMessages) : 0,
          bytes: o.maxBytes ? Math.max(0, bytes + incomingBytes - o.maxBytes) : 0,
        };
      };
    }
    let result: CommitResult;
    try {
      const started = performance.now();
      result = await this.storage.commit(plan);
      this.commitCount++;
      this.commitMs += performance.now() - started;
    } catch (err) {
      this.inTransaction = this.inTransactionBytes = 0;
      this.failed(err as Error, entries.concat(trimmed), settles);
      return;
    }
    // from here the rows are in counts.depth: counted once when unblock() checks the limits
    this.inTransaction = this.inTransactionBytes = 0;
    const gone = [...result.delivered, ...result.deadLettered, ...result.droppedByAge, ...result.droppedOldest];
    this.counts.highWater = plan.highWater;
    this.readCache?.committed(rows, gone, plan.highWater);
    this.counts.depth += rows.length - gone.length;
    this.counts.bytes += incomingBytes - gone.reduce((s, r) => s + r.bytes, 0);
    this.counts.enqueued += rows.length;
    this.counts.delivered += result.delivered.length;
    this.counts.deadLettered += result.deadLettered.length;
    if (this.storageError) {
      this.storageError = undefined;
      this.emit('storage', {});
    }
    for (let i = 0; i < entries.length; i++) answer(entries[i], undefined, { status: 'queued', seq: rows[i].seq, id: entries[i].id });
    for (const s of settles) s.resolve();
    const limitReason: DropReason = o.maxMessages && this.counts.depth >= o.maxMessages ? 'max-messages' : 'max-bytes';
    if (trimmed.length) {
      this.reportDrop({ queue: this.name, reason: limitReason, policy: o.policy, count: trimmed.length, bytes: trimmed.reduce((s, e) => s + e.bytes, 0) });
      for (const e of trimmed) answer(e, undefined, { status: 'dropped', reason: limitReason });
    }
    if (result.droppedOldest.length) this.reportRemoved(limitReason, result.droppedOldest);
    if (result.droppedByAge.length) this.reportRemoved('max-age', result.droppedByAge);
    if (rows.length) this.emit('committed');
    if (gone.length) this.unblock();
  }

  /** A failed transaction: its enqueues are refused (done(err): nothing is half-accepted), its acks retried. */
  private failed(err: Error, entries: Entry[], settles: Settle[]): void {
    const qerr = err instanceof QueueError ? err : new QueueError(this.name, err.message);
    const changed = this.storageError?.message !== qerr.message;
    this.storageError = qerr;
    if (changed) this.emit('storage', { error: qerr });
    this.storageRefused += entries.length;
    for (const e of entries) answer(e, qerr);
    if (settles.length) {
      this.settles.unshift(...settles);
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = undefined;
        this.flush();
      }, this.o.retryMs);
    }
  }

  private unblock(): void {
    while (this.blocked.length && !this.exceeds(1, this.blocked[0].bytes)) {
      const entry = this.blocked.shift()!;
      this.blockedBytes -= entry.bytes;
      this.push(entry);
    }
  }

  private sweep(): void {
    if (this.closed) return;
    if (this.o.maxAgeMs && this.counts.depth) {
      this.storage.oldestAt().then(
        (at) => {
          if (at !== null && at < this.o.now() - this.o.maxAgeMs && !this.closed) {
            this.ageCheck = true;
            this.flush();
          }
        },
        () => undefined, // the next commit reports a storage failure
      );
    }
    if (this.o.retentionMs && ++this.sweeps % 10 === 0) {
      const cutoff = this.o.now() - this.o.retentionMs;
      this.writing = this.writing.then(() =>
        this.storage.pruneDelivered(cutoff).then(
          () => undefined,
          () => undefined,
        ),
      );
    }
  }

  private reportRemoved(reason: DropReason, removed: RemovedRow[]): void {
    this.reportDrop({
      queue: this.name,
      reason,
      policy: this.o.policy,
      count: removed.length,
      bytes: removed.reduce((s, r) => s + r.bytes, 0),
      firstSeq: removed[0].seq,
      lastSeq: removed[removed.length - 1].seq,
    });
  }

  private reportDrop(report: DropReport): void {
    this.counts.dropped += report.count;
    this.emit('drop', report);
  }
}

/**
 * Calls an entry's callback. What a caller's callback throws is its own failure: it must not stop
 * the others of the transaction from being answered, so it is thrown again on its own.
 */
function answer(e: Entry, err: Error | undefined, result?: EnqueueResult): void {
  try {
    if (err) e.reject(err);
    else e.resolve(result!);
  } catch (thrown) {
    process.nextTick(() => {
      throw thrown;
    });
  }
}
