// The whole pipeline, end to end (issue 13): a simulated 1,000-tag Modbus device polled as fast
// as it answers -> modbus-device (whole scans) -> tag-calc (10 definitions) and store-forward
// (durable SQLite, synchronous=NORMAL) -> forward-target MQTT QoS 1 -> the embedded aedes broker
// -> an mqtt.js subscriber counting the tags that arrive. Beside it, in the same run, the Modbus
// ceiling: the same device polled by the same modbus-device node with nothing downstream
// (measured before and after the pipeline, so drifting machine load shows).
//
// Processes (each one's CPU and RSS read from /proc, sampled every 250 ms):
//   - the simulator: test/peers/modbus-tcp-server.c (libmodbus, C), a few % of a core;
//   - the gateway: Node-RED 4.1 with our nodes and the embedded broker (bench/pipeline/gateway-process.ts);
//   - the subscriber (bench/pipeline/subscriber-process.ts);
//   - this process: drives the others, and changes one register of the device every few ms, so
//     tag-calc sees a changed input on (nearly) every scan and evaluates, as on a live plant.
// Figures are over a steady window after a warm-up. Never fails on a number.
// Run: npm run bench -- pipeline   (or node --expose-gc --import tsx bench/pipeline.bench.ts)
// Env: BENCH_WARM_MS (5000), BENCH_MEASURE_MS (15000), BENCH_MAX_IN_FLIGHT (1: modbus-connection's
// default), BENCH_INTERVAL_MS (1), BENCH_NODELAY (1: simulator with TCP_NODELAY), BENCH_WRITE_MS (4),
// BENCH_CPU_PROF (a directory: the gateway process of the pipeline runs with --cpu-prof there),
// BENCH_HEAP_SNAPSHOT (a directory: a heap snapshot at the end of each pipeline window),
// BENCH_CAPPED_HEAP_MB (MB: the pipeline again with --max-old-space-size; 0, the default: not run),
// BENCH_RUNS (say 1,2: only those runs, numbered in the order of main()), BENCH_FLAG_RUNS
// ("--a=1;--b=2 --c": one more pipeline run per entry, with those node flags),
// BENCH_TSX (1: the gateway under tsx instead of compiled JavaScript),
// BENCH_PIPELINE_BEFORE (another checkout, its node_modules linked: the pipeline on it and on this
// one in alternating rounds, BENCH_PIPELINE_ROUNDS of each (2), between the two ceilings; the
// other runs are left out), BENCH_PIPELINE_ROUNDS.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { talkTo, type BenchChild } from './shared/child-messages';
import ModbusRTU from 'modbus-serial';
import { startMbserver } from '../test/helpers/modbus-mbserver';
import { CALC_DEVICE, DEVICE, TAG_COUNT } from './pipeline/flows';
import { compileForBench } from './pipeline/compile';
import type { GatewayStats } from './pipeline/gateway-process';
import type { SubscriberCounts } from './pipeline/subscriber-process';

const WARM_MS = Number(process.env.BENCH_WARM_MS ?? 5000);
const MEASURE_MS = Number(process.env.BENCH_MEASURE_MS ?? 15000);
const MAX_IN_FLIGHT = Number(process.env.BENCH_MAX_IN_FLIGHT ?? 1);
const INTERVAL_MS = Number(process.env.BENCH_INTERVAL_MS ?? 1);
const NODELAY = process.env.BENCH_NODELAY === '1';
const WRITE_MS = Number(process.env.BENCH_WRITE_MS ?? 4);
const CPU_PROF = process.env.BENCH_CPU_PROF;
/** the pipeline again with V8's old space capped (MB), as a gateway with little RAM runs; 0 = not run */
const CAPPED_HEAP_MB = Number(process.env.BENCH_CAPPED_HEAP_MB ?? 0);
const ONLY_RUNS = process.env.BENCH_RUNS ? process.env.BENCH_RUNS.split(',').map(Number) : undefined;
/** a former checkout: its pipeline measured in alternating rounds with this one's */
const BEFORE = process.env.BENCH_PIPELINE_BEFORE;
const ROUNDS = Number(process.env.BENCH_PIPELINE_ROUNDS ?? 2);
const SAMPLE_MS = 250;
const TARGET_TAGS_PER_SEC = 250_000;
const TARGET_RSS_MB = 200;
const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number | undefined, digits = 0) => (n === undefined || !Number.isFinite(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

// ---- /proc sampling ----

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system) the process has used. */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}

