// Modbus polling throughput against one fast local Modbus TCP server (libmodbus, C), all in
// one run and side by side:
//   1. a bare modbus-serial read loop (125 registers per request): the ceiling;
//   2. our DevicePoller (line + planner + codec + samples) on a 1,000-tag device, back to back;
//   3. our modbus-device node in Node-RED 4.1 (whole-scan output);
//   4. node-red-contrib-modbus 5.23.3 in the same Node-RED, reading the same registers with
//      modbus-read nodes (125 registers each, rate 1 ms, defaults otherwise).
// 1 and 2 (and a plain ModbusLine read loop, to tell the line's share from the poller's)
// alternate in short rounds so machine noise hits them alike; rates are medians over rounds,
// ratios are medians of the ratios within each round (neighbours in time), and the client CPU
// time per request is shown too (steadier than rates on a shared machine).
// Run: node --expose-gc --import tsx bench/modbus.bench.ts   (never fails on a number)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import ModbusRTU from 'modbus-serial';
import { createModbusLine } from '../lib/modbus/line';
import { DevicePoller } from '../lib/modbus/poller';
import { packBlocks, planItem } from '../lib/modbus/planner';
import { parseTagTableCsv, serializeTagTableCsv } from '../lib/modbus/tag-table';
import type { TagDef, TagType } from '../lib/modbus/types';

const ROOT = join(__dirname, '..');
const CACHE = join(ROOT, '.bench-cache');
const MBSERVER_SRC = '/work/shared/peers/mbserver.c';
const CONTRIB = 'node-red-contrib-modbus';
const CONTRIB_VERSION = '5.23.3';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 24);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 200);
const NODE_RED_MS = Number(process.env.BENCH_NODE_RED_MS ?? 5000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number | undefined, digits = 0) => (n === undefined || !Number.isFinite(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Builds the libmodbus server into the cache (again when the source is newer). */
function buildMbserver(): string {
  mkdirSync(CACHE, { recursive: true });
  const bin = join(CACHE, 'mbserver');
  if (existsSync(bin) && statSync(bin).mtimeMs >= statSync(MBSERVER_SRC).mtimeMs) return bin;
  const flags = spawnSync('pkg-config', ['--cflags', '--libs', 'libmodbus'], { encoding: 'utf8' });
  if (flags.status !== 0) throw new Error(`pkg-config libmodbus failed (apt-get install libmodbus-dev): ${flags.stderr}`);
  const cc = spawnSync('cc', ['-O2', '-o', bin, MBSERVER_SRC, ...flags.stdout.trim().split(/\s+/)], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`cc mbserver.c failed: ${cc.stderr}`);
  return bin;
}

async function startMbserver(bin: string): Promise<{ port: number; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(bin, [String(port)], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = require('node:net').connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (ok) return { port, proc };
    await sleep(50);
  }
  proc.kill('SIGKILL');
  throw new Error('mbserver did not listen');
}

/** Installs the contrib package into the cache (not the repo's node_modules); returns its dir or why not. */
function installContrib(): { dir?: string; why?: string } {
  const dir = join(CACHE, 'node_modules', CONTRIB);
  try {
    if (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version === CONTRIB_VERSION) return { dir };
  } catch {
    /* not installed yet */
  }
  if (!existsSync(join(CACHE, 'package.json'))) writeFileSync(join(CACHE, 'package.json'), '{"name":"edgegw-bench-cache","private":true}\n');
  const r = spawnSync('npm', ['install', '--prefix', CACHE, '--no-audit', '--no-fund', '--ignore-scripts', '--no-save', `${CONTRIB}@${CONTRIB_VERSION}`], { encoding: 'utf8', timeout: 300000 });
  if (r.status !== 0) return { why: `npm install ${CONTRIB}@${CONTRIB_VERSION} failed: ${(r.stderr || r.stdout || String(r.error)).trim().split('\n').slice(-2).join(' ')}` };
  return existsSync(dir) ? { dir } : { why: `${CONTRIB} not found after npm install` };
}

/** The 1,000-tag device: 500 uint16, 250 float32 and 250 int32, holding registers 0..1499. */
function deviceTags(): TagDef[] {
  const tags: TagDef[] = [];
  let address = 0;
  for (let i = 0; i < 1000; i++) {
    const type: TagType = i % 4 === 0 ? 'float32' : i % 4 === 1 ? 'int32' : 'uint16';
    tags.push({ name: `t${i}`, area: 'holding', address, type, order: 'ABCD', scale: i % 2 ? 0.1 : 1, offset: 0, access: 'r' });
    address += type === 'uint16' ? 1 : 2;
  }
  return tags;
}
const REGISTERS = 1500;
/** The requests our planner makes for the device; contrib is given the same blocks. */
const PLAN = packBlocks(deviceTags().map(planItem), { maxGap: 0 });
const BLOCKS = PLAN.length;

interface Rate {
  requestsPerSec: number;
  cpuUsPerRequest?: number;
  registersPerSec: number;
  tagsPerSec?: number;
  requestsPerScan?: number;
  /** heap in use after a GC, at the end of the run (the whole process) */
  heapMb?: number;
  note?: string;
}

async function libRounds(port: number): Promise<{ bare: Rate; line: Rate; poller: Rate; pollerVsBare: number; lineVsBare: number; pollerVsLine: number }> {
  const client = new ModbusRTU();
  await client.connectTCP('127.0.0.1', { port });
  client.setID(1);
  client.setTimeout(1000);
  const line = createModbusLine({ name: 'bench', transport: { kind: 'tcp', host: '127.0.0.1', port }, timeoutMs: 1000 });
  await new Promise<void>((resolve) => {
    const on = (s: { connection: string }) => s.connection === 'connected' && (line.off('state', on), resolve());
    line.on('state', on);
  });
  const poller = new DevicePoller({ line, unit: 1, device: 'bench', tags: deviceTags(), groups: [{ name: 'all', intervalMs: 1000 }] });
  const blocks = PLAN.map((b) => [b.address, b.count] as const);
  const runs = {
    bare: async (i: number) => (await client.readHoldingRegisters(blocks[i % BLOCKS][0], blocks[i % BLOCKS][1]), 1),
    line: async (i: number) => (await line.read(1, 'holding', blocks[i % BLOCKS][0], blocks[i % BLOCKS][1]), 1),
    poller: async () => (await poller.pollGroup('all'))!.requests,
  };
  const rates: Record<keyof typeof runs, number[]> = { bare: [], line: [], poller: [] };
  const cpu: Record<keyof typeof runs, number[]> = { bare: [], line: [], poller: [] };
  const scans: number[] = [];
  // warm up every path (JIT) before measuring
  for (const run of Object.values(runs)) for (let i = 0; i < 300; i++) await run(i);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(runs) as Array<[keyof typeof runs, (i: number) => Promise<number>]>) {
      global.gc?.();
      let requests = 0;
      let calls = 0;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      while (performance.now() - t0 < ROUND_MS) {
        requests += await run(requests);
        calls++;
      }
      const secs = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      rates[name].push(requests / secs);
      cpu[name].push((c.user + c.system) / requests);
      if (name === 'poller') scans.push(calls / secs);
    }
  }
  const bad = poller.stats().bad;
  await line.close();
  await new Promise<void>((r) => client.close(() => r()));
  const pairRatio = (a: keyof typeof runs, b: keyof typeof runs) => median(rates[a].map((x, i) => x / rates[b][i]));
  const rate = (name: keyof typeof runs): Rate => ({ requestsPerSec: median(rates[name]), registersPerSec: median(rates[name]) * (REGISTERS / BLOCKS), cpuUsPerRequest: median(cpu[name]) });
  return {
    bare: rate('bare'),
    line: rate('line'),
    poller: { ...rate('poller'), tagsPerSec: median(scans) * 1000, requestsPerScan: BLOCKS, note: bad ? `${bad} tags bad` : undefined },
    pollerVsBare: pairRatio('poller', 'bare'),
    lineVsBare: pairRatio('line', 'bare'),
    pollerVsLine: pairRatio('poller', 'line'),
  };
}

