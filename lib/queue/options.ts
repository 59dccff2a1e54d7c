// Options of a DurableQueue, validated once with errors that name the field.
import { QueueConfigError, type Durability, type FullPolicy, type QueueStorageKind } from './types';
import { readValue } from '../config/fields';
import type { SqliteLoader } from '../storage/sqlite';

export interface DurableQueueOptions {
  /** the queue's name: in every forwarded message, metric label and the database file name */
  name: string;
  /** 'sqlite' (default, durable) or 'memory' (explicit: lost on exit) */
  storage?: QueueStorageKind;
  /** directory of the database file (sqlite): the node passes the Node-RED user directory */
  dir?: string;
  /** 'normal' (default: survives a process crash) or 'full' (also a power loss) */
  durability?: Durability;
  /** how long the first enqueue of a transaction waits for others (ms, default 20) */
  batchMs?: number;
  /** at most this many messages per transaction (default 500) */
  batchMax?: number;
  /** limits; 0 or absent = none (memory storage: maxMessages defaults to 100,000) */
  maxMessages?: number;
  maxBytes?: number;
  maxAgeMs?: number;
  /** when a limit is reached (default drop-oldest) */
  policy?: FullPolicy;
  /**
   * block: at most this many messages wait for space, held in memory (default 1000); one more is
   * refused with a QueueWaitingFullError. maxWaitingBytes bounds their size (default 64 MiB).
   */
  maxWaiting?: number;
  maxWaitingBytes?: number;
  /** how long delivered messages are kept for replay (ms, default 0: not kept) */
  retentionMs?: number;
  /** clock (ms), injectable for tests */
  now?: () => number;
  /** how often max age and retention are enforced (ms, default 1000) */
  sweepMs?: number;
  /** how soon acks that failed to commit are tried again (ms, default 1000) */
  retryMs?: number;
  /** loads the sqlite3 package (tests pass a failing loader for the missing-package path) */
  loader?: SqliteLoader;
  /** SQLite's cap on the database size in 4 KiB pages (SQLITE_FULL when reached) */
  maxPageCount?: number;
}

export interface ResolvedQueueOptions {
  name: string;
  fileName: string;
  storage: QueueStorageKind;
  dir?: string;
  durability: Durability;
  batchMs: number;
  batchMax: number;
  maxMessages: number;
  maxBytes: number;
  maxAgeMs: number;
  policy: FullPolicy;
  maxWaiting: number;
  maxWaitingBytes: number;
  retentionMs: number;
  now: () => number;
  sweepMs: number;
  retryMs: number;
}

const POLICIES: readonly FullPolicy[] = ['drop-oldest', 'drop-newest', 'block'];

export function queueOptions(o: DurableQueueOptions): ResolvedQueueOptions {
  const name = String(o.name ?? '').trim();
  if (!name) throw new QueueConfigError('name', 'is required');
  const storage = o.storage ?? 'sqlite';
  if (storage !== 'sqlite' && storage !== 'memory') throw new QueueConfigError('storage', `must be "sqlite" or "memory", got ${JSON.stringify(o.storage)}`);
  if (storage === 'sqlite' && !o.dir) throw new QueueConfigError('dir', 'is required for sqlite storage');
  const durability = o.durability ?? 'normal';
  if (durability !== 'normal' && durability !== 'full') throw new QueueConfigError('durability', `must be "normal" or "full", got ${JSON.stringify(o.durability)}`);
  const policy = o.policy ?? 'drop-oldest';
  if (!POLICIES.includes(policy)) throw new QueueConfigError('policy', `must be one of ${POLICIES.join(', ')}, got ${JSON.stringify(o.policy)}`);
  const num = (field: string, v: number | undefined, dflt: number, min: number) => readValue(field, { kind: 'number', min, default: dflt }, v, 'queue ');
  return {
    name,
    // the file name keeps letters, digits, - and _; anything else becomes _ (a name like "a/b" stays one file)
    fileName: `queue-${name.replace(/[^A-Za-z0-9_-]/g, '_')}`,
    storage,
    dir: o.dir,
    durability,
    batchMs: num('batchMs', o.batchMs, 20, 0),
    batchMax: Math.floor(num('batchMax', o.batchMax, 500, 1)),
    maxMessages: Math.floor(num('maxMessages', o.maxMessages, storage === 'memory' ? 100_000 : 0, 0)),
    maxBytes: num('maxBytes', o.maxBytes, 0, 0),
    maxAgeMs: num('maxAgeMs', o.maxAgeMs, 0, 0),
    policy,
    maxWaiting: Math.floor(num('maxWaiting', o.maxWaiting, 1000, 1)),
    maxWaitingBytes: num('maxWaitingBytes', o.maxWaitingBytes, 64 * 1024 * 1024, 1),
    retentionMs: num('retentionMs', o.retentionMs, 0, 0),
    now: o.now ?? Date.now,
    sweepMs: num('sweepMs', o.sweepMs, 1000, 1),
    retryMs: num('retryMs', o.retryMs, 1000, 1),
  };
}
