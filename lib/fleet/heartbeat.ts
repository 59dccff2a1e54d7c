// The gateway heartbeat: one JSON document of system figures, published every 10 s on
// edge-gateway/{gateway_id}/heartbeat. Everything here is read from Node and the OS (no /proc
// parsing), so it works the same on any Linux the gateway runs on.
import { cpus, freemem, loadavg, totalmem, uptime as systemUptime } from 'node:os';
import { diskUsage } from '../system/host/disk';
import type { TagSample } from '../tags/contract';

export interface Heartbeat {
  gateway_id: string;
  /** package version of edge-gateway */
  version: string;
  /** epoch ms when the figures were taken */
  ts: number;
  cpu: {
    /** this process, percent of one core since the previous heartbeat (can exceed 100 on several cores) */
    process_percent: number;
    /** 1, 5 and 15 minute system load averages */
    load: [number, number, number];
    cores: number;
  };
  memory: {
    rss_bytes: number;
    heap_used_bytes: number;
    heap_total_bytes: number;
    system_free_bytes: number;
    system_total_bytes: number;
  };
  /** the file system holding the user directory (queues, logs, context live there) */
  disk: { path: string; free_bytes: number; total_bytes: number; used_percent: number } | { path: string; error: string };
  uptime: { process_s: number; system_s: number };
  /** messages waiting in the forwarding queue(s); null when the flows gave no way to count them */
  queue_depth: number | null;
}

export interface HeartbeatSource {
  gatewayId: string;
  version: string;
  /** the directory whose file system is reported (the user directory) */
  diskPath: string;
  /** queue depth from the flows (e.g. the store-forward node's count) */
  queueDepth?: () => number | null | undefined;
  /** the latest system tags (device `system` of a system-tags node), when one runs: their figures are taken instead of measuring */
  systemSamples?: () => readonly TagSample[] | undefined;
  /** injected in tests */
  now?: () => number;
}

/** Where a heartbeat's host figures came from: a system-tags node's scan, or its own measurement. */
export type HeartbeatFigures = 'system-tags' | 'own';

const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;

/** Takes heartbeats; remembers the previous CPU reading so each one covers the interval since. */
export class HeartbeatSampler {
  private lastCpu = process.cpuUsage();
  private lastAt = process.hrtime.bigint();
  /** where the last heartbeat's host figures came from */
  figures: HeartbeatFigures = 'own';

  constructor(private readonly source: HeartbeatSource) {}

  async sample(): Promise<Heartbeat> {
    const now = this.source.now?.() ?? Date.now();
    const cpu = process.cpuUsage();
    const at = process.hrtime.bigint();
    const elapsedUs = Number(at - this.lastAt) / 1000;
    const usedUs = cpu.user - this.lastCpu.user + (cpu.system - this.lastCpu.system);
    this.lastCpu = cpu;
    this.lastAt = at;
    const mem = process.memoryUsage();
    let queueDepth: number | null = null;
    try {
      const q = this.source.queueDepth?.();
      queueDepth = typeof q === 'number' && Number.isFinite(q) ? q : null;
    } catch {
      // a failing counter must not stop the heartbeat: it is the one thing that says we are alive
      queueDepth = null;
    }
    const [l1, l5, l15] = loadavg();
    const latest = this.source.systemSamples?.();
    const system = latest && latest.length > 0 ? latest : undefined;
    const own: Heartbeat = {
      gateway_id: this.source.gatewayId,
      version: this.source.version,
      ts: now,
      cpu: { process_percent: elapsedUs > 0 ? round1((usedUs / elapsedUs) * 100) : 0, load: [round2(l1), round2(l5), round2(l15)], cores: cpus().length || 1 },
      memory: { rss_bytes: mem.rss, heap_used_bytes: mem.heapUsed, heap_total_bytes: mem.heapTotal, system_free_bytes: freemem(), system_total_bytes: totalmem() },
      // a current system-tags scan carries the disk: no second statfs of it
      disk: (system && diskOfSamples(this.source.diskPath, system)) || (await diskFigures(this.source.diskPath)),
      uptime: { process_s: Math.round(process.uptime()), system_s: Math.round(systemUptime()) },
      queue_depth: queueDepth,
    };
    this.figures = system ? 'system-tags' : 'own';
    return system ? withSystemFigures(own, system) : own;
  }
}

/**
 * The heartbeat with the host figures a system-tags scan carries (good samples only; a figure the
 * scan lacks or has bad keeps the heartbeat's own). The process's CPU share is always measured
 * here: it covers the interval since the previous heartbeat, which no scan does.
 */
export function withSystemFigures(own: Heartbeat, samples: readonly TagSample[]): Heartbeat {
  const good = goodFigures(samples);
  const pick = (name: string, fallback: number) => good.get(name) ?? fallback;
  const disk = diskOfSamples(own.disk.path, samples, good) ?? own.disk;
  return {
    ...own,
    cpu: { ...own.cpu, load: [pick('load_1', own.cpu.load[0]), pick('load_5', own.cpu.load[1]), pick('load_15', own.cpu.load[2])] },
    memory: {
      rss_bytes: pick('process_rss', own.memory.rss_bytes),
      heap_used_bytes: pick('process_heap_used', own.memory.heap_used_bytes),
      heap_total_bytes: pick('process_heap_total', own.memory.heap_total_bytes),
      system_free_bytes: pick('memory_available', own.memory.system_free_bytes),
      system_total_bytes: pick('memory_total', own.memory.system_total_bytes),
    },
    disk,
    uptime: { ...own.uptime, system_s: Math.round(pick('uptime', own.uptime.system_s)) },
  };
}

function goodFigures(samples: readonly TagSample[]): Map<string, number> {
  const good = new Map<string, number>();
  for (const s of samples) if (s.quality === 'good' && typeof s.value === 'number' && Number.isFinite(s.value)) good.set(s.name, s.value);
  return good;
}

/** The disk as a system-tags scan has it, when it has all three figures good. */
function diskOfSamples(path: string, samples: readonly TagSample[], good = goodFigures(samples)): Heartbeat['disk'] | undefined {
  const total = good.get('disk_total');
  const free = good.get('disk_free');
  const used = good.get('disk_used');
  return total === undefined || free === undefined || used === undefined ? undefined : { path, total_bytes: total, free_bytes: free, used_percent: used };
}

async function diskFigures(path: string): Promise<Heartbeat['disk']> {
  try {
    const usage = await diskUsage(path);
    return { path, free_bytes: usage.free_bytes, total_bytes: usage.total_bytes, used_percent: usage.used_percent };
  } catch (err) {
    return { path, error: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
  }
}

/** edge-gateway/{gateway_id}/heartbeat */
export function heartbeatTopic(gatewayId: string): string {
  return `edge-gateway/${gatewayId}/heartbeat`;
}
