// DurableQueue under bursts and at its limits: every accepted message is committed soon after a
// burst ends with no further input; limits are exact while a transaction is in flight; storage
// failures count the messages they refused; block keeps a bounded number of messages waiting.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableQueue, type EnqueueResult } from '../../../lib/queue';
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
      const done = await settledWithin(results, 10_000);
      assert.ok(done.every((r) => r.status === 'queued'));
      assert.equal(q.stats().pending, 0);
      assert.equal(q.stats().depth, total);
    }
    await q.close();
  });
});
