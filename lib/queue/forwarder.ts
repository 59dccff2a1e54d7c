// Forwarder: drains a DurableQueue into a Destination, in order, at-least-once, with up to
// `maxInFlight` messages sent and not yet acknowledged, in batches of up to `maxBatch` (several
// batches at once only for destinations whose acks come back in order, Destination.ordered).
// A 'retry' outcome rewinds: once every batch in flight has come back and its acks are committed,
// sending starts again from the lowest seq that failed, after an exponential backoff with jitter
// (or the pause the destination asked for, when longer), and the shared circuit breaker keeps a failing destination from being hammered. A row is
// deleted only by an ack, so after a crash what was in flight and unacknowledged goes out again:
// those are the only duplicates, and there are at most maxInFlight of them.
import { EventEmitter } from 'node:events';
import { CircuitBreaker, type CircuitBreakerOptions } from '../breaker';
import { ExponentialBackoff, type BackoffOptions } from '../system/retry/backoff';
import type { DeliveryOutcome, Destination, QueuedMessage } from '../forward/destination';
import type { DurableQueue } from './durable-queue';

export type ForwarderState = 'starting' | 'forwarding' | 'idle' | 'backing-off' | 'breaker-open' | 'stopped';

export interface ForwarderOptions {
  /** backoff after a failed batch (default 200 ms .. 10 s, jitter 0.3) */
  backoff?: Partial<BackoffOptions>;
  /** the breaker around the destination (default: 5 failed batches open it for 5 s) */
  breaker?: Partial<CircuitBreakerOptions>;
  /** clock (ms) */
  now?: () => number;
}

export interface DeliveredReport {
  queue: string;
  count: number;
  firstSeq: number;
  lastSeq: number;
  ids: string[];
}

/**
 * Events: 'delivered' (DeliveredReport, after the acks committed), 'dead-letter' ({ message, error }),
 * 'retry' ({ count, firstSeq, error }), 'state' (ForwarderState), 'failure' (Error: the queue
 * could not be read).
 */
export class Forwarder extends EventEmitter {
  readonly breaker: CircuitBreaker;
  private readonly backoff: ExponentialBackoff;
  private readonly now: () => number;
  private current: ForwarderState = 'stopped';
  private cursor = 0;
  private inFlight = 0;
  private readonly dispatches = new Set<Promise<void>>();
  private readonly settling = new Set<Promise<void>>();
  private rewindTo: number | null = null;
  private resumeAt = 0;
  private wakeTimer: NodeJS.Timeout | undefined;
  private pumping = false;
  private again = false;
  private stopped = true;
  private started = false;
  private unsubscribe: (() => void) | undefined;
  private readonly onCommitted = () => this.pump();
  readonly counts = { delivered: 0, retried: 0, deadLettered: 0, batches: 0 };
  lastError: string | undefined;

  constructor(
    readonly queue: DurableQueue,
    readonly destination: Destination,
    opts: ForwarderOptions = {},
  ) {
    super();
    this.now = opts.now ?? Date.now;
    this.backoff = new ExponentialBackoff({ minMs: 200, maxMs: 10_000, jitter: 0.3, ...opts.backoff });
    this.breaker = new CircuitBreaker({ failureThreshold: 5, resetTimeoutMs: 5000, now: this.now, ...opts.breaker });
  }

  state(): ForwarderState {
    return this.current;
  }

  inFlightCount(): number {
    return this.inFlight;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.queue.on('committed', this.onCommitted);
    // a destination that comes back ends the wait early (the breaker still decides)
    this.unsubscribe = this.destination.onStatus((s) => {
      if (s.state === 'connected' && !this.stopped) {
        this.backoff.reset();
        this.resumeAt = 0;
        this.pump();
      }
    });
    this.setState('starting');
    this.connect();
  }

  /** Stops sending; in-flight sends come back as 'retry' when the destination closes. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.queue.off('committed', this.onCommitted);
    this.unsubscribe?.();
    await this.destination.close().catch(() => undefined);
    await Promise.all([...this.dispatches]);
    await Promise.all([...this.settling]);
    this.setState('stopped');
  }

  private connect(): void {
    this.destination.start().then(
      () => {
        if (this.stopped) return;
        this.started = true;
        this.backoff.reset();
        this.pump();
      },
      (err: Error) => {
        if (this.stopped) return;
        this.lastError = err.message;
        this.setState('backing-off');
        this.wake(this.backoff.next(), () => this.connect());
      },
    );
  }

  private wake(delayMs: number, fn: () => void): void {
    clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = undefined;
        if (!this.stopped) fn();
      },
      Math.max(0, delayMs),
    );
  }

  /** Sends while there is room in the window; re-entrant calls run one more round. */
  private pump(): void {
    if (this.stopped || !this.started) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    this.round()
      .catch((err: Error) => {
        // the queue could not be read (storage failure): try again after a backoff
        this.lastError = err.message;
        this.emit('failure', err);
        this.resumeAt = this.now() + this.backoff.next();
        this.setState('backing-off');
        this.wake(this.resumeAt - this.now(), () => this.pump());
      })
      .finally(() => {
        this.pumping = false;
        if (this.again) {
          this.again = false;
          this.pump();
        }
      });
  }

