// Store-and-forward throughput, all in one run, each figure beside its baseline:
//   1. raw sqlite3 multi-row INSERTs (WAL, synchronous=NORMAL, 500 rows per transaction): the
//      physical reference; vs DurableQueue.enqueue (NORMAL, the same rows, promises resolved on commit);
//   2. Node-RED 4.1: messages into a do-nothing node, into a raw SQLite node (the floor of a
//      durable write: JSON, one multi-row INSERT per 500 or 20 ms, done() after commit) and into
//      store-forward (done() after commit), then scans of 100 tags (~9 KB, built beforehand) into a do-nothing node vs into store-forward
//      (tag samples/s);
//   3. draining to mosquitto at QoS 1 through the Forwarder + MqttDestination (100 in flight) vs
//      mqtt.js alone publishing QoS 1 with 100 in flight;
//   4. RSS with BENCH_RSS_COUNT (default 1,000,000) messages queued, in a process of its own, with
//      heap, external memory and the queue's own count of what it holds (memoryHeld): the queue
//      lives on disk, its memory must not follow its depth.
// Run: node --expose-gc --import tsx bench/queue.bench.ts   (never fails on a number)
// BENCH_QUEUE_PART=drain runs part 3 alone, BENCH_QUEUE_PART=node part 2.
// BENCH_QUEUE_BEFORE=<a built checkout> (git worktree add ../before main; ln -s the node_modules;
// node scripts/build.mjs there): parts 1-3 run that checkout's queue, forwarder and nodes (its
// dist/) beside this tree's, alternating in one process, BENCH_QUEUE_ROUNDS times (default 3; 1
// without a before), the order swapped every round; each row is labelled [before] or [after].
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect, type IClientPublishOptions } from 'mqtt';
import * as queueLib from '../lib/queue';
import * as mqttLib from '../lib/forward/mqtt';
import { DurableQueue, type QueueMemory } from '../lib/queue';
import type { SqliteDatabase, SqliteModule } from '../lib/storage/sqlite';
import { startMosquitto } from '../test/helpers/mosquitto';
import { haveCommand } from '../test/helpers/peers';

const N = Number(process.env.BENCH_QUEUE_N ?? 200_000);
const NODE_N = Number(process.env.BENCH_NODE_N ?? 100_000);
const SCAN_N = Number(process.env.BENCH_SCAN_N ?? 20_000);
const DRAIN_N = Number(process.env.BENCH_DRAIN_N ?? 100_000);
const RSS_N = Number(process.env.BENCH_RSS_COUNT ?? 1_000_000);
const BEFORE = process.env.BENCH_QUEUE_BEFORE ? resolve(process.env.BENCH_QUEUE_BEFORE) : undefined;
/** BENCH_QUEUE_HELPER_SPIES=1: the Node-RED rows with the test helper's spies left in place (the figures before 2026-12-07) */
const HELPER_SPIES = process.env.BENCH_QUEUE_HELPER_SPIES === '1';
const ROUNDS = Number(process.env.BENCH_QUEUE_ROUNDS ?? (BEFORE ? 3 : 1));

/** One version of the code under test: this tree's (source) or BENCH_QUEUE_BEFORE's (its dist/). */
interface Build {
  /** '' alone, ' [before]' / ' [after]' beside a before */
  label: string;
  /** the same as a word, for queue names */
  tag: string;
  queue: Pick<typeof queueLib, 'DurableQueue' | 'Forwarder'>;
  mqtt: Pick<typeof mqttLib, 'MqttDestination'>;
  nodeModule(type: string): unknown;
}
const builds = (): Build[] => {
  const after: Build = {
    label: BEFORE ? ' [after]' : '',
    tag: BEFORE ? '-after' : '',
    queue: queueLib,
    mqtt: mqttLib,
    nodeModule: (type) => (require('../test/helpers/nodered') as { nodeModule(t: string): unknown }).nodeModule(type),
  };
  if (!BEFORE) return [after];
  const load = (path: string) => require(join(BEFORE, 'dist', path)) as Record<string, unknown>;
  const before: Build = {
    label: ' [before]',
    tag: '-before',
    queue: load('lib/queue/index.js') as unknown as Build['queue'],
    mqtt: load('lib/forward/mqtt.js') as unknown as Build['mqtt'],
    nodeModule: (type) => {
      const mod = load(`nodes/${type}/${type}.js`);
      return mod.default ?? mod;
    },
  };
  return [before, after];
};
/** The builds in this round's order: before first in odd rounds, after first in even ones. */
const inOrder = (round: number): Build[] => (round % 2 === 0 ? builds() : builds().reverse());

