// The measured process of bench/scale.bench.ts: the edge-gateway runtime as runtime/cli.ts starts
// it (thread pool, heap budget, startGateway with a settings file whose `devices:` list becomes
// the default pipeline: modbus-device -> tag-store -> tag-calc / stats / alarm -> store-forward
// -> MQTT on the embedded broker), run compiled (bench/pipeline/compile.ts) as dist/ runs.
// Measures itself over a window the parent opens and closes:
//   CPU (process.cpuUsage), RSS and heap (process.memoryUsage), event-loop delay p99
//   (monitorEventLoopDelay), and the scans: every message a modbus-device node sends (a Node-RED
//   onSend hook) is timed, per device, against the one before it: jitter = |gap - poll interval|,
//   a scan is late when its gap exceeds the interval by more than LATE_MS.
// IPC: child -> parent { type: 'ready' } once every device has sent a scan; parent -> child { type: 'window' }
// (start), { type: 'stats' } -> { type: 'stats', stats: ScaleStats }, { type: 'stop' }.
// argv: settings file, user dir, poll interval ms, device count.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { resolveSettings } from '../../runtime/settings';
import { sizeThreadPool } from '../../runtime/thread-pool';
import { HeapGovernor, limitOldGenerationGrowth, limitYoungGeneration, mayOptimizeForSize } from '../../runtime/heap-budget';
import { startGateway } from '../../runtime/server';
import { nodeRedDir } from '../../runtime/resolve';
import { runChild } from '../shared/child-messages';
import { healthRegistry } from '../../lib/health/registry';

export interface ScaleStats {
  windowS: number;
  cpuPercent: number;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  eventLoopP99Ms: number;
  scans: number;
  jitterP99Ms: number;
  lateShare: number;
  devicesSeen: number;
  /** the default flows' historian: its counts when the window closed, and what the window added */
  historian?: HistorianFigures;
}

/** A historian's counts (lib/historian HistorianCounts) as its /health entry gives them. */
export interface HistorianFigures {
  stored: number;
  pending: number;
  dropped: number;
  merged: number;
  storedInWindow: number;
  mergedInWindow: number;
}

/** The historian's figures from the health registry (the node reports its counts there every second). */
function historianCounts(): Record<string, number> | undefined {
  const entry = healthRegistry()
    .list()
    .find((e) => e.type === 'historian');
  return entry?.detail as Record<string, number> | undefined;
}

/** A scan later than its interval by more than this counts as late (the jitter goal). */
export const LATE_MS = 50;

const [settingsFile, userDir, intervalText, devicesText] = process.argv.slice(2);
const INTERVAL_MS = Number(intervalText);
const DEVICES = Number(devicesText);

/**
 * Allocation sampling over the window (BENCH_SCALE_HEAP_SAMPLE: the directory of the profile),
 * collected objects included: what the garbage collector has to clear, by allocating function.
 */
class AllocationSampler {
  private session: Session | undefined;

  constructor(private readonly dir: string | undefined) {}

  async start(): Promise<void> {
    if (!this.dir) return;
    this.session = new Session();
    this.session.connect();
    await this.session.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  }

  async stop(): Promise<void> {
    if (!this.session || !this.dir) return;
    const { profile } = await this.session.post('HeapProfiler.stopSampling');
    writeFileSync(join(this.dir, `window-${process.pid}.heapprofile`), JSON.stringify(profile));
    this.session.disconnect();
    this.session = undefined;
  }
}

function percentile(xs: Float64Array, n: number, p: number): number {
  if (n === 0) return NaN;
  const sorted = xs.slice(0, n).sort();
  return sorted[Math.min(n - 1, Math.floor((p / 100) * n))];
}

async function main(): Promise<void> {
  sizeThreadPool();
  const young = limitYoungGeneration().limited;
  const old = limitOldGenerationGrowth().percent !== undefined;
  const size = mayOptimizeForSize().forSize;
  if (young || old || size) new HeapGovernor({ young, old, size });
  const settings = resolveSettings({ flags: { userDir }, configFile: settingsFile }, {}, () => require('yaml') as { load(text: string): unknown });
  const gw = await startGateway(settings);
  const RED = require(nodeRedDir()) as { hooks: { add(name: string, fn: (events: unknown) => void): void }; events: { on(e: string, fn: () => void): void } };

  // scan timing: per device node, the last scan's time; gaps beyond the first one counted
  const lastScan = new Map<string, number>();
  let jitters = new Float64Array(1 << 16);
  let count = 0;
  let late = 0;
  let measuring = false;
  let ready = false;
  /** devices with a scan gap timed in the window */
  const seen = new Set<string>();
  RED.hooks.add('onSend.scale', (events: unknown) => {
    for (const e of events as Array<{ source?: { node?: { id: string; type: string } } }>) {
      const node = e.source?.node;
      if (!node || node.type !== 'edgegw-modbus-device') continue;
      const now = performance.now();
      const before = lastScan.get(node.id);
      lastScan.set(node.id, now);
      // ready once every device has sent a scan (startGateway resolves before the flows run)
      if (!ready && lastScan.size >= DEVICES) {
        ready = true;
        process.send?.({ type: 'ready' });
      }
      if (!measuring || before === undefined) continue;
      seen.add(node.id);
      const off = now - before - INTERVAL_MS;
      if (count === jitters.length) {
        const grown = new Float64Array(jitters.length * 2);
        grown.set(jitters);
        jitters = grown;
      }
      jitters[count++] = Math.abs(off);
      if (off > LATE_MS) late++;
    }
  });

  const loop = monitorEventLoopDelay({ resolution: 10 });
  const sampler = new AllocationSampler(process.env.BENCH_SCALE_HEAP_SAMPLE || undefined);
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  let historianAtStart: Record<string, number> | undefined;
  process.on('message', (m: { type: string }) => {
    if (m.type === 'window') {
      count = 0;
      late = 0;
      seen.clear();
      measuring = true;
      loop.reset();
      loop.enable();
      cpu0 = process.cpuUsage();
      t0 = performance.now();
      void sampler.start();
      historianAtStart = historianCounts();
    } else if (m.type === 'stats') {
      const cpu = process.cpuUsage(cpu0);
      const windowS = (performance.now() - t0) / 1000;
      measuring = false;
      loop.disable();
      const mem = process.memoryUsage();
      const stats: ScaleStats = {
        windowS,
        cpuPercent: ((cpu.user + cpu.system) / 1e6 / windowS) * 100,
        rssMb: mem.rss / 1048576,
        heapUsedMb: mem.heapUsed / 1048576,
        heapTotalMb: mem.heapTotal / 1048576,
        eventLoopP99Ms: loop.percentile(99) / 1e6,
        scans: count,
        jitterP99Ms: percentile(jitters, count, 99),
        lateShare: count ? late / count : NaN,
        devicesSeen: seen.size,
      };
      const h = historianCounts();
      if (h) {
        const merged = Number(h.merged ?? NaN);
        stats.historian = {
          stored: h.stored,
          pending: h.pending,
          dropped: h.dropped,
          merged,
          storedInWindow: h.stored - (historianAtStart?.stored ?? 0),
          mergedInWindow: merged - Number(historianAtStart?.merged ?? 0),
        };
      }
      void sampler.stop().finally(() => process.send?.({ type: 'stats', stats }));
    } else if (m.type === 'stop') {
      void gw.stop().finally(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
}

runChild(main);
