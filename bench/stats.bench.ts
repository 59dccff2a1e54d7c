// Samples/s into 1,000 tags' windows, in lib (no Node-RED): the target is 2 million samples/s.
// Variants side by side, alternating in short rounds so machine noise hits them alike; medians:
//   baseline  a plain per-tag Map lookup + running sum (the floor any windowing pays);
//   tumbling time 1 min, UTC-aligned; the same with exact... percentiles (sketch mode);
//   tumbling count 100; sliding time 10 min every 1 min; sliding count 100 every 10.
// Samples are prepared outside the timed loops: 1,000 tags, one second apart per tag.
// BENCH_STATS_BEFORE=<a checkout of earlier code> (a git worktree with node_modules linked) adds
// each window variant of that checkout's lib/stats, in the same rounds, and the CPU per sample of
// both (process.cpuUsage) side by side.
// Run: npm run bench -- stats   (never fails on a number)
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { WindowSet, type WindowConfig } from '../lib/stats/windows';

const BEFORE = process.env.BENCH_STATS_BEFORE;
const FormerSet = BEFORE ? (require(join(resolve(BEFORE), 'lib', 'stats', 'windows.ts')) as { WindowSet: typeof WindowSet }).WindowSet : undefined;

const TAGS = 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 500);
const names = Array.from({ length: TAGS }, (_, i) => `tag${i}`);
const values = Float64Array.from({ length: 4096 }, (_, i) => 230 + Math.sin(i) * 5);

interface Variant {
  name: string;
  run(samples: number): void;
}

function windowVariant(name: string, config: WindowConfig, Set: typeof WindowSet = WindowSet): Variant {
  let set = new Set(config);
  let ts = Date.UTC(2026, 0, 1);
  let k = 0;
  return {
    name,
    run(samples) {
      for (let i = 0; i < samples; i++) {
        const tag = i % TAGS;
        if (tag === 0) ts += 1000;
        set.add('meter', names[tag], values[k++ & 4095], ts, 'good');
      }
      set.drain();
      if (set.tagCount > TAGS) set = new Set(config);
    },
  };
}

const baseline: Variant = (() => {
  const sums = new Map<string, { sum: number; n: number }>();
  let k = 0;
  return {
    name: 'baseline: Map lookup + sum',
    run(samples) {
      for (let i = 0; i < samples; i++) {
        const key = 'meter/' + names[i % TAGS];
        let s = sums.get(key);
        if (!s) sums.set(key, (s = { sum: 0, n: 0 }));
        s.sum += values[k++ & 4095];
        s.n++;
      }
    },
  };
})();

const windows: Array<[string, WindowConfig]> = [
  ['tumbling time 1 min (UTC)', { kind: 'tumbling', by: 'time', length: 60_000, timeZone: 'UTC' }],
  ['tumbling time 1 min + percentiles', { kind: 'tumbling', by: 'time', length: 60_000, percentiles: true }],
  ['tumbling count 100', { kind: 'tumbling', by: 'count', length: 100 }],
  ['sliding time 10 min / 1 min', { kind: 'sliding', by: 'time', length: 600_000, hop: 60_000 }],
  ['sliding count 100 / 10', { kind: 'sliding', by: 'count', length: 100, hop: 10 }],
];
const variants: Variant[] = [baseline];
for (const [name, config] of windows) {
  if (FormerSet) variants.push(windowVariant(`${name} (before)`, config, FormerSet));
  variants.push(windowVariant(name, config));
}

const BATCH = 100_000;
const rates = new Map<string, number[]>(variants.map((v) => [v.name, []]));
/** CPU ns per sample (user + system) */
const cpu = new Map<string, number[]>(variants.map((v) => [v.name, []]));
for (const v of variants) v.run(BATCH); // warm up
for (let r = 0; r < ROUNDS; r++) {
  for (const v of variants) {
    let n = 0;
    const start = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    let elapsed = 0;
    while (elapsed < ROUND_MS) {
      v.run(BATCH);
      n += BATCH;
      elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    }
    const used = process.cpuUsage(cpu0);
    rates.get(v.name)!.push((n / elapsed) * 1000);
    cpu.get(v.name)!.push(((used.user + used.system) * 1000) / n);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = median(rates.get(baseline.name)!);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(
  `${TAGS} tags, ${ROUNDS} rounds of ${ROUND_MS} ms, medians; target >= 2,000,000 samples/s; load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}\n`,
);
console.log('| variant | samples/s | vs baseline | target | CPU ns per sample | CPU vs before |');
console.log('|---|---:|---:|---|---:|---:|');
for (const v of variants) {
  const m = median(rates.get(v.name)!);
  const ns = median(cpu.get(v.name)!);
  const former = FormerSet && !v.name.endsWith('(before)') && v !== baseline ? cpu.get(`${v.name} (before)`) : undefined;
  console.log(
    `| ${v.name} | ${fmt(m)} | ${(m / base).toFixed(2)} | ${v === baseline ? '' : m >= 2e6 ? 'met' : 'missed'} | ${ns.toFixed(1)} | ${former ? (ns / median(former)).toFixed(2) + 'x' : ''} |`,
  );
}
