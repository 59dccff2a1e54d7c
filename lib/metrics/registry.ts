// One Prometheus registry per process for the runtime and every node. Shared through
// globalThis (see lib/health/registry.ts for why).
import { Registry, Counter, Gauge, Histogram, collectDefaultMetrics } from 'prom-client';

const KEY = Symbol.for('edgegw.metrics.registry');

export function metricsRegistry(): Registry {
  const g = globalThis as unknown as Record<symbol, Registry | undefined>;
  let reg = g[KEY];
  if (!reg) {
    reg = new Registry();
    g[KEY] = reg;
  }
  return reg;
}

/**
 * prom-client's default metrics name three gauges `nodejs_active_*_total`, a suffix Prometheus
 * keeps for counters (promtool refuses them): they are served without it, by resource type.
 */
const ACTIVE_RESOURCES: Array<[string, string, () => Array<string | object>]> = [
  ['handles', 'active libuv handles (sockets, timers, servers...), by type', () => (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles()],
  ['requests', 'active libuv requests (file system, DNS...), by type', () => (process as unknown as { _getActiveRequests(): object[] })._getActiveRequests()],
  ['resources', 'resources keeping the event loop alive, by type', () => process.getActiveResourcesInfo()],
];

/** Default process metrics (CPU, memory, event loop), registered once. */
export function enableProcessMetrics(): void {
  const reg = metricsRegistry();
  if (reg.getSingleMetric('edgegw_process_cpu_seconds_total')) return;
  collectDefaultMetrics({ register: reg, prefix: 'edgegw_' });
  for (const [what, help, list] of ACTIVE_RESOURCES) {
    reg.removeSingleMetric(`edgegw_nodejs_active_${what}`);
    reg.removeSingleMetric(`edgegw_nodejs_active_${what}_total`);
    new Gauge({
      name: `edgegw_nodejs_active_${what}`,
      help,
      labelNames: ['type'],
      registers: [reg],
      collect() {
        this.reset();
        const byType = new Map<string, number>();
        for (const r of list()) {
          const type = typeof r === 'string' ? r : (r.constructor?.name ?? 'Object');
          byType.set(type, (byType.get(type) ?? 0) + 1);
        }
        for (const [type, n] of byType) this.set({ type }, n);
      },
    });
  }
}

/** Reads a metric's values when /metrics is scraped (prom-client calls it with the metric as this). */
export type Collect<M> = (this: M) => void;

// Metrics are created once per name and shared by every node instance; a redeploy must not
// register a second copy (prom-client throws on duplicates), so these return the existing one.
export function counter<L extends string>(name: string, help: string, labelNames: readonly L[], collect?: Collect<Counter<L>>): Counter<L> {
  const reg = metricsRegistry();
  const existing = reg.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter<L>({ name, help, labelNames: labelNames, registers: [reg], ...(collect ? { collect } : {}) });
}

export function gauge<L extends string>(name: string, help: string, labelNames: readonly L[], collect?: Collect<Gauge<L>>): Gauge<L> {
  const reg = metricsRegistry();
  const existing = reg.getSingleMetric(name);
  if (existing) return existing as Gauge<L>;
  return new Gauge<L>({ name, help, labelNames: labelNames, registers: [reg], ...(collect ? { collect } : {}) });
}

export function histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5]): Histogram<L> {
  const reg = metricsRegistry();
  const existing = reg.getSingleMetric(name);
  if (existing) return existing as Histogram<L>;
  return new Histogram<L>({ name, help, labelNames: labelNames, buckets, registers: [reg] });
}
