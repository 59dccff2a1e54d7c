// Store and forward under faults, with real peers: the broker (mosquitto) killed for ~10 s during a
// steady stream; the gateway process killed with kill -9 while 50,000 messages are queued, then
// restarted; a corrupt queue file before start. Every message arrives, in order, with no gap in
// seq; duplicates only after the crash and no more than the in-flight window.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { DurableQueue, Forwarder } from '../../lib/queue';
import { MqttDestination } from '../../lib/forward/mqtt';
import { needPeers, PEER } from '../helpers/peers';
import { freePort, startProcess, waitFor, waitForPort, type Peer } from '../helpers/process';
import { SQLITE_PEER } from '../helpers/sqlite-store';

/** mosquitto with persistence, so a subscriber's session (and what was queued for it) survives a restart. */
async function persistentBroker(dir: string): Promise<{ url: string; stop(): Promise<void>; kill(): Promise<void>; start(): Promise<void> }> {
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence true', `persistence_location ${dir}/`, 'autosave_interval 1', 'max_queued_messages 0', 'max_inflight_messages 0', ''].join(
      '\n',
    ),
  );
  let peer: Peer | undefined;
  const b = {
    url: `mqtt://127.0.0.1:${port}`,
    async start() {
      peer = startProcess('mosquitto', ['-c', conf]);
      await waitForPort(port);
    },
    async kill() {
      await peer?.stop('SIGKILL');
    },
    async stop() {
      await peer?.stop('SIGTERM');
    },
  };
  await b.start();
  return b;
}