// ---- Node-RED 4.1 (node-red-node-test-helper with our devDependency node-red) ----

type Helper = typeof import('../test/helpers/nodered')['helper'];

async function nodeRed(): Promise<{ helper: Helper; nodeModule: (t: string) => unknown }> {
  const m = await import('../test/helpers/nodered');
  return { helper: m.helper, nodeModule: m.nodeModule };
}

/** The test helper spies on every Node method (send, status...) and keeps each call's
 * arguments: fine for tests, but it would retain every message and slow both sides here. */
function stopSpying(helper: Helper, flow: Array<Record<string, unknown>>): void {
  const proto = (helper as unknown as { _NodePrototype?: Record<string, { wrappedMethod?: unknown; resetHistory?: () => void }> })._NodePrototype;
  if (!proto) return;
  for (const m of ['log', 'status', 'warn', 'error', 'debug', 'trace', 'send']) {
    const spy = proto[m];
    if (spy && typeof spy.wrappedMethod === 'function') {
      spy.resetHistory?.();
      proto[m] = spy.wrappedMethod as never;
    }
  }
  // the runtime log is spied too: Node-RED traces every send through it
  (helper as unknown as { _logSpy?: { restore?: () => void } })._logSpy?.restore?.();
  // Node-RED copies Node.prototype.send onto each node when it is created
  for (const n of flow) {
    const node = helper.getNode(n.id as string);
    if (node && Object.prototype.hasOwnProperty.call(node, 'send')) node.send = proto.send;
  }
}