const dir = mkdtempSync(join(tmpdir(), 'edgegw-queue-bench-'));
const rows: Array<{ row: string[] }> = [];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const msg = (i: number) => ({
  topic: 'boiler/temperature',
  payload: 20 + (i % 100) / 10,
  tag: { device: 'boiler', name: 'temperature', value: 20 + (i % 100) / 10, quality: 'good', ts: 1_700_000_000_000 + i },
});
/** CPU of this process (every thread: SQLite's work on the thread pool too) per item of the last measurement */
let lastCpu = 0;
const cpuPer = (since: NodeJS.CpuUsage, count: number) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / count;
};
const cpuNote = (unit: string) => `${lastCpu.toFixed(1)} µs CPU/${unit}`;
const gc = () => (globalThis as { gc?: () => void }).gc?.();
function row(what: string, rate: number, unit: string, baseline?: number, note = ''): void {
  rows.push({ row: [what, fmt(rate), unit, baseline ? `${((rate / baseline) * 100).toFixed(0)} %` : '', note] });
  console.log(`  ${what}: ${fmt(rate)} ${unit}${baseline ? ` (${((rate / baseline) * 100).toFixed(0)} % of baseline)` : ''}`);
}

async function rawSqlite(round: number): Promise<number> {
  const sqlite = require('sqlite3') as SqliteModule;
  const db = await new Promise<SqliteDatabase>((resolve, reject) => {
    const d: SqliteDatabase = new sqlite.Database(join(dir, `raw-${round}.sqlite`), sqlite.OPEN_READWRITE | sqlite.OPEN_CREATE, (e) => (e ? reject(e) : resolve(d)));
  });
  const run = (sql: string, p: unknown[] = []) => new Promise<void>((resolve, reject) => db.run(sql, p, (e) => (e ? reject(e) : resolve())));
  await run('PRAGMA journal_mode = WAL');
  await run('PRAGMA synchronous = NORMAL');
  await run('CREATE TABLE messages (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, enqueued_at INTEGER NOT NULL, bytes INTEGER NOT NULL, body TEXT NOT NULL)');
  const per = 500;
  const sql = `INSERT INTO messages (seq, id, enqueued_at, bytes, body) VALUES ${Array(per).fill('(?,?,?,?,?)').join(',')}`;
  const body = JSON.stringify(msg(0));
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < N; i += per) {
    const p: unknown[] = [];
    for (let k = 0; k < per; k++) p.push(i + k + 1, crypto.randomUUID(), Date.now(), body.length, body);
    await run('BEGIN');
    await run(sql, p);
    await run('COMMIT');
  }
  const rate = N / ((performance.now() - t0) / 1000);
  lastCpu = cpuPer(cpu0, N);
  await new Promise<void>((r) => db.close(() => r()));
  return rate;
}

async function durableEnqueue(name: string, count: number, make: (i: number) => object, build: Build = builds()[builds().length - 1]): Promise<{ rate: number; queue: DurableQueue }> {
  const queue = new build.queue.DurableQueue({ name, dir, batchMs: 20, batchMax: 500 });
  await queue.open();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const window = 5000; // enqueues outstanding at once, as a busy flow would have
  for (let i = 0; i < count; i += window) await Promise.all(Array.from({ length: Math.min(window, count - i) }, (_, k) => queue.enqueue(make(i + k))));
  const rate = count / ((performance.now() - t0) / 1000);
  lastCpu = cpuPer(cpu0, count);
  return { rate, queue };
}