/** A subscriber with a persistent session (QoS 1) that records the seq of every message. */
async function seqRecorder(url: string, topic: string): Promise<{ client: MqttClient; seqs: number[] }> {
  const client = connect(url, { clientId: `rec-${process.pid}-${topic.replace(/\W/g, '')}`, clean: false, protocolVersion: 5, reconnectPeriod: 200 });
  const seqs: number[] = [];
  client.on('message', (_t, p, packet) => {
    const fromProps = Number((packet.properties?.userProperties as Record<string, string> | undefined)?.seq);
    seqs.push(Number.isFinite(fromProps) ? fromProps : JSON.parse(p.toString()).seq);
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => client.subscribe(topic, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
    client.once('error', reject);
  });
  return { client, seqs };
}

function firstArrivals(seqs: number[]): number[] {
  const seen = new Set<number>();
  return seqs.filter((s) => !seen.has(s) && !!seen.add(s));
}

describe('store and forward under faults', () => {
  const peers = needPeers(PEER.mosquitto(), SQLITE_PEER());
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'edgegw-sf-faults-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('broker killed for 10 s during a steady stream: every message arrives, in order, no gap in seq', peers, async () => {
    const brokerDir = mkdtempSync(join(dir, 'broker-'));
    const broker = await persistentBroker(brokerDir);
    const rec = await seqRecorder(broker.url, 'outage/#');
    await new Promise((r) => setTimeout(r, 1500)); // the subscription is autosaved
    const queue = new DurableQueue({ name: 'outage', dir, batchMs: 20 });
    const forwarder = new Forwarder(queue, new MqttDestination({ url: broker.url, topic: 'outage/data', reconnectMs: 250, clientId: 'outage-fwd' }), {
      backoff: { minMs: 50, maxMs: 1000 },
      breaker: { resetTimeoutMs: 1000 },
    });
    forwarder.start();
    // a steady stream: 5 messages every 10 ms (500 msg/s, what this shared machine sustains with
    // the broker and the subscriber beside it), counted rather than timed
    let produced = 0;
    let failed = 0;
    const producer = setInterval(() => {
      for (let k = 0; k < 5; k++) queue.enqueue({ topic: 'outage', payload: { n: produced++ } }).catch(() => failed++);
    }, 10);
    await new Promise((r) => setTimeout(r, 3000));
    await broker.kill();
    const depthAtKill = queue.stats().depth;
    await new Promise((r) => setTimeout(r, 10_000));
    const depthBeforeRestart = queue.stats().depth;
    await broker.start();
    await new Promise((r) => setTimeout(r, 3000));
    clearInterval(producer);
    await waitFor('queue drained', () => queue.stats().depth === 0 && queue.stats().enqueued === produced, 120_000, 100);
    await waitFor('every message at the subscriber', () => new Set(rec.seqs).size === produced, 60_000, 100);
    assert.equal(failed, 0);
    assert.ok(depthBeforeRestart > depthAtKill + 1000, `the queue grew during the outage (${depthAtKill} -> ${depthBeforeRestart})`);
    assert.deepEqual(
      firstArrivals(rec.seqs),
      Array.from({ length: produced }, (_, i) => i + 1),
      'in order, no gap',
    );
    console.log(`outage: ${produced} messages, ${rec.seqs.length - produced} duplicates at the subscriber, depth ${depthBeforeRestart} at restart`);
    await forwarder.stop();
    await queue.close();
    rec.client.end(true);
    await broker.stop();
  });

  test('gateway killed with kill -9 while 50,000 messages are queued, then restarted: all arrive, duplicates <= the in-flight window', peers, async () => {
    const brokerDir = mkdtempSync(join(dir, 'broker-'));
    const broker = await persistentBroker(brokerDir);
    const rec = await seqRecorder(broker.url, 'crash/#');
    const queueDir = mkdtempSync(join(dir, 'crash-'));
    const env = { ...process.env, QUEUE_DIR: queueDir, BROKER_URL: broker.url, MAX_IN_FLIGHT: '100' };
    const child = startProcess(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'helpers', 'queue-child.ts')], { env: { ...env, ENQUEUE: '50000' } });
    await waitFor(
      '50,000 enqueued',
      () => {
        if (child.proc.exitCode !== null) throw Object.assign(new Error(`child exited: ${child.output()}`), { fatal: true });
        return /"event":"enqueued"/.test(child.output());
      },
      120_000,
      50,
    );
    const deliveredBeforeKill = new Set(rec.seqs).size;
    await child.stop('SIGKILL');
    assert.ok(deliveredBeforeKill < 50_000, 'killed with messages still queued');
    const again = startProcess(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'helpers', 'queue-child.ts')], { env: { ...env, ENQUEUE: '0' } });
    await waitFor('all 50,000 at the subscriber', () => new Set(rec.seqs).size === 50_000, 180_000, 200);
    const opened = JSON.parse(
      again
        .output()
        .split('\n')
        .find((l) => l.includes('"opened"'))!,
    );
    assert.equal(opened.highWater, 50_000);
    const distinct = [...new Set(rec.seqs)].sort((a, b) => a - b);
    assert.equal(distinct[0], 1);
    assert.equal(distinct[distinct.length - 1], 50_000);
    const duplicates = rec.seqs.length - 50_000;
    console.log(`crash: ${deliveredBeforeKill} delivered before kill -9, ${opened.depth} queued at restart, ${duplicates} duplicates`);
    assert.ok(duplicates <= 100, `duplicates ${duplicates} <= in-flight window 100`);
    await again.stop('SIGTERM');
    rec.client.end(true);
    await broker.stop();
  });

  test('a corrupt queue file before start: quarantined, a clear error, the gateway runs', peers, async () => {
    const brokerDir = mkdtempSync(join(dir, 'broker-'));
    const broker = await persistentBroker(brokerDir);
    const queueDir = mkdtempSync(join(dir, 'corrupt-'));
    writeFileSync(join(queueDir, 'queue-crash.sqlite'), 'this is not a database'.repeat(500));
    const rec = await seqRecorder(broker.url, 'crash/#');
    const child = startProcess(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'helpers', 'queue-child.ts')], {
      env: { ...process.env, QUEUE_DIR: queueDir, BROKER_URL: broker.url, ENQUEUE: '10' },
    });
    await waitFor('delivered', () => new Set(rec.seqs).size === 10, 60_000);
    const line = child
      .output()
      .split('\n')
      .find((l) => l.includes('"quarantined"'));
    assert.ok(line, child.output());
    const q = JSON.parse(line);
    assert.match(q.reason, /not a SQLite database or is corrupt/);
    assert.ok(readdirSync(queueDir).some((f) => /^queue-crash\.sqlite\.corrupt-\d{4}-/.test(f)));
    await child.stop('SIGTERM');
    rec.client.end(true);
    await broker.stop();
  });
});
