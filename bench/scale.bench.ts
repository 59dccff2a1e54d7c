// The scale curve (issue 26): the edge-gateway runtime with the default pipeline (a settings
// file's `devices:` list: modbus-device -> tag-store -> tag-calc / stats / alarm ->
// store-forward -> MQTT on the embedded broker) as the plant grows: 1, 10, 100, 500 and 1,000
// devices of 100 tags (holding registers, one request a scan), polled every second, each on its
// own TCP connection to a simulator in another process (bench/scale/simulators-process.ts: one
// Node process, one ModbusServer per device and port; a tenth of each device's registers change
// every second).
// Per step, over a steady window after a warm-up, the gateway's own figures
// (bench/scale/gateway-process.ts): CPU % of one core, RSS, heap, event-loop delay p99, scan
// jitter p99 (|gap between two scans of a device - 1 s|) and the share of scans later than 50 ms.
// Each step is a fresh gateway and a fresh simulator process. Prints a table, and writes the
// curve as a hand-made SVG (docs/img/scale-curve.svg) and the figures as JSON
// (.bench-cache/scale.json). Never fails on a number.
// Run: npm run bench -- scale
// Env: BENCH_SCALE_STEPS ("1,10,100,500,1000"), BENCH_WARM_MS (10000), BENCH_MEASURE_MS (20000),
// BENCH_SCALE_SVG (where the plot goes; "" for none), BENCH_SCALE_NODE_FLAGS (node flags of the
// gateway process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"), BENCH_SCALE_HEAP_SAMPLE (a
// directory: the gateway samples its allocations over the window, the collected ones too, and
// writes a .heapprofile there), BENCH_SCALE_BEFORE (a checkout of the former code, e.g. a git
// worktree of main with node_modules linked: each step runs the former gateway and this one
// alternately, BENCH_SCALE_ROUNDS times each (3), so that both see the same host; the table
// gets a build column and a line per step compares their median CPU per tag).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileForBench } from './pipeline/compile';
import type { ScaleStats } from './scale/gateway-process';
import { freePort } from '../test/helpers/process';
import { scaleCurveSvg, type ScaleStep } from './scale/plot';
import { nextMessage as next } from './shared/child-messages';