async function throughNodeRed(round: number): Promise<void> {
  const { helper } = await import('../test/helpers/nodered');
  type H = { load(m: unknown, f: unknown): Promise<void>; settings(s: unknown): void; getNode(id: string): { receive(m: object): void; queue?: DurableQueue } };
  const h = helper as unknown as H;
  await helper.startServer();
  h.settings({ userDir: dir });
  let done = 0;
  const nothing = (RED: { nodes: { createNode(n: unknown, d: unknown): void; registerType(t: string, c: unknown): void } }) => {
    RED.nodes.registerType('bench-nothing', function (this: { on(e: string, f: (...a: any[]) => void): void }, def: unknown) {
      RED.nodes.createNode(this, def);
      this.on('input', (_m: unknown, _s: unknown, d: () => void) => {
        done++;
        d();
      });
    });
  };
  // the floor of a durable write from a node: each message as JSON into a pending batch, one
  // multi-row INSERT transaction per 500 messages or 20 ms (one at a time), done() after its
  // commit; no seq bookkeeping, no ids kept, no byte limits, no read side: what store-forward
  // does at the least, and the baseline its goal is measured against (the do-nothing node
  // compares a durable write per message with nothing)
  let rawDone = 0;
  const rawNode = (RED: { nodes: { createNode(n: unknown, d: unknown): void; registerType(t: string, c: unknown): void } }) => {
    RED.nodes.registerType('bench-raw-sqlite', function (this: { on(e: string, f: (...a: any[]) => void): void }, def: { file: string }) {
      RED.nodes.createNode(this, def);
      const sqlite = require('sqlite3') as SqliteModule;
      let db: SqliteDatabase | undefined;
      const ready = new Promise<void>((resolve, reject) => {
        const d: SqliteDatabase = new sqlite.Database(join(dir, def.file), sqlite.OPEN_READWRITE | sqlite.OPEN_CREATE, (e) => (e ? reject(e) : resolve()));
        db = d;
      });
      const run = (sql: string, p: unknown[] = []) => new Promise<void>((resolve, reject) => db!.run(sql, p, (e) => (e ? reject(e) : resolve())));
      const opened = ready.then(async () => {
        await run('PRAGMA journal_mode = WAL');
        await run('PRAGMA synchronous = NORMAL');
        await run('CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, enqueued_at INTEGER NOT NULL, bytes INTEGER NOT NULL, body TEXT NOT NULL)');
      });
      let seq = 0;
      let params: unknown[] = [];
      let dones: Array<() => void> = [];
      let timer: NodeJS.Timeout | undefined;
      let writing: Promise<void> = opened;
      const flush = () => {
        if (timer) clearTimeout(timer);
        timer = undefined;
        if (!dones.length) return;
        const p = params;
        const d = dones;
        params = [];
        dones = [];
        writing = writing.then(async () => {
          await run('BEGIN');
          await run(`INSERT INTO messages (seq, id, enqueued_at, bytes, body) VALUES ${Array(d.length).fill('(?,?,?,?,?)').join(',')}`, p);
          await run('COMMIT');
          for (const f of d) f();
          rawDone += d.length;
        });
      };
      this.on('input', (m: object, _s: unknown, d: () => void) => {
        const body = JSON.stringify(m);
        params.push(++seq, crypto.randomUUID(), Date.now(), body.length, body);
        dones.push(d);
        if (dones.length >= 500) flush();
        else timer ??= setTimeout(flush, 20);
      });
      this.on('close', (done: () => void) => {
        flush();
        void writing.finally(() => db!.close(() => done()));
      });
    });
  };
  // the test helper records every call of Log.log (Node-RED logs two metrics per message) and of
  // Node's send, status, log, ... with sinon, keeping each call: a cost per message, and memory
  // that grows with the count, that a shipped runtime has not. Undone once the flow is loaded.
  const loaded = async (nodes: unknown[], flow: unknown) => {
    await h.load(nodes, flow);
    if (!HELPER_SPIES) (helper as unknown as { _sandbox: { restore(): void } })._sandbox.restore();
  };
  const feed = async (node: { receive(m: object): void }, count: number, make: (i: number) => object, finished: () => boolean) => {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < count; i++) {
      node.receive(make(i));
      if (i % 2000 === 1999) await new Promise((r) => setImmediate(r));
    }
    while (!finished()) await new Promise((r) => setTimeout(r, 5));
    const rate = count / ((performance.now() - t0) / 1000);
    lastCpu = cpuPer(cpu0, count);
    return rate;
  };
  await loaded([nothing], [{ id: 'n', type: 'bench-nothing' }]);
  const base = await feed(h.getNode('n'), NODE_N, msg, () => done >= NODE_N);
  await helper.unload();
  row('Node-RED -> do-nothing node', base, 'msg/s', undefined, cpuNote('msg'));
  await loaded([rawNode], [{ id: 'r', type: 'bench-raw-sqlite', file: `raw-node-${round}.sqlite` }]);
  rawDone = 0;
  const rawBase = await feed(h.getNode('r'), NODE_N, msg, () => rawDone >= NODE_N);
  await helper.unload();
  row('Node-RED -> raw SQLite node (multi-row INSERT, done after commit)', rawBase, 'msg/s', base, cpuNote('msg'));
  const flow = [
    { id: 't', type: 'edgegw-forward-target', kind: 'mqtt', url: 'mqtt://127.0.0.1:1', topic: 'x' },
    { id: 'q', type: 'edgegw-store-forward', target: 't', queue: 'node-bench', batchMs: 20, batchMax: 500, maxMessages: 0, maxMB: 0, wires: [[], []] },
  ];
  for (const b of inOrder(round)) {
    await loaded([b.nodeModule('forward-target'), b.nodeModule('store-forward')], [flow[0], { ...flow[1], queue: `node-bench-${round}${b.tag}` }]);
    const q = h.getNode('q');
    const rate = await feed(q, NODE_N, msg, () => q.queue!.stats().enqueued >= NODE_N);
    row(`Node-RED -> store-forward (done after commit)${b.label}`, rate, 'msg/s', base, `${cpuNote('msg')}; ${((rate / rawBase) * 100).toFixed(0)} % of the raw SQLite node`);
    await helper.unload();
  }
  const scan = (i: number) => {
    const tags = Array.from({ length: 100 }, (_, k) => ({ device: 'plc', name: `t${k}`, value: i + k / 10, quality: 'good', ts: 1_700_000_000_000 + i }));
    return { topic: 'plc', payload: Object.fromEntries(tags.map((t) => [t.name, t.value])), tags };
  };
  // the scans are built before the clock starts (a poller upstream builds them, not the queue), as
  // a pool that is fed round and round; building one costs what is printed here
  const built = performance.now();
  const pool = Array.from({ length: 1000 }, (_, i) => scan(i));
  console.log(`  scan message: ${JSON.stringify(scan(1)).length} bytes of JSON, built in ${(((performance.now() - built) / pool.length) * 1000).toFixed(0)} µs`);
  const fromPool = (i: number) => pool[i % pool.length];
  await loaded([nothing], [{ id: 'n', type: 'bench-nothing' }]);
  done = 0;
  const scanBase = await feed(h.getNode('n'), SCAN_N, fromPool, () => done >= SCAN_N);
  await helper.unload();
  row('Node-RED -> do-nothing node, scans of 100 tags', scanBase, 'scans/s', undefined, cpuNote('scan'));
  await loaded([rawNode], [{ id: 'r', type: 'bench-raw-sqlite', file: `raw-scan-${round}.sqlite` }]);
  rawDone = 0;
  const scanRaw = await feed(h.getNode('r'), SCAN_N, fromPool, () => rawDone >= SCAN_N);
  await helper.unload();
  row('Node-RED -> raw SQLite node, scans of 100 tags', scanRaw, 'scans/s', scanBase, cpuNote('scan'));
  for (const b of inOrder(round)) {
    await loaded([b.nodeModule('forward-target'), b.nodeModule('store-forward')], [flow[0], { ...flow[1], queue: `scan-bench-${round}${b.tag}` }]);
    const sq = h.getNode('q');
    const scans = await feed(sq, SCAN_N, fromPool, () => sq.queue!.stats().enqueued >= SCAN_N);
    row(`Node-RED -> store-forward, scans of 100 tags${b.label}`, scans, 'scans/s', scanBase, `${cpuNote('scan')}; ${((scans / scanRaw) * 100).toFixed(0)} % of the raw SQLite node`);
    row(`  = tag samples${b.label}`, scans * 100, 'samples/s');
    await helper.unload();
  }
  await helper.stopServer();
}