/** Counts messages reaching a helper node over `ms`, after `warmMs`. */
async function countMessages(helper: Helper, id: string, warmMs: number, ms: number, weigh: (msg: any) => number): Promise<number> {
  let n = 0;
  helper.getNode(id).on('input', (msg: unknown) => (n += weigh(msg)));
  await sleep(warmMs);
  const n0 = n;
  const t0 = performance.now();
  await sleep(ms);
  return ((n - n0) / (performance.now() - t0)) * 1000;
}

async function oursInNodeRed(port: number): Promise<Rate> {
  const { helper, nodeModule } = await nodeRed();
  const haveConnection = existsSync(join(ROOT, 'nodes', 'modbus-connection', 'modbus-connection.ts'));
  if (!haveConnection) return { requestsPerSec: NaN, registersPerSec: NaN, note: 'nodes/modbus-connection not present: not measured' };
  const csv = serializeTagTableCsv(deviceTags());
  parseTagTableCsv(csv); // the same table the node will parse
  const flow = [
    { id: 'f1', type: 'tab' },
    { id: 'mbconn', type: 'modbus-connection', name: 'bench line', transport: 'tcp', host: '127.0.0.1', port: String(port), timeoutMs: 1000 },
    { id: 'dev', type: 'modbus-device', z: 'f1', x: 200, y: 100, name: 'bench', connection: 'mbconn', device: 'bench', unit: 1, notation: 'zero', tags: csv, groups: [{ name: 'all', interval: 1 }], output: 'scan', maxGap: 0, maxRegisters: 125, maxBits: 2000, wires: [['count']] },
    { id: 'count', type: 'helper', z: 'f1', x: 400, y: 100 },
  ];
  await helper.startServer();
  try {
    await helper.load([nodeModule('modbus-connection'), nodeModule('modbus-device')], flow);
    stopSpying(helper, flow);
    const scans = await countMessages(helper, 'count', 1000, NODE_RED_MS, () => 1);
    return { requestsPerSec: scans * BLOCKS, registersPerSec: scans * REGISTERS, tagsPerSec: scans * 1000, requestsPerScan: BLOCKS, heapMb: heapAfterGc() };
  } finally {
    await helper.unload();
    await helper.stopServer();
  }
}

async function contribInNodeRed(port: number, dir: string): Promise<Rate> {
  const { helper } = await nodeRed();
  const client = require(join(dir, 'modbus', 'modbus-client.js'));
  const read = require(join(dir, 'modbus', 'modbus-read.js'));
  // config node ids must not equal any string property of another node (Node-RED sees a reference)
  const flow: Record<string, unknown>[] = [
    { id: 'f1', type: 'tab' },
    { id: 'contribclient', type: 'modbus-client', name: 'contrib line', clienttype: 'tcp', bufferCommands: true, stateLogEnabled: false, queueLogEnabled: false, failureLogEnabled: true, tcpHost: '127.0.0.1', tcpPort: String(port), tcpType: 'DEFAULT', unit_id: 1, commandDelay: 1, clientTimeout: 1000, reconnectOnTimeout: true, reconnectTimeout: 2000, parallelUnitIdsAllowed: true },
    { id: 'count', type: 'helper', z: 'f1', x: 400, y: 100 },
  ];
  PLAN.forEach((b, i) => {
    flow.push({ id: `read${i}`, type: 'modbus-read', z: 'f1', x: 200, y: 100 + 40 * i, name: '', topic: '', showStatusActivities: false, logIOActivities: false, showErrors: false, unitid: '1', dataType: 'HoldingRegister', adr: String(b.address), quantity: String(b.count), rate: '1', rateUnit: 'ms', delayOnStart: false, startDelayTime: '', server: 'contribclient', useIOFile: false, ioFile: '', useIOForPayload: false, emptyMsgOnFail: false, wires: [['count'], []] });
  });
  await helper.startServer();
  try {
    await helper.load([client, read], flow);
    stopSpying(helper, flow);
    const responses = await countMessages(helper, 'count', 2000, NODE_RED_MS, (m) => (Array.isArray(m.payload) ? 1 : 0));
    const scans = responses / BLOCKS;
    return { requestsPerSec: responses, registersPerSec: responses * (REGISTERS / BLOCKS), tagsPerSec: scans * 1000, requestsPerScan: BLOCKS, heapMb: heapAfterGc(), note: 'raw registers, not decoded; blocks copied from our planner' };
  } finally {
    await helper.unload();
    await helper.stopServer();
  }
}

function heapAfterGc(): number | undefined {
  if (!global.gc) return undefined;
  global.gc();
  return process.memoryUsage().heapUsed / 1e6;
}

