// RecentRows (the forwarder's read cache of a DurableQueue) against a model of the storage: in any
// sequence of commits (new rows, acks, drops) and reads (the forwarder's next batch, a rewind, a
// read from the start), a read answered from memory is exactly what the storage answers, and
// whatever it cannot answer exactly, it leaves to the storage.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RecentRows } from '../../../lib/queue/recent-rows';
import type { StoredRow } from '../../../lib/queue/types';

/** The storage: queued rows by seq. */
class ModelStorage {
  readonly rows = new Map<number, StoredRow>();
  highWater = 0;
  read(afterSeq: number, limit: number): StoredRow[] {
    return [...this.rows.values()]
      .filter((r) => r.seq > afterSeq)
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit);
  }
}

const row = (seq: number, bytes: number): StoredRow => ({ seq, id: `id-${seq}`, enqueuedAt: seq, bytes, body: `{"n":${seq}}` });

type Op = { kind: 'commit'; add: number; bytes: number; ack: number[] } | { kind: 'read'; back: number; limit: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('commit' as const), add: fc.nat(30), bytes: fc.integer({ min: 1, max: 400 }), ack: fc.array(fc.nat(60), { maxLength: 10 }) }),
  // back: how far behind the reader's cursor the read starts (0: the next batch; more: a rewind)
  fc.record({ kind: fc.constant('read' as const), back: fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.nat(40), weight: 1 }), limit: fc.integer({ min: 1, max: 25 }) }),
);

describe('RecentRows', () => {
  test('every read it answers equals the storage read; the rest it leaves to the storage', () => {
    let answered = 0;
    let left = 0;
    fc.assert(
      fc.property(fc.nat(20), fc.integer({ min: 0, max: 20000 }), fc.array(op, { maxLength: 60 }), (start, maxBytes, ops) => {
        const storage = new ModelStorage();
        // rows already queued when the queue opened: never in memory
        for (let s = 1; s <= start; s++) storage.rows.set(s, row(s, 10));
        storage.highWater = start;
        const recent = new RecentRows(storage.highWater, maxBytes);
        let cursor = 0;
        for (const o of ops) {
          if (o.kind === 'commit') {
            const added = Array.from({ length: o.add }, (_, i) => row(storage.highWater + 1 + i, o.bytes));
            // acks and drops delete queued rows (an ack of a row not queued deletes nothing)
            const removed = [...new Set(o.ack)].filter((s) => storage.rows.has(s)).map((seq) => ({ seq }));
            for (const r of removed) storage.rows.delete(r.seq);
            for (const r of added) storage.rows.set(r.seq, r);
            storage.highWater += o.add;
            recent.committed(added, removed);
          } else {
            const afterSeq = Math.max(0, cursor - o.back);
            const expected = storage.read(afterSeq, o.limit);
            const got = recent.take(afterSeq, o.limit, storage.highWater);
            if (got) {
              answered++;
              assert.deepEqual(got, expected, `read after ${afterSeq}, limit ${o.limit}`);
            } else left++;
            if (expected.length) cursor = expected[expected.length - 1].seq;
          }
        }
      }),
      { numRuns: 500 },
    );
    // both paths were taken: the comparison above was not vacuous
    assert.ok(answered > 100 && left > 100, `answered from memory ${answered}, left to the storage ${left}`);
  });

  test('the forwarder reading right behind the writer is answered from memory, within the byte cap', () => {
    const recent = new RecentRows(0, 1000);
    recent.committed([row(1, 100), row(2, 100), row(3, 100)], []);
    assert.deepEqual(
      recent.take(0, 2, 3)?.map((r) => r.seq),
      [1, 2],
    );
    assert.deepEqual(
      recent.take(2, 25, 3)?.map((r) => r.seq),
      [3],
    );
    assert.deepEqual(recent.take(3, 25, 3), []);
    assert.equal(recent.size, 0);
    // a resend after a failure reads rows already handed out: the storage answers
    assert.equal(recent.take(1, 25, 3), undefined);
    // past the cap the oldest go, and a read that would need them goes to the storage
    recent.committed([row(4, 600), row(5, 600)], []);
    assert.equal(recent.size, 1);
    assert.equal(recent.take(3, 25, 5), undefined);
    assert.deepEqual(
      recent.take(4, 25, 5)?.map((r) => r.seq),
      [5],
    );
  });
});