async function drain(round: number): Promise<void> {
  if (!haveCommand('mosquitto')) {
    console.log('  (mosquitto missing: drain rows skipped)');
    return;
  }
  const broker = await startMosquitto();
  // baseline: mqtt.js alone, QoS 1, 100 in flight
  const client = connect(broker.url, { protocolVersion: 5 });
  await new Promise<void>((r) => client.once('connect', () => r()));
  const payload = JSON.stringify(msg(0).tag);
  const cpuSince = (c: NodeJS.CpuUsage) => {
    const d = process.cpuUsage(c);
    return d.user + d.system;
  };
  // the rate follows the host's load; the CPU this process spent per message much less so
  const perMessage = (cpuMicros: number) => `${(cpuMicros / DRAIN_N).toFixed(1)} µs CPU/msg`;
  /** mqtt.js alone: `properties` adds the three MQTT 5 user properties the queue sends with each message */
  const alone = async (properties: boolean) => {
    const cpu = process.cpuUsage();
    const started = performance.now();
    let sent = 0;
    let acked = 0;
    await new Promise<void>((resolve) => {
      const next = () => {
        while (sent < DRAIN_N && sent - acked < 100) {
          sent++;
          const opts: IClientPublishOptions = properties ? { qos: 1, properties: { userProperties: { seq: String(sent), id: crypto.randomUUID(), queue: 'drain' } } } : { qos: 1 };
          client.publish('bench/raw', payload, opts, () => {
            acked++;
            if (acked === DRAIN_N) resolve();
            else next();
          });
        }
      };
      next();
    });
    return { rate: DRAIN_N / ((performance.now() - started) / 1000), cpu: cpuSince(cpu) };
  };
  const { rate: raw, cpu: rawCpu } = await alone(false);
  row('mqtt.js alone, QoS 1, 100 in flight', raw, 'msg/s', undefined, perMessage(rawCpu));
  // what the wire format costs mqtt.js by itself: seq, id, queue as user properties of each message
  const withProperties = await alone(true);
  row(
    'mqtt.js alone, the same with seq, id, queue as user properties',
    withProperties.rate,
    'msg/s',
    raw,
    `${perMessage(withProperties.cpu)} (${(withProperties.cpu / rawCpu).toFixed(2)}x mqtt.js alone)`,
  );
  client.end(true);
  for (const b of inOrder(round)) {
    const { queue } = await durableEnqueue(`drain-${round}${b.tag}`, DRAIN_N, msg, b);
    const f = new b.queue.Forwarder(queue, new b.mqtt.MqttDestination({ url: broker.url, topic: 'bench/{device}', maxInFlight: 100 }));
    gc();
    const commits0 = queue.stats().commits;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    f.start();
    while (queue.stats().delivered < DRAIN_N) await new Promise((r) => setTimeout(r, 10));
    const rate = DRAIN_N / ((performance.now() - t0) / 1000);
    const drainCpu = cpuSince(cpu0);
    const commits = queue.stats().commits - commits0;
    row(
      `queue drain -> mosquitto, QoS 1, 100 in flight (batches of 25)${b.label}`,
      rate,
      'msg/s',
      raw,
      `${perMessage(drainCpu)} (${(drainCpu / rawCpu).toFixed(2)}x mqtt.js alone, ${(drainCpu / withProperties.cpu).toFixed(2)}x with the user properties), ${fmt(commits)} commits`,
    );
    await f.stop();
    await queue.close();
  }
  await broker.stop();
}