function tableParse(): { ms: number; tags: number } {
  const lines = ['name,area,address,type,order,scale,offset,unit,access,group'];
  for (let i = 0; i < 500; i++) lines.push(`tag_${i},holding,${i * 2},float32,CDAB,0.1,0,kW,r,fast`);
  const text = lines.join('\n');
  for (let i = 0; i < 20; i++) parseTagTableCsv(text);
  const t0 = performance.now();
  const n = 50;
  let tags = 0;
  for (let i = 0; i < n; i++) tags = parseTagTableCsv(text).length;
  return { ms: (performance.now() - t0) / n, tags };
}

async function main(): Promise<void> {
  const rows: Array<[string, Rate]> = [];
  const notes: string[] = [];
  let bin: string;
  try {
    bin = buildMbserver();
  } catch (err) {
    console.log(`| modbus benchmark | not run: ${(err as Error).message} |`);
    return;
  }
  const server = await startMbserver(bin);
  try {
    const { bare, line, poller, pollerVsBare, lineVsBare, pollerVsLine } = await libRounds(server.port);
    rows.push([`bare modbus-serial read loop (the same ${BLOCKS} blocks)`, bare]);
    rows.push(['ours: ModbusLine read loop alone (same blocks)', line]);
    rows.push(['ours: DevicePoller (line + planner + decode + samples), 1,000 tags', poller]);
    let ours: Rate;
    try {
      ours = await oursInNodeRed(server.port);
    } catch (err) {
      ours = { requestsPerSec: NaN, registersPerSec: NaN, note: `failed: ${(err as Error).message}` };
    }
    rows.push(['ours: modbus-device in Node-RED 4.1, 1,000 tags, scan output', ours]);
    const contrib = installContrib();
    let theirs: Rate;
    if (!contrib.dir) theirs = { requestsPerSec: NaN, registersPerSec: NaN, note: contrib.why };
    else {
      try {
        theirs = await contribInNodeRed(server.port, contrib.dir);
      } catch (err) {
        theirs = { requestsPerSec: NaN, registersPerSec: NaN, note: `failed: ${(err as Error).message}` };
      }
    }
    rows.push([`${CONTRIB} ${CONTRIB_VERSION} in Node-RED 4.1, ${BLOCKS} modbus-read nodes, rate 1 ms`, theirs]);

    console.log(`Server: libmodbus mbserver (C) on 127.0.0.1; device: 1,000 tags (500 uint16, 250 float32, 250 int32) = ${REGISTERS} holding registers.`);
    console.log(`Rounds: ${ROUNDS} x ${ROUND_MS} ms alternating (rows 1-2, medians); Node-RED rows: ${NODE_RED_MS} ms each.\n`);
    console.log('| measurement | requests/scan | requests/s | registers/s | tags/s | client CPU µs/request | heap MB after GC | note |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---|');
    for (const [name, r] of rows) {
      console.log(`| ${name} | ${r.requestsPerScan ?? '-'} | ${fmt(r.requestsPerSec)} | ${fmt(r.registersPerSec)} | ${fmt(r.tagsPerSec)} | ${fmt(r.cpuUsPerRequest, 1)} | ${fmt(r.heapMb)} | ${r.note ?? ''} |`);
    }
    console.log('\n| ratio | value | target |');
    console.log('|---|---:|---|');
    const slower = (x: number) => (x >= 0 ? `${fmt(x, 1)}% slower` : `${fmt(-x, 1)}% faster`);
    console.log(`| ours (DevicePoller) vs bare loop, requests/s | ${slower((1 - pollerVsBare) * 100)} | at most 15% slower |`);
    console.log(`| of which: the line alone vs bare loop | ${slower((1 - lineVsBare) * 100)} | |`);
    console.log(`| of which: poller, planner and decoding vs the line alone | ${slower((1 - pollerVsLine) * 100)} | |`);
    console.log(`| ours (node) vs contrib, tags/s | ${Number.isFinite(ours.tagsPerSec! / theirs.tagsPerSec!) ? `${fmt(ours.tagsPerSec! / theirs.tagsPerSec!, 1)}x` : '-'} | at least 10x |`);
    console.log(`| ours (node) vs contrib, requests/s | ${Number.isFinite(ours.requestsPerSec / theirs.requestsPerSec) ? `${fmt(ours.requestsPerSec / theirs.requestsPerSec, 1)}x` : '-'} | |`);
    console.log(`| requests per scan, ours (planner) vs contrib | ${poller.requestsPerScan} vs ${BLOCKS} when the user packs the same blocks by hand (1,000 with one modbus-read per tag) | fewer |`);
    const parse = tableParse();
    console.log(`| 500-tag CSV tag table parse | ${fmt(parse.ms, 2)} ms (${parse.tags} tags) | practical |`);
    if (notes.length) console.log('\n' + notes.join('\n'));
  } finally {
    server.proc.kill('SIGKILL');
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
