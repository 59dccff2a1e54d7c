// Forwarder over a real SQLite queue into a destination the test scripts (a recording endpoint
// that fails when told): order, the in-flight window, retries that rewind without gaps, dead
// letters, the breaker, and stop() leaving nothing in flight.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableQueue, Forwarder } from '../../../lib/queue';
import type { DeliveryOutcome, Destination, DestinationStatus, QueuedMessage } from '../../../lib/forward/destination';
import { needPeers } from '../../helpers/peers';
import { SQLITE_PEER } from '../../helpers/sqlite-store';
import { waitFor } from '../../helpers/process';

/** Records every message it receives; `verdict` decides each message's outcome. */
class RecordingDestination implements Destination {
  readonly describe = 'recording://test';
  received: number[] = [];
  maxConcurrent = 0;
  private inFlight = 0;
  verdict: (m: QueuedMessage) => DeliveryOutcome['status'] = () => 'delivered';
  /** when set, one outcome for the whole batch (a request that fails as a whole) */
  batchVerdict: ((batch: readonly QueuedMessage[]) => DeliveryOutcome['status']) | undefined;
  private listeners = new Set<(s: DestinationStatus) => void>();
  constructor(
    readonly maxBatch: number,
    readonly maxInFlight: number,
    readonly ordered = false,
  ) {}
  async start(): Promise<void> {}
  async send(batch: readonly QueuedMessage[]): Promise<DeliveryOutcome[]> {
    // outcomes are decided when the batch goes out: what is sent while the endpoint is away fails
    const whole = this.batchVerdict?.(batch);
    const outcomes: DeliveryOutcome[] = batch.map((m) => {
      const status = whole ?? this.verdict(m);
      return status === 'delivered' ? { seq: m.seq, status } : { seq: m.seq, status, error: `${status} by the test` };
    });
    this.inFlight += batch.length;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.inFlight);
    await new Promise((r) => setTimeout(r, 1));
    this.inFlight -= batch.length;
    for (const o of outcomes) if (o.status === 'delivered') this.received.push(o.seq);
    return outcomes;
  }
  status(): DestinationStatus {
    return { state: 'connected' };
  }
  onStatus(l: (s: DestinationStatus) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  async close(): Promise<void> {}
}

