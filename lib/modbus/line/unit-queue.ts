// Per-unit request queues of a line and the fair round-robin that picks what goes on the wire.
// Each unit also carries its own suspension backoff and circuit breaker, so one silent unit
// is dealt with alone while the others keep their turns.
import { CircuitBreaker } from '../../breaker';
import { ExponentialBackoff, type BackoffOptions } from '../../system/retry/backoff';
import type { TransportRequest, TransportResult } from '../transport/transport';

export interface QueuedRequest extends TransportRequest {
  resolve(v: TransportResult): void;
  reject(e: Error): void;
  queuedAt: number;
  // the line sets every field below when it creates a request (one object shape on the hot path)
  /** epoch ms when it fails if still queued (queuedAt + queueTimeoutMs) */
  expiresAt?: number;
  /** the queue of its unit */
  queue?: UnitQueue;
  /** when it went on the wire (performance.now ms; 0 before) */
  sentAt?: number;
  /** this request is the half-open breaker's trial */
  trial?: boolean;
}

export class UnitQueue {
  readonly items: QueuedRequest[] = [];
  inFlight = 0;
  /** epoch ms until which the unit is suspended (0: not suspended) */
  suspendedUntil = 0;
  /** performance.now() when the current suspension began: answers to older requests do not extend it */
  suspendedSince = -Infinity;
  requests = 0;
  errors = 0;
  timeouts = 0;
  lastError: string | undefined;
  readonly backoff: ExponentialBackoff;
  readonly breaker: CircuitBreaker;

  constructor(
    readonly unit: number,
    backoff: BackoffOptions,
    breaker: { failureThreshold: number; resetTimeoutMs: number },
  ) {
    this.backoff = new ExponentialBackoff(backoff);
    this.breaker = new CircuitBreaker(breaker);
  }

  suspendedForMs(now: number): number {
    return Math.max(0, this.suspendedUntil - now);
  }

  /** Removes a queued request (it timed out in the queue); false when it already left. */
  remove(req: QueuedRequest): boolean {
    const i = this.items.indexOf(req);
    if (i < 0) return false;
    this.items.splice(i, 1);
    return true;
  }

  /** Takes the requests whose queue time is up out of the queue. */
  takeExpired(now: number): QueuedRequest[] {
    let expired: QueuedRequest[] | undefined;
    for (let i = 0; i < this.items.length; i++) {
      if ((this.items[i].expiresAt ?? Infinity) > now) continue;
      (expired ??= []).push(this.items[i]);
    }
    if (!expired) return [];
    const gone = new Set(expired);
    const keep = this.items.filter((r) => !gone.has(r));
    this.items.length = 0;
    this.items.push(...keep);
    return expired;
  }

  /** Takes every queued request out (to fail them). */
  drain(): QueuedRequest[] {
    return this.items.splice(0, this.items.length);
  }
}

export class FairScheduler {
  private readonly queues = new Map<number, UnitQueue>();
  private order: number[] = [];
  private cursor = 0;

  constructor(
    private readonly backoff: BackoffOptions,
    private readonly breaker: { failureThreshold: number; resetTimeoutMs: number },
    private readonly onNewUnit: (q: UnitQueue) => void = () => undefined,
  ) {}

  unit(unit: number): UnitQueue {
    let q = this.queues.get(unit);
    if (!q) {
      q = new UnitQueue(unit, this.backoff, this.breaker);
      this.queues.set(unit, q);
      this.order.push(unit);
      this.onNewUnit(q);
    }
    return q;
  }

  all(): UnitQueue[] {
    return [...this.queues.values()];
  }

  queued(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.items.length;
    return n;
  }

  /**
   * The next request to put on the wire, one unit after another. A unit is passed over while it
   * holds its share of the in-flight slots (so a dead unit cannot take them all before its first
   * timeout) or while its half-open breaker's one trial is under way.
   */
  next(maxInFlight: number): { queue: UnitQueue; req: QueuedRequest } | undefined {
    const n = this.order.length;
    if (n === 0) return undefined;
    let active = 0;
    for (const q of this.queues.values()) if (q.items.length > 0 || q.inFlight > 0) active++;
    const share = Math.max(1, Math.ceil(maxInFlight / Math.max(1, active)));
    for (let k = 0; k < n; k++) {
      const idx = (this.cursor + k) % n;
      const q = this.queues.get(this.order[idx])!;
      if (q.items.length === 0 || q.inFlight >= share) continue;
      const state = q.breaker.state();
      if (state === 'open') continue; // the line fails these when the breaker opens
      if (state === 'half-open') {
        if (!q.breaker.allow()) continue;
        q.items[0].trial = true;
      }
      this.cursor = (idx + 1) % n;
      const req = q.items.shift()!;
      return { queue: q, req };
    }
    return undefined;
  }
}
