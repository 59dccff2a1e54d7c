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

/** Default process metrics (CPU, memory, event loop), registered once. */
export function enableProcessMetrics(): void {
  const reg = metricsRegistry();
  if (!reg.getSingleMetric('edgegw_process_cpu_seconds_total')) collectDefaultMetrics({ register: reg, prefix: 'edgegw_' });
}

// Metrics are created once per name and shared by every node instance; a redeploy must not
// register a second copy (prom-client throws on duplicates), so these return the existing one.
export function counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
  const reg = metricsRegistry();
  const existing = reg.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter<L>({ name, help, labelNames: labelNames, registers: [reg] });
}

export function gauge<L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> {
  const reg = metricsRegistry();
  const existing = reg.getSingleMetric(name);
  if (existing) return existing as Gauge<L>;
  return new Gauge<L>({ name, help, labelNames: labelNames, registers: [reg] });
}

export function histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[] = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5]): Histogram<L> {
  const reg = metricsRegistry();
  const existing = reg.getSingleMetric(name);
  if (existing) return existing as Histogram<L>;
  return new Histogram<L>({ name, help, labelNames: labelNames, buckets, registers: [reg] });
}
