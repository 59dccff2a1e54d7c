// The drain's per-message path: MqttDestination's one promise per batch (outcomes in the batch's
// order, exact bytes and user properties on the wire for every kind of payload), the Forwarder's
// outcomes by position (and by seq when a destination answers in another order), and the
// high-water mark written only when the row of the last seq is deleted (seq never reused); and
// enqueueWithCallback, the store-forward node's way in, answering as enqueue's promise does.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient, type IPublishPacket } from 'mqtt';
import { DurableQueue, Forwarder } from '../../../lib/queue';
import { MqttDestination } from '../../../lib/forward/mqtt';
import type { DeliveryOutcome, Destination, DestinationStatus, QueuedMessage } from '../../../lib/forward/destination';
import { needPeers, PEER } from '../../helpers/peers';
import { SQLITE_PEER } from '../../helpers/sqlite-store';
import { startMosquitto, type Broker } from '../../helpers/mosquitto';
import { waitFor } from '../../helpers/process';

const qm = (seq: number, msg: QueuedMessage['msg']): QueuedMessage => ({ seq, id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`, queue: 'plant', enqueuedAt: 1, msg });

describe('MqttDestination: one batch, many kinds of payload', () => {
  let broker: Broker | undefined;
  let sub: MqttClient | undefined;
  const got: Array<{ topic: string; payload: Buffer; packet: IPublishPacket }> = [];
  const peers = needPeers(PEER.mosquitto());
  before(async () => {
    if (peers.skip) return;
    broker = await startMosquitto();
    sub = connect(broker.url, { protocolVersion: 5 });
    sub.on('message', (topic, payload, packet) => got.push({ topic, payload, packet }));
    await new Promise<void>((resolve, reject) => sub!.once('connect', () => sub!.subscribe('wire/#', { qos: 1 }, (err) => (err ? reject(err) : resolve()))));
  });
  after(async () => {
    sub?.end(true);
    await broker?.stop();
  });

  test('outcomes come back in the batch order; the bytes and user properties on the wire are exactly the payload and seq, id, queue', peers, async () => {
    const dest = new MqttDestination({ url: broker!.url, topic: 'wire/{msg.kind}', clientId: 't-wire' });
    await dest.start();
    const batch = [
      qm(1, { kind: 'object', payload: { t: 1.5, name: 'flow' } }),
      qm(2, { kind: 'buffer', payload: { type: 'Buffer', data: [0, 255, 10] } }),
      qm(3, { kind: 'string', payload: 'on' }),
      // no topic for this one: rejected, and its neighbours still go
      qm(4, { payload: 'lost' }),
      qm(5, { kind: 'number', payload: 21.5 }),
      qm(6, { kind: 'array', payload: [1, 'a'] }),
      qm(7, { kind: 'none' }),
      qm(8, { kind: 'payload-text', payload: { v: 2 } }),
    ];
    batch[7].payloadJson = '{"v":2}';
    batch[7].head = { topic: undefined, device: undefined, tag: undefined };
    const outcomes = await dest.send(batch);
    assert.deepEqual(
      outcomes.map((o) => [o.seq, o.status]),
      [
        [1, 'delivered'],
        [2, 'delivered'],
        [3, 'delivered'],
        [4, 'rejected'],
        [5, 'delivered'],
        [6, 'delivered'],
        [7, 'delivered'],
        [8, 'delivered'],
      ],
    );
    assert.match((outcomes[3] as { error: string }).error, /\{msg\.kind\} has no value in message seq 4/);
    await waitFor('seven messages', () => got.length === 7, 10_000);
    const id = (seq: number) => qm(seq, {}).id;
    assert.deepEqual(
      got.map((g) => [g.topic, g.payload.toString('hex')]),
      [
        ['wire/object', Buffer.from(`{"t":1.5,"name":"flow","seq":1,"id":"${id(1)}","queue":"plant"}`).toString('hex')],
        ['wire/buffer', '00ff0a'],
        ['wire/string', Buffer.from('on').toString('hex')],
        ['wire/number', Buffer.from('21.5').toString('hex')],
        ['wire/array', Buffer.from('[1,"a"]').toString('hex')],
        ['wire/none', ''],
        ['wire/payload-text', Buffer.from(`{"v":2,"seq":8,"id":"${id(8)}","queue":"plant"}`).toString('hex')],
      ],
    );
    for (const g of got) {
      const seq = [1, 2, 3, 5, 6, 7, 8][got.indexOf(g)];
      assert.deepEqual({ ...g.packet.properties?.userProperties }, { seq: String(seq), id: id(seq), queue: 'plant' });
      assert.equal(g.packet.retain, false);
      assert.equal(g.packet.qos, 1);
    }
    assert.deepEqual(await dest.send([]), []);
    await dest.close();
  });
});

/** Answers each batch with its outcomes in reverse order, one of them missing. */
class ShuffledDestination implements Destination {
  readonly describe = 'shuffled://test';
  readonly maxBatch = 5;
  readonly maxInFlight = 5;
  delivered: number[] = [];
  /** the seq left without an outcome, once */
  silent: number | undefined = 3;
  async start(): Promise<void> {}
  async send(batch: readonly QueuedMessage[]): Promise<DeliveryOutcome[]> {
    await new Promise((r) => setTimeout(r, 1));
    const outcomes: DeliveryOutcome[] = [];
    for (const m of batch) {
      if (m.seq === this.silent) {
        this.silent = undefined;
        continue;
      }
      this.delivered.push(m.seq);
      outcomes.push({ seq: m.seq, status: 'delivered' });
    }
    return outcomes.reverse();
  }
  status(): DestinationStatus {
    return { state: 'connected' };
  }
  onStatus(): () => void {
    return () => undefined;
  }
  async close(): Promise<void> {}
}

describe('Forwarder and the queue: outcomes and the high-water mark', () => {
  let dir: string;
  const peers = needPeers(SQLITE_PEER());
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-drain-path-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('outcomes in another order than the batch are matched by seq; a message without one is sent again, in order', peers, async () => {
    const queue = new DurableQueue({ name: 'shuffled', dir, batchMs: 2 });
    for (let i = 1; i <= 12; i++) await queue.enqueue({ payload: i });
    const dest = new ShuffledDestination();
    const forwarder = new Forwarder(queue, dest, { backoff: { minMs: 1, maxMs: 5 } });
    const reports: Array<{ firstSeq: number; lastSeq: number; ids: string[] }> = [];
    forwarder.on('delivered', (r: { firstSeq: number; lastSeq: number; ids: string[] }) => reports.push(r));
    forwarder.start();
    await waitFor('all delivered', () => queue.stats().depth === 0, 10_000);
    await forwarder.stop();
    // 1, 2, 4, 5 in the first batch; 3 had no outcome: sent again, then everything after it
    assert.deepEqual(dest.delivered.slice(0, 4), [1, 2, 4, 5]);
    assert.deepEqual(
      [...new Set(dest.delivered)].sort((a, b) => a - b),
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    assert.equal(dest.delivered[4], 3);
    assert.equal(queue.stats().delivered, 12);
    assert.ok(reports.every((r) => r.ids.length > 0 && r.firstSeq <= r.lastSeq));
    await queue.close();
  });

  test('the mark survives acknowledgements that leave the last row, then one that deletes it: seq is never reused', peers, async () => {
    const options = { name: 'mark', dir, batchMs: 2 };
    let q = new DurableQueue(options);
    for (let i = 1; i <= 10; i++) await q.enqueue({ payload: i });
    await q.settle([1, 2, 3, 4, 5]);
    for (let i = 11; i <= 12; i++) await q.enqueue({ payload: i });
    await q.settle([6, 7, 8]);
    await q.close();
    q = new DurableQueue(options);
    await q.open();
    assert.equal(q.stats().highWater, 12);
    assert.deepEqual(
      (await q.read(0, 100)).map((m) => m.seq),
      [9, 10, 11, 12],
    );
    // the last row goes first, then the rest: the table is empty, the mark says 12
    await q.settle([12]);
    await q.settle([9, 10, 11]);
    await q.close();
    q = new DurableQueue(options);
    await q.open();
    assert.equal(q.stats().depth, 0);
    assert.equal(q.stats().highWater, 12);
    const r = await q.enqueue({ payload: 'next' });
    assert.equal(r.status === 'queued' && r.seq, 13);
    // a dead letter of the last row records the mark too
    await q.settle([], [{ seq: 13, error: 'refused' }]);
    await q.close();
    q = new DurableQueue(options);
    const again = await q.enqueue({ payload: 'after' });
    assert.equal(again.status === 'queued' && again.seq, 14);
    await q.close();
  });

  test('enqueueWithCallback answers once, as enqueue does: queued with its seq, dropped by policy, refused', peers, async () => {
    const q = new DurableQueue({ name: 'callback', dir, batchMs: 2, maxMessages: 3, policy: 'drop-newest' });
    const answers: Array<{ err?: string; result?: unknown }> = [];
    const offer = (msg: unknown) =>
      new Promise<void>((resolve) =>
        q.enqueueWithCallback(msg, (err, result) => {
          answers.push(err ? { err: err.message } : { result });
          resolve();
        }),
      );
    // before the queue is open, then on the open queue, mixed with enqueue's promises
    await Promise.all([offer({ payload: 1 }), q.enqueue({ payload: 2 }), offer({ payload: 3 })]);
    await offer({ payload: 4 });
    await offer(undefined);
    assert.deepEqual(answers.slice(0, 3), [
      { result: { status: 'queued', seq: 1, id: (answers[0].result as { id: string }).id } },
      { result: { status: 'queued', seq: 3, id: (answers[1].result as { id: string }).id } },
      { result: { status: 'dropped', reason: 'max-messages' } },
    ]);
    assert.match(answers[3].err!, /it is undefined/);
    assert.deepEqual(
      (await q.read(0, 10)).map((m) => m.msg.payload),
      [1, 2, 3],
    );
    await q.close();
    await offer({ payload: 5 });
    assert.match(answers[4].err!, /the queue is closed/);
    assert.equal(answers.length, 5);
  });
});
