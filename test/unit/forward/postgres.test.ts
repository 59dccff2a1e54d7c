// PostgresDestination against a real PostgreSQL 15 cluster the test creates (initdb/pg_ctl in a
// temp dir, scram password auth): rows per sample, the created table, no duplicates on re-send,
// per-message rejection of what the database refuses, setup errors retried, close() mid-
// transaction, and a crash of the server mid-stream drained with nothing lost and nothing twice.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PostgresDestination, parsePostgresDestinationConfig } from '../../../lib/forward/postgres';
import { drain, queued, sample, scan, sequence } from '../../helpers/forward-driver';
import { startPostgres, type PostgresServer } from '../../helpers/postgres';
import { PEER, needPeers } from '../../helpers/peers';
import { waitFor } from '../../helpers/process';
import { resourceCounts, settleTo } from '../../helpers/modbus-leaks';

const TS = 1_700_000_000_000;

describe('PostgresDestination (PostgreSQL 15)', needPeers(PEER.postgres()), () => {
  let pg: PostgresServer;
  const open: PostgresDestination[] = [];
  const destination = (raw: Record<string, unknown>) => {
    const d = new PostgresDestination(parsePostgresDestinationConfig({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: pg.database, ...raw }));
    open.push(d);
    return d;
  };
  const count = async (table: string) => Number((await pg.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0].n);

  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    for (const d of open) await d.close();
    pg?.dispose();
  });

  test('creates the documented table and writes one row per sample, one per plain message', async () => {
    const dest = destination({ table: 'readings', createTable: true });
    await dest.start();
    assert.equal(dest.status().state, 'connected');
    const batch = [
      queued(
        {
          topic: 'plc1',
          payload: {},
          tags: [
            sample('plc1', 'temp', 21.5, TS),
            sample('plc1', 'run', true, TS + 1),
            sample('plc1', 'mode', 'auto', TS + 2),
            sample('plc1', 'p', null, TS + 3, 'bad', { error: 'timeout', unit: 'bar' }),
          ],
        },
        { seq: 1, queue: 'qa' },
      ),
      queued({ topic: 'plc2/level', payload: 3.5, tag: sample('plc2', 'level', 3.5, TS, 'stale') }, { seq: 2, queue: 'qa' }),
      queued({ topic: 'events', payload: { door: 'open', n: 1 } }, { seq: 3, queue: 'qa', enqueuedAt: TS + 9 }),
    ];
    assert.deepEqual(
      (await dest.send(batch)).map((o) => o.status),
      ['delivered', 'delivered', 'delivered'],
    );
    const rows = await pg.query(
      `SELECT (extract(epoch from ts) * 1000)::bigint AS ms, device, tag, value, value_text, quality, seq::int, part, msg_id::text, queue, payload FROM readings ORDER BY seq, part`,
    );
    assert.deepEqual(
      rows.map((r) => [Number(r.ms), r.device, r.tag, r.value, r.value_text, r.quality, r.seq, r.part, r.queue]),
      [
        [TS, 'plc1', 'temp', 21.5, null, 'good', 1, 0, 'qa'],
        [TS + 1, 'plc1', 'run', 1, 'true', 'good', 1, 1, 'qa'],
        [TS + 2, 'plc1', 'mode', null, 'auto', 'good', 1, 2, 'qa'],
        [TS + 3, 'plc1', 'p', null, null, 'bad', 1, 3, 'qa'],
        [TS, 'plc2', 'level', 3.5, null, 'stale', 2, 0, 'qa'],
        [TS + 9, 'events', null, null, null, null, 3, 0, 'qa'],
      ],
    );
    assert.deepEqual(rows[3].payload, { unit: 'bar', error: 'timeout' });
    assert.deepEqual(rows[5].payload, { door: 'open', n: 1 });
    assert.equal(rows[0].msg_id, batch[0].id);
    const columns = await pg.query<{ column_name: string; data_type: string }>(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'readings' ORDER BY ordinal_position`);
    assert.deepEqual(
      columns.map((c) => `${c.column_name} ${c.data_type}`),
      [
        'ts timestamp with time zone',
        'device text',
        'tag text',
        'value double precision',
        'value_text text',
        'quality text',
        'seq bigint',
        'part integer',
        'msg_id uuid',
        'queue text',
        'payload jsonb',
      ],
    );
  });

  test('a batch sent again (a lost COMMIT answer, a crash) inserts nothing twice', async () => {
    const dest = destination({ table: 'telemetry.dedupe', createTable: true });
    const batch = sequence(50, (i) => scan('plc', 4, TS + i));
    assert.ok((await dest.send(batch)).every((o) => o.status === 'delivered'));
    assert.ok(
      (await dest.send(batch.slice(10, 30))).every((o) => o.status === 'delivered'),
      'already there counts as delivered',
    );
    assert.equal(await count('telemetry.dedupe'), 200);
  });

  test('rows the database refuses reject only their message; the rest of the batch commits', async () => {
    const dest = destination({ table: 'checked', createTable: true });
    await dest.start();
    await pg.query(`ALTER TABLE checked ADD CONSTRAINT value_range CHECK (value IS NULL OR value < 1000)`);
    const batch = sequence(5, (i) => ({ tags: [sample('plc', 'a', i, TS + i), sample('plc', 'b', i === 1 ? 'nul\u0000byte' : 'ok', TS + i), sample('plc', 'c', i === 3 ? 5000 : 1, TS + i)] }), 'qc');
    const outcomes = await dest.send(batch);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['delivered', 'rejected', 'delivered', 'rejected', 'delivered'],
    );
    assert.match((outcomes[1] as { error: string }).error, /seq 2 refused: .*SQLSTATE 22021/);
    assert.match((outcomes[3] as { error: string }).error, /seq 4 refused: .*value_range.*SQLSTATE 23514/);
    const seqs = await pg.query<{ seq: string }>(`SELECT DISTINCT seq FROM checked ORDER BY seq`);
    assert.deepEqual(
      seqs.map((r) => Number(r.seq)),
      [1, 3, 5],
    );
    assert.equal(await count('checked'), 9, 'a rejected message leaves none of its rows');
  });

  test('messages that cannot become rows are rejected before sending, naming the sample', async () => {
    const dest = destination({ table: 'readings', createTable: true });
    const outcomes = await dest.send([
      queued({ tags: [sample('plc', 'x', 1, TS), { device: 'plc', name: 'y', value: 1, quality: 'good', ts: 'yesterday' }] }, { seq: 100 }),
      queued({ tags: [] }, { seq: 101 }),
    ]);
    assert.equal(outcomes[0].status, 'rejected');
    assert.match((outcomes[0] as { error: string }).error, /seq 100 tags\[1\] \(tag plc\/y\): ts "yesterday" is not epoch milliseconds/);
    assert.equal(outcomes[1].status, 'delivered', 'a scan of no samples has nothing to write');
  });

  test('wrong password: start() fails clearly, sends are retried with an error status, no secret in any text', async () => {
    const dest = destination({ table: 'readings', password: 'not-the-password' });
    await assert.rejects(dest.start(), (err: Error) => /password authentication failed/.test(err.message) && !err.message.includes('not-the-password'));
    const [o] = await dest.send([queued({ payload: 1 })]);
    assert.equal(o.status, 'retry');
    assert.match((o as { error: string }).error, /SQLSTATE 28P01/);
    assert.equal(dest.status().state, 'error');
    assert.doesNotMatch(`${(o as { error: string }).error} ${dest.status().detail} ${dest.describe}`, /not-the-password/);
  });

  test('a missing table (createTable off) is retried with an error status until it exists', async () => {
    const dest = destination({ table: 'later_table' });
    const batch = sequence(3, (i) => ({ tag: sample('plc', 'x', i, TS + i) }));
    const first = await dest.send(batch);
    assert.ok(first.every((o) => o.status === 'retry'));
    assert.match((first[0] as { error: string }).error, /later_table.*does not exist.*SQLSTATE 42P01/);
    assert.equal(dest.status().state, 'error');
    await pg.query(`CREATE TABLE later_table (LIKE readings INCLUDING ALL)`);
    assert.ok((await dest.send(batch)).every((o) => o.status === 'delivered'));
    assert.equal(await count('later_table'), 3);
    assert.equal(dest.status().state, 'error', 'status stays until a success says otherwise');
  });

  test('close() during a transaction: the batch answers retry and nothing of it is committed', async () => {
    const dest = new PostgresDestination(
      parsePostgresDestinationConfig({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: pg.database, table: 'locked', createTable: true }),
    );
    await dest.start();
    const locker = await pg.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE locked IN ACCESS EXCLUSIVE MODE');
      const pending = dest.send(sequence(3, (i) => ({ tag: sample('plc', 'x', i, TS + i) })));
      await waitFor(
        'the insert to wait for the lock',
        async () => (await pg.query(`SELECT 1 FROM pg_stat_activity WHERE application_name = 'edge-gateway forwarder' AND wait_event_type = 'Lock'`)).length > 0,
      );
      await dest.close();
      assert.deepEqual(
        (await pending).map((o) => o.status),
        ['retry', 'retry', 'retry'],
      );
    } finally {
      await locker.query('COMMIT');
      await locker.end();
    }
    assert.equal(await count('locked'), 0);
  });

  test('100 start/send/close cycles leave no socket or timer behind', async () => {
    const baseline = resourceCounts();
    for (let i = 0; i < 100; i++) {
      const dest = new PostgresDestination(
        parsePostgresDestinationConfig({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: pg.database, table: 'cycles', createTable: true }),
      );
      await dest.start();
      assert.equal((await dest.send([queued({ tag: sample('plc', 'x', i, TS + i) }, { seq: i + 1, queue: 'cycles' })]))[0].status, 'delivered');
      await dest.close();
    }
    assert.deepEqual(await settleTo(baseline, 10_000), []);
    assert.equal(await count('cycles'), 100);
  });

  test('server crash (pg_ctl stop -m immediate) mid-stream, then started again: every row once', async () => {
    const dest = destination({ table: 'stream', createTable: true, maxBatch: 100, timeoutMs: 5000, connectTimeoutMs: 2000 });
    await dest.start();
    const messages = sequence(3000, (i) => scan('line', 5, TS + i * 100, i), 'stream-q');
    let stopping: Promise<void> | undefined;
    let restarted = false;
    const result = await drain(dest, messages, {
      pauseMs: 100,
      onRound: async (round) => {
        // Stop while the next batch is in flight, not between batches.
        if (round === 6) stopping = pg.stop('immediate');
        if (round >= 16 && stopping && !restarted) {
          await stopping;
          restarted = true;
          await pg.start();
        }
      },
    });
    assert.ok(restarted);
    assert.deepEqual(result.rejected, []);
    assert.deepEqual(
      result.delivered,
      messages.map((m) => m.seq),
    );
    assert.ok(result.retries >= 5, `retries during the outage: ${result.retries}`);
    const [stats] = await pg.query<{ n: string; distinct_keys: string; seqs: string; min: string; max: string }>(
      `SELECT count(*) AS n, count(DISTINCT (seq, part)) AS distinct_keys, count(DISTINCT seq) AS seqs, min(seq) AS min, max(seq) AS max FROM stream WHERE queue = 'stream-q'`,
    );
    assert.deepEqual([stats.n, stats.distinct_keys, stats.seqs, stats.min, stats.max].map(Number), [15000, 15000, 3000, 1, 3000]);
  });
});
