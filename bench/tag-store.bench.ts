// Tag store: 100,000 tags (1,000 devices x 100 tags) held in memory, the RSS they cost, and
// updates/s through write() in scans of 100 samples, beside a plain Map keyed "<device>/<tag>"
// (what a naive current-value table does) in the same run. Also timed: one tick (the stale sweep
// and counts over every tag), one read of a device, a /metrics scrape of the age summary.
// Targets (issue 9): RSS growth under 50 MB for 100,000 tags; >= 1,000,000 updates/s in lib.
// Run: node --expose-gc --import tsx bench/tag-store.bench.ts   (never fails on a number)
import { TagStore } from '../lib/tags/store';
import { parseMaxAgeRules } from '../lib/tags/store-config';
import { registerStore, unregisterStore } from '../lib/tags/store-metrics';
import { metricsRegistry } from '../lib/metrics/registry';
import type { TagSample } from '../lib/tags/contract';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 500);
const DEVICES = 1000;
const TAGS_PER_DEVICE = 100;

const gc = () => {
  const g = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) g?.();
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mb = (bytes: number) => bytes / 1024 / 1024;

function scans(): TagSample[][] {
  const out: TagSample[][] = [];
  for (let d = 0; d < DEVICES; d++) {
    const scan: TagSample[] = [];
    for (let t = 0; t < TAGS_PER_DEVICE; t++) scan.push({ device: `plc${d}`, name: `tag${t}`, value: t, quality: 'good', ts: Date.now(), unit: 'V', source: 'modbus' });
    out.push(scan);
  }
  return out;
}

function timed(fn: () => number): number {
  const start = performance.now();
  const deadline = start + ROUND_MS;
  let n = 0;
  while (performance.now() < deadline) n += fn();
  return n / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  const data = scans(); // the producers' samples exist anyway: not counted as the store's memory
  gc();
  const rssBefore = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  const store = new TagStore({ maxAge: parseMaxAgeRules('plc1 = 5', 60) });
  for (const scan of data) store.write(scan);
  gc();
  const rssStore = process.memoryUsage().rss - rssBefore;
  const heapStore = process.memoryUsage().heapUsed - heapBefore;

  const naive = new Map<string, TagSample>();
  const naiveWrite = (scan: TagSample[]) => {
    for (let i = 0; i < scan.length; i++) {
      const s = scan[i];
      naive.set(`${s.device}/${s.name}`, { ...s });
    }
  };
  for (const scan of data) naiveWrite(scan);

  let k = 0;
  let v = 0;
  const variants: Record<string, () => number> = {
    'TagStore.write': () => {
      for (let i = 0; i < 20; i++) {
        const scan = data[k++ % DEVICES];
        scan[0].value = v++;
        store.write(scan);
      }
      return 20 * TAGS_PER_DEVICE;
    },
    'plain Map "<device>/<tag>" (baseline)': () => {
      for (let i = 0; i < 20; i++) {
        const scan = data[k++ % DEVICES];
        scan[0].value = v++;
        naiveWrite(scan);
      }
      return 20 * TAGS_PER_DEVICE;
    },
  };
  const results: Record<string, number[]> = {};
  for (const fn of Object.values(variants)) fn();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, fn] of Object.entries(variants)) (results[name] ??= []).push(timed(fn));
    gc();
  }

  const tickMs: number[] = [];
  const readMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    let t = performance.now();
    store.tick();
    tickMs.push(performance.now() - t);
    t = performance.now();
    store.readDevice(`plc${i}`);
    readMs.push(performance.now() - t);
  }
  registerStore('bench', store);
  const scrape: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await metricsRegistry().getSingleMetricAsString('edgegw_tag_age_seconds');
    scrape.push(performance.now() - t);
  }
  unregisterStore('bench', store);

  const base = median(results['plain Map "<device>/<tag>" (baseline)']);
  console.log(`${fmt(store.tagCount)} tags (${DEVICES} devices x ${TAGS_PER_DEVICE}), scans of ${TAGS_PER_DEVICE} samples; ${ROUNDS} rounds of ${ROUND_MS} ms, medians`);
  console.log('');
  console.log('| variant | updates/s | vs plain Map |');
  console.log('|---|---:|---:|');
  for (const [name, xs] of Object.entries(results)) console.log(`| ${name} | ${fmt(median(xs))} | ${fmt(median(xs) / base, 2)}x |`);
  console.log('');
  console.log('| figure | value |');
  console.log('|---|---:|');
  console.log(`| RSS growth for ${fmt(store.tagCount)} tags | ${fmt(mb(rssStore), 1)} MB |`);
  console.log(`| heap growth for ${fmt(store.tagCount)} tags | ${fmt(mb(heapStore), 1)} MB |`);
  console.log(`| one tick (stale sweep + counts over every tag) | ${fmt(median(tickMs), 1)} ms |`);
  console.log(`| readDevice (100 tags) | ${fmt(median(readMs), 3)} ms |`);
  console.log(`| /metrics scrape of edgegw_tag_age_seconds | ${fmt(median(scrape), 1)} ms |`);
  console.log('');
  const updates = median(results['TagStore.write']);
  console.log(`targets: RSS growth < 50 MB: ${mb(rssStore) < 50 ? 'met' : 'NOT met'}; >= 1,000,000 updates/s: ${updates >= 1_000_000 ? 'met' : 'NOT met'} (${fmt(updates)})`);
  await store.close();
}

void main();
