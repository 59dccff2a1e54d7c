// Token buckets keyed by caller (an API key's id, a token's subject, an address). A bucket holds
// up to `burst` tokens and refills at `perSecond`; a request takes one. A bucket that has refilled
// completely is the same as no bucket at all, so idle buckets are dropped by a sweep, and a hard
// cap on their number (least recently used first) bounds memory even under a flood of addresses.

export interface TokenBucketRate {
  /** tokens added per second */
  perSecond: number;
  /** most tokens a bucket holds: how many requests may come at once */
  burst: number;
}

export interface TokenBucketOptions extends TokenBucketRate {
  /** most buckets kept (default 10,000) */
  maxBuckets?: number;
  /** how often idle buckets are dropped, ms (default 30 s; 0: never by timer, only by the cap) */
  sweepMs?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  /** ms of the last refill */
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly burst: number;
  private readonly maxBuckets: number;
  private readonly now: () => number;
  private readonly sweeper?: NodeJS.Timeout;

  constructor(opts: TokenBucketOptions) {
    if (!(opts.perSecond > 0) || !(opts.burst >= 1)) throw new RangeError(`token bucket: perSecond must be > 0 and burst >= 1 (got ${opts.perSecond}, ${opts.burst})`);
    this.perMs = opts.perSecond / 1000;
    this.burst = opts.burst;
    this.maxBuckets = Math.max(1, opts.maxBuckets ?? 10_000);
    this.now = opts.now ?? Date.now;
    const sweepMs = opts.sweepMs ?? 30_000;
    if (sweepMs > 0) {
      this.sweeper = setInterval(() => this.sweep(), sweepMs);
      this.sweeper.unref();
    }
  }

  /** Takes a token: 0 when the request may go, else the seconds until one is there (at least 1). */
  take(key: string): number {
    const b = this.refilled(key, true);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return this.secondsUntilToken(b);
  }

  /** Like take, without taking: the seconds to wait, or 0 when a token is there. */
  waitFor(key: string): number {
    const b = this.refilled(key, false);
    return b.tokens >= 1 ? 0 : this.secondsUntilToken(b);
  }

  /** Drops every bucket that has refilled completely. */
  sweep(): number {
    let dropped = 0;
    for (const [key, b] of this.buckets) {
      if (this.levelOf(b) >= this.burst) {
        this.buckets.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  get size(): number {
    return this.buckets.size;
  }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.buckets.clear();
  }

  private levelOf(b: Bucket): number {
    return Math.min(this.burst, b.tokens + (this.now() - b.at) * this.perMs);
  }

  private secondsUntilToken(b: Bucket): number {
    return Math.max(1, Math.ceil((1 - b.tokens) / this.perMs / 1000));
  }

  private refilled(key: string, keep: boolean): Bucket {
    const existing = this.buckets.get(key);
    const now = this.now();
    if (!existing) {
      const fresh = { tokens: this.burst, at: now };
      if (keep) this.insert(key, fresh);
      return fresh;
    }
    existing.tokens = this.levelOf(existing);
    existing.at = now;
    // most recently used last, so the cap evicts the longest idle first
    this.buckets.delete(key);
    this.buckets.set(key, existing);
    return existing;
  }

  private insert(key: string, b: Bucket): void {
    this.buckets.set(key, b);
    while (this.buckets.size > this.maxBuckets) this.buckets.delete(this.buckets.keys().next().value as string);
  }
}