class ProcessSampler {
  /** over the process's life (start-up included), and since windowStart() */
  peak = 0;
  windowPeak = 0;
  last = NaN;
  private readonly timer: NodeJS.Timeout;
  constructor(readonly pid: number) {
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.sample();
  }
  sample(): void {
    this.last = rssMb(this.pid);
    if (this.last > this.peak) this.peak = this.last;
    if (this.last > this.windowPeak) this.windowPeak = this.last;
  }
  windowStart(): void {
    this.windowPeak = 0;
    this.sample();
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

// ---- children over IPC ----

type Child = BenchChild;

/** How the children run: compiled JavaScript (as the product runs dist/), or under tsx. */
let compiled: ((source: string) => string) | undefined;
/** BENCH_PIPELINE_BEFORE: the former checkout's gateway, compiled by its own compile step */
let compiledBefore: ((source: string) => string) | undefined;

function forkChild(script: string, args: string[], execArgv: string[] = [], before = false): Child {
  const source = join(before ? join(BEFORE!, 'bench') : __dirname, 'pipeline', script);
  const compile = before ? compiledBefore : compiled;
  const proc = fork(compile ? compile(source) : source, args, { execArgv: ['--expose-gc', ...(compile ? [] : ['--import', 'tsx']), ...execArgv], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return talkTo(proc, script);
}

// ---- the measured runs ----

type Mode = 'ceiling' | 'pipeline' | 'pipeline-nocalc';

interface Run {
  label: string;
  mode: Mode;
  /** measured on the BENCH_PIPELINE_BEFORE checkout */
  before: boolean;
  nodeFlags: string[];
  seconds: number;
  scansPerSec: number;
  /** tags/s polled (scans x 1,000) */
  polledTagsPerSec: number;
  enqueuedPerSec?: number;
  deliveredPerSec?: number;
  arrivedMessagesPerSec?: number;
  arrivedTagsPerSec?: number;
  depthStart?: number;
  depthEnd?: number;
  pendingEnd?: number;
  /** mean time of a queue transaction in the window (ms) */
  commitMs?: number;
  gateway: { rssPeak: number; rssWindowPeak: number; rssEnd: number; cpuPercent: number; heapUsedMb: number; heapAfterGcMb?: number };
  /** the gateway process's CPU (user + system, from /proc) per scan of the window, ms */
  cpuMsPerScan: number;
  /** the machine's 1-minute load average at the window's start */
  load: number;
  subscriberCpuPercent?: number;
  simulatorCpuPercent: number;
  end?: GatewayStats;
  counts?: SubscriberCounts;
}

/** Changes holding register 0 (tag h_u16_0, an input of tag-calc) every WRITE_MS: a live plant. */
async function startWriter(port: number): Promise<{ writes(): number; stop(): Promise<void> }> {
  const client = new ModbusRTU();
  await client.connectTCP('127.0.0.1', { port });
  client.setID(1);
  client.setTimeout(1000);
  let writes = 0;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    client
      .writeRegister(0, writes % 60000)
      .then(() => writes++)
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, WRITE_MS);
  return {
    writes: () => writes,
    async stop() {
      clearInterval(timer);
      await new Promise<void>((r) => client.close(() => r()));
    },
  };
}

async function measure(label: string, mode: Mode, modbusPort: number, simulatorPid: number, nodeFlags: string[] = [], before = false): Promise<Run> {
  const execArgv = [...nodeFlags, ...(CPU_PROF && mode !== 'ceiling' ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : [])];
  const gateway = forkChild('gateway-process.ts', [mode, String(modbusPort), String(MAX_IN_FLIGHT), String(INTERVAL_MS), (before ? compiledBefore : compiled) ? 'module' : 'shims'], execArgv, before);
  let subscriber: Child | undefined;
  const sampler = new ProcessSampler(gateway.proc.pid!);
  try {
    const ready = await gateway.next('ready');
    if (mode !== 'ceiling') {
      subscriber = forkChild('subscriber-process.ts', [String(ready.brokerPort)]);
      await subscriber.next('ready');
    }
    const started = gateway.next('started');
    gateway.proc.send({ type: 'start' });
    await started;
    await sleep(WARM_MS);
    const snapshot = async () => ({
      at: performance.now(),
      stats: await gateway.ask<GatewayStats>('stats', 'stats'),
      counts: subscriber ? await subscriber.ask<SubscriberCounts>('counts', 'counts') : undefined,
      cpu: { gateway: cpuSeconds(gateway.proc.pid!), subscriber: subscriber ? cpuSeconds(subscriber.proc.pid!) : NaN, simulator: cpuSeconds(simulatorPid) },
    });
    const a = await snapshot();
    const load = loadavg()[0];
    sampler.windowStart();
    await sleep(MEASURE_MS);
    const b = await snapshot();
    sampler.sample();
    const heapAfterGcMb = (await gateway.ask<GatewayStats>('stats', 'stats', { gc: true })).heapAfterGcMb;
    const secs = (b.at - a.at) / 1000;
    const per = (x: number, y: number) => (y - x) / secs;
    const pct = (x: number, y: number) => ((y - x) / secs) * 100;
    return {
      label,
      mode,
      before,
      nodeFlags,
      seconds: secs,
      scansPerSec: per(a.stats.scans, b.stats.scans),
      polledTagsPerSec: per(a.stats.scans, b.stats.scans) * TAG_COUNT,
      ...(mode !== 'ceiling'
        ? {
            enqueuedPerSec: per(a.stats.enqueued, b.stats.enqueued),
            deliveredPerSec: per(a.stats.delivered, b.stats.delivered),
            arrivedMessagesPerSec: per(a.counts!.messages, b.counts!.messages),
            arrivedTagsPerSec: per(a.counts!.tags, b.counts!.tags),
            depthStart: a.stats.depth,
            depthEnd: b.stats.depth,
            pendingEnd: b.stats.pending,
            commitMs: (b.stats.commitMs - a.stats.commitMs) / Math.max(1, b.stats.commits - a.stats.commits),
            subscriberCpuPercent: pct(a.cpu.subscriber, b.cpu.subscriber),
          }
        : {}),
      gateway: { rssPeak: sampler.peak, rssWindowPeak: sampler.windowPeak, rssEnd: sampler.last, cpuPercent: pct(a.cpu.gateway, b.cpu.gateway), heapUsedMb: b.stats.heapUsedMb, heapAfterGcMb },
      load,
      cpuMsPerScan: ((b.cpu.gateway - a.cpu.gateway) * 1000) / Math.max(1, b.stats.scans - a.stats.scans),
      simulatorCpuPercent: pct(a.cpu.simulator, b.cpu.simulator),
      end: b.stats,
      counts: b.counts,
    };
  } finally {
    sampler.stop();
    await subscriber?.stop();
    await gateway.stop();
  }
}

async function main(): Promise<void> {
  let how = 'compiled JavaScript (esbuild, per file), our package loaded by Node-RED as a module with every node type, as the runtime loads dist/';
  if (process.env.BENCH_TSX === '1') how = 'under tsx (BENCH_TSX=1): only the node types of the flow, from source (the product loads every node type: its RSS is not this one)';
  else {
    try {
      compiled = compileForBench();
      if (BEFORE) compiledBefore = (require(join(BEFORE, 'bench', 'pipeline', 'compile.ts')) as typeof import('./pipeline/compile')).compileForBench();
    } catch (err) {
      how = `under tsx: compiling failed (${(err as Error).message}); only the node types of the flow are loaded, so the RSS is not the product's`;
    }
  }
  let server: Awaited<ReturnType<typeof startMbserver>>;
  try {
    server = await startMbserver({ nodelay: NODELAY });
  } catch (err) {
    console.log(`pipeline benchmark not run: the simulator could not start: ${(err as Error).message}`);
    return;
  }
  const load0 = loadavg();
  const simulatorPid = server.peer.proc.pid!;
  const writer = await startWriter(server.port);
  const runs: Run[] = [];
  const failures: string[] = [];
  let runIndex = 0;
  const attempt = async (label: string, mode: Mode, nodeFlags: string[] = [], before = false) => {
    // BENCH_RUNS=1,2: only those runs (1-based, in the order below), for profiling one of them
    const index = ++runIndex;
    if (ONLY_RUNS && !ONLY_RUNS.includes(index)) return;
    try {
      runs.push(await measure(label, mode, server.port, simulatorPid, nodeFlags, before));
    } catch (err) {
      failures.push(`${label}: not measured: ${(err as Error).message}`);
    }
  };
  const writes0 = writer.writes();
  const t0 = performance.now();
  try {
    await attempt('Modbus ceiling (before)', 'ceiling');
    if (BEFORE) {
      // this checkout and the former one in alternating rounds, the one starting a round alternating too
      for (let round = 1; round <= ROUNDS; round++) {
        const order = round % 2 ? [false, true] : [true, false];
        for (const before of order) await attempt(`pipeline${before ? ', before' : ''} (round ${round})`, 'pipeline', [], before);
      }
    } else {
      await attempt('pipeline', 'pipeline');
      await attempt('pipeline without tag-calc', 'pipeline-nocalc');
      // the runtime's heap settings (runtime/heap-budget.ts) against V8's own: the young generation
      // always free to grow, then both it and the old generation's growth as V8 chooses them
      await attempt('pipeline, V8 default young generation (--semi-space-growth-factor=2)', 'pipeline', ['--semi-space-growth-factor=2']);
      await attempt('pipeline, V8 defaults (--semi-space-growth-factor=2 --heap-growing-percent=0)', 'pipeline', ['--semi-space-growth-factor=2', '--heap-growing-percent=0']);
      if (CAPPED_HEAP_MB > 0) await attempt(`pipeline, --max-old-space-size=${CAPPED_HEAP_MB}`, 'pipeline', [`--max-old-space-size=${CAPPED_HEAP_MB}`]);
      // BENCH_FLAG_RUNS="--a=1;--b=2 --c": one more pipeline run per entry, with those node flags
      for (const flags of (process.env.BENCH_FLAG_RUNS ?? '').split(';').filter((f) => f.trim())) await attempt(`pipeline, ${flags.trim()}`, 'pipeline', flags.trim().split(/\s+/));
    }
    await attempt('Modbus ceiling (after)', 'ceiling');
  } finally {
    await writer.stop();
    await server.stop();
  }
  const writesPerSec = (writer.writes() - writes0) / ((performance.now() - t0) / 1000);
  report(runs, failures, load0, writesPerSec, how);
}

/** BENCH_PIPELINE_BEFORE: each round's pipeline on this checkout against the former one's, and the medians. */
function beforeAfter(runs: Run[], ceiling: number): void {
  const median = (xs: number[]) => {
    const v = [...xs].sort((a, b) => a - b);
    return v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  };
  const after = runs.filter((r) => r.mode === 'pipeline' && !r.before);
  const before = runs.filter((r) => r.mode === 'pipeline' && r.before);
  console.log(`\nBefore: ${BEFORE}. Gateway CPU per 1,000-tag scan (ms) and end to end against the mean ceiling (${fmt(ceiling)} tags/s), round by round:\n`);
  console.log('| round | CPU ms per scan: after / before | after / before | end to end vs ceiling: after / before | load at the windows |');
  console.log('|---|---:|---:|---:|---|');
  for (let i = 0; i < Math.min(after.length, before.length); i++) {
    const [a, b] = [after[i], before[i]];
    console.log(
      `| ${i + 1} | ${fmt(a.cpuMsPerScan, 2)} / ${fmt(b.cpuMsPerScan, 2)} | ${fmt(a.cpuMsPerScan / b.cpuMsPerScan, 3)} | ${fmt(((a.arrivedTagsPerSec ?? NaN) / ceiling) * 100)}% / ${fmt(((b.arrivedTagsPerSec ?? NaN) / ceiling) * 100)}% | ${a.load.toFixed(1)} / ${b.load.toFixed(1)} |`,
    );
  }
  const ma = median(after.map((r) => r.cpuMsPerScan));
  const mb = median(before.map((r) => r.cpuMsPerScan));
  console.log(
    `| median | ${fmt(ma, 2)} / ${fmt(mb, 2)} | ${fmt(ma / mb, 3)} | ${fmt((median(after.map((r) => r.arrivedTagsPerSec ?? NaN)) / ceiling) * 100)}% / ${fmt((median(before.map((r) => r.arrivedTagsPerSec ?? NaN)) / ceiling) * 100)}% | |`,
  );
}

function report(runs: Run[], failures: string[], load0: number[], writesPerSec: number, how: string): void {
  const ceilings = runs.filter((r) => r.mode === 'ceiling');
  const ceiling = ceilings.length ? ceilings.reduce((s, r) => s + r.polledTagsPerSec, 0) / ceilings.length : NaN;
  const pipe = runs.find((r) => r.mode === 'pipeline' && r.nodeFlags.length === 0);
  const vs = (x: number | undefined) => (x === undefined || !Number.isFinite(ceiling) ? '-' : `${fmt((x / ceiling) * 100)}%`);
  console.log(
    `Simulator: test/peers/modbus-tcp-server.c (libmodbus, C${NODELAY ? ', TCP_NODELAY' : ', Nagle on'}) on 127.0.0.1; device: ${TAG_COUNT} tags (holding: 150 uint16, 100 int16, 100 float32, 50 uint32; input: 150 uint16, 50 int16, 150 float32, 50 uint32; 200 coils) = 11 requests per scan.`,
  );
  console.log(
    `modbus-device: one poll group, interval ${INTERVAL_MS} ms (as fast as the line answers), whole-scan output; modbus-connection maxInFlight ${MAX_IN_FLIGHT}. Holding register 0 (an input of tag-calc) changed ${fmt(writesPerSec)} times/s by this process.`,
  );
  console.log(
    `Pipeline: modbus-device -> store-forward and -> tag-calc (10 definitions, device "${CALC_DEVICE}") -> store-forward (SQLite, synchronous=NORMAL, 20 ms / 500 per transaction) -> forward-target mqtt QoS 1, MQTT 3.1.1 (aedes), 100 in flight, batches of 25 -> embedded aedes broker (same process) -> mqtt.js subscriber (own process, QoS 1) on devices/+/data. "Without tag-calc": modbus-device -> store-forward only.`,
  );
  console.log(`Gateway process: ${how}.`);
  console.log(
    `Window: ${fmt(MEASURE_MS / 1000)} s after ${fmt(WARM_MS / 1000)} s of warm-up per run; RSS sampled every ${SAMPLE_MS} ms. Node ${process.version}, load average at start ${load0.map((l) => l.toFixed(2)).join(' ')} (2 shared cores).\n`,
  );
  console.log('| stage | tags/s | vs Modbus ceiling | scans/s | messages/s | gateway RSS MB: peak (start-up included) / peak in window / end | gateway CPU %, ms per scan | note |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---|');
  const heap = (r: Run) => `heap after GC ${fmt(r.gateway.heapAfterGcMb)} MB (in use before it ${fmt(r.gateway.heapUsedMb)} MB)`;
  for (const r of runs) {
    const rss = `${fmt(r.gateway.rssPeak)} / ${fmt(r.gateway.rssWindowPeak)} / ${fmt(r.gateway.rssEnd)}`;
    if (r.mode === 'ceiling') {
      console.log(
        `| ${r.label}: modbus-device, nothing downstream | ${fmt(r.polledTagsPerSec)} | ${vs(r.polledTagsPerSec)} | ${fmt(r.scansPerSec)} | - | ${rss} | ${fmt(r.gateway.cpuPercent)}, ${fmt(r.cpuMsPerScan, 2)} | simulator CPU ${fmt(r.simulatorCpuPercent)}%; ${heap(r)} |`,
      );
      continue;
    }
    const calcMsgs = r.counts?.topics[`devices/${CALC_DEVICE}/data`] ?? 0;
    const devMsgs = r.counts?.topics[`devices/${DEVICE}/data`] ?? 0;
    console.log(
      `| ${r.label}: polled (modbus-device scans x ${TAG_COUNT}) | ${fmt(r.polledTagsPerSec)} | ${vs(r.polledTagsPerSec)} | ${fmt(r.scansPerSec)} | - | ${rss} | ${fmt(r.gateway.cpuPercent)}, ${fmt(r.cpuMsPerScan, 2)} | load ${r.load.toFixed(1)} at the window's start; ${heap(r)} |`,
    );
    console.log(
      `| ${r.label}: committed to the queue | - | - | - | ${fmt(r.enqueuedPerSec)} | | | ${r.mode === 'pipeline' ? 'device scans and tag-calc scans' : 'device scans'}; a transaction took ${fmt(r.commitMs, 1)} ms on average; ${fmt(r.pendingEnd)} accepted messages waiting in memory for theirs at the end |`,
    );
    console.log(`| ${r.label}: acknowledged by the broker (PUBACK) | - | - | - | ${fmt(r.deliveredPerSec)} | | | queue depth ${fmt(r.depthStart)} at window start, ${fmt(r.depthEnd)} at end |`);
    console.log(
      `| **${r.label}: arrived at the subscriber (end to end)** | **${fmt(r.arrivedTagsPerSec)}** | ${vs(r.arrivedTagsPerSec)} | - | ${fmt(r.arrivedMessagesPerSec)} | | | subscriber CPU ${fmt(r.subscriberCpuPercent)}%, simulator ${fmt(r.simulatorCpuPercent)}%; whole run: ${fmt(devMsgs)} device + ${fmt(calcMsgs)} calc messages, seq gaps ${r.counts?.gaps ?? '-'}, duplicates ${r.counts?.duplicates ?? '-'} |`,
    );
  }
  if (BEFORE) beforeAfter(runs, ceiling);
  if (pipe) {
    const rate = pipe.arrivedTagsPerSec ?? NaN;
    console.log('');
    console.log('| target (the pipeline with tag-calc) | measured | met |');
    console.log('|---|---:|---|');
    console.log(`| end to end >= ${fmt(TARGET_TAGS_PER_SEC)} tags/s | ${fmt(rate)} tags/s | ${rate >= TARGET_TAGS_PER_SEC ? 'met' : 'missed'} |`);
    console.log(`| gateway RSS <= ${TARGET_RSS_MB} MB (peak, start-up included) | ${fmt(pipe.gateway.rssPeak)} MB | ${pipe.gateway.rssPeak <= TARGET_RSS_MB ? 'met' : 'missed'} |`);
    console.log(`| gateway RSS <= ${TARGET_RSS_MB} MB (peak in the steady window) | ${fmt(pipe.gateway.rssWindowPeak)} MB | ${pipe.gateway.rssWindowPeak <= TARGET_RSS_MB ? 'met' : 'missed'} |`);
  }
  for (const r of runs.filter((x) => x.mode !== 'ceiling')) {
    const growing = (r.depthEnd ?? 0) - (r.depthStart ?? 0);
    // a transaction's worth (20 ms) or a full in-flight window is noise, not a trend
    const trend = growing > Math.max(100, (r.enqueuedPerSec ?? 0) * 0.05 * r.seconds);
    console.log(
      `\n${r.label}: queue depth ${trend ? `grew by ${fmt(growing)} messages over the window (${fmt(growing / r.seconds)}/s): the forward side (queue read -> MQTT -> PUBACK) is the bottleneck, what arrives is less than what is polled` : `${growing > 0 ? `grew by ${fmt(growing)} (noise: less than a window's in-flight messages)` : 'did not grow'} over the window: everything polled was forwarded; the limit is upstream of the queue (polling and the flow, sharing one thread)`}.`,
    );
  }
  if (failures.length) console.log('\n' + failures.join('\n'));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
