// The durable queue's memory does not follow its depth: a real SQLite queue filled with 200,000
// messages holds, by its own count (memoryHeld), what it held at 20,000, and a backlog drained
// afterwards is read in bounded pages, every message once and in order. The read cache against a
// model of the storage: whatever sequence of commits, deletions and reads (following the writer,
// reading a backlog page by page with the next page read ahead, rewinding), every read answers
// the rows the storage holds after the cursor, in order, none skipped.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { DurableQueue } from '../../../lib/queue';
import { QueueReadCache } from '../../../lib/queue/read-cache';
import type { StoredRow } from '../../../lib/queue/types';
import { needPeers } from '../../helpers/peers';
import { SQLITE_PEER } from '../../helpers/sqlite-store';

const peers = needPeers(SQLITE_PEER());

describe('durable queue memory', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-queue-memory-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('200,000 messages queued hold what 20,000 held; the backlog drains in bounded pages, in order', peers, async () => {
    const q = new DurableQueue({ name: 'deep', dir, batchMs: 5, batchMax: 1000 });
    await q.open();
    const fill = async (from: number, to: number) => {
      for (let i = from; i < to; i += 5000) await Promise.all(Array.from({ length: Math.min(5000, to - i) }, (_, k) => q.enqueue({ topic: 'd/t', payload: i + k })));
    };
    await fill(0, 20_000);
    const shallow = q.memoryHeld();
    await fill(20_000, 200_000);
    const deep = q.memoryHeld();
    assert.equal(q.stats().depth, 200_000);
    // nothing reads: past the read cache's cap nothing is held per message
    assert.ok(deep.cachedBytes <= shallow.cachedBytes + 1024, `held at 20,000: ${JSON.stringify(shallow)}; at 200,000: ${JSON.stringify(deep)}`);
    assert.ok(deep.cachedRows <= shallow.cachedRows + 10, `held at 20,000: ${JSON.stringify(shallow)}; at 200,000: ${JSON.stringify(deep)}`);
    assert.equal(deep.pending, 0);
    assert.equal(deep.blocked, 0);

    // the backlog, read the way the forwarder reads it: every seq once, in order, memory bounded
    let cursor = 0;
    let most = 0;
    let acked: number[] = [];
    for (;;) {
      const batch = await q.read(cursor, 100);
      if (batch.length === 0) break;
      assert.equal(batch[0].seq, cursor + 1);
      assert.equal(batch[batch.length - 1].seq, cursor + batch.length);
      assert.equal(batch[0].msg.payload, cursor);
      cursor = batch[batch.length - 1].seq;
      acked.push(...batch.map((m) => m.seq));
      if (acked.length >= 2000) {
        await q.settle(acked);
        acked = [];
      }
      most = Math.max(most, q.memoryHeld().cachedBytes);
    }
    await q.settle(acked);
    assert.equal(cursor, 200_000);
    assert.equal(q.stats().depth, 0);
    // a page and the one read ahead, never the backlog (200,000 rows of ~40 bytes: 8 MB and more)
    assert.ok(most <= 2 * 1024 * 1024, `held while draining: ${most} bytes`);

    // caught up: new rows are handed over from memory again
    await fill(200_000, 200_010);
    assert.equal(q.memoryHeld().cachedRows, 10);
    const next = await q.read(cursor, 100);
    assert.deepEqual(
      next.map((m) => m.seq),
      Array.from({ length: 10 }, (_, i) => 200_001 + i),
    );
    assert.equal(q.memoryHeld().cachedRows, 0);
    await q.close();
  });
});

/** The storage: queued rows by seq; reads resolve later, after whatever commits came meanwhile. */
class ModelStorage {
  readonly rows = new Map<number, StoredRow>();
  highWater = 0;
  /** the reads under way: each answers from the state it saw when it started (a snapshot) */
  snapshot(afterSeq: number, limit: number): StoredRow[] {
    return [...this.rows.values()]
      .filter((r) => r.seq > afterSeq)
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit);
  }
}

const row = (seq: number, bytes: number): StoredRow => ({ seq, id: `id-${seq}`, enqueuedAt: seq, bytes, body: `{"n":${seq}}` });

