// What a store-and-forward queue reports, once a second: Prometheus metrics per queue (depth,
// bytes, oldest age, enqueued, delivered, retried, dropped by reason, dead-lettered, storage
// errors), its health (degraded while the destination is away and the queue grows, down when the
// storage is unusable) and a summary for the node's status. No Node-RED here.
import { counter, gauge } from '../metrics/registry';
import type { HealthState } from '../health/registry';
import { storageProblemOf, type StorageProblem } from '../storage/sqlite/errors';
import type { DestinationState } from '../forward/destination';
import type { DurableQueue, DropReport } from './durable-queue';
import type { Forwarder } from './forwarder';
import { DROP_REASONS } from './types';

const metric = {
  depth: () => gauge('edgegw_queue_depth', 'Messages in the store-and-forward queue (not yet acknowledged)', ['queue']),
  bytes: () => gauge('edgegw_queue_bytes', 'Bytes of the messages in the queue', ['queue']),
  oldest: () => gauge('edgegw_queue_oldest_age_seconds', 'Age of the oldest message in the queue', ['queue']),
  enqueued: () => counter('edgegw_queue_enqueued_total', 'Messages committed to the queue', ['queue']),
  delivered: () => counter('edgegw_queue_delivered_total', 'Messages acknowledged by the destination', ['queue']),
  retried: () => counter('edgegw_queue_retried_total', 'Message sends that failed transiently and go out again', ['queue']),
  dropped: () => counter('edgegw_queue_dropped_total', 'Messages dropped by a limit (max messages, bytes, age; too large)', ['queue', 'reason']),
  deadLettered: () => counter('edgegw_queue_dead_lettered_total', 'Messages the destination rejected, kept as dead letters', ['queue']),
  waiting: () => gauge('edgegw_queue_waiting', 'Messages waiting for space in memory, not yet in the queue (policy block)', ['queue']),
  waitingRefused: () => counter('edgegw_queue_waiting_refused_total', 'Messages refused because as many as allowed already waited for space (policy block)', ['queue']),
  storageErrors: () => counter('edgegw_queue_storage_errors_total', 'Messages refused because the queue storage failed (disk full, I/O)', ['queue']),
};

export interface QueueSummary {
  depth: number;
  /** policy block: messages waiting for space, in memory only (lost on a crash, not yet durable) */
  waiting: number;
  /** messages delivered per second over the last interval */
  rate: number;
  destination: DestinationState;
  forwarder: string;
  health: HealthState;
  /** the storage's failure in words (for logs and /health) */
  storageError?: string;
  /** the same as a code (for a status) */
  storageProblem?: StorageProblem;
  oldestAgeS: number;
}

export class QueueMonitor {
  private last = { enqueued: 0, delivered: 0, retried: 0, deadLettered: 0, storageRefused: 0, waitingRefused: 0, depth: 0, at: 0 };
  private readonly onDrop = (d: DropReport) => metric.dropped().inc({ queue: this.queue.name, reason: d.reason }, d.count);
  /** the storage could not be opened at all */
  private openError: Error | undefined;

  constructor(
    private readonly queue: DurableQueue,
    private readonly forwarder: Forwarder | undefined,
    private readonly now: () => number = Date.now,
  ) {
    queue.on('drop', this.onDrop);
    this.last.at = now();
    for (const m of [metric.enqueued(), metric.delivered(), metric.retried(), metric.deadLettered(), metric.storageErrors(), metric.waitingRefused()]) m.inc({ queue: queue.name }, 0);
    // every series from the start, at 0: a rate() over a series that appears at the first drop misses it
    for (const reason of DROP_REASONS) metric.dropped().inc({ queue: queue.name, reason }, 0);
  }

  /** The queue's storage could not be opened: the queue is down, and says why. */
  openFailed(err: Error): void {
    this.openError = err;
  }

  async tick(): Promise<QueueSummary> {
    const name = this.queue.name;
    const s = this.queue.stats();
    const f = this.forwarder?.counts ?? { delivered: 0, retried: 0, deadLettered: 0 };
    const t = this.now();
    metric.enqueued().inc({ queue: name }, s.enqueued - this.last.enqueued);
    metric.delivered().inc({ queue: name }, f.delivered - this.last.delivered);
    metric.retried().inc({ queue: name }, f.retried - this.last.retried);
    metric.deadLettered().inc({ queue: name }, f.deadLettered - this.last.deadLettered);
    metric.storageErrors().inc({ queue: name }, s.storageRefused - this.last.storageRefused);
    metric.waitingRefused().inc({ queue: name }, s.waitingRefused - this.last.waitingRefused);
    metric.waiting().set({ queue: name }, s.blocked);
    metric.depth().set({ queue: name }, s.depth);
    metric.bytes().set({ queue: name }, s.bytes);
    let oldestAgeS = 0;
    if (!this.openError && s.depth > 0) {
      const at = await this.queue.oldestAt().catch(() => null);
      if (at !== null) oldestAgeS = Math.max(0, (t - at) / 1000);
    }
    metric.oldest().set({ queue: name }, oldestAgeS);
    const seconds = Math.max(0.001, (t - this.last.at) / 1000);
    const rate = (f.delivered - this.last.delivered) / seconds;
    const destination = this.forwarder?.destination.status().state ?? 'disconnected';
    let health: HealthState = 'ok';
    if (this.openError) health = 'down';
    else if (s.storageError) health = 'degraded';
    // full under policy block: what waits is not durable yet, and past maxWaiting input is refused
    else if (s.blocked > 0 || s.waitingRefused > this.last.waitingRefused) health = 'degraded';
    // the destination is away and the queue grows: data is safe but not flowing
    else if (destination !== 'connected' && s.depth > 0 && s.depth >= this.last.depth) health = 'degraded';
    this.last = {
      enqueued: s.enqueued,
      delivered: f.delivered,
      retried: f.retried,
      deadLettered: f.deadLettered,
      storageRefused: s.storageRefused,
      waitingRefused: s.waitingRefused,
      depth: s.depth,
      at: t,
    };
    const storageError = this.openError ?? s.storageError;
    const summary: QueueSummary = { depth: s.depth, waiting: s.blocked, rate, destination, forwarder: this.forwarder?.state() ?? 'stopped', health, storageError: storageError?.message, oldestAgeS };
    if (storageError) summary.storageProblem = storageProblemOf(storageError);
    return summary;
  }

  /** Stops listening and removes this queue's series (a redeploy leaves nothing behind). */
  dispose(): void {
    this.queue.off('drop', this.onDrop);
    const name = this.queue.name;
    for (const m of [
      metric.depth(),
      metric.bytes(),
      metric.oldest(),
      metric.enqueued(),
      metric.delivered(),
      metric.retried(),
      metric.deadLettered(),
      metric.storageErrors(),
      metric.waiting(),
      metric.waitingRefused(),
    ])
      m.remove({ queue: name });
    const dropped = metric.dropped();
    for (const reason of DROP_REASONS) dropped.remove({ queue: name, reason });
  }
}
