// Cost of supervision on the hot path, side by side in one run (rounds alternate, medians):
//   watchdog: heartbeats of 10,000 tags carried in scans of 100 samples, keyed per tag:
//     1. baseline: a Map.set of the time per sample (the least a per-key heartbeat can cost);
//     2. HeartbeatSupervisor (beatsOf + beat, one timer for all keys);
//     3. the naive design: one timer per key, re-armed on every heartbeat.
//   breaker: allow() + success() per message, consecutive threshold and failure-rate window,
//     against a bare function call.
// Run: node --expose-gc --import tsx bench/supervision.bench.ts   (never fails on a number)
import { HeartbeatSupervisor, beatsOf } from '../lib/watchdog';
import { CircuitBreaker } from '../lib/breaker';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 300);
const KEYS = 10_000;
const SCAN = 100;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const scans = Array.from({ length: KEYS / SCAN }, (_, s) => ({
  topic: `dev${s}`,
  payload: {},
  tags: Array.from({ length: SCAN }, (_, i) => ({ device: `dev${s}`, name: `t${i}`, value: i, quality: 'good', ts: 0 })),
}));

/** Runs fn (which handles `unit` items per call) for ROUND_MS; returns items per second. */
function rate(fn: () => void, unit: number): number {
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < ROUND_MS) {
    for (let i = 0; i < 10; i++) fn();
    n += 10 * unit;
  }
  return n / ((performance.now() - t0) / 1000);
}

const cases: Array<{ group: string; name: string; make: () => { run: () => void; unit: number; close?: () => void } }> = [
  {
    group: 'watchdog',
    name: 'baseline: Map.set per sample',
    make: () => {
      const seen = new Map<string, number>();
      let s = 0;
      return {
        unit: SCAN,
        run: () => {
          const scan = scans[s++ % scans.length];
          for (const t of scan.tags) seen.set(`${t.device}/${t.name}`, Date.now());
        },
      };
    },
  },
  {
    group: 'watchdog',
    name: 'HeartbeatSupervisor (one timer)',
    make: () => {
      const sup = new HeartbeatSupervisor({ timeoutMs: 60_000, learn: true });
      sup.start();
      let s = 0;
      return {
        unit: SCAN,
        run: () => {
          for (const b of beatsOf(scans[s++ % scans.length], 'tag')) sup.beat(b.key, b.good);
        },
        close: () => sup.stop(),
      };
    },
  },
  {
    group: 'watchdog',
    name: 'naive: a timer per key, re-armed',
    make: () => {
      const timers = new Map<string, NodeJS.Timeout>();
      let s = 0;
      return {
        unit: SCAN,
        run: () => {
          for (const b of beatsOf(scans[s++ % scans.length], 'tag')) {
            const old = timers.get(b.key);
            if (old) clearTimeout(old);
            timers.set(
              b.key,
              setTimeout(() => undefined, 60_000),
            );
          }
        },
        close: () => {
          for (const t of timers.values()) clearTimeout(t);
        },
      };
    },
  },
  {
    group: 'breaker',
    name: 'baseline: a function call',
    make: () => {
      // eslint-disable-next-line @typescript-eslint/no-unused-vars -- the counter is a side effect the optimiser must keep, like the breaker's state; nothing reads it
      let x = 0;
      const f = () => {
        x++;
        return true;
      };
      return {
        unit: 1,
        run: () => {
          if (f()) x++;
        },
      };
    },
  },
  {
    group: 'breaker',
    name: 'allow + success (consecutive)',
    make: () => {
      const b = new CircuitBreaker({ failureThreshold: 5, resetTimeoutMs: 1000 });
      return {
        unit: 1,
        run: () => {
          if (b.allow()) b.success();
        },
      };
    },
  },
  {
    group: 'breaker',
    name: 'allow + success (rate window)',
    make: () => {
      const b = new CircuitBreaker({ failureRate: { rate: 0.5, windowMs: 10_000, minCalls: 10 }, resetTimeoutMs: 1000 });
      return {
        unit: 1,
        run: () => {
          if (b.allow()) b.success();
        },
      };
    },
  },
];

const results = new Map<string, number[]>();
const instances = cases.map((c) => c.make());
for (let r = 0; r < ROUNDS; r++) {
  cases.forEach((c, i) => {
    (globalThis as { gc?: () => void }).gc?.();
    const list = results.get(c.name) ?? [];
    list.push(rate(instances[i].run, instances[i].unit));
    results.set(c.name, list);
  });
}
for (const inst of instances) inst.close?.();

console.log(`rounds: ${ROUNDS} x ${ROUND_MS} ms, medians; watchdog: ${KEYS} tags in scans of ${SCAN}`);
console.log('| group | case | per second | vs baseline |');
console.log('|---|---|---:|---:|');
for (const group of ['watchdog', 'breaker']) {
  const inGroup = cases.filter((c) => c.group === group);
  const base = median(results.get(inGroup[0].name)!);
  for (const c of inGroup) {
    const m = median(results.get(c.name)!);
    console.log(`| ${group} | ${c.name} | ${fmt(m)} ${group === 'watchdog' ? 'samples' : 'calls'} | ${(m / base).toFixed(2)}x |`);
  }
}