/**
 * RSS with RSS_N messages queued, in a process of its own (the parts above leave Node-RED, a
 * broker client and their garbage in this one: measured here, the figure was theirs, not the
 * queue's). The child prints its figures as one JSON line.
 */
async function rss(): Promise<void> {
  const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', __filename], { env: { ...process.env, BENCH_QUEUE_PART: 'rss' }, encoding: 'utf8', cwd: process.cwd() });
  const line = child.stdout.split('\n').find((l) => l.startsWith('{'));
  if (child.status !== 0 || !line) {
    console.log(`  (the RSS process failed: ${child.stderr.trim().split('\n').slice(-3).join(' ')})`);
    return;
  }
  const r = JSON.parse(line) as { depth: number; empty: Memory; open: Memory; samples: Array<{ depth: number } & Memory>; full: Memory; held: QueueMemory };
  const mb = (n: number) => (n / 1048576).toFixed(0);
  console.log(`  RSS while filling (MB at depth): ${r.samples.map((x) => `${mb(x.rss)}@${fmt(x.depth)}`).join(' ')}`);
  console.log(
    `  at ${fmt(r.depth)}: heap used ${mb(r.full.heapUsed)} MB of ${mb(r.full.heapTotal)} MB, external ${mb(r.full.external)} MB, array buffers ${mb(r.full.arrayBuffers)} MB; the queue holds ${fmt(r.held.cachedRows)} rows, ${fmt(r.held.cachedBytes)} bytes`,
  );
  rows.push({ row: [`RSS with ${fmt(r.depth)} queued (own process)`, `${mb(r.full.rss)} MB`, '', '', `empty process: ${mb(r.empty.rss)} MB, queue open: ${mb(r.open.rss)} MB`] });
}

