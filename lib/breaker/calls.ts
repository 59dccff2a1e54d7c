// What the circuit-breaker node remembers between a message and its outcome: the calls under
// way (by message id, for outcomes observed on a downstream node) and the last good message per
// topic (the fallback while open). Both are bounded: the oldest entry goes first.

export interface PendingCall {
  topic: string | undefined;
  /** the call is a half-open probe: a lost outcome must free its slot */
  probe: boolean;
}

export class PendingCalls {
  /** in the order they were tracked, so the oldest (the first to time out) come first */
  private readonly calls = new Map<string, { call: PendingCall; trackedAt: number }>();

  constructor(
    readonly max = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Tracks a call; returns the call evicted to make room, if any. */
  track(id: string, call: PendingCall): PendingCall | undefined {
    let evicted: PendingCall | undefined;
    if (this.calls.has(id)) this.calls.delete(id);
    else if (this.calls.size >= this.max) {
      const oldest = this.calls.keys().next().value as string;
      evicted = this.calls.get(oldest)?.call;
      this.calls.delete(oldest);
    }
    this.calls.set(id, { call, trackedAt: this.now() });
    return evicted;
  }

  has(id: string): boolean {
    return this.calls.has(id);
  }

  take(id: string): PendingCall | undefined {
    const c = this.calls.get(id);
    if (c) this.calls.delete(id);
    return c?.call;
  }

  /** Takes the calls tracked more than maxAgeMs ago: their outcome is not coming in time. */
  takeOlderThan(maxAgeMs: number): PendingCall[] {
    const before = this.now() - maxAgeMs;
    const expired: PendingCall[] = [];
    for (const [id, c] of this.calls) {
      if (c.trackedAt > before) break;
      this.calls.delete(id);
      expired.push(c.call);
    }
    return expired;
  }

  get size(): number {
    return this.calls.size;
  }
}

export class LastGoodMessages<M> {
  private readonly byTopic = new Map<string, M>();

  constructor(readonly max = 1000) {}

  set(topic: string, msg: M): void {
    this.byTopic.delete(topic);
    if (this.byTopic.size >= this.max) this.byTopic.delete(this.byTopic.keys().next().value as string);
    this.byTopic.set(topic, msg);
  }

  get(topic: string): M | undefined {
    return this.byTopic.get(topic);
  }

  get size(): number {
    return this.byTopic.size;
  }
}

interface StaleMarkable {
  tag?: unknown;
  tags?: unknown;
  [key: string]: unknown;
}

/** Marks a (copied) message's tag samples stale, as the contract wants for a served cached value. */
export function markStale<M extends StaleMarkable>(msg: M): M {
  if (msg.tag && typeof msg.tag === 'object') msg.tag = { ...msg.tag, quality: 'stale' };
  if (Array.isArray(msg.tags)) msg.tags = msg.tags.map((s) => (s && typeof s === 'object' ? { ...s, quality: 'stale' } : s));
  (msg as Record<string, unknown>).quality = 'stale';
  return msg;
}
