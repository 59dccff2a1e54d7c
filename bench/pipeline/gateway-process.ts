// The measured process of bench/pipeline.bench.ts: Node-RED 4.1 embedded with our nodes and, for
// the pipeline, the runtime's embedded aedes broker (runtime/broker.ts) in the same process, as
// the edge-gateway runtime runs them. Driven by its parent over IPC:
//   child -> parent  { type: 'ready', brokerPort }      once Node-RED (and the broker) run
//   parent -> child  { type: 'start' }                   deploy the flow (the subscriber is ready)
//   parent -> child  { type: 'stats', gc? }              -> { type: 'stats', stats: GatewayStats }
//   parent -> child  { type: 'stop' }                    stop everything and exit
// argv: mode (ceiling | pipeline | pipeline-nocalc: no tag-calc, the scan goes to the queue alone), Modbus port, maxInFlight, poll interval ms, loading: 'module'
// (this file runs compiled, from the package directory bench/pipeline/compile.ts wrote: Node-RED
// loads it as a module, every node type, as the runtime loads dist/) or 'shims' (under tsx: only
// the node types of the flow, each through a one-line shim).
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchNodeRedSettings } from '../shared/node-red-settings';
import { writeHeapSnapshot } from 'node:v8';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../runtime/broker';
import { sizeThreadPool } from '../../runtime/thread-pool';
import { HeapGovernor, limitOldGenerationGrowth, limitYoungGeneration, mayOptimizeForSize } from '../../runtime/heap-budget';
import { metricsRegistry } from '../../lib/metrics/registry';
import { ceilingFlow, pipelineFlow, type FlowOptions } from './flows';
import { writeNodeShims } from './node-shims';
import { runChild, toParent as send } from '../shared/child-messages';

export interface GatewayStats {
  /** poll cycles of the device (scans), from edgegw_modbus_device_cycles_total */
  scans: number;
  /** messages committed to the queue, delivered (acked by the broker), queued now */
  enqueued: number;
  delivered: number;
  depth: number;
  /** accepted by store-forward, waiting in memory for their transaction */
  pending: number;
  /** queue transactions and their total time (ms) */
  commits: number;
  commitMs: number;
  inFlight: number;
  /** forwarder state and last error, to tell a stalled forward side */
  forwarder?: string;
  lastError?: string;
  heapUsedMb: number;
  /** heap in use after a full GC (asked for with { type: 'stats', gc: true }, after the window) */
  heapAfterGcMb?: number;
}

const ROOT = join(__dirname, '..', '..');
const [mode, modbusPortText, maxInFlightText, intervalText, loading] = process.argv.slice(2);
const PIPELINE = mode === 'pipeline' || mode === 'pipeline-nocalc';
const TYPES = PIPELINE ? ['modbus-connection', 'modbus-device', 'tag-calc', 'forward-target', 'store-forward'] : ['modbus-connection', 'modbus-device'];

async function main(): Promise<void> {
  // what runtime/cli does at start: the thread pool at 2 threads, the heap budget (the young
  // generation held until the process is busy, the old one growing 50% while busy, V8 optimizing
  // for size while quiet), unless the flags of this run choose them (--semi-space-growth-factor=2,
  // --heap-growing-percent=0, --no-optimize-for-size)
  sizeThreadPool();
  const young = limitYoungGeneration().limited;
  const old = limitOldGenerationGrowth().percent !== undefined;
  const size = mayOptimizeForSize().forSize;
  if (young || old || size) new HeapGovernor({ young, old, size });
  const dir = mkdtempSync(join(tmpdir(), 'edgegw-pipeline-bench-'));
  const RED = require('node-red');
  const server = createServer();
  let broker: EmbeddedBroker | undefined;
  let nodesDir = ROOT;
  if (loading !== 'module') {
    nodesDir = join(dir, 'nodes');
    writeNodeShims(nodesDir, ROOT, TYPES);
  }
  const userDir = join(dir, 'user');
  mkdirSync(userDir);
  RED.init(server, benchNodeRedSettings(userDir, nodesDir));
  await RED.start();
  if (PIPELINE) broker = await startEmbeddedBroker(0);
  const options: FlowOptions = { modbusPort: Number(modbusPortText), brokerPort: broker?.port ?? 0, maxInFlight: Number(maxInFlightText), intervalMs: Number(intervalText) };

  const cycles = () => {
    const metric = metricsRegistry().getSingleMetric('edgegw_modbus_device_cycles_total') as unknown as { get(): Promise<{ values: Array<{ value: number }> }> } | undefined;
    return metric ? metric.get().then((m) => m.values.reduce((s, v) => s + v.value, 0)) : Promise.resolve(0);
  };
  const stats = async (collect = false): Promise<GatewayStats> => {
    const queueNode = RED.nodes.getNode('benchQueue') as {
      queue?: { stats(): { enqueued: number; delivered: number; depth: number; pending: number; commits: number; commitMs: number } };
      forwarder?: { state(): string; inFlightCount(): number; lastError?: string };
    } | null;
    const q = queueNode?.queue?.stats();
    const result: GatewayStats = {
      scans: await cycles(),
      enqueued: q?.enqueued ?? 0,
      delivered: q?.delivered ?? 0,
      depth: q?.depth ?? 0,
      pending: q?.pending ?? 0,
      commits: q?.commits ?? 0,
      commitMs: q?.commitMs ?? 0,
      inFlight: queueNode?.forwarder?.inFlightCount() ?? 0,
      forwarder: queueNode?.forwarder?.state(),
      lastError: queueNode?.forwarder?.lastError,
      heapUsedMb: process.memoryUsage().heapUsed / 1048576,
      heapAfterGcMb: collect && global.gc ? (global.gc(), process.memoryUsage().heapUsed / 1048576) : undefined,
    };
    // BENCH_HEAP_SNAPSHOT=DIR: a heap snapshot at the end of each pipeline window, to see what the heap holds
    if (collect && PIPELINE && process.env.BENCH_HEAP_SNAPSHOT) writeHeapSnapshot(join(process.env.BENCH_HEAP_SNAPSHOT, `${mode}-${process.pid}.heapsnapshot`));
    return result;
  };

  const stop = async () => {
    await RED.stop().catch(() => undefined);
    await broker?.close().catch(() => undefined);
    server.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('message', (m: { type: string; gc?: boolean }) => {
    if (m.type === 'start') {
      RED.nodes.setFlows(PIPELINE ? pipelineFlow(options, mode === 'pipeline') : ceilingFlow(options), 'full').then(
        () => send({ type: 'started' }),
        (err: Error) => send({ type: 'error', error: err.message }),
      );
    } else if (m.type === 'stats') {
      stats(m.gc === true).then(
        (s) => send({ type: 'stats', stats: s }),
        (err: Error) => send({ type: 'error', error: `stats: ${err.message}` }),
      );
    } else if (m.type === 'stop') {
      void stop();
    }
  });
  // the parent gone (killed): do not stay behind
  process.on('disconnect', () => void stop());
  send({ type: 'ready', brokerPort: broker?.port });
}

runChild(main);
