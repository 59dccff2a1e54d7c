// What the hourly report's percentiles hold per tag by the end of an hour at 1-second scans, the
// largest memory a device of the default flows costs. In one process, one after the other:
//   hour windows, percentiles   a WindowSet of 1-hour tumbling windows with percentiles (time
//                               windows: exact up to EXACT_LIMIT values, then the sketch);
//   hour windows, no percentiles the same windows without them (the floor: running figures);
//   every value kept            PercentileCollector('exact') (what a time window kept through
//                               the hour before the limit came down from 10,000: every value).
// Heap and array buffers after a full collection, minus those before, divided by the tags. Values: a flow
// temperature, 55 °C with a slow wave and noise, two decimals.
// Then what a tag's open windows cost as the scale bench holds them (the default flows' 1-minute
// figures and hourly report, 30 s in): heap and array buffers per tag; with BENCH_STATS_BEFORE=<a
// checkout of earlier code> also that checkout's, measured alternately (after, before, three times).
// Run: npm run bench -- stats-memory   (never fails on a number)
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { WindowSet } from '../lib/stats/windows';
import { PercentileCollector, EXACT_LIMIT } from '../lib/stats/percentiles';

const TAGS = Number(process.env.BENCH_TAGS ?? 2000);
const SECONDS = 3600;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc (npm run bench does)');

const names = Array.from({ length: TAGS }, (_, i) => `tag${i}`);
const value = (tag: number, s: number) => Math.round((55 + 8 * Math.sin((s + tag * 37) / 600) + (((s + tag) * 7919) % 97) / 97) * 100) / 100;

function heapUsed(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  // typed arrays' contents live outside the V8 heap
  return m.heapUsed + m.arrayBuffers;
}

function measure(name: string, fill: () => unknown): { name: string; bytesPerTag: number } {
  const before = heapUsed();
  const held = fill();
  const after = heapUsed();
  if (!held) throw new Error('nothing held');
  return { name, bytesPerTag: (after - before) / TAGS };
}

function hourWindows(percentiles: boolean): WindowSet {
  // an hour that has not closed yet: its windows are all open at the last second
  const set = new WindowSet({ kind: 'tumbling', by: 'time', length: 3_600_000, timeZone: 'UTC', percentiles });
  const t0 = Date.UTC(2026, 0, 1);
  for (let s = 0; s < SECONDS - 1; s++) {
    for (let t = 0; t < TAGS; t++) set.add('boiler', names[t], value(t, s), t0 + s * 1000, 'good');
    set.drain();
  }
  return set;
}

const rows = [
  measure('hour windows, no percentiles', () => hourWindows(false)),
  measure(`hour windows, percentiles (exact up to ${EXACT_LIMIT.toLocaleString('en-US')} values, then the sketch)`, () => hourWindows(true)),
  measure('every value kept (a time window before the limit came down from 10,000)', () => {
    const all: PercentileCollector[] = [];
    for (let t = 0; t < TAGS; t++) {
      const p = new PercentileCollector('exact');
      for (let s = 0; s < SECONDS - 1; s++) p.add(value(t, s));
      all.push(p);
    }
    return all;
  }),
];
const floor = rows[0].bytesPerTag;
const kb = (b: number) => (b / 1024).toFixed(1);
console.log(`${TAGS.toLocaleString('en-US')} tags, ${SECONDS - 1} samples each (an hour at 1 s, window still open); heap and array buffers after full collections\n`);
console.log('| what | KB per tag | percentiles alone, KB per tag | a 100-tag device, MB |');
console.log('|---|---:|---:|---:|');
for (const r of rows) {
  const own = r === rows[2] ? r.bytesPerTag : r.bytesPerTag - floor;
  console.log(`| ${r.name} | ${kb(r.bytesPerTag)} | ${r === rows[0] ? '' : kb(own)} | ${((r.bytesPerTag * 100) / 1024 / 1024).toFixed(2)} |`);
}

// ---- a tag's two open windows at the scale bench's shape ----
const BEFORE = process.env.BENCH_STATS_BEFORE;
const FormerSet = BEFORE ? (require(join(resolve(BEFORE), 'lib', 'stats', 'windows.ts')) as { WindowSet: typeof WindowSet }).WindowSet : undefined;
/** many tags, so that a few KB of noise in the heap is a fraction of a byte a tag */
const OPEN_TAGS = Number(process.env.BENCH_OPEN_TAGS ?? 20_000);
const openNames = Array.from({ length: OPEN_TAGS }, (_, i) => `tag${i}`);
const devices = Array.from({ length: Math.ceil(OPEN_TAGS / 100) }, (_, i) => `device${i}`);

/** The default flows' two stats nodes, 30 one-second samples into each tag's windows. */
function defaultFlowWindows(Set: typeof WindowSet): WindowSet[] {
  const minute = new Set({ kind: 'tumbling', by: 'time', length: 60_000, percentiles: false, graceMs: 2000 });
  const hour = new Set({ kind: 'tumbling', by: 'time', length: 3_600_000, percentiles: true, graceMs: 5000 });
  const t0 = Date.UTC(2026, 0, 1);
  for (let s = 0; s < 30; s++) {
    for (let t = 0; t < OPEN_TAGS; t++) {
      const device = devices[Math.floor(t / 100)];
      minute.add(device, openNames[t], value(t, s), t0 + s * 1000, 'good');
      hour.add(device, openNames[t], value(t, s), t0 + s * 1000, 'good');
    }
  }
  return [minute, hour];
}

const builds: Array<[string, typeof WindowSet]> = FormerSet
  ? [
      ['after', WindowSet],
      ['before', FormerSet],
    ]
  : [['after', WindowSet]];
const perTag = new Map<string, number[]>(builds.map(([label]) => [label, []]));
for (let round = 0; round < 3; round++) {
  for (const [label, Set] of builds) perTag.get(label)!.push((measure(label, () => defaultFlowWindows(Set)).bytesPerTag * TAGS) / OPEN_TAGS);
}
console.log(
  `\nA tag's two open windows as the scale bench holds them (1-minute figures, hourly report with percentiles, 30 samples in), ${OPEN_TAGS.toLocaleString('en-US')} tags, the least of three rounds; load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}\n`,
);
console.log('| build | bytes per tag (each round) | a 100-tag device, KB | vs before |');
console.log('|---|---:|---:|---:|');
const before = FormerSet ? Math.min(...perTag.get('before')!) : undefined;
for (const [label] of builds) {
  const b = perTag.get(label)!;
  const least = Math.min(...b);
  console.log(
    `| ${label}${label === 'before' ? ` (${BEFORE})` : ''} | ${b.map((x) => x.toFixed(0)).join(' / ')} | ${((least * 100) / 1024).toFixed(1)} | ${before ? (least / before).toFixed(2) + 'x' : ''} |`,
  );
}