  private async round(): Promise<void> {
    while (!this.stopped) {
      this.again = false;
      if (this.rewindTo !== null) {
        if (this.inFlight > 0) return; // the last batch in flight calls pump() again
        await Promise.all([...this.settling]);
        this.cursor = this.rewindTo - 1;
        this.rewindTo = null;
      }
      // waits re-check at least every second, so an injected clock (tests) or a destination that
      // came back is noticed without a long timer
      if (!this.breaker.wouldAllow()) {
        if (this.inFlight > 0) return;
        this.setState('breaker-open');
        this.wake(Math.min(1000, Math.max(50, this.breaker.retryInMs())), () => this.pump());
        return;
      }
      const wait = this.resumeAt - this.now();
      if (wait > 0) {
        if (this.inFlight > 0) return;
        this.setState('backing-off');
        this.wake(Math.min(1000, wait), () => this.pump());
        return;
      }
      // several batches in flight only where acks imply order (see Destination.ordered)
      if (!this.destination.ordered && this.inFlight > 0) return;
      const room = this.destination.maxInFlight - this.inFlight;
      if (room <= 0) return;
      const batch = await this.queue.read(this.cursor, Math.min(room, this.destination.maxBatch));
      if (this.stopped) return;
      // a failure came back while reading: this batch would overtake the resend
      if (this.rewindTo !== null) continue;
      if (batch.length === 0) {
        if (this.inFlight === 0) this.setState('idle');
        return;
      }
      if (!this.breaker.allow()) continue;
      this.cursor = batch[batch.length - 1].seq;
      this.inFlight += batch.length;
      this.setState('forwarding');
      const d = this.dispatch(batch);
      this.dispatches.add(d);
      void d.finally(() => this.dispatches.delete(d));
    }
  }

  private async dispatch(batch: QueuedMessage[]): Promise<void> {
    let outcomes: DeliveryOutcome[];
    try {
      outcomes = await this.destination.send(batch);
    } catch (err) {
      outcomes = batch.map((m) => ({ seq: m.seq, status: 'retry', error: (err as Error).message }));
    }
    // a destination answers in the batch's order (the contract): then outcome i is message i's,
    // and only an answer in another order or with gaps needs a lookup by seq
    let bySeq: Map<number, DeliveryOutcome> | undefined;
    const delivered: QueuedMessage[] = [];
    const rejected: Array<{ message: QueuedMessage; error: string }> = [];
    const retry: Array<{ message: QueuedMessage; error: string }> = [];
    let pauseMs = 0;
    for (let i = 0; i < batch.length; i++) {
      const m = batch[i];
      let o: DeliveryOutcome | undefined = outcomes[i];
      if (o?.seq !== m.seq) o = (bySeq ??= new Map(outcomes.map((x) => [x.seq, x]))).get(m.seq);
      if (!o) retry.push({ message: m, error: 'the destination gave no outcome for this message' });
      else if (o.status === 'delivered') delivered.push(m);
      else if (o.status === 'rejected') rejected.push({ message: m, error: o.error });
      else {
        retry.push({ message: m, error: o.error });
        pauseMs = Math.max(pauseMs, o.retryAfterMs ?? 0);
      }
    }
    // A delivered or rejected message stays in flight until its deletion is committed: a crash
    // before that commit sends it again, so only this way do the duplicates after a crash stay
    // within the in-flight window. Retries leave the window at once.
    this.inFlight -= retry.length;
    const settling = delivered.length + rejected.length;
    this.counts.batches++;
    const windowFull = this.inFlight >= this.destination.maxInFlight;
    const settled = this.queue
      .settle(
        delivered.map((m) => m.seq),
        rejected.map((r) => ({ seq: r.message.seq, error: r.error })),
        windowFull,
      )
      .then(() => {
        this.counts.delivered += delivered.length;
        this.counts.deadLettered += rejected.length;
        // the report (an array of ids) only for someone who listens: the node's ack output
        if (delivered.length && this.listenerCount('delivered')) {
          this.emit('delivered', {
            queue: this.queue.name,
            count: delivered.length,
            firstSeq: delivered[0].seq,
            lastSeq: delivered[delivered.length - 1].seq,
            ids: delivered.map((m) => m.id),
          } satisfies DeliveredReport);
        }
        for (const r of rejected) this.emit('dead-letter', r);
      });
    this.settling.add(settled);
    settled
      // settle() resolves even when a commit fails (the queue retries its acks); were it ever to
      // reject, the messages stay queued and go out again: nothing to do here but say why
      .catch((err: Error) => {
        this.lastError = `acknowledgement not recorded: ${err.message}`;
      })
      .finally(() => {
        this.settling.delete(settled);
        this.inFlight -= settling;
        this.pump();
      })
      .catch(() => undefined);
    if (retry.length) {
      this.counts.retried += retry.length;
      this.lastError = retry[0].error;
      this.breaker.failure();
      const first = retry.reduce((min, r) => Math.min(min, r.message.seq), Infinity);
      this.rewindTo = Math.min(this.rewindTo ?? Infinity, first);
      // the destination's own "not before" (HTTP Retry-After) wins over a shorter backoff
      this.resumeAt = this.now() + Math.max(this.backoff.next(), pauseMs);
      this.emit('retry', { count: retry.length, firstSeq: first, error: retry[0].error });
    } else {
      this.breaker.success();
      if (this.rewindTo === null) this.backoff.reset();
    }
    this.pump();
  }

  private setState(s: ForwarderState): void {
    if (s === this.current) return;
    this.current = s;
    this.emit('state', s);
  }
}
