// /metrics for tag stores: edgegw_tags{store,quality} (set on each store tick) and the
// edgegw_tag_age_seconds summary, computed exactly at scrape time from the live stores. The
// summary is a custom metric because prom-client's Summary would take every age through its
// t-digest: 100,000 tags made one scrape take seconds; sorting them takes milliseconds.
import { gauge, metricsRegistry } from '../metrics/registry';
import { QUALITIES } from './contract';
import type { TagStore, TagStoreStats } from './store';

const AGE_METRIC = 'edgegw_tag_age_seconds';
const QUANTILES = [0.5, 0.9, 0.99];
const STORES_KEY = Symbol.for('edgegw.tags.stores');

function liveStores(): Map<string, TagStore> {
  const g = globalThis as unknown as Record<symbol, Map<string, TagStore> | undefined>;
  return (g[STORES_KEY] ??= new Map());
}

const tagsGauge = () => gauge('edgegw_tags', 'Tags in each tag store by quality', ['store', 'quality'] as const);

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

function ageMetric(): void {
  const reg = metricsRegistry();
  if (reg.getSingleMetric(AGE_METRIC)) return;
  const metric = {
    name: AGE_METRIC,
    help: 'Age of the tags in each tag store (seconds since their last sample), over all tags at scrape time',
    type: 'summary',
    aggregator: 'sum',
    reset() {},
    async get() {
      const values: MetricValue[] = [];
      for (const [store, s] of liveStores()) {
        const ages = Float64Array.from(s.ages()).sort();
        let sum = 0;
        for (let i = 0; i < ages.length; i++) sum += ages[i];
        for (const q of QUANTILES) {
          const v = ages.length ? ages[Math.min(ages.length - 1, Math.floor(q * ages.length))] : 0;
          values.push({ value: v, labels: { quantile: q, store } });
        }
        values.push({ metricName: `${AGE_METRIC}_sum`, value: sum, labels: { store } });
        values.push({ metricName: `${AGE_METRIC}_count`, value: ages.length, labels: { store } });
      }
      return { name: AGE_METRIC, help: metric.help, type: 'summary', values, aggregator: 'sum' };
    },
  };
  reg.registerMetric(metric as unknown as Parameters<typeof reg.registerMetric>[0]);
}

/** Puts a store on /metrics under `name` until unregisterStore. */
export function registerStore(name: string, store: TagStore): void {
  ageMetric();
  liveStores().set(name, store);
}

export function publishStoreStats(name: string, stats: TagStoreStats): void {
  const g = tagsGauge();
  for (const q of QUALITIES) g.set({ store: name, quality: q }, stats.byQuality[q]);
}

export function unregisterStore(name: string, store: TagStore): void {
  if (liveStores().get(name) === store) liveStores().delete(name);
  const g = tagsGauge();
  for (const q of QUALITIES) g.remove({ store: name, quality: q });
}
