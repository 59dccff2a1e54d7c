// store-forward into the http, influxdb and postgres forward-target types, in Node-RED 4.1 against
// real peers: a node:http server (2xx delivered, 4xx a dead letter on output 2, 5xx retried then
// delivered), InfluxDB 1.x and PostgreSQL 15; everything arrives, in queue order. A bad setting
// is named in the status and the log; 100 redeploys of an http target leave nothing behind.
import { test, describe, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helper, nodeModule } from '../helpers/nodered';
import { PEER, needPeers } from '../helpers/peers';
import { waitFor } from '../helpers/process';
import { errorsOf, lastStatus, received, testNodesModule } from '../helpers/modbus-nodes';
import { resourceCounts, settleTo } from '../helpers/modbus-leaks';
import { SQLITE_PEER } from '../helpers/sqlite-store';
import { startInfluxd, type Influxd } from '../helpers/influxdb';
import { startPostgres, type PostgresServer } from '../helpers/postgres';
import { healthRegistry } from '../../lib/health/registry';
import { metricsRegistry } from '../../lib/metrics/registry';
import type { DurableQueue } from '../../lib/queue';

const modules = () => [nodeModule('forward-target'), nodeModule('store-forward'), testNodesModule];
type SfNode = { queue: DurableQueue; receive(m: object): void };

