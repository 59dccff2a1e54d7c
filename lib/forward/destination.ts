// The contract between the durable queue's forwarder (lib/queue) and the destinations it drains
// into (lib/forward: MQTT, HTTP, InfluxDB, PostgreSQL). The forwarder owns ordering, retries,
// backoff and the breaker; a destination only sends a batch and says how it went.

/** One queued message as the forwarder hands it to a destination. */
export interface QueuedMessage {
  /** per-queue sequence number: strictly increasing by one per committed message, never reused */
  seq: number;
  /** UUID given at enqueue */
  id: string;
  /** the queue's name */
  queue: string;
  /** epoch ms at enqueue */
  enqueuedAt: number;
  /** the message as the flow handed it over (topic, payload, tag/tags, ...), JSON-safe */
  msg: { topic?: string; payload?: unknown; [key: string]: unknown };
  /**
   * The JSON text of msg.payload, a plain object, while the queue still holds it from the enqueue
   * (a message read back from storage has none). With it and `head`, a destination that publishes
   * the payload never needs `msg`, which is then never parsed from the stored text.
   */
  payloadJson?: string;
  /** msg's topic, device and tag name (messageHead), kept with payloadJson */
  head?: MessageHead;
}

/** What a topic template reads from a message besides its payload. */
export interface MessageHead {
  topic: unknown;
  /** msg.tag.device, else msg.tags[0].device, else the topic's first level */
  device: unknown;
  /** msg.tag.name, else what follows the topic's first "/" */
  tag: unknown;
}

export function messageHead(msg: QueuedMessage['msg']): MessageHead {
  const t = msg.topic;
  const one = msg.tag as { device?: unknown; name?: unknown } | undefined;
  const tags = msg.tags as Array<{ device?: unknown }> | undefined;
  const device = one?.device ?? (Array.isArray(tags) ? tags[0]?.device : undefined) ?? (typeof t === 'string' && t ? t.split('/')[0] : undefined);
  const tag = one?.name !== undefined ? one.name : typeof t === 'string' && t.includes('/') ? t.slice(t.indexOf('/') + 1) : undefined;
  return { topic: t, device, tag };
}

/** What happened to each message of a batch. */
export type DeliveryOutcome =
  /** acknowledged by the destination: the queue may delete it */
  | { seq: number; status: 'delivered' }
  /**
   * transient failure (network, 5xx, timeout, broker away): retry later, in order; not before
   * `retryAfterMs` when the destination asked for a pause (HTTP Retry-After)
   */
  | { seq: number; status: 'retry'; error: string; retryAfterMs?: number }
  /** permanent rejection (4xx, malformed for this destination): dead-letter it, never retry */
  | { seq: number; status: 'rejected'; error: string };

export type DestinationState = 'connecting' | 'connected' | 'disconnected' | 'error';

export interface DestinationStatus {
  state: DestinationState;
  /** human-readable detail, credentials redacted */
  detail?: string;
}

export interface Destination {
  /** e.g. "mqtt://broker:1883" with credentials redacted; for status, logs and metrics labels */
  readonly describe: string;
  /** the largest batch this destination takes in one send() */
  readonly maxBatch: number;
  /** how many messages may be in flight (sent, not yet acknowledged) at once */
  readonly maxInFlight: number;
  /**
   * true when an acknowledgement implies that everything sent before it was acknowledged too
   * (one MQTT connection: PUBACKs come back in order, a failure is always a suffix). Only then does
   * the forwarder keep several batches in flight; otherwise it sends one batch at a time, so that a
   * later batch can never be delivered before an earlier one that failed. Absent = false.
   */
  readonly ordered?: boolean;
  /** connect (idempotent); resolves once usable or rejects with a clear error */
  start(): Promise<void>;
  /**
   * Send a batch in order and resolve with one outcome per message (same order). Never rejects
   * for a per-message problem; a rejection means the whole batch is 'retry'.
   */
  send(batch: readonly QueuedMessage[]): Promise<DeliveryOutcome[]>;
  status(): DestinationStatus;
  /** listen for status changes; returns the unsubscribe function */
  onStatus(listener: (s: DestinationStatus) => void): () => void;
  /** release every socket and timer; in-flight sends resolve as 'retry' */
  close(): Promise<void>;
}
