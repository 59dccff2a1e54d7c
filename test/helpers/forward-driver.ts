// Drives a destination the way the forwarder will: batches in queue order, delivered and rejected
// messages leave the queue, 'retry' ones stay at its head and go again after a short pause. Also
// builds queued messages (tag scans, per-tag messages, plain payloads).
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import type { DeliveryOutcome, Destination, QueuedMessage } from '../../lib/forward/destination';
import type { Quality, TagSample } from '../../lib/tags/contract';

export interface DrainResult {
  delivered: number[];
  rejected: Array<{ seq: number; error: string }>;
  retries: number;
  retryErrors: string[];
}

export async function drain(
  dest: Destination,
  messages: readonly QueuedMessage[],
  opts: { batch?: number; deadlineMs?: number; pauseMs?: number; onRound?: (round: number) => Promise<void> | void } = {},
): Promise<DrainResult> {
  const pending = [...messages];
  const result: DrainResult = { delivered: [], rejected: [], retries: 0, retryErrors: [] };
  const deadline = Date.now() + (opts.deadlineMs ?? 120_000);
  for (let round = 0; pending.length > 0; round++) {
    if (Date.now() > deadline) throw new Error(`drain: ${pending.length} messages still pending at the deadline; last errors: ${result.retryErrors.slice(-3).join(' | ')}`);
    await opts.onRound?.(round);
    const batch = pending.slice(0, opts.batch ?? dest.maxBatch);
    let outcomes: DeliveryOutcome[];
    try {
      outcomes = await dest.send(batch);
    } catch (err) {
      outcomes = batch.map((m) => ({ seq: m.seq, status: 'retry', error: (err as Error).message }));
    }
    assert.deepEqual(
      outcomes.map((o) => o.seq),
      batch.map((m) => m.seq),
      'one outcome per message, in order',
    );
    const keep: QueuedMessage[] = [];
    outcomes.forEach((o, i) => {
      if (o.status === 'delivered') result.delivered.push(o.seq);
      else if (o.status === 'rejected') result.rejected.push({ seq: o.seq, error: o.error });
      else keep.push(batch[i]);
    });
    if (keep.length > 0) {
      // A retry must never be followed by a delivery in the same batch: order per queue.
      const firstRetry = outcomes.findIndex((o) => o.status === 'retry');
      assert.ok(
        outcomes.slice(firstRetry).every((o) => o.status === 'retry'),
        `outcomes after a retry must be retries: ${JSON.stringify(outcomes.map((o) => o.status))}`,
      );
      result.retries++;
      result.retryErrors.push((outcomes[firstRetry] as { error: string }).error);
      await new Promise((r) => setTimeout(r, opts.pauseMs ?? 50));
    }
    pending.splice(0, batch.length, ...keep);
  }
  return result;
}

let seqCounter = 0;

export function queued(msg: QueuedMessage['msg'], opts: { seq?: number; queue?: string; enqueuedAt?: number } = {}): QueuedMessage {
  return { seq: opts.seq ?? ++seqCounter, id: randomUUID(), queue: opts.queue ?? 'q1', enqueuedAt: opts.enqueuedAt ?? 1_700_000_000_000, msg };
}

export function sample(device: string, name: string, value: TagSample['value'], ts: number, quality: Quality = 'good', extra: Partial<TagSample> = {}): TagSample {
  return { device, name, value, quality, ts, ...extra };
}

/** A scan message (msg.tags) of `tags` numeric samples for one device at one ts. */
export function scan(device: string, tags: number, ts: number, base = 0): QueuedMessage['msg'] {
  const samples = Array.from({ length: tags }, (_, i) => sample(device, `t${i}`, base + i + 0.5, ts));
  const payload: Record<string, unknown> = {};
  for (const s of samples) payload[s.name] = s.value;
  return { topic: device, payload, tags: samples };
}

/** `count` messages with seq 1..count in one queue. */
export function sequence(count: number, make: (i: number) => QueuedMessage['msg'], queue = 'q1'): QueuedMessage[] {
  return Array.from({ length: count }, (_, i) => queued(make(i), { seq: i + 1, queue, enqueuedAt: 1_700_000_000_000 + i }));
}