type Memory = ReturnType<typeof process.memoryUsage>;

/** The child of rss(): fills a queue with RSS_N messages and reports its memory along the way. */
async function rssChild(): Promise<void> {
  const memory = (): Memory => {
    gc();
    return process.memoryUsage();
  };
  const empty = memory();
  const queue = new DurableQueue({ name: 'rss', dir, batchMs: 20, batchMax: 500 });
  await queue.open();
  const open = memory();
  const samples: Array<{ depth: number } & Memory> = [];
  const window = 5000;
  for (let i = 0; i < RSS_N; i += window) {
    await Promise.all(Array.from({ length: Math.min(window, RSS_N - i) }, (_, k) => queue.enqueue(msg(i + k))));
    if ((i / window) % 40 === 39) samples.push({ depth: queue.stats().depth, ...memory() });
  }
  const full = memory();
  const result = { depth: queue.stats().depth, empty, open, samples, full, held: queue.memoryHeld() };
  await queue.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify(result));
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** Prints what runs and the load, runs `round` ROUNDS times, then `after`, the load again and the table. */
async function run(what: string, round: (n: number) => Promise<void>, after?: () => Promise<void>): Promise<void> {
  console.log(`queue benchmark${what}, ${ROUNDS} round(s)${BEFORE ? `, before: ${BEFORE}` : ''}; load average ${load()}`);
  for (let n = 0; n < ROUNDS; n++) await round(n);
  await after?.();
  console.log(`load average after: ${load()}`);
  console.log('\n| what | rate | unit | of baseline | note |\n|---|---:|---|---:|---|');
  for (const r of rows) console.log(`| ${r.row.join(' | ')} |`);
  rmSync(dir, { recursive: true, force: true });
}

/** BENCH_QUEUE_PART=drain: the drain rows alone (the part a change to the forwarder moves). */
const drainOnly = () => run(`, drain only: ${fmt(DRAIN_N)} drained`, drain);

/** BENCH_QUEUE_PART=node: the Node-RED rows alone (messages and scans into store-forward). */
const nodeRedOnly = () => run(`, Node-RED only: ${fmt(NODE_N)} node messages, ${fmt(SCAN_N)} scans`, throughNodeRed);

const main = () =>
  run(
    `: ${fmt(N)} rows, ${fmt(NODE_N)} node messages, ${fmt(SCAN_N)} scans, ${fmt(DRAIN_N)} drained, ${fmt(RSS_N)} for RSS`,
    async (round) => {
      const raw = await rawSqlite(round);
      row('raw sqlite3 multi-row INSERT (WAL, NORMAL)', raw, 'rows/s', undefined, cpuNote('row'));
      for (const b of inOrder(round)) {
        const { rate, queue } = await durableEnqueue(`enqueue-${round}${b.tag}`, N, msg, b);
        await queue.close();
        row(`DurableQueue.enqueue (NORMAL)${b.label}`, rate, 'msg/s', raw, cpuNote('msg'));
      }
      await throughNodeRed(round);
      await drain(round);
    },
    rss,
  );

(process.env.BENCH_QUEUE_PART === 'rss' ? rssChild() : process.env.BENCH_QUEUE_PART === 'drain' ? drainOnly() : process.env.BENCH_QUEUE_PART === 'node' ? nodeRedOnly() : main()).then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    rmSync(dir, { recursive: true, force: true });
    process.exit(1);
  },
);