/** A real HTTP endpoint: answers each request by what its body asks for, records the 2xx ones. */
class Endpoint {
  readonly accepted: Array<{ seq: number; body: Record<string, unknown>; headers: http.IncomingHttpHeaders }> = [];
  readonly answered: number[] = [];
  /** seq -> how many more times it gets 503 */
  readonly failTimes = new Map<number, number>();
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as Record<string, unknown>;
      const seq = Number(req.headers['x-edgegw-seq']);
      let status = 204;
      if (this.bearer && req.headers.authorization !== `Bearer ${this.bearer}`) status = 401;
      else if (body?.reject === true) status = 400;
      else if ((this.failTimes.get(seq) ?? 0) > 0) {
        this.failTimes.set(seq, this.failTimes.get(seq)! - 1);
        status = 503;
      }
      this.answered.push(status);
      if (status === 204) this.accepted.push({ seq, body, headers: req.headers });
      res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status === 204 ? '' : `status ${status} for seq ${seq}`);
    });
  });
  bearer: string | undefined;
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/telemetry`;
  }

  reset(): void {
    this.accepted.length = 0;
    this.answered.length = 0;
    this.failTimes.clear();
    this.bearer = undefined;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let userDir: string;
const load = async (flow: object[], credentials: Record<string, object> = {}) => {
  const h = helper as unknown as { load(m: unknown, f: unknown, c?: unknown): Promise<void>; settings(s: unknown): void };
  h.settings({ userDir });
  await h.load(modules(), flow, credentials);
};
const sf = (extra: Record<string, unknown> = {}) => ({
  id: 'sf',
  type: 'edgegw-store-forward',
  name: 'forward',
  target: 'target',
  queue: 'targets',
  batchMs: 5,
  ackOutput: true,
  wires: [['acks'], ['dead']],
  ...extra,
});
const sinks = [
  { id: 'acks', type: 'modbus-test-sink' },
  { id: 'dead', type: 'modbus-test-sink' },
];
const deadLetters = () => received.get('dead') ?? [];
const tagMessage = (device: string, name: string, value: number, ts: number) => ({ topic: `${device}/${name}`, payload: value, tag: { device, name, value, quality: 'good', ts } });

before(async () => {
  userDir = mkdtempSync(join(tmpdir(), 'edgegw-sft-'));
  await helper.startServer();
});
after(async () => {
  await helper.stopServer();
  rmSync(userDir, { recursive: true, force: true });
});
afterEach(async () => {
  await helper.unload();
  received.clear();
});

describe('store-forward into an http target', () => {
  const peers = needPeers(SQLITE_PEER());
  const endpoint = new Endpoint();
  before(() => endpoint.start());
  after(() => endpoint.stop());
  afterEach(() => endpoint.reset());
  const target = (extra: Record<string, unknown> = {}) => ({
    id: 'target',
    type: 'edgegw-forward-target',
    kind: 'http',
    url: endpoint.url,
    method: 'POST',
    batching: 'single',
    content: 'payload',
    ...extra,
  });

  test('2xx delivered in order, 4xx a dead letter on output 2, 5xx retried then delivered', peers, async () => {
    endpoint.bearer = 'tok-7f3a';
    await load([target(), sf({ queue: 'http-mix' }), ...sinks], { target: { bearerToken: 'tok-7f3a' } });
    const node = helper.getNode('sf') as unknown as SfNode;
    endpoint.failTimes.set(11, 2); // message i=10 is seq 11
    for (let i = 0; i < 20; i++) node.receive({ topic: 'boiler', payload: i === 5 ? { i, reject: true } : { i } });
    await waitFor('19 accepted', () => endpoint.accepted.length === 19, 30_000);
    await waitFor('queue empty', () => node.queue.stats().depth === 0, 10_000);
    const seqs = endpoint.accepted.map((a) => a.seq);
    assert.deepEqual(
      seqs,
      Array.from({ length: 20 }, (_, i) => i + 1).filter((s) => s !== 6),
      'every seq once, in order, none after its successor',
    );
    assert.deepEqual(
      endpoint.accepted.map((a) => a.body.i),
      [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
    );
    assert.equal(endpoint.accepted[0].body.queue, 'http-mix');
    assert.equal(endpoint.answered.filter((s) => s === 503).length, 2, 'the 5xx twice, then delivered');
    assert.equal(deadLetters().length, 1);
    const dead = deadLetters()[0];
    assert.deepEqual(dead.payload, { i: 5, reject: true });
    assert.match((dead.deadLetter as { error: string }).error, /400/);
    assert.equal((dead.deadLetter as { seq: number }).seq, 6);
    await waitFor('acks for 19 on output 1', () => (received.get('acks') ?? []).reduce((s, m) => s + (m.payload as { count: number }).count, 0) === 19, 10_000);
    await waitFor('status connected', () => lastStatus(helper.getNode('sf'))?.fill === 'green', 10_000);
  });

  test('array batching with Basic auth: scans arrive as JSON arrays, in order', peers, async () => {
    await load([target({ batching: 'array', content: 'message' }), sf({ queue: 'http-array' }), ...sinks], { target: { user: 'gw', password: 'pw-1' } });
    const node = helper.getNode('sf') as unknown as SfNode;
    for (let i = 0; i < 50; i++) node.receive({ topic: 'pump', payload: { speed: i }, tags: [{ device: 'pump', name: 'speed', value: i, quality: 'good', ts: 1_700_000_000_000 + i }] });
    await waitFor('50 delivered', () => endpoint.accepted.reduce((n, a) => n + (a.body as unknown as unknown[]).length, 0) === 50, 30_000);
    const all = endpoint.accepted.flatMap((a) => a.body as unknown as Array<{ seq: number; payload: { speed: number }; tags: unknown[] }>);
    assert.deepEqual(
      all.map((m) => m.seq),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    assert.deepEqual(
      all.map((m) => m.payload.speed),
      Array.from({ length: 50 }, (_, i) => i),
    );
    assert.equal(endpoint.accepted[0].headers.authorization, `Basic ${Buffer.from('gw:pw-1').toString('base64')}`);
    assert.equal(deadLetters().length, 0);
  });

  test("a bad setting is named in the target's error and the store-forward status", peers, async () => {
    await load([target({ headers: '{"X-Site": ' }), sf({ queue: 'http-bad', wires: [[], []] })]);
    assert.ok(
      errorsOf(helper.getNode('target')).some((e) => /http destination: headers: is not valid JSON/.test(e)),
      errorsOf(helper.getNode('target')).join('; '),
    );
    assert.match(lastStatus(helper.getNode('sf'))?.text ?? '', /store-forward\.status\.badConfig/);
    assert.ok(errorsOf(helper.getNode('sf')).some((e) => /headers/.test(e)));
    await helper.unload();
    await load([target({ kind: 'influxdb', url: 'http://127.0.0.1:8086', version: 'v2', org: 'acme', bucket: '' }), sf({ queue: 'influx-bad', wires: [[], []] })], { target: { token: 't' } });
    assert.ok(errorsOf(helper.getNode('target')).some((e) => /influxdb destination: bucket: is required/.test(e)));
  });

  test('100 redeploys of an http target leave no timer, socket, listener, health entry or metric behind', peers, async () => {
    await load([target(), sf({ queue: 'http-redeploy' }), ...sinks]);
    (helper.getNode('sf') as unknown as SfNode).receive({ topic: 'r', payload: { warm: true } });
    await waitFor('first delivered', () => endpoint.accepted.length === 1, 10_000);
    await helper.unload();
    const baseline = resourceCounts();
    const listenersBefore = process.listenerCount('exit') + process.listenerCount('uncaughtException');
    for (let i = 0; i < 100; i++) {
      await load([target(), sf({ queue: 'http-redeploy' }), ...sinks]);
      const node = helper.getNode('sf') as unknown as SfNode;
      if (i % 10 === 0) {
        const before = endpoint.accepted.length;
        node.receive({ topic: 'r', payload: { i } });
        await waitFor('delivered', () => endpoint.accepted.length === before + 1 && node.queue.stats().depth === 0, 10_000);
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
    assert.doesNotMatch(await metricsRegistry().metrics(), /queue="http-redeploy"/);
    assert.deepEqual(
      endpoint.accepted.slice(1).map((a) => a.body.i),
      [0, 10, 20, 30, 40, 50, 60, 70, 80, 90],
    );
  });
});

describe('store-forward into an influxdb target (InfluxDB 1.x)', () => {
  const peers = needPeers(SQLITE_PEER(), PEER.influxdb());
  let influx: Influxd | undefined;
  before(async () => {
    if (peers.skip) return;
    influx = await startInfluxd();
    await influx.query('CREATE DATABASE plant');
  });
  after(() => influx?.dispose());

  test('tag messages and scans become points, all of them, in order; a message without samples is a dead letter when asked', peers, async () => {
    await load([
      { id: 'target', type: 'edgegw-forward-target', kind: 'influxdb', url: influx!.url, version: 'v1', database: 'plant', nonTagMessages: 'reject', maxBatch: '' },
      sf({ queue: 'influx' }),
      ...sinks,
    ]);
    const node = helper.getNode('sf') as unknown as SfNode;
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 40; i++) node.receive(tagMessage('boiler', 'temperature', 60 + i / 10, t0 + i * 1000));
    node.receive({ topic: 'note', payload: 'not a sample' });
    for (let i = 40; i < 60; i++)
      node.receive({ topic: 'boiler', payload: { temperature: 60 + i / 10 }, tags: [{ device: 'boiler', name: 'temperature', value: 60 + i / 10, quality: 'good', ts: t0 + i * 1000 }] });
    await waitFor('dead letter', () => deadLetters().length === 1, 30_000);
    assert.equal(deadLetters()[0].payload, 'not a sample');
    await waitFor('queue drained', () => node.queue.stats().depth === 0, 30_000);
    const rows = await influx!.select('SELECT "value", "quality" FROM "boiler" WHERE "tag" = \'temperature\' ORDER BY time', 'plant');
    assert.equal(rows.length, 60);
    assert.deepEqual(
      rows.map((r) => r.time),
      Array.from({ length: 60 }, (_, i) => t0 + i * 1000),
    );
    assert.deepEqual(
      rows.map((r) => r.value),
      Array.from({ length: 60 }, (_, i) => 60 + i / 10),
    );
    assert.ok(rows.every((r) => r.quality === 'good'));
    await waitFor('acks for 60', () => (received.get('acks') ?? []).reduce((s, m) => s + (m.payload as { count: number }).count, 0) === 60, 10_000);
  });
});

describe('store-forward into a postgres target (PostgreSQL 15)', () => {
  const peers = needPeers(SQLITE_PEER(), PEER.postgres());
  let pg: PostgresServer | undefined;
  before(async () => {
    if (!peers.skip) pg = await startPostgres();
  });
  after(() => pg?.dispose());

  test('rows arrive for every message, seq in order; a sample without a time is a dead letter', peers, async () => {
    await load(
      [
        { id: 'target', type: 'edgegw-forward-target', kind: 'postgres', host: pg!.host, port: pg!.port, database: pg!.database, table: 'plant.readings', createTable: true, usetls: false },
        sf({ queue: 'pg' }),
        ...sinks,
      ],
      { target: { user: pg!.user, password: pg!.password } },
    );
    const node = helper.getNode('sf') as unknown as SfNode;
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 50; i++) {
      if (i === 20) node.receive({ topic: 'pump/speed', payload: 1, tag: { device: 'pump', name: 'speed', value: 1, quality: 'good', ts: 'yesterday' } });
      else node.receive(tagMessage('pump', 'speed', i, t0 + i));
    }
    await waitFor('dead letter', () => deadLetters().length === 1, 30_000);
    assert.match((deadLetters()[0].deadLetter as { error: string }).error, /ts "yesterday" is not epoch milliseconds/);
    await waitFor('queue drained', () => node.queue.stats().depth === 0, 30_000);
    const rows = await pg!.query<{ seq: string; value: number; device: string; queue: string }>('SELECT seq, value, device, queue FROM plant.readings ORDER BY seq');
    assert.deepEqual(
      rows.map((r) => Number(r.seq)),
      Array.from({ length: 50 }, (_, i) => i + 1).filter((s) => s !== 21),
    );
    assert.deepEqual(
      rows.map((r) => r.value),
      Array.from({ length: 50 }, (_, i) => i).filter((i) => i !== 20),
    );
    assert.ok(rows.every((r) => r.device === 'pump' && r.queue === 'pg'));
    await waitFor('status connected', () => lastStatus(helper.getNode('sf'))?.fill === 'green', 10_000);
    assert.doesNotMatch(errorsOf(helper.getNode('sf')).join(' ') + errorsOf(helper.getNode('target')).join(' '), new RegExp(pg!.password));
  });
});
