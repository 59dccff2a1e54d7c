// What a DurableQueue reports: the outcome of an enqueue, its drops, its counters and what it
// holds in memory.
import type { DropReason, QueueError } from './types';

export type EnqueueResult = { status: 'queued'; seq: number; id: string } | { status: 'dropped'; reason: DropReason };

/** Every drop is reported: why, how many, which seqs (committed rows) or which messages (refused ones). */
export interface DropReport {
  queue: string;
  reason: DropReason;
  policy: string;
  count: number;
  bytes: number;
  firstSeq?: number;
  lastSeq?: number;
  /** the refused messages themselves, when they never got into the queue (drop-newest, too large) */
  messages?: unknown[];
}

export interface QueueStats {
  depth: number;
  bytes: number;
  highWater: number;
  enqueued: number;
  delivered: number;
  deadLettered: number;
  dropped: number;
  /** policy block: messages waiting for space, in memory (done() not yet called), and their bytes */
  blocked: number;
  blockedBytes: number;
  /** policy block: messages refused because maxWaiting (or maxWaitingBytes) were already waiting */
  waitingRefused: number;
  /** accepted messages waiting for their transaction (in memory; done() not yet called) */
  pending: number;
  /** transactions committed, and the time they took in all (ms): a slow disk shows here first */
  commits: number;
  commitMs: number;
  /** the last storage failure, until a commit succeeds again */
  storageError?: QueueError;
  /** messages refused because their transaction failed (disk full, I/O), over the queue's life */
  storageRefused: number;
}

/** What a queue holds in memory (DurableQueue.memoryHeld): none of it grows with the depth. */
export interface QueueMemory {
  cachedRows: number;
  cachedBytes: number;
  pending: number;
  pendingBytes: number;
  blocked: number;
  blockedBytes: number;
}
