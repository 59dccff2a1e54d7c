// The store-forward node's lib parts: its queue options, its replay range, the messages it sends
// about drops, dead letters and deliveries, and the storage problem its status shows as a code.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableQueue } from '../../../lib/queue';
import { storeForwardQueueOptions } from '../../../lib/queue/node-config';
import { deadLetterMessage, deliveredMessage, dropMessages } from '../../../lib/queue/node-messages';
import { QueueMonitor } from '../../../lib/queue/monitor';
import { replayRange, ReplayRangeError } from '../../../lib/queue/replay-range';
import { ConfigFieldError } from '../../../lib/config/fields';
import { SqliteCannotOpenError, SqliteFullError, storageProblemOf } from '../../../lib/storage/sqlite';
import { needPeers } from '../../helpers/peers';
import { SQLITE_PEER } from '../../helpers/sqlite-store';

const peers = needPeers(SQLITE_PEER());

describe('store-forward node parts', () => {
  test('queue options: MB and hours as bytes and ms, the node’s name when the queue has none, files under <userDir>/queues', () => {
    const o = storeForwardQueueOptions({ maxMB: '2', maxAgeH: 1, retentionH: '0.5', storage: 'memory' }, 'plant line', '/data');
    assert.equal(o.name, 'plant line');
    assert.equal(o.dir, join('/data', 'queues'));
    assert.equal(o.storage, 'memory');
    assert.equal(o.maxBytes, 2 * 1024 * 1024);
    assert.equal(o.maxAgeMs, 3_600_000);
    assert.equal(o.retentionMs, 1_800_000);
    assert.equal(o.maxMessages, undefined);
    assert.equal(storeForwardQueueOptions({ queue: 'q1' }, 'n', '/d').name, 'q1');
    assert.throws(
      () => storeForwardQueueOptions({ batchMax: 0 }, 'n', '/d'),
      (e) => e instanceof ConfigFieldError && e.field === 'batchMax',
    );
  });

  test('replay range: epoch ms or ISO text, `to` defaults to now, anything else refused quoting it', () => {
    assert.deepEqual(replayRange({ from: 1000, to: '1970-01-01T00:00:02Z' }, 5000), { from: 1000, to: 2000 });
    assert.deepEqual(replayRange({ from: 1000 }, 5000), { from: 1000, to: 5000 });
    for (const bad of [undefined, null, 7, {}, { from: 'soon' }, { from: 3000, to: 2000 }, { from: 1, to: ' ' }]) {
      assert.throws(() => replayRange(bad, 5000), ReplayRangeError, JSON.stringify(bad));
    }
    assert.throws(() => replayRange({ from: 'x' }, 0), /msg\.replay must be \{ from, to \}.*got \{"from":"x"\}/);
  });

  test('drops, dead letters and deliveries as messages', () => {
    const copied: unknown[] = [];
    const copy = (m: Record<string, unknown>) => (copied.push(m), { ...m });
    const base = { queue: 'q', reason: 'too-large' as const, policy: 'drop-newest', count: 1, bytes: 10 };
    const original = { topic: 't', payload: 1 };
    assert.deepEqual(dropMessages({ ...base, messages: [original] }, copy), [{ topic: 't', payload: 1, drop: { queue: 'q', reason: 'too-large', policy: 'drop-newest' } }]);
    assert.deepEqual(copied, [original], 'the refused message is copied, not changed');
    assert.deepEqual(dropMessages({ ...base, reason: 'max-age', firstSeq: 3, lastSeq: 4, count: 2 }, copy), [
      {
        topic: 'q/drop',
        payload: { queue: 'q', reason: 'max-age', policy: 'drop-newest', count: 2, bytes: 10, firstSeq: 3, lastSeq: 4 },
        drop: { queue: 'q', reason: 'max-age', policy: 'drop-newest' },
      },
    ]);
    assert.deepEqual(deadLetterMessage({ message: { seq: 2, id: 'u', queue: 'q', enqueuedAt: 0, msg: { topic: 't', payload: 'x' } }, error: 'rejected' }), {
      topic: 't',
      payload: 'x',
      deadLetter: { seq: 2, id: 'u', queue: 'q', error: 'rejected' },
    });
    assert.deepEqual(deliveredMessage({ queue: 'q', count: 2, firstSeq: 1, lastSeq: 2, ids: ['a', 'b'] }), { topic: 'q/delivered', payload: { count: 2, firstSeq: 1, lastSeq: 2, ids: ['a', 'b'] } });
  });

  test('storage problems as codes: the error class in the chain of causes decides', () => {
    assert.equal(storageProblemOf(new SqliteFullError('/f', 'commit', 'the disk is full')), 'full');
    assert.equal(storageProblemOf(new Error('wrapped', { cause: new SqliteCannotOpenError('/f', 'open', 'no') })), 'cannotOpen');
    assert.equal(storageProblemOf(new Error('something else')), 'failed');
  });

  describe('the queue monitor names its storage problem', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'edgegw-sf-parts-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    test('a full database: degraded, storageProblem "full" beside the words', peers, async () => {
      const q = new DurableQueue({ name: 'sf-parts-full', dir, batchMs: 1, maxPageCount: 40, retryMs: 20 });
      const monitor = new QueueMonitor(q, undefined);
      try {
        for (let i = 0; i < 10_000; i++) await q.enqueue({ payload: 'z'.repeat(2000) });
        assert.fail('the cap was never reached');
      } catch (err) {
        assert.match((err as Error).message, /disk is full/);
      }
      const s = await monitor.tick();
      assert.equal(s.storageProblem, 'full');
      assert.match(s.storageError ?? '', /disk is full/);
      assert.equal(s.health, 'degraded');
      monitor.dispose();
      await q.close();
    });

    test('a storage that never opened: down, with its problem', async () => {
      const q = new DurableQueue({ name: 'sf-parts-open', storage: 'memory' });
      const monitor = new QueueMonitor(q, undefined);
      monitor.openFailed(new Error('queue "sf-parts-open": cannot open', { cause: new SqliteCannotOpenError('/x', 'open', 'no such directory') }));
      const s = await monitor.tick();
      assert.equal(s.health, 'down');
      assert.equal(s.storageProblem, 'cannotOpen');
      monitor.dispose();
      await q.close();
    });
  });
});
