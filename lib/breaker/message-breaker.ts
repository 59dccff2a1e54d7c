// The circuit-breaker node's domain: a breaker guarding the messages of a flow. It decides which
// message passes, remembers the calls under way (for outcomes observed downstream) and the last
// good message per topic (the fallback while open), and counts each outcome the way a flow needs.
import { CircuitBreaker } from './circuit-breaker';
import { LastGoodMessages, markStale, PendingCalls } from './calls';
import type { BreakerNodeConfig } from './node-config';

type FlowMessage = Record<string, unknown>;

export class MessageBreaker<M extends FlowMessage> {
  readonly breaker: CircuitBreaker;
  readonly pending = new PendingCalls();
  private readonly lastGood = new LastGoodMessages<M>();

  constructor(
    private readonly config: BreakerNodeConfig,
    /** a deep copy of a message: a kept or served one must not change with the flow's */
    private readonly copy: (msg: M) => M,
  ) {
    this.breaker = new CircuitBreaker(config.breaker);
  }

  /** An outcome arrived (msg.breaker on the input, or observed downstream); a success keeps msg as its topic's last good message. */
  outcome(failed: boolean, msg: M | undefined, topic: string | undefined): void {
    if (failed) {
      this.breaker.failure();
      return;
    }
    // a late success of a call sent before the breaker opened must not close it: only the
    // half-open probes decide (CircuitBreaker closes on any success, as the Modbus line wants)
    if (this.breaker.state() !== 'open') this.breaker.success();
    if (this.config.fallback && topic !== undefined && msg) {
      const good = this.copy(msg);
      delete good.breaker;
      this.lastGood.set(topic, good);
    }
  }

  /**
   * Whether a message may pass now. With `trackId` (outcomes observed downstream) the call is
   * remembered until its outcome; a half-open probe pushed out of that bounded memory frees its slot.
   */
  admit(topic: string | undefined, trackId?: string): boolean {
    const probe = this.breaker.state() === 'half-open';
    if (!this.breaker.allow()) return false;
    if (trackId !== undefined) {
      const evicted = this.pending.track(trackId, { topic, probe });
      if (evicted?.probe) this.breaker.release();
    }
    return true;
  }

  /** Counts every tracked call older than maxAgeMs as failed (its outcome never came); returns how many. */
  expireCalls(maxAgeMs: number): number {
    const expired = this.pending.takeOlderThan(maxAgeMs);
    for (const call of expired) this.outcome(true, undefined, call.topic);
    return expired.length;
  }

  /** What a refused message of this topic is replaced with: its last good message, copied and marked stale (fallback on). */
  fallbackFor(topic: string | undefined): M | undefined {
    const cached = this.config.fallback && topic !== undefined ? this.lastGood.get(topic) : undefined;
    return cached ? markStale(this.copy(cached)) : undefined;
  }
}
