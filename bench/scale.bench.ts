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
// gateway process, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
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

async function step(devices: number, compiled: (source: string) => string): Promise<ScaleStep> {
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
    gateway = fork(compiled(join(__dirname, 'scale', 'gateway-process.ts')), [file, userDir, String(INTERVAL_MS), String(devices)], {
      execArgv: (process.env.BENCH_SCALE_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      cwd: ROOT,
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
  const compiled = compileForBench();
  const results: ScaleStep[] = [];
  for (const devices of STEPS) {
    console.log(`- ${fmt(devices)} devices: warm-up ${WARM_MS / 1000} s, window ${MEASURE_MS / 1000} s`);
    try {
      results.push(await step(devices, compiled));
    } catch (err) {
      console.log(`  failed: ${(err as Error).message}`);
    }
  }
  const base = results[0];
  console.log(
    `\nScale curve: ${TAGS} tags a device, polled every ${INTERVAL_MS / 1000} s, one TCP connection each; the default pipeline; window ${MEASURE_MS / 1000} s after ${WARM_MS / 1000} s of warm-up. Goals at 1,000 devices: CPU < ${GOALS.cpuPercent}% of one core, RSS < ${GOALS.rssMb} MB, jitter p99 < ${GOALS.jitterP99Ms} ms.\n`,
  );
  console.log(
    '| devices | tags/s | CPU % of a core | CPU µs per tag | RSS MB | heap used / total MB | event-loop p99 ms | scan jitter p99 ms | late scans (> 50 ms) | scans seen | all scanning after | load (1 min) |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const tagsPerS = (r.scans * TAGS) / r.windowS;
    console.log(
      `| ${fmt(r.devices)} | ${fmt(r.tags)} | ${fmt(r.cpuPercent, 1)} | ${fmt(r.scans > 0 ? (r.cpuPercent / 100 / tagsPerS) * 1e6 : undefined, 1)} | ${fmt(r.rssMb)} | ${fmt(r.heapUsedMb)} / ${fmt(r.heapTotalMb)} | ${fmt(r.eventLoopP99Ms, 1)} | ${fmt(r.jitterP99Ms, 1)} | ${fmt(r.lateShare * 100, 2)}% | ${fmt(r.scans)} (${fmt(r.devicesSeen)} devices) | ${fmt(r.startS, 1)} s | ${fmt(r.load, 1)} |`,
    );
  }
  if (results.some((r) => r.historian)) {
    console.log("\nThe default flows' historian (its /health counts when the window closed; merged: tag runs that reached back into stored time):\n");
    console.log('| devices | samples/s stored in the window | stored | waiting | dropped | runs merged (in the window) |');
    console.log('|---:|---:|---:|---:|---:|---:|');
    for (const r of results) {
      const h = r.historian;
      if (!h) continue;
      console.log(`| ${fmt(r.devices)} | ${fmt(h.storedInWindow / r.windowS)} | ${fmt(h.stored)} | ${fmt(h.pending)} | ${fmt(h.dropped)} | ${fmt(h.merged)} (${fmt(h.mergedInWindow)}) |`);
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
