// store-forward + forward-target in Node-RED 4.1 against a real mosquitto: messages and scans
// arrive with seq/id/queue, done() after commit, acks on output 1, dead letters on output 2,
// replay, a missing sqlite3 / missing target / bad target said in the status, metrics and health,
// memory mode, and 100 redeploys that leave nothing behind.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { helper, nodeModule } from '../helpers/nodered';
import { needPeers, PEER } from '../helpers/peers';
import { startMosquitto, type Broker } from '../helpers/mosquitto';
import { waitFor } from '../helpers/process';
import { errorsOf, lastStatus, localeKeys, received, testNodesModule } from '../helpers/modbus-nodes';
import { resourceCounts, settleTo } from '../helpers/modbus-leaks';
import { SQLITE_PEER } from '../helpers/sqlite-store';
import { healthRegistry } from '../../lib/health/registry';
import { metricsRegistry } from '../../lib/metrics/registry';
import type { DurableQueue } from '../../lib/queue';

const modules = () => [nodeModule('forward-target'), nodeModule('store-forward'), testNodesModule];

describe('store-forward node', () => {
  let broker: Broker | undefined;
  let sub: MqttClient | undefined;
  let userDir: string;
  const got: Array<{ topic: string; payload: string }> = [];
  const peers = needPeers(PEER.mosquitto(), SQLITE_PEER());
  before(async () => {
    userDir = mkdtempSync(join(tmpdir(), 'edgegw-sf-'));
    await helper.startServer();
    if (!peers.skip) {
      broker = await startMosquitto();
      sub = connect(broker.url, { protocolVersion: 5 });
      sub.on('message', (topic, p) => got.push({ topic, payload: p.toString() }));
      await new Promise<void>((resolve) => sub!.once('connect', () => sub!.subscribe('#', { qos: 1 }, () => resolve())));
    }
  });
  after(async () => {
    sub?.end(true);
    await helper.stopServer();
    await broker?.stop();
    rmSync(userDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
    received.clear();
    got.length = 0;
  });

  const target = (extra: Record<string, unknown> = {}) => ({
    id: 'target',
    type: 'edgegw-forward-target',
    kind: 'mqtt',
    url: broker?.url ?? 'mqtt://127.0.0.1:1',
    qos: 1,
    protocolVersion: 5,
    topic: 'out/{device}',
    ...extra,
  });
  const sf = (extra: Record<string, unknown> = {}) => ({
    id: 'sf',
    type: 'edgegw-store-forward',
    name: 'to broker',
    target: 'target',
    queue: 'plant',
    batchMs: 5,
    ackOutput: true,
    wires: [['acks'], ['dead']],
    ...extra,
  });
  const sinks = [
    { id: 'acks', type: 'modbus-test-sink' },
    { id: 'dead', type: 'modbus-test-sink' },
  ];
  const load = async (flow: object[]) => {
    const h = helper as unknown as { load(m: unknown, f: unknown, c?: unknown): Promise<void>; settings(s: unknown): void };
    h.settings({ userDir });
    await h.load(modules(), flow);
  };

  test('a scan and a tag message arrive as they are, with seq/id/queue; done() after commit; acks on output 1', peers, async () => {
    await load([target(), sf(), ...sinks]);
    const node = helper.getNode('sf') as { queue: DurableQueue; receive(m: object): void };
    const scan = { topic: 'boiler', payload: { t: 61.5, p: 1.4 }, tags: [{ device: 'boiler', name: 't', value: 61.5, quality: 'good', ts: 1 }] };
    node.receive(scan);
    node.receive({ topic: 'pump/speed', payload: 1200, tag: { device: 'pump', name: 'speed', value: 1200, quality: 'good', ts: 2 } });
    await waitFor('both published', () => got.length === 2, 15_000);
    const boiler = got.find((g) => g.topic === 'out/boiler')!;
    const body = JSON.parse(boiler.payload);
    assert.equal(body.t, 61.5);
    assert.equal(body.seq, 1);
    assert.equal(body.queue, 'plant');
    assert.match(body.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(got.find((g) => g.topic === 'out/pump')!.payload, '1200');
    await waitFor('acks on output 1', () => (received.get('acks') ?? []).reduce((s, m) => s + (m.payload as { count: number }).count, 0) === 2, 10_000);
    assert.equal(node.queue.stats().depth, 0);
    await waitFor('status shows connected', () => lastStatus(helper.getNode('sf'))?.fill === 'green', 10_000);
    assert.match(await metricsRegistry().metrics(), /edgegw_queue_delivered_total\{queue="plant"\} 2/);
  });

  test('a message the target cannot publish is a dead letter on output 2; replay resends a delivered range', peers, async () => {
    await load([target({ topic: 'out/{msg.site}' }), sf({ queue: 'deadletters', retentionH: 1 }), ...sinks]);
    const node = helper.getNode('sf') as { queue: DurableQueue; receive(m: object): void };
    const t0 = Date.now();
    node.receive({ topic: 'a', payload: 1, site: 'north' });
    node.receive({ topic: 'b', payload: 2 });
    await waitFor('dead letter', () => (received.get('dead') ?? []).length === 1, 15_000);
    const dead = received.get('dead')![0];
    assert.equal(dead.payload, 2);
    assert.match((dead.deadLetter as { error: string }).error, /\{msg\.site\} has no value in message seq 2\b/);
    await waitFor('one published', () => got.length === 1, 10_000);
    node.receive({ replay: { from: t0 - 1000, to: Date.now() } });
    await waitFor('replayed', () => got.length === 2, 10_000);
    assert.equal(got[1].payload, '1');
    const replayAck = (received.get('acks') ?? []).find((m) => m.topic === 'deadletters/replay');
    assert.equal((replayAck?.payload as { count: number }).count, 1);
    node.receive({ replay: { from: 'yesterday' } });
    await waitFor('bad replay refused', () => errorsOf(helper.getNode('sf')).some((e) => /msg\.replay must be \{ from, to \}/.test(e)), 5000);
  });

  test('broker away: the status says so, /health is degraded while the queue grows; all arrive when it is back', peers, async () => {
    await load([target(), sf(), ...sinks]);
    const node = helper.getNode('sf') as { queue: DurableQueue; receive(m: object): void };
    await waitFor('connected', () => lastStatus(helper.getNode('sf'))?.fill === 'green', 10_000);
    await broker!.peer.stop('SIGKILL');
    for (let i = 0; i < 20; i++) node.receive({ topic: 'dev', payload: { i } });
    await waitFor('queued', () => node.queue.stats().depth === 20, 10_000);
    node.receive({ topic: 'dev', payload: { i: 20 } });
    await waitFor(
      'degraded',
      () =>
        healthRegistry()
          .list()
          .find((e) => e.id === 'sf')?.state === 'degraded',
      10_000,
    );
    assert.equal(lastStatus(helper.getNode('sf'))?.fill, 'yellow');
    await broker!.restart();
    sub!.reconnect();
    await waitFor('subscriber back', () => sub!.connected, 10_000);
    await new Promise<void>((resolve) => sub!.subscribe('#', { qos: 1 }, () => resolve()));
    await waitFor('delivered', () => node.queue.stats().depth === 0, 30_000);
    await waitFor(
      'ok',
      () =>
        healthRegistry()
          .list()
          .find((e) => e.id === 'sf')?.state === 'ok',
      10_000,
    );
  });

  test('configuration problems are said in the status: no target, bad target, memory mode works without files', peers, async () => {
    await load([
      target({ id: 'bad', url: 'http://x', topic: 'a/{nope}' }),
      sf({ id: 'noTarget', target: 'missing', wires: [[], []] }),
      sf({ id: 'badTarget', target: 'bad', wires: [[], []] }),
      target(),
      sf({ id: 'mem', queue: 'in-memory', storage: 'memory', wires: [[], []] }),
    ]);
    assert.match(lastStatus(helper.getNode('noTarget'))?.text ?? '', /store-forward\.status\.noTarget/);
    assert.match(lastStatus(helper.getNode('badTarget'))?.text ?? '', /store-forward\.status\.badConfig/);
    assert.ok(errorsOf(helper.getNode('bad')).some((e) => /scheme http: is not/.test(e)));
    const mem = helper.getNode('mem') as { queue: DurableQueue; receive(m: object): void };
    mem.receive({ topic: 'm', payload: 'x' });
    await waitFor('memory queue delivered', () => got.some((g) => g.topic === 'out/m'), 10_000);
  });

  test('100 redeploys leave no timer, socket, listener, health entry or metric behind', peers, async () => {
    await load([target(), sf({ queue: 'redeploy' }), ...sinks]);
    await waitFor('connected', () => (helper.getNode('sf') as { forwarder: { destination: { status(): { state: string } } } }).forwarder.destination.status().state === 'connected', 10_000);
    await helper.unload();
    const baseline = resourceCounts();
    const listenersBefore = process.listenerCount('exit') + process.listenerCount('uncaughtException');
    for (let i = 0; i < 100; i++) {
      await load([target(), sf({ queue: 'redeploy' }), ...sinks]);
      const node = helper.getNode('sf') as { queue: DurableQueue; receive(m: object): void };
      if (i % 10 === 0) {
        node.receive({ topic: 'r', payload: i });
        await waitFor('delivered', () => node.queue.stats().delivered === 1, 10_000);
      }
      await helper.unload();
    }
    assert.deepEqual(await settleTo(baseline, 5000), []);
    assert.equal(process.listenerCount('exit') + process.listenerCount('uncaughtException'), listenersBefore);
    assert.equal(
      healthRegistry()
        .list()
        .filter((e) => e.id === 'sf').length,
      0,
    );
    assert.doesNotMatch(await metricsRegistry().metrics(), /queue="redeploy"/);
  });

  test('en-US and ru carry the same messages with the same placeholders, and help in both', () => {
    for (const type of ['store-forward', 'forward-target']) {
      const en = localeKeys(type, 'en-US');
      const ru = localeKeys(type, 'ru');
      assert.deepEqual([...ru.keys()].sort(), [...en.keys()].sort());
      for (const [k, p] of en) assert.equal(ru.get(k), p, `${type} ${k}`);
      for (const lang of ['en-US', 'ru']) {
        const help = readFileSync(join(__dirname, '..', '..', 'nodes', type, 'locales', lang, `${type}.html`), 'utf8');
        assert.match(help, new RegExp(`data-help-name="edgegw-${type}"`));
      }
    }
  });
});
