// DurableQueue on real SQLite files: seq/UUID/commit-before-resolve, acks and dead letters,
// restart, the high-water mark, limits with each policy, a corrupt file, a full database, replay,
// and the explicit memory mode.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableQueue, type DropReport, type EnqueueResult } from '../../../lib/queue';
import { MissingPackageError, loadOptional } from '../../../lib/system/process/optional';
import { needPeers } from '../../helpers/peers';
import { SQLITE_PEER, secondConnection, walCommits } from '../../helpers/sqlite-store';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const peers = needPeers(SQLITE_PEER());

describe('DurableQueue (sqlite)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-queue-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const fileOf = (name: string) => join(dir, `queue-${name}.sqlite`);

  test('seq grows by one per committed message, each with a UUID; a window shares one transaction', peers, async () => {
    const q = new DurableQueue({ name: 'seq', dir, batchMs: 50, batchMax: 10_000 });
    await q.open();
    const before = walCommits(fileOf('seq'));
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => q.enqueue({ topic: 'd/t', payload: i })));
    const after = walCommits(fileOf('seq'));
    assert.deepEqual(
      results.map((r) => (r.status === 'queued' ? r.seq : -1)),
      Array.from({ length: 1000 }, (_, i) => i + 1),
    );
    const ids = results.map((r) => (r.status === 'queued' ? r.id : ''));
    assert.ok(ids.every((id) => UUID.test(id)));
    assert.equal(new Set(ids).size, 1000);
    // 1000 enqueues in one window: a handful of transactions, not a thousand
    assert.ok(after - before <= 3, `transactions: ${after - before}`);
    // what resolved is on disk, seen by another connection
    const other = await secondConnection(fileOf('seq'));
    const [row] = await other.all('SELECT count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM messages');
    await other.close();
    assert.deepEqual(row, { n: 1000, lo: 1, hi: 1000 });
    assert.equal(q.stats().depth, 1000);
    await q.close();
  });

  test('while the disk is busy, the windows that wait merge into one transaction, counted as pending', peers, async () => {
    const q = new DurableQueue({ name: 'merge', dir, batchMs: 2 });
    await q.open();
    // another connection holds the write lock: the queue's first transaction waits for it
    const other = await secondConnection(fileOf('merge'));
    await other.run('BEGIN IMMEDIATE');
    const before = walCommits(fileOf('merge'));
    const results: Array<Promise<EnqueueResult>> = [];
    for (let i = 0; i < 20; i++) {
      results.push(q.enqueue({ payload: i }));
      // each message in a window of its own (batchMs 2)
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(q.stats().pending, 20, 'every accepted message not on disk is counted');
    await other.run('COMMIT');
    await other.close();
    const done = await Promise.all(results);
    assert.deepEqual(
      done.map((r) => (r.status === 'queued' ? r.seq : -1)),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    // one window's transaction waited for the lock; the 19 windows after it went as one more, not 19
    assert.ok(walCommits(fileOf('merge')) - before <= 3, `transactions: ${walCommits(fileOf('merge')) - before}`);
    assert.equal(q.stats().pending, 0);
    assert.deepEqual(
      (await q.read(0, 100)).map((m) => m.msg.payload),
      Array.from({ length: 20 }, (_, i) => i),
    );
    await q.close();
  });

  test('messages offered while close() runs: each one committed or refused as closed, never a transaction on a closed file', peers, async () => {
    for (let round = 0; round < 5; round++) {
      const name = `closing${round}`;
      const q = new DurableQueue({ name, dir, batchMs: 20 });
      await q.open();
      const storageErrors: string[] = [];
      q.on('storage', (e: { error?: Error }) => e.error && storageErrors.push(e.error.message));
      const offers: Array<Promise<'queued' | 'closed'>> = [];
      const offer = (i: number) =>
        offers.push(
          q.enqueue({ payload: i }).then(
            () => 'queued' as const,
            (err: Error) => {
              assert.equal(err.name, 'QueueClosedError', err.message);
              return 'closed' as const;
            },
          ),
        );
      for (let i = 0; i < 50; i++) offer(i);
      // offers in the same turn as close(), in the microtasks after it, and in later turns
      const closing = q.close();
      for (let i = 50; i < 60; i++) offer(i);
      await Promise.resolve();
      for (let i = 60; i < 70; i++) offer(i);
      const later = setInterval(() => offer(offers.length), 1);
      await closing;
      clearInterval(later);
      const outcomes = await Promise.all(offers);
      assert.deepEqual(storageErrors, [], 'no transaction after the file closed');
      const queued = outcomes.filter((o) => o === 'queued').length;
      assert.ok(queued >= 50, `the 50 offered before close() are queued (${queued})`);
      // exactly what was answered "queued" is on disk, in order
      const reopened = new DurableQueue({ name, dir, batchMs: 5 });
      const rows = await reopened.read(0, 1000);
      assert.equal(rows.length, queued);
      assert.deepEqual(
        rows.map((r) => (r.msg as { payload: number }).payload),
        outcomes.flatMap((o, i) => (o === 'queued' ? [i] : [])),
      );
      await reopened.close();
    }
  });

  test('acks delete, rejects go to dead letters; after a restart what is unacked comes back and seq is never reused', peers, async () => {
    let q = new DurableQueue({ name: 'restart', dir, batchMs: 5 });
    for (let i = 0; i < 10; i++) await q.enqueue({ payload: i, tag: { device: 'd', name: 't', value: i, quality: 'good', ts: 1 } });
    const first = await q.read(0, 4);
    assert.deepEqual(
      first.map((m) => m.seq),
      [1, 2, 3, 4],
    );
    assert.equal(first[0].queue, 'restart');
    assert.deepEqual(first[2].msg, { payload: 2, tag: { device: 'd', name: 't', value: 2, quality: 'good', ts: 1 } });
    await q.settle([1, 2, 4], [{ seq: 3, error: 'HTTP 400: bad field' }]);
    assert.deepEqual(
      (await q.read(0, 100)).map((m) => m.seq),
      [5, 6, 7, 8, 9, 10],
    );
    const dead = await q.deadLetters();
    assert.deepEqual(
      dead.map((d) => [d.seq, d.error]),
      [[3, 'HTTP 400: bad field']],
    );
    assert.deepEqual(JSON.parse(dead[0].body).payload, 2);
    assert.equal(q.stats().delivered, 3);
    assert.equal(q.stats().deadLettered, 1);
    await q.close();

    q = new DurableQueue({ name: 'restart', dir, batchMs: 5 });
    await q.open();
    assert.equal(q.stats().depth, 6);
    assert.deepEqual(
      (await q.read(0, 100)).map((m) => m.seq),
      [5, 6, 7, 8, 9, 10],
    );
    // deliver everything: the table is empty, yet the next seq continues from the high-water mark
    await q.settle([5, 6, 7, 8, 9, 10]);
    await q.close();
    q = new DurableQueue({ name: 'restart', dir, batchMs: 5 });
    const r = await q.enqueue({ payload: 'after' });
    assert.equal(r.status === 'queued' && r.seq, 11);
    await q.close();
  });

  test('acks below the last seq, then of the last seq: after each restart seq goes on from the high-water mark', peers, async () => {
    const open = async () => {
      const q = new DurableQueue({ name: 'acks-alone', dir, batchMs: 5 });
      await q.open();
      return q;
    };
    let q = await open();
    await Promise.all(Array.from({ length: 10 }, (_, i) => q.enqueue({ payload: i })));
    // below the last seq (the largest seq stays in the table); an ack repeated is counted once
    await q.settle([1, 2, 3]);
    await q.settle([3, 4]);
    assert.equal(q.stats().delivered, 4);
    assert.equal(q.stats().depth, 6);
    await q.close();
    q = await open();
    assert.deepEqual(
      (await q.read(0, 100)).map((m) => m.seq),
      [5, 6, 7, 8, 9, 10],
    );
    // the last seq with others: the table ends empty, the mark says where seq goes on
    await q.settle([5, 6, 7, 8, 9, 10]);
    assert.equal(q.stats().depth, 0);
    await q.close();
    q = await open();
    const r = await q.enqueue({ payload: 'after' });
    assert.equal(r.status === 'queued' && r.seq, 11);
    await q.enqueue({ payload: 'and after' });
    await q.settle([11]);
    await q.close();
    q = await open();
    assert.deepEqual(
      (await q.read(0, 100)).map((m) => m.seq),
      [12],
    );
    await q.settle([12]);
    await q.close();
    q = await open();
    const last = await q.enqueue({ payload: 'last' });
    assert.equal(last.status === 'queued' && last.seq, 13);
    await q.close();
  });

  test("a scan's payload text is kept from the enqueue: same stored body, msg parsed only when read; after a restart, from the body", peers, async () => {
    let q = new DurableQueue({ name: 'payload-text', dir, batchMs: 5 });
    const tags = [
      { device: 'boiler', name: 't', value: 21.5, quality: 'good', ts: 1 },
      { device: 'boiler', name: 'on', value: true, quality: 'good', ts: 1 },
    ];
    const scan = { _msgid: 'hop', topic: 'boiler', payload: { t: 21.5, on: true, note: 'a "quoted" \u0000 text' }, tags, site: 'north' };
    const marked = { topic: 'x', payload: { a: 1 }, note: '\u0000edgegw:payload\u0000' };
    const fit = { topic: 'boiler', payload: { t: 21.5, on: true }, tags };
    await Promise.all([q.enqueue(scan), q.enqueue({ topic: 'n', payload: 7 }), q.enqueue(marked), q.enqueue({ topic: 'arr', payload: [1, 2] }), q.enqueue(fit)]);
    const { _msgid: _hop, ...stored } = scan;
    const [a, b, c, d, e] = await q.read(0, 10);
    // a whole scan (its samples say what its payload says): stored as runs, read back as it was
    assert.deepEqual(e.msg, fit);
    assert.equal(e.payloadJson, JSON.stringify(fit.payload));
    assert.equal(a.payloadJson, JSON.stringify(scan.payload));
    assert.deepEqual(a.head, { topic: 'boiler', device: 'boiler', tag: undefined });
    assert.deepEqual(a.msg, stored);
    // only a plain-object payload has its text kept
    assert.equal(b.payloadJson, undefined);
    assert.equal(d.payloadJson, undefined);
    assert.deepEqual(d.msg, { topic: 'arr', payload: [1, 2] });
    // a message that carries the queue's own marker is stored exactly too
    assert.deepEqual(c.msg, marked);
    await q.close();
    // the stored body is exactly JSON.stringify of the message without _msgid; the scan's is runs
    const db = await secondConnection(fileOf('payload-text'));
    const rows = await db.all('SELECT body FROM messages ORDER BY seq');
    await db.close();
    assert.deepEqual(
      rows.slice(0, 4).map((r) => r.body),
      [JSON.stringify(stored), JSON.stringify({ topic: 'n', payload: 7 }), JSON.stringify(marked), JSON.stringify({ topic: 'arr', payload: [1, 2] })],
    );
    assert.equal(String(rows[4].body)[0], '\u0001');
    q = new DurableQueue({ name: 'payload-text', dir, batchMs: 5 });
    const again = await q.read(0, 10);
    assert.equal(again[0].payloadJson, undefined);
    assert.deepEqual(again[0].msg, stored);
    assert.deepEqual(again[4].msg, fit);
    // dead letters hand out the message's JSON, whatever the row holds
    await q.settle([], [{ seq: 5, error: 'HTTP 400' }]);
    assert.equal((await q.deadLetters())[0].body, JSON.stringify(fit));
    await q.close();
  });

  test('drop-oldest: the oldest rows go, every drop reported with its seqs', peers, async () => {
    const q = new DurableQueue({ name: 'oldest', dir, batchMs: 1, maxMessages: 5, policy: 'drop-oldest' });
    const drops: DropReport[] = [];
    q.on('drop', (d: DropReport) => drops.push(d));
    for (let i = 0; i < 8; i++) await q.enqueue({ payload: i });
    assert.deepEqual(
      (await q.read(0, 100)).map((m) => m.msg.payload),
      [3, 4, 5, 6, 7],
    );
    assert.equal(
      drops.reduce((s, d) => s + d.count, 0),
      3,
    );
    assert.deepEqual(
      drops.map((d) => [d.reason, d.firstSeq, d.lastSeq]),
      [
        ['max-messages', 1, 1],
        ['max-messages', 2, 2],
        ['max-messages', 3, 3],
      ],
    );
    assert.equal(q.stats().dropped, 3);
    assert.equal(q.stats().depth, 5);
    await q.close();
  });

  test('drop-newest: a message that does not fit is refused and reported with itself', peers, async () => {
    const q = new DurableQueue({ name: 'newest', dir, batchMs: 1, maxMessages: 3, policy: 'drop-newest' });
    const drops: DropReport[] = [];
    q.on('drop', (d: DropReport) => drops.push(d));
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await q.enqueue({ payload: i }));
    assert.deepEqual(
      results.map((r) => r.status),
      ['queued', 'queued', 'queued', 'dropped', 'dropped'],
    );
    assert.deepEqual(
      (await q.read(0, 100)).map((m) => m.msg.payload),
      [0, 1, 2],
    );
    assert.deepEqual(
      drops.map((d) => d.messages),
      [[{ payload: 3 }], [{ payload: 4 }]],
    );
    await q.close();
  });

  test('max-bytes with drop-oldest frees at least the bytes needed; a message larger than the limit is refused', peers, async () => {
    const q = new DurableQueue({ name: 'bytes', dir, batchMs: 1, maxBytes: 100, policy: 'drop-oldest' });
    const drops: DropReport[] = [];
    q.on('drop', (d: DropReport) => drops.push(d));
    const body = (i: number) => ({ payload: `${i}`.padEnd(20, 'x') }); // 34 bytes of JSON: two fit in 100
    for (let i = 0; i < 5; i++) await q.enqueue(body(i));
    assert.equal(q.stats().bytes, 68);
    assert.deepEqual(
      (await q.read(0, 100)).map((m) => (m.msg.payload as string)[0]),
      ['3', '4'],
    );
    const big = await q.enqueue({ payload: 'y'.repeat(200) });
    assert.deepEqual(big, { status: 'dropped', reason: 'too-large' });
    assert.ok(drops.some((d) => d.reason === 'too-large' && d.count === 1));
    assert.ok(drops.some((d) => d.reason === 'max-bytes'));
    await q.close();
  });

  test('block: enqueue waits for space (backpressure) and goes in once an ack frees it, in order', peers, async () => {
    const q = new DurableQueue({ name: 'block', dir, batchMs: 1, maxMessages: 2, policy: 'block' });
    await q.enqueue({ payload: 'a' });
    await q.enqueue({ payload: 'b' });
    let third: EnqueueResult | undefined;
    const waiting = q.enqueue({ payload: 'c' }).then((r) => (third = r));
    const fourth = q.enqueue({ payload: 'd' });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(third, undefined, 'still waiting for space');
    assert.equal(q.stats().blocked, 2);
    await q.settle([1]);
    const got = await waiting;
    assert.equal(got.status === 'queued' && got.seq, 3);
    assert.equal(q.stats().blocked, 1);
    await q.settle([2]);
    assert.equal(((await fourth) as { seq: number }).seq, 4);
    assert.equal(q.stats().dropped, 0);
    await q.close();
  });

  test('max age: rows older than the limit are dropped and reported (injected clock)', peers, async () => {
    let now = 1_000_000;
    const q = new DurableQueue({ name: 'age', dir, batchMs: 1, maxAgeMs: 60_000, sweepMs: 20, now: () => now });
    const drops: DropReport[] = [];
    q.on('drop', (d: DropReport) => drops.push(d));
    await q.enqueue({ payload: 'old' });
    now += 30_000;
    await q.enqueue({ payload: 'young' });
    now += 40_000;
    const deadline = Date.now() + 10_000;
    while (drops.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(
      drops.map((d) => [d.reason, d.count, d.firstSeq]),
      [['max-age', 1, 1]],
    );
    assert.deepEqual(
      (await q.read(0, 10)).map((m) => m.msg.payload),
      ['young'],
    );
    await q.close();
  });

  test('a corrupt file is moved aside with a timestamped name and a fresh queue starts', peers, async () => {
    writeFileSync(fileOf('corrupt'), Buffer.alloc(8192, 0x5a));
    const q = new DurableQueue({ name: 'corrupt', dir, batchMs: 1 });
    const quarantined: Array<{ path: string; movedTo: string; reason: string }> = [];
    q.on('quarantined', (x) => quarantined.push(x));
    const r = await q.enqueue({ payload: 1 });
    assert.equal(r.status === 'queued' && r.seq, 1);
    assert.equal(quarantined.length, 1);
    assert.match(quarantined[0].reason, /not a SQLite database or is corrupt/);
    assert.match(quarantined[0].movedTo, /queue-corrupt\.sqlite\.corrupt-\d{4}-\d\d-\d\dT/);
    assert.ok(existsSync(quarantined[0].movedTo));
    assert.ok(readdirSync(dir).some((f) => f.startsWith('queue-corrupt.sqlite.corrupt-')));
    await q.close();
  });

  test('a full database is an error (enqueue refused, storage event) and recovers when space returns', peers, async () => {
    const q = new DurableQueue({ name: 'full', dir, batchMs: 1, maxPageCount: 40, retryMs: 20 });
    const storage: Array<{ error?: Error }> = [];
    q.on('storage', (s) => storage.push(s));
    let fullAt = 0;
    let failure: Error | undefined;
    for (let i = 1; i < 10_000 && !failure; i++) {
      try {
        await q.enqueue({ payload: 'z'.repeat(2000) });
        fullAt = i;
      } catch (err) {
        failure = err as Error;
      }
    }
    assert.ok(failure, 'the cap was reached');
    assert.match(failure.message, /disk is full/);
    assert.equal((failure as { code?: string }).code, 'SQLITE_FULL');
    assert.match(q.stats().storageError!.message, /disk is full/);
    assert.equal(storage.length, 1);
    const seqs = (await q.read(0, 10_000)).map((m) => m.seq);
    assert.equal(seqs.length, fullAt, 'every accepted message is still there');
    // space returns (rows delivered): enqueues work again and seq continues without a gap
    await q.settle(seqs.slice(0, 20));
    const r = await q.enqueue({ payload: 'again' });
    assert.equal(r.status === 'queued' && r.seq, fullAt + 1);
    assert.equal(q.stats().storageError, undefined);
    assert.deepEqual(storage[storage.length - 1], {});
    await q.close();
  });

  test('replay resends what was delivered in a time range, with the original ids and new seqs', peers, async () => {
    let now = 5_000;
    const q = new DurableQueue({ name: 'replay', dir, batchMs: 1, retentionMs: 3_600_000, now: () => now });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await q.enqueue({ payload: i });
      if (r.status === 'queued') ids.push(r.id);
      now += 1000;
    }
    await q.settle([1, 2, 3, 4, 5, 6]);
    assert.equal(q.stats().depth, 0);
    const n = await q.replay(6_000, 8_000); // enqueued at 6000, 7000, 8000: seqs 2..4
    assert.equal(n, 3);
    const again = await q.read(0, 10);
    assert.deepEqual(
      again.map((m) => [m.seq, m.id, m.msg.payload, m.enqueuedAt]),
      [
        [7, ids[1], 1, 6000],
        [8, ids[2], 2, 7000],
        [9, ids[3], 3, 8000],
      ],
    );
    await q.close();
  });

  test('bad options name the field', () => {
    assert.throws(() => new DurableQueue({ name: '', dir }), /queue name: is required/);
    assert.throws(() => new DurableQueue({ name: 'x' }), /queue dir: is required for sqlite storage/);
    assert.throws(() => new DurableQueue({ name: 'x', dir, policy: 'drop-some' as never }), /queue policy: must be one of/);
    assert.throws(() => new DurableQueue({ name: 'x', dir, maxMessages: -1 }), /queue maxMessages: must be a number >= 0/);
    assert.throws(() => new DurableQueue({ name: 'x', dir, durability: 'paranoid' as never }), /queue durability/);
  });

  test('without sqlite3 the queue says so (MissingPackageError); memory mode needs nothing', async () => {
    const loader = () => loadOptional<never>('sqlite3-not-installed-here');
    assert.throws(
      () => new DurableQueue({ name: 'x', dir, loader }),
      (err: Error) => err instanceof MissingPackageError && /sqlite3-not-installed-here/.test(err.message),
    );
    const q = new DurableQueue({ name: 'mem', storage: 'memory', maxMessages: 3 });
    for (let i = 0; i < 5; i++) await q.enqueue({ payload: i });
    assert.deepEqual(
      (await q.read(0, 10)).map((m) => [m.seq, m.msg.payload]),
      [
        [3, 2],
        [4, 3],
        [5, 4],
      ],
    );
    await q.settle([3], [{ seq: 4, error: 'no' }]);
    assert.deepEqual(
      (await q.read(0, 10)).map((m) => m.seq),
      [5],
    );
    assert.equal((await q.deadLetters()).length, 1);
    assert.equal(q.stats().dropped, 2);
    await q.close();
  });

  test('a message that is not JSON is refused with a clear error, nothing else is affected', peers, async () => {
    const q = new DurableQueue({ name: 'json', dir, batchMs: 1 });
    const circular: Record<string, unknown> = { payload: 1 };
    circular.self = circular;
    await assert.rejects(q.enqueue(circular), /queue "json": the message cannot be stored: it is not JSON-serialisable/);
    assert.equal(((await q.enqueue({ payload: 2, _msgid: 'abc' })) as { seq: number }).seq, 1);
    assert.deepEqual((await q.read(0, 10))[0].msg, { payload: 2 });
    await q.close();
  });
});
