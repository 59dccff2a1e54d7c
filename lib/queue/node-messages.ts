// What a store-forward node sends about its queue: delivery acknowledgements on output 1, drops and
// dead letters on output 2, each a message of its own shape.
import type { QueuedMessage } from '../forward/destination';
import type { DropReport } from './durable-queue';
import type { DeliveredReport } from './forwarder';

type OutMessage = Record<string, unknown>;

/**
 * A drop as messages: each refused message itself with `drop` beside it when the queue still had
 * them (copied by `copy`: they may be shared with other read-only nodes), else one summary message.
 */
export function dropMessages(d: DropReport, copy: (msg: OutMessage) => OutMessage): OutMessage[] {
  const drop = { queue: d.queue, reason: d.reason, policy: d.policy };
  if (d.messages) return d.messages.map((m) => ({ ...copy(m as OutMessage), drop }));
  return [{ topic: `${d.queue}/drop`, payload: { ...drop, count: d.count, bytes: d.bytes, firstSeq: d.firstSeq, lastSeq: d.lastSeq }, drop }];
}

/** A message the destination rejected, with where it was in the queue and why. */
export function deadLetterMessage(d: { message: QueuedMessage; error: string }): OutMessage {
  return { ...d.message.msg, deadLetter: { seq: d.message.seq, id: d.message.id, queue: d.message.queue, error: d.error } };
}

export function deliveredMessage(r: DeliveredReport): OutMessage {
  return { topic: `${r.queue}/delivered`, payload: { count: r.count, firstSeq: r.firstSeq, lastSeq: r.lastSeq, ids: r.ids } };
}