type Op = { kind: 'commit'; add: number; bytes: number; ack: number[]; dropOldest: number } | { kind: 'read'; back: number; limit: number; settleFirst: boolean };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('commit' as const),
    add: fc.nat(40),
    bytes: fc.integer({ min: 1, max: 300 }),
    ack: fc.array(fc.nat(120), { maxLength: 10 }),
    dropOldest: fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.nat(10), weight: 1 }),
  }),
  fc.record({
    kind: fc.constant('read' as const),
    back: fc.oneof({ arbitrary: fc.constant(0), weight: 5 }, { arbitrary: fc.nat(40), weight: 1 }),
    limit: fc.integer({ min: 1, max: 25 }),
    // false: commits may land while the read (and a read ahead) is under way
    settleFirst: fc.boolean(),
  }),
);

describe('QueueReadCache', () => {
  test('every read answers the rows queued after the cursor, in order, none skipped', async () => {
    let fromMemory = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(60), fc.array(op, { maxLength: 60 }), async (start, ops) => {
        const storage = new ModelStorage();
        for (let s = 1; s <= start; s++) storage.rows.set(s, row(s, 10));
        storage.highWater = start;
        let storageReads = 0;
        // a storage read sees the rows when it starts, and answers a turn later
        const read = (after: number, limit: number) => {
          storageReads++;
          const seen = storage.snapshot(after, limit);
          return new Promise<StoredRow[]>((resolve) => setImmediate(() => resolve(seen)));
        };
        const cache = new QueueReadCache({ highWater: start, depth: start }, read, () => storage.highWater, { recentMaxBytes: 4000, pageMaxBytes: 600, pageMaxRows: 30 });
        const commit = (o: Extract<Op, { kind: 'commit' }>) => {
          const added = Array.from({ length: o.add }, (_, i) => row(storage.highWater + 1 + i, o.bytes));
          const oldest = [...storage.rows.keys()].sort((a, b) => a - b).slice(0, o.dropOldest);
          const removed = [...new Set([...o.ack, ...oldest])].filter((s) => storage.rows.has(s)).map((seq) => ({ seq, bytes: storage.rows.get(seq)!.bytes }));
          for (const r of removed) storage.rows.delete(r.seq);
          for (const r of added) storage.rows.set(r.seq, r);
          storage.highWater += o.add;
          cache.committed(added, removed, storage.highWater);
        };
        let cursor = 0;
        const commits = ops.filter((o): o is Extract<Op, { kind: 'commit' }> => o.kind === 'commit');
        let nextCommit = 0;
        for (const o of ops) {
          if (o.kind === 'commit') continue;
          const afterSeq = Math.max(0, cursor - o.back);
          const before = storageReads;
          const atStart = new Set(storage.snapshot(afterSeq, Infinity).map((r) => r.seq));
          const reading = cache.read(afterSeq, o.limit, 10);
          // some commits land while the read is under way
          if (!o.settleFirst && nextCommit < commits.length) commit(commits[nextCommit++]);
          const got = await reading;
          if (storageReads === before) fromMemory++;
          // what is queued now after afterSeq: the answer is its start (a page may end sooner)
          const queued = storage.snapshot(afterSeq, Infinity);
          const gotSeqs = got.map((r) => r.seq);
          assert.ok(got.length <= o.limit);
          assert.deepEqual(
            gotSeqs,
            [...gotSeqs].sort((a, b) => a - b),
          );
          // none skipped: each row returned is the next queued one (rows deleted meanwhile aside)
          const live = gotSeqs.filter((s) => storage.rows.has(s));
          assert.deepEqual(
            live,
            queued.slice(0, live.length).map((r) => r.seq),
            `read after ${afterSeq}: got ${gotSeqs.join(',')}`,
          );
          // empty only when nothing that was queued when the read began is still queued
          if (got.length === 0) assert.ok(!queued.some((r) => atStart.has(r.seq)), `read after ${afterSeq} came back empty while rows are queued`);
          if (got.length) cursor = got[got.length - 1].seq;
          if (o.settleFirst && nextCommit < commits.length) commit(commits[nextCommit++]);
        }
        await cache.idle();
      }),
      { numRuns: 300 },
    );
    assert.ok(fromMemory > 100, `reads answered without a storage read: ${fromMemory}`);
  });
});