const STEPS = (process.env.BENCH_SCALE_STEPS ?? '1,10,100,500,1000').split(',').map(Number);
const WARM_MS = Number(process.env.BENCH_WARM_MS ?? 10000);
const MEASURE_MS = Number(process.env.BENCH_MEASURE_MS ?? 20000);
const INTERVAL_MS = 1000;
const TAGS = 100;
const ROOT = join(__dirname, '..');
const SVG = process.env.BENCH_SCALE_SVG ?? join(ROOT, 'docs', 'img', 'scale-curve.svg');
const GOALS = { cpuPercent: 60, rssMb: 400, jitterP99Ms: 50 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number | undefined, digits = 0) => (n === undefined || !Number.isFinite(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

function tagsCsv(): string {
  const rows = ['name,area,address,type,access'];
  for (let i = 0; i < TAGS; i++) rows.push(`t${i},holding,${i},uint16,r`);
  return rows.join('\n') + '\n';
}

/** A compiled gateway: this checkout's, or the former code's (BENCH_SCALE_BEFORE). */
interface Build {
  label: 'before' | 'after';
  root: string;
  compiled: (source: string) => string;
}

/** A step measured on one build. */
type BuildStep = ScaleStep & { build: Build['label'] };

/** The builds to measure: this checkout, and the former one compiled by its own compile step. */
function builds(): Build[] {
  const after: Build = { label: 'after', root: ROOT, compiled: compileForBench() };
  const before = process.env.BENCH_SCALE_BEFORE;
  if (!before) return [after];
  const compile = require(join(before, 'bench', 'pipeline', 'compile.ts')) as typeof import('./pipeline/compile');
  return [{ label: 'before', root: before, compiled: compile.compileForBench() }, after];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const cpuPerTagUs = (r: ScaleStep) => (r.scans > 0 ? (r.cpuPercent / 100 / ((r.scans * TAGS) / r.windowS)) * 1e6 : NaN);

async function step(devices: number, build: Build): Promise<ScaleStep> {
  const sims = fork(join(__dirname, 'scale', 'simulators-process.ts'), [String(devices)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const dir = mkdtempSync(join(tmpdir(), 'edgegw-scale-bench-'));
  let gateway: ChildProcess | undefined;
  try {
    const { ports } = await next<{ ports: number[] }>(sims, 'ready', 120_000);
    const tags = tagsCsv();
    const settings = {
      port: await freePort(),
      brokerPort: await freePort(),
      simPort: await freePort(),
      gatewayId: 'scale-bench',
      devices: ports.map((port, i) => ({ name: `dev${i}`, transport: 'tcp', host: '127.0.0.1', port, unit: 1, tags, poll: INTERVAL_MS })),
    };
    const file = join(dir, 'edge-gateway.json');
    writeFileSync(file, JSON.stringify(settings));
    const userDir = join(dir, 'user');
    mkdirSync(userDir);
    // compiled JavaScript, no tsx and no --expose-gc: the runtime's own settings, as shipped
    gateway = fork(build.compiled(join(build.root, 'bench', 'scale', 'gateway-process.ts')), [file, userDir, String(INTERVAL_MS), String(devices)], {
      execArgv: (process.env.BENCH_SCALE_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      cwd: build.root,
    });
    const started = performance.now();
    await next(gateway, 'ready', 600_000);
    const startS = (performance.now() - started) / 1000;
    await sleep(WARM_MS);
    const load = loadavg()[0];
    gateway.send({ type: 'window' });
    await sleep(MEASURE_MS);
    gateway.send({ type: 'stats' });
    const { stats } = await next<{ stats: ScaleStats }>(gateway, 'stats', 60_000);
    gateway.send({ type: 'stop' });
    await next(gateway, 'never', 15_000).catch(() => undefined);
    return { devices, tags: devices * TAGS, startS, load, ...stats };
  } finally {
    if (gateway && gateway.exitCode === null) gateway.kill('SIGKILL');
    sims.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const measured = builds();
  const rounds = Number(process.env.BENCH_SCALE_ROUNDS ?? (measured.length > 1 ? 3 : 1));
  const all: BuildStep[] = [];
  for (const devices of STEPS) {
    for (let round = 0; round < rounds; round++) {
      // alternate which build goes first, so that neither always gets the warmer or quieter turn
      for (const build of round % 2 ? [...measured].reverse() : measured) {
        console.log(`- ${fmt(devices)} devices${measured.length > 1 ? `, ${build.label}, round ${round + 1}` : ''}: warm-up ${WARM_MS / 1000} s, window ${MEASURE_MS / 1000} s`);
        try {
          all.push({ ...(await step(devices, build)), build: build.label });
        } catch (err) {
          console.log(`  failed: ${(err as Error).message}`);
        }
      }
    }
  }
  const results: BuildStep[] = all.filter((r) => r.build === 'after');
  const base = results[0];
  console.log(
    `\nScale curve: ${TAGS} tags a device, polled every ${INTERVAL_MS / 1000} s, one TCP connection each; the default pipeline; window ${MEASURE_MS / 1000} s after ${WARM_MS / 1000} s of warm-up. Goals at 1,000 devices: CPU < ${GOALS.cpuPercent}% of one core, RSS < ${GOALS.rssMb} MB, jitter p99 < ${GOALS.jitterP99Ms} ms.\n`,
  );
  const compared = measured.length > 1;
  console.log(
    (compared ? '| build ' : '') +
      '| devices | tags/s | CPU % of a core | CPU µs per tag | RSS MB | heap used / total MB | event-loop p99 ms | scan jitter p99 ms | late scans (> 50 ms) | scans seen | all scanning after | load (1 min) |',
  );
  console.log((compared ? '|---' : '') + '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of compared ? all : results) {
    console.log(
      `${compared ? `| ${r.build} ` : ''}| ${fmt(r.devices)} | ${fmt(r.tags)} | ${fmt(r.cpuPercent, 1)} | ${fmt(cpuPerTagUs(r), 1)} | ${fmt(r.rssMb)} | ${fmt(r.heapUsedMb)} / ${fmt(r.heapTotalMb)} | ${fmt(r.eventLoopP99Ms, 1)} | ${fmt(r.jitterP99Ms, 1)} | ${fmt(r.lateShare * 100, 2)}% | ${fmt(r.scans)} (${fmt(r.devicesSeen)} devices) | ${fmt(r.startS, 1)} s | ${fmt(r.load, 1)} |`,
    );
  }
  if (compared) {
    console.log('');
    for (const devices of STEPS) {
      const of = (label: Build['label']) => median(all.filter((r) => r.devices === devices && r.build === label).map(cpuPerTagUs));
      const [before, after] = [of('before'), of('after')];
      console.log(`${fmt(devices)} devices: CPU per tag, median of ${rounds} rounds: before ${fmt(before, 1)} µs, after ${fmt(after, 1)} µs (${fmt(after / before, 2)}x)`);
    }
  }
  if (results.some((r) => r.historian)) {
    console.log("\nThe default flows' historian (its /health counts when the window closed; merged: tag runs that reached back into stored time):\n");
    console.log((compared ? '| build ' : '') + '| devices | samples/s stored in the window | stored | waiting | dropped | runs merged (in the window) |');
    console.log((compared ? '|---' : '') + '|---:|---:|---:|---:|---:|---:|');
    for (const r of compared ? all : results) {
      const h = r.historian;
      if (!h) continue;
      console.log(
        `${compared ? `| ${r.build} ` : ''}| ${fmt(r.devices)} | ${fmt(h.storedInWindow / r.windowS)} | ${fmt(h.stored)} | ${fmt(h.pending)} | ${fmt(h.dropped)} | ${fmt(h.merged)} (${fmt(h.mergedInWindow)}) |`,
      );
    }
  }
  if (base && results.length > 1) {
    const last = results[results.length - 1];
    console.log(
      `\nLinearity: from ${fmt(base.devices)} to ${fmt(last.devices)} devices (${fmt(last.devices / base.devices)}x) CPU grew ${fmt(last.cpuPercent / base.cpuPercent, 1)}x, RSS ${fmt(last.rssMb / base.rssMb, 2)}x.`,
    );
  }
  mkdirSync(join(ROOT, '.bench-cache'), { recursive: true });
  writeFileSync(join(ROOT, '.bench-cache', 'scale.json'), JSON.stringify(results, null, 2));
  if (SVG && results.length > 0) {
    mkdirSync(join(SVG, '..'), { recursive: true });
    writeFileSync(SVG, scaleCurveSvg(results, GOALS));
    console.log(`\nPlot: ${SVG}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
