// Shapes shared by the durable queue, its two storages (SQLite and memory) and the forwarder.
import { ConfigFieldError } from '../config/fields';
import type { MessageHead, QueuedMessage } from '../forward/destination';
import { messageOf } from './body';

export type { QueuedMessage };

/** Where the queue keeps its rows: a SQLite file (durable) or the process memory (explicit, lost on exit). */
export type QueueStorageKind = 'sqlite' | 'memory';
/** synchronous=NORMAL survives a process crash; FULL also a power loss (an fsync per commit). */
export type Durability = 'normal' | 'full';
/** What happens when a limit is reached. */
export type FullPolicy = 'drop-oldest' | 'drop-newest' | 'block';
export type DropReason = 'max-messages' | 'max-bytes' | 'max-age' | 'too-large';
export const DROP_REASONS: readonly DropReason[] = ['max-messages', 'max-bytes', 'max-age', 'too-large'];

/** A row as stored: the message body is the JSON text of what the flow handed over. */
export interface StoredRow {
  seq: number;
  id: string;
  enqueuedAt: number;
  bytes: number;
  /** the stored text of the message (lib/queue/body.ts): its JSON, or for a scan its samples as runs */
  body: string;
  /** held in memory only, from the enqueue (not stored): the payload's JSON text inside body */
  payloadJson?: string;
  /** held in memory only, with payloadJson: what a topic template reads of the message */
  head?: MessageHead;
}

/** A dead-lettered message, with why. */
export interface DeadLetter extends StoredRow {
  failedAt: number;
  error: string;
}

/** One transaction's worth of work, planned by DurableQueue, executed by a storage. */
export interface CommitPlan {
  rows: StoredRow[];
  /** the high-water mark after this commit: the last seq ever given out */
  highWater: number;
  /**
   * After the acks and the age sweep of this transaction (`gone`), how many of the oldest rows and
   * bytes must go for the new rows to fit (drop-oldest); the storage deletes at least that much.
   */
  dropOldest?: (gone: RemovedRow[]) => { count: number; bytes: number };
  /** delete rows enqueued before this time (max age) */
  ageCutoff?: number;
  delivered: number[];
  rejected: Array<{ seq: number; error: string }>;
  /** move delivered rows to the replay table (retention > 0) instead of deleting them */
  keepDelivered: boolean;
  now: number;
}

export interface RemovedRow {
  seq: number;
  bytes: number;
}

export interface CommitResult {
  droppedOldest: RemovedRow[];
  droppedByAge: RemovedRow[];
  /** acknowledged rows that were still queued (a row dropped meanwhile is not counted twice) */
  delivered: RemovedRow[];
  deadLettered: RemovedRow[];
}

export interface StoredState {
  highWater: number;
  depth: number;
  bytes: number;
  oldestAt: number | null;
}

/** The storage a DurableQueue drives. One writer (the queue); reads never see uncommitted rows. */
export interface QueueStorage {
  readonly kind: QueueStorageKind;
  /** where the rows live, for messages ("memory" for the memory storage) */
  readonly location: string;
  open(): Promise<StoredState>;
  commit(plan: CommitPlan): Promise<CommitResult>;
  /** queued rows with seq > afterSeq, in seq order */
  read(afterSeq: number, limit: number): Promise<StoredRow[]>;
  /** the enqueue time of the oldest queued row */
  oldestAt(): Promise<number | null>;
  /** delivered rows kept for replay, enqueued within [from, to], seq > afterSeq, in seq order */
  delivered(from: number, to: number, afterSeq: number, limit: number): Promise<StoredRow[]>;
  deadLetters(limit: number): Promise<DeadLetter[]>;
  /** forget delivered rows older than the cutoff; returns how many */
  pruneDelivered(cutoff: number): Promise<number>;
  close(): Promise<void>;
}

/** A queue failure naming the queue and, for SQLite, the file and SQLite's code. */
export class QueueError extends Error {
  constructor(
    readonly queue: string,
    message: string,
    /** SQLite's code (SQLITE_FULL, SQLITE_BUSY, ...) when SQLite reported the failure */
    readonly code?: string,
    options?: { cause?: unknown },
  ) {
    super(`queue "${queue}": ${message}`, options);
    this.name = 'QueueError';
  }
}

/** A message offered to a queue that is closing or closed: it was not accepted. */
export class QueueClosedError extends QueueError {
  constructor(queue: string) {
    super(queue, 'the queue is closed');
    this.name = 'QueueClosedError';
  }
}

/**
 * Policy block: a message refused because as many messages as allowed already wait for space (they
 * are held in memory, so their number is bounded). `refused`: how many so far, this one included.
 */
export class QueueWaitingFullError extends QueueError {
  constructor(
    queue: string,
    readonly waiting: number,
    readonly waitingBytes: number,
    readonly limit: { messages: number; bytes: number },
    readonly refused: number,
  ) {
    super(
      queue,
      `the queue is full and ${waiting} messages (${waitingBytes} bytes) already wait for space, the most allowed (maxWaiting ${limit.messages}, ${limit.bytes} bytes): message refused (${refused} refused so far)`,
    );
    this.name = 'QueueWaitingFullError';
  }
}

/** A queue option is wrong (options given in code; the node's fields are read by STORE_FORWARD_FIELDS). */
export class QueueConfigError extends ConfigFieldError {
  constructor(field: string, message: string, value?: unknown) {
    super(field, value, message, 'queue ');
    this.name = 'QueueConfigError';
  }
}

export function toQueuedMessage(queue: string, row: StoredRow): QueuedMessage {
  if (row.payloadJson === undefined) return { seq: row.seq, id: row.id, queue, enqueuedAt: row.enqueuedAt, msg: messageOf(row.body) };
  // msg is parsed when first read: a destination that publishes the payload never reads it
  let msg: QueuedMessage['msg'] | undefined;
  const m = { seq: row.seq, id: row.id, queue, enqueuedAt: row.enqueuedAt, payloadJson: row.payloadJson, head: row.head } as QueuedMessage;
  Object.defineProperty(m, 'msg', {
    enumerable: true,
    get: () => (msg ??= messageOf(row.body)),
    set: (v: QueuedMessage['msg']) => (msg = v),
  });
  return m;
}
