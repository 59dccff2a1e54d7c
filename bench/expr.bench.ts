// tag-calc engine throughput: a 10-definition program over scans of 100 tags, beside plain
// JavaScript doing the same arithmetic (and the same quality bookkeeping) in the same run.
//   1. lib/expr, update + evaluate: what a tag-calc node does per input scan (100 samples taken,
//      10 definitions evaluated, 10 result samples built);
//   2. lib/expr, evaluate only: the compiled definitions over unchanged inputs;
//   3. plain JS: the scan turned into a name -> sample map, the 10 formulas written out by hand,
//      worst quality per result, 10 result samples built.
// The variants alternate in short rounds so machine noise hits them alike; medians are reported.
// Target (issue 9): at least 1,000,000 definition evaluations/s in lib/expr.
// Run: node --expose-gc --import tsx bench/expr.bench.ts   (never fails on a number)
import { CalcEngine, compileDefinitions } from '../lib/expr';
import { combineQuality, type Quality, type TagSample } from '../lib/tags/contract';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 500);
const SCANS = 200;

const DEFINITIONS = `power_kw [kW] = meter1.t0 * meter1.t1 * meter1.t2 / 1000
apparent_kva [kVA] = meter1.t0 * meter1.t1 / 1000
reactive_kvar [kvar] = sqrt(max(apparent_kva ^ 2 - power_kw ^ 2, 0))
delta_t [K] = meter1.t10 - meter1.t11
flow_m3h = meter1.t12 * 3.6
heat_kw [kW] = flow_m3h * delta_t * 1.163
efficiency = heat_kw / max(power_kw, 0.001)
avg_temp = (meter1.t20 + meter1.t21 + meter1.t22 + meter1.t23) / 4
alarm = delta_t > 25 ? 1 : 0
imbalance = abs(meter1.t30 - meter1.t31) / max(meter1.t30, 1)`;

function scans(): TagSample[][] {
  const out: TagSample[][] = [];
  for (let s = 0; s < SCANS; s++) {
    const scan: TagSample[] = [];
    for (let t = 0; t < 100; t++)
      scan.push({ device: 'meter1', name: `t${t}`, value: 10 + ((s * 7 + t * 13) % 97) / 3, quality: s % 50 === 0 && t === 1 ? 'uncertain' : 'good', ts: 1_000_000 + s * 1000 });
    out.push(scan);
  }
  return out;
}

// The same ten formulas by hand, with the same quality rule, as the baseline.
function plainJs(scan: TagSample[], device: string): TagSample[] {
  const by = new Map<string, TagSample>();
  for (const s of scan) by.set(s.name, s);
  const v = (n: string) => by.get(n)!.value as number;
  const q = (...ns: string[]): Quality => combineQuality(ns.map((n) => by.get(n)!.quality));
  const ts = Date.now();
  const powerKw = (v('t0') * v('t1') * v('t2')) / 1000;
  const qPower = q('t0', 't1', 't2');
  const apparent = (v('t0') * v('t1')) / 1000;
  const qApparent = q('t0', 't1');
  const reactive = Math.sqrt(Math.max(apparent ** 2 - powerKw ** 2, 0));
  const deltaT = v('t10') - v('t11');
  const qDelta = q('t10', 't11');
  const flow = v('t12') * 3.6;
  const qFlow = q('t12');
  const heat = flow * deltaT * 1.163;
  const qHeat = combineQuality([qFlow, qDelta]);
  const efficiency = heat / Math.max(powerKw, 0.001);
  const avg = (v('t20') + v('t21') + v('t22') + v('t23')) / 4;
  const alarm = deltaT > 25 ? 1 : 0;
  const imbalance = Math.abs(v('t30') - v('t31')) / Math.max(v('t30'), 1);
  const r = (name: string, value: number, quality: Quality): TagSample => ({ device, name, value, quality: Number.isFinite(value) ? quality : 'bad', ts });
  return [
    r('power_kw', powerKw, qPower),
    r('apparent_kva', apparent, qApparent),
    r('reactive_kvar', reactive, combineQuality([qPower, qApparent])),
    r('delta_t', deltaT, qDelta),
    r('flow_m3h', flow, qFlow),
    r('heat_kw', heat, qHeat),
    r('efficiency', efficiency, combineQuality([qHeat, qPower])),
    r('avg_temp', avg, q('t20', 't21', 't22', 't23')),
    r('alarm', alarm, qDelta),
    r('imbalance', imbalance, q('t30', 't31')),
  ];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function timed(fn: () => number): number {
  const deadline = performance.now() + ROUND_MS;
  const start = performance.now();
  let evaluations = 0;
  while (performance.now() < deadline) evaluations += fn();
  return evaluations / ((performance.now() - start) / 1000);
}

function main(): void {
  const data = scans();
  const compileStart = performance.now();
  const program = compileDefinitions(DEFINITIONS);
  const compileMs = performance.now() - compileStart;
  const engine = new CalcEngine(program, { device: 'calc' });
  const defs = program.definitions.length;

  // the engine and the baseline must agree before they are timed
  engine.update(data[3]);
  const mine = engine.evaluate().map((s) => s.value as number);
  const theirs = plainJs(data[3], 'calc').map((s) => s.value as number);
  for (let i = 0; i < defs; i++) if (Math.abs(mine[i] - theirs[i]) > 1e-9 * Math.max(1, Math.abs(theirs[i]))) throw new Error(`definition ${i}: ${mine[i]} != ${theirs[i]}`);

  let sink = 0;
  let k = 0;
  const variants: Record<string, () => number> = {
    'lib/expr update + evaluate': () => {
      for (let i = 0; i < 50; i++) {
        engine.update(data[k++ % SCANS]);
        sink += engine.evaluate().length;
      }
      return 50 * defs;
    },
    'lib/expr evaluate only': () => {
      for (let i = 0; i < 50; i++) sink += engine.evaluate().length;
      return 50 * defs;
    },
    'plain JS (baseline)': () => {
      for (let i = 0; i < 50; i++) sink += plainJs(data[k++ % SCANS], 'calc').length;
      return 50 * defs;
    },
  };
  const results: Record<string, number[]> = {};
  for (const name of Object.keys(variants)) variants[name](); // warm up
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, fn] of Object.entries(variants)) (results[name] ??= []).push(timed(fn));
    (globalThis as { gc?: () => void }).gc?.();
  }
  const base = median(results['plain JS (baseline)']);
  console.log(`${defs} definitions over scans of 100 tags; compile once: ${fmt(compileMs, 1)} ms; ${ROUNDS} rounds of ${ROUND_MS} ms, medians`);
  console.log('');
  console.log('| variant | definition evaluations/s | scans/s | vs plain JS |');
  console.log('|---|---:|---:|---:|');
  for (const [name, xs] of Object.entries(results)) {
    const m = median(xs);
    console.log(`| ${name} | ${fmt(m)} | ${fmt(m / defs)} | ${fmt(m / base, 2)}x |`);
  }
  const target = median(results['lib/expr update + evaluate']);
  console.log('');
  console.log(`target >= 1,000,000 definition evaluations/s (update + evaluate): ${target >= 1_000_000 ? 'met' : 'NOT met'} (${fmt(target)})`);
  if (sink === 42) console.log('');
}

main();