describe('Forwarder', () => {
  let dir: string;
  const peers = needPeers(SQLITE_PEER());
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-fwd-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('drains in order within the in-flight window; acks delete', peers, async () => {
    const q = new DurableQueue({ name: 'order', dir, batchMs: 2 });
    const dest = new RecordingDestination(7, 20, true);
    const f = new Forwarder(q, dest);
    f.start();
    await Promise.all(Array.from({ length: 500 }, (_, i) => q.enqueue({ payload: i })));
    await waitFor('all delivered', () => q.stats().delivered === 500, 30_000);
    assert.deepEqual(
      dest.received,
      Array.from({ length: 500 }, (_, i) => i + 1),
    );
    assert.ok(dest.maxConcurrent <= 20, `in flight at once: ${dest.maxConcurrent}`);
    assert.equal(q.stats().depth, 0);
    await f.stop();
    await q.close();
  });

  const firstArrivals = (received: number[]) => {
    const seen = new Set<number>();
    return received.filter((s) => !seen.has(s) && !!seen.add(s));
  };

  test('ordered destination (failures are a suffix): several batches in flight, a retry rewinds, no gap, first arrivals in order', peers, async () => {
    const q = new DurableQueue({ name: 'retry', dir, batchMs: 2 });
    const dest = new RecordingDestination(5, 15, true);
    // the destination is away for a while mid-stream: everything sent meanwhile fails
    let down = false;
    let wentDown = false;
    dest.verdict = (m) => {
      if (m.seq === 40 && !wentDown) down = wentDown = true;
      return down ? 'retry' : 'delivered';
    };
    const f = new Forwarder(q, dest, { backoff: { minMs: 5, maxMs: 20 }, breaker: { failureThreshold: 100 } });
    f.on('retry', () => {
      if (f.counts.retried > 30) down = false;
    });
    f.start();
    for (let i = 0; i < 200; i++) await q.enqueue({ payload: i });
    await waitFor('all delivered', () => q.stats().delivered === 200, 30_000);
    assert.deepEqual(
      firstArrivals(dest.received),
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    assert.ok(f.counts.retried > 30, `retried ${f.counts.retried}`);
    assert.ok(dest.maxConcurrent > 5, 'several batches were in flight at once');
    assert.equal(dest.received.length, 200, 'a suffix failure resends only what failed: no duplicates');
    await f.stop();
    await q.close();
  });

  test('unordered destination (a later message may succeed while an earlier fails): one batch at a time keeps order', peers, async () => {
    const q = new DurableQueue({ name: 'unordered', dir, batchMs: 2 });
    const dest = new RecordingDestination(5, 15, false);
    // a batch is one request that fails as a whole (an HTTP 503): batches from seq 40 to 59 fail
    // on their first two attempts; one batch at a time, so nothing later can get ahead of them
    const attempts = new Map<number, number>();
    dest.batchVerdict = (batch) => {
      const n = (attempts.get(batch[0].seq) ?? 0) + 1;
      attempts.set(batch[0].seq, n);
      return batch.some((m) => m.seq >= 40 && m.seq < 60) && n <= 2 ? 'retry' : 'delivered';
    };
    const f = new Forwarder(q, dest, { backoff: { minMs: 5, maxMs: 20 }, breaker: { failureThreshold: 100 } });
    f.start();
    for (let i = 0; i < 200; i++) await q.enqueue({ payload: i });
    await waitFor('all delivered', () => q.stats().delivered === 200, 30_000);
    assert.deepEqual(
      firstArrivals(dest.received),
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    assert.ok(dest.maxConcurrent <= 5, `in flight at once: ${dest.maxConcurrent}`);
    assert.equal(dest.received.length, 200, 'a batch that failed as a whole delivered nothing: no duplicates');
    await f.stop();
    await q.close();
  });

  test("'rejected' goes to dead letters once and is never retried; the stream goes on", peers, async () => {
    const q = new DurableQueue({ name: 'reject', dir, batchMs: 2 });
    const dest = new RecordingDestination(10, 10);
    let asked = 0;
    dest.verdict = (m) => {
      if (m.seq === 3) asked++;
      return m.seq === 3 ? 'rejected' : 'delivered';
    };
    const f = new Forwarder(q, dest);
    const dead: Array<{ message: QueuedMessage; error: string }> = [];
    f.on('dead-letter', (d) => dead.push(d));
    f.start();
    for (let i = 0; i < 5; i++) await q.enqueue({ payload: i });
    await waitFor('settled', () => q.stats().delivered === 4 && q.stats().deadLettered === 1, 10_000);
    assert.equal(asked, 1);
    assert.deepEqual(dest.received, [1, 2, 4, 5]);
    assert.deepEqual(
      dead.map((d) => [d.message.seq, d.error]),
      [[3, 'rejected by the test']],
    );
    assert.equal((await q.deadLetters()).length, 1);
    await f.stop();
    await q.close();
  });

  test('the breaker opens after repeated failures and lets one trial through once its time has passed', peers, async () => {
    let now = 0;
    const q = new DurableQueue({ name: 'breaker', dir, batchMs: 1 });
    const dest = new RecordingDestination(1, 1);
    let down = true;
    let sends = 0;
    dest.verdict = () => {
      sends++;
      return down ? 'retry' : 'delivered';
    };
    const f = new Forwarder(q, dest, { now: () => now, backoff: { minMs: 0, maxMs: 0 }, breaker: { failureThreshold: 3, resetTimeoutMs: 60_000 } });
    const states: string[] = [];
    f.on('state', (s) => states.push(s));
    f.start();
    await q.enqueue({ payload: 'x' });
    await waitFor('breaker open', () => f.breaker.state() === 'open', 10_000);
    const sendsWhenOpen = sends;
    assert.equal(sendsWhenOpen, 3);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(sends, sendsWhenOpen, 'nothing is sent while the breaker is open');
    assert.ok(states.includes('breaker-open'));
    down = false;
    now += 60_000; // the reset time passes (injected clock): the next wake lets a trial through
    await waitFor('delivered after the trial', () => q.stats().delivered === 1, 10_000);
    assert.equal(f.breaker.state(), 'closed');
    await f.stop();
    await q.close();
  });

  test('a retry that asks for a pause (HTTP Retry-After) waits that long, even with a shorter backoff', peers, async () => {
    const q = new DurableQueue({ name: 'retry-after', dir, batchMs: 1 });
    const sentAt: number[] = [];
    class PausingDestination extends RecordingDestination {
      override async send(batch: readonly QueuedMessage[]): Promise<DeliveryOutcome[]> {
        sentAt.push(Date.now());
        const outcomes = await super.send(batch);
        return outcomes.map((o) => (o.status === 'retry' ? { ...o, retryAfterMs: 400 } : o));
      }
    }
    const dest = new PausingDestination(1, 1);
    dest.verdict = () => (sentAt.length === 1 ? 'retry' : 'delivered');
    const f = new Forwarder(q, dest, { backoff: { minMs: 0, maxMs: 0 } });
    f.start();
    await q.enqueue({ payload: 'x' });
    await waitFor('delivered after the pause', () => q.stats().delivered === 1, 10_000);
    assert.equal(sentAt.length, 2);
    assert.ok(sentAt[1] - sentAt[0] >= 390, `sent again after ${sentAt[1] - sentAt[0]} ms`);
    await f.stop();
    await q.close();
  });
});
