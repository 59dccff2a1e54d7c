// DurableQueue under bursts and at its limits: every accepted message is committed soon after a
// burst ends with no further input; limits are exact while a transaction is in flight; storage
// failures count the messages they refused; block keeps a bounded number of messages waiting.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableQueue, QueueWaitingFullError, type DropReport, type EnqueueResult } from '../../../lib/queue';
import { storeForwardQueueOptions } from '../../../lib/queue/node-config';
import { QueueMonitor } from '../../../lib/queue/monitor';
import { metricsRegistry } from '../../../lib/metrics/registry';
import { needPeers } from '../../helpers/peers';
import { SQLITE_PEER } from '../../helpers/sqlite-store';

const peers = needPeers(SQLITE_PEER());

/** Resolves with the results, or rejects naming how many were still unsettled after `ms`. */
function settledWithin<T>(promises: Array<Promise<T>>, ms: number): Promise<T[]> {
  let settled = 0;
  for (const p of promises)
    p.then(
      () => settled++,
      () => settled++,
    );
  return new Promise<T[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${promises.length - settled} of ${promises.length} not settled after ${ms} ms`)), ms);
    Promise.all(promises).then(
      (r) => {
        clearTimeout(timer);
        resolve(r);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

describe('DurableQueue bursts and limits (sqlite)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-queue-limits-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a burst that is not a whole number of batches is committed in full within a bound, with no further input', peers, async () => {
    const q = new DurableQueue({ name: 'burst', dir, batchMs: 5, batchMax: 100 });
    await q.open();
    let total = 0;
    // bursts that leave a remainder after the last full batch, each given time to settle
    for (const size of [1050, 60_025, 377]) {
      const results: Array<Promise<EnqueueResult>> = [];
      for (let i = 0; i < size; i++) results.push(q.enqueue({ payload: i }));
      total += size;
      // the bound: generous for a shared machine, far below "until the next message arrives"
      const done = await settledWithin(results, 30_000);
      assert.ok(done.every((r) => r.status === 'queued'));
      assert.equal(q.stats().pending, 0);
      assert.equal(q.stats().depth, total);
    }
    await q.close();
  });

  test('drop-newest: a burst while a transaction is in flight stops exactly at maxMessages (and maxBytes)', peers, async () => {
    const q = new DurableQueue({ name: 'exact', dir, batchMs: 5, batchMax: 50, maxMessages: 100, policy: 'drop-newest' });
    await q.open();
    const drops: DropReport[] = [];
    q.on('drop', (d: DropReport) => drops.push(d));
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => q.enqueue({ payload: i })));
    assert.equal(results.filter((r) => r.status === 'queued').length, 100);
    assert.equal(q.stats().depth, 100);
    assert.equal(
      drops.reduce((n, d) => n + d.count, 0),
      200,
    );
    await q.close();

    const body = { payload: 'x'.repeat(90) }; // 104 bytes of JSON
    const b = new DurableQueue({ name: 'exact-bytes', dir, batchMs: 5, batchMax: 10, maxBytes: 104 * 30, policy: 'drop-newest' });
    await b.open();
    const byBytes = await Promise.all(Array.from({ length: 100 }, () => b.enqueue(body)));
    assert.equal(byBytes.filter((r) => r.status === 'queued').length, 30);
    assert.equal(b.stats().bytes, 104 * 30);
    await b.close();
  });

  test('block: a burst while a transaction is in flight waits instead of overshooting maxMessages', peers, async () => {
    const q = new DurableQueue({ name: 'exact-block', dir, batchMs: 5, batchMax: 50, maxMessages: 100, policy: 'block' });
    await q.open();
    const results = Array.from({ length: 150 }, (_, i) => q.enqueue({ payload: i }));
    await settledWithin(results.slice(0, 100), 10_000);
    assert.equal(q.stats().depth, 100);
    assert.equal(q.stats().blocked, 50);
    await q.settle(Array.from({ length: 50 }, (_, i) => i + 1));
    await settledWithin(results.slice(100), 10_000);
    assert.equal(q.stats().depth, 100);
    await q.close();
  });

  test('a failed transaction counts every message it refused, in stats and in edgegw_queue_storage_errors_total', peers, async () => {
    const q = new DurableQueue({ name: 'refused-count', dir, batchMs: 5, batchMax: 1000, maxPageCount: 40 });
    await q.open();
    const monitor = new QueueMonitor(q, undefined);
    const fill = (n: number) => Promise.allSettled(Array.from({ length: n }, () => q.enqueue({ payload: 'z'.repeat(2000) })));
    let refused = 0;
    for (let round = 0; round < 100 && refused === 0; round++) refused = (await fill(10)).filter((r) => r.status === 'rejected').length;
    assert.ok(refused > 0, 'the cap was reached');
    // the disk is full: a burst of 25 in one transaction is 25 refused messages, not 1 failure
    const burst = await fill(25);
    assert.equal(burst.filter((r) => r.status === 'rejected').length, 25);
    assert.equal(q.stats().storageRefused, refused + 25);
    await monitor.tick();
    const metric = await metricsRegistry().getSingleMetric('edgegw_queue_storage_errors_total')!.get();
    const value = metric.values.find((v) => v.labels.queue === 'refused-count')?.value;
    assert.equal(value, refused + 25);
    monitor.dispose();
    await q.close();
  });

  test('block: the messages waiting for space are bounded, shown as waiting (status, metric, health); past maxWaiting each is refused and counted', peers, async () => {
    assert.equal(storeForwardQueueOptions({ policy: 'block', maxWaiting: '3' }, 'n', '/d').maxWaiting, 3);
    assert.equal(storeForwardQueueOptions({}, 'n', '/d').maxWaiting, 1000);
    const q = new DurableQueue({ name: 'waiting', dir, batchMs: 1, maxMessages: 2, policy: 'block', maxWaiting: 3 });
    const monitor = new QueueMonitor(q, undefined);
    await q.enqueue({ payload: 'a' });
    await q.enqueue({ payload: 'b' });
    const waiting = [q.enqueue({ payload: 'c' }), q.enqueue({ payload: 'd' }), q.enqueue({ payload: 'e' })];
    const refused = await Promise.allSettled([q.enqueue({ payload: 'f' }), q.enqueue({ payload: 'g' })]);
    assert.deepEqual(
      refused.map((r) => r.status === 'rejected' && r.reason instanceof QueueWaitingFullError && [r.reason.waiting, r.reason.refused]),
      [
        [3, 1],
        [3, 2],
      ],
    );
    assert.match((refused[1] as PromiseRejectedResult).reason.message, /3 messages .* already wait for space.*maxWaiting 3.*2 refused so far/);
    const s = q.stats();
    assert.deepEqual([s.depth, s.blocked, s.waitingRefused], [2, 3, 2]);
    assert.equal(s.blockedBytes, 3 * JSON.stringify({ payload: 'c' }).length);
    const summary = await monitor.tick();
    assert.deepEqual([summary.depth, summary.waiting, summary.health], [2, 3, 'degraded']);
    const value = async (name: string) => (await metricsRegistry().getSingleMetric(name)!.get()).values.find((v) => v.labels.queue === 'waiting')?.value;
    assert.equal(await value('edgegw_queue_waiting'), 3);
    assert.equal(await value('edgegw_queue_waiting_refused_total'), 2);
    // space returns: the waiting ones go in, in order, and the bound frees up
    await q.settle([1, 2]);
    await Promise.all(waiting.slice(0, 2));
    await q.settle([3]);
    assert.deepEqual(
      (await Promise.all(waiting)).map((r) => r.status === 'queued' && r.seq),
      [3, 4, 5],
    );
    const after = await monitor.tick();
    assert.equal(after.waiting, 0); // (health: degraded still, as no destination takes what is queued)
    assert.equal(await value('edgegw_queue_waiting'), 0);
    monitor.dispose();
    await q.close();
  });

  test('block: a message larger than maxWaitingBytes is refused rather than held', peers, async () => {
    const q = new DurableQueue({ name: 'waiting-bytes', dir, batchMs: 1, maxMessages: 1, policy: 'block', maxWaitingBytes: 1000 });
    await q.enqueue({ payload: 'a' });
    const small = q.enqueue({ payload: 'x'.repeat(500) });
    await assert.rejects(q.enqueue({ payload: 'y'.repeat(600) }), QueueWaitingFullError);
    assert.equal(q.stats().blocked, 1);
    await q.settle([1]);
    assert.equal((await small).status, 'queued');
    await q.close();
  });
});
