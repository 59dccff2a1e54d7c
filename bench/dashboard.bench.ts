// The dashboard's cost (issue 23): CPU of the edge-gateway runtime and of a headless Chromium
// (/usr/bin/chromium through playwright-core, every process of it) over a fixed window, and the
// socket.io messages that reach the browser, in four cases of two runs:
//   run 1, the default flows: (a) the dashboard closed (a blank page), (b) the overview open;
//   run 2, a 1,000-tag Modbus device (bench/shared/modbus-device-tags.ts, polled every 100 ms)
//   whose 1,500 registers all change ten times a second (bench/scale/simulators-process.ts, a
//   process of its own so its CPU is not the runtime's), from a settings file's `devices:` list:
//   (a) the dashboard closed, (c) the device's page open.
// Each case's CPU is also given beside its run's closed-dashboard baseline. The throttle's work
// shows in the messages/s: 10,000 tag changes a second become a few messages a second; what the
// page makes of them, in the updates it applied a second (the DOM patches of its table, counted
// by a MutationObserver: a page that falls behind applies fewer than it is sent).
// Never fails on a number. Writes the figures as JSON to .bench-cache/dashboard.json.
// Run: npm run bench -- dashboard  (builds dist/ first: the runtime runs as users run it)
// Env: BENCH_WARM_MS (15000, after start-up), BENCH_SETTLE_MS (5000, after a page opened),
// BENCH_MEASURE_MS (20000, the window); BENCH_BEFORE=<a checkout> (e.g. a worktree of the commit
// a change started from, its node_modules linked): its runtime and pages are measured first, the
// same cases in the same run, each row marked "before" or "after".
import { fork, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserServer, Page } from 'playwright-core';
import { serializeTagTableCsv } from '../lib/modbus/tag-table';
import { startGatewayProcess, type GatewayProcess } from '../test/helpers/gateway';
import { deviceTags } from './shared/modbus-device-tags';
import { treeCpuSeconds } from './shared/process-tree';
import { nextMessage as next } from './shared/child-messages';

const WARM_MS = Number(process.env.BENCH_WARM_MS ?? 15000);
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 5000);
const MEASURE_MS = Number(process.env.BENCH_MEASURE_MS ?? 20000);
const ROOT = join(__dirname, '..');
const POLL_MS = 100;
const DEVICE = 'bench';
const REGISTERS = 1500; // the 1,000 tags' holding registers 0..1499
const PAGE_TIMEOUT_MS = 120_000;
const BEFORE = process.env.BENCH_BEFORE;
/** the device page's table, in every version of the page */
const DEVICE_TABLE = '[data-testid=device-tags]';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number | undefined, digits = 0) => (n === undefined || !Number.isFinite(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

/** What the browser received over the dashboard's socket.io connection. */
class FrameCounter {
  frames = 0;
  /** socket.io event messages ("42..."), not its pings */
  messages = 0;
  bytes = 0;
  watch(page: Page): void {
    page.on('websocket', (ws) =>
      ws.on('framereceived', ({ payload }) => {
        this.frames++;
        const text = typeof payload === 'string' ? payload : payload.toString('utf8');
        if (text.startsWith('42')) this.messages++;
        this.bytes += Buffer.byteLength(text);
      }),
    );
  }
}

/** Which checkout runs: this one, or BENCH_BEFORE's. */
interface Build {
  label: 'before' | 'after';
  cli?: string;
}

interface CaseFigures {
  build: Build['label'];
  run: string;
  case: string;
  windowS: number;
  runtimeCpuPercent: number;
  browserCpuPercent: number;
  messagesPerS: number;
  framesPerS: number;
  kbPerS: number;
  /** the device page's table patched, times a second (an update applied), when the page is open */
  appliedPerS?: number;
  /** the 1,000-tag device's poll cycles a second in the window (GET /api/devices), when it runs */
  scansPerS?: number;
  /** the runtime's CPU over its run's closed-dashboard case */
  runtimeRatio?: number;
  browserRatio?: number;
  load: number;
}

/** The poll cycles a device has made (its GET /api/devices entry), undefined when it is not listed. */
async function pollCycles(gateway: GatewayProcess, device: string): Promise<number | undefined> {
  const r = await fetch(`${gateway.base}/api/devices`).catch(() => undefined);
  if (!r?.ok) return undefined;
  const list = (await r.json()) as Array<{ device: string; polls?: { cycles?: number } }>;
  return list.find((d) => d.device === device)?.polls?.cycles;
}

/** Counts the device table's DOM patches (one per update the page applied) from now on; undefined when the page has none. */
async function watchApplied(page: Page): Promise<(() => Promise<number | undefined>) | undefined> {
  // a MutationObserver is called once per task that changed the table: one Vue patch, one call
  // (the page's own code, as a string: this bench compiles without the DOM's types)
  const found = await page.evaluate(`(() => {
    const table = document.querySelector(${JSON.stringify(DEVICE_TABLE)});
    if (!table) return false;
    window.benchApplied = 0;
    new MutationObserver(() => window.benchApplied++).observe(table, { subtree: true, childList: true, characterData: true, attributes: true });
    return true;
  })()`);
  return found === true ? () => page.evaluate<number | undefined>('window.benchApplied') : undefined;
}

async function measure(build: Build, run: string, name: string, gateway: GatewayProcess, browserPid: number, frames: FrameCounter, page: Page): Promise<CaseFigures> {
  const load = loadavg()[0];
  const pid = gateway.peer.proc.pid!;
  const cyclesBefore = await pollCycles(gateway, DEVICE);
  const applied = await watchApplied(page);
  const start = { at: performance.now(), gw: treeCpuSeconds(pid), browser: treeCpuSeconds(browserPid), frames: frames.frames, messages: frames.messages, bytes: frames.bytes };
  await sleep(MEASURE_MS);
  const windowS = (performance.now() - start.at) / 1000;
  const appliedCount = await applied?.();
  const cyclesAfter = await pollCycles(gateway, DEVICE);
  const figures: CaseFigures = {
    build: build.label,
    run,
    case: name,
    windowS,
    runtimeCpuPercent: ((treeCpuSeconds(pid) - start.gw) / windowS) * 100,
    browserCpuPercent: ((treeCpuSeconds(browserPid) - start.browser) / windowS) * 100,
    messagesPerS: (frames.messages - start.messages) / windowS,
    framesPerS: (frames.frames - start.frames) / windowS,
    kbPerS: (frames.bytes - start.bytes) / 1024 / windowS,
    ...(appliedCount !== undefined ? { appliedPerS: appliedCount / windowS } : {}),
    ...(cyclesBefore !== undefined && cyclesAfter !== undefined ? { scansPerS: (cyclesAfter - cyclesBefore) / windowS } : {}),
    load,
  };
  console.log(
    `  ${build.label}, ${name}: runtime ${fmt(figures.runtimeCpuPercent, 1)}%, Chromium ${fmt(figures.browserCpuPercent, 1)}%, ${fmt(figures.messagesPerS, 1)} messages/s, ${fmt(figures.kbPerS, 1)} KB/s${figures.appliedPerS === undefined ? '' : `, ${fmt(figures.appliedPerS, 2)} updates applied/s`}${figures.scansPerS === undefined ? '' : `, the device polled ${fmt(figures.scansPerS, 1)} times/s`}`,
  );
  return figures;
}

/** A case with the dashboard closed, then one with `open` showing it; the second beside the first. */
async function runCases(build: Build, run: string, gateway: GatewayProcess, browser: Browser, browserPid: number, openCase: string, open: (page: Page) => Promise<void>): Promise<CaseFigures[]> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
  const frames = new FrameCounter();
  frames.watch(page);
  try {
    await page.goto('about:blank');
    await sleep(WARM_MS);
    const closed = await measure(build, run, '(a) dashboard closed', gateway, browserPid, frames, page);
    await open(page);
    await sleep(SETTLE_MS);
    const opened = await measure(build, run, openCase, gateway, browserPid, frames, page);
    opened.runtimeRatio = opened.runtimeCpuPercent / closed.runtimeCpuPercent;
    opened.browserRatio = opened.browserCpuPercent / closed.browserCpuPercent;
    return [closed, opened];
  } finally {
    await page.close();
  }
}

async function defaultFlowsRun(build: Build, browser: Browser, browserPid: number): Promise<CaseFigures[]> {
  const gateway = await startGatewayProcess({ cli: build.cli });
  try {
    return await runCases(build, 'default flows', gateway, browser, browserPid, '(b) overview open', async (page) => {
      await page.goto(`${gateway.base}/dashboard/overview`, { waitUntil: 'load' });
      await page.locator('[data-testid=devices] tr', { hasText: 'boiler' }).waitFor({ timeout: PAGE_TIMEOUT_MS });
    });
  } finally {
    await gateway.stop();
    gateway.cleanup();
  }
}

async function thousandTagsRun(build: Build, browser: Browser, browserPid: number): Promise<CaseFigures[]> {
  const sims = fork(join(__dirname, 'scale', 'simulators-process.ts'), ['1', String(REGISTERS), String(POLL_MS), String(REGISTERS)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const dir = mkdtempSync(join(tmpdir(), 'edgegw-dashboard-bench-'));
  let gateway: GatewayProcess | undefined;
  try {
    const { ports } = await next<{ ports: number[] }>(sims, 'ready', 60_000);
    const settings = join(dir, 'edge-gateway.json');
    const tags = serializeTagTableCsv(deviceTags(), { notation: 'zero' });
    writeFileSync(settings, JSON.stringify({ devices: [{ name: DEVICE, transport: 'tcp', host: '127.0.0.1', port: ports[0], unit: 1, tags, poll: POLL_MS }] }));
    gateway = await startGatewayProcess({ args: ['--config', settings], cli: build.cli });
    const gw = gateway;
    return await runCases(build, '1,000-tag device', gw, browser, browserPid, '(c) device page open', async (page) => {
      await page.goto(`${gw.base}/dashboard/devices?device=${DEVICE}`, { waitUntil: 'load' });
      await page.locator(`${DEVICE_TABLE} tr[data-tag] .egw-qb-good`).first().waitFor({ timeout: PAGE_TIMEOUT_MS });
    });
  } finally {
    await gateway?.stop();
    gateway?.cleanup();
    sims.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds a checkout's dist/; returns its CLI. */
function buildDist(root: string): string {
  console.log(`- building ${root}/dist (the runtime runs as users run it)`);
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`the build of ${root} failed`);
  return join(root, 'dist', 'runtime', 'cli.js');
}

async function main(): Promise<void> {
  buildDist(ROOT);
  const builds: Build[] = [...(BEFORE ? [{ label: 'before' as const, cli: buildDist(resolve(BEFORE)) }] : []), { label: 'after' }];
  const { chromium } = await import('playwright-core');
  const server: BrowserServer = await chromium.launchServer({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const browserPid = server.process().pid!;
  const browser = await chromium.connect(server.wsEndpoint());
  const results: CaseFigures[] = [];
  try {
    for (const [name, run] of [
      ['default flows', defaultFlowsRun],
      ['1,000-tag device', thousandTagsRun],
    ] as const) {
      for (const build of builds) {
        console.log(`- ${build.label}, ${name}: warm-up ${WARM_MS / 1000} s, window ${MEASURE_MS / 1000} s a case`);
        try {
          results.push(...(await run(build, browser, browserPid)));
        } catch (err) {
          console.log(`  failed: ${(err as Error).message}`);
        }
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  console.log(
    `\nDashboard cost: CPU over a ${MEASURE_MS / 1000} s window, % of one core (user + system, every process of the tree); Chromium headless, one page; the 1,000-tag device's values change ${1000 / POLL_MS} times a second (${fmt((1000 * 1000) / POLL_MS)} tag changes/s); the feed's throttle: 4 updates/s a widget, a device page at most 2,000 tag changes/s.\n`,
  );
  console.log(
    '| build | run | case | device polls/s | runtime CPU % | runtime × closed | Chromium CPU % | Chromium × closed | socket.io messages/s to the browser | KB/s | device page: updates applied/s | load (1 min) |',
  );
  console.log('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(
      `| ${r.build} | ${r.run} | ${r.case} | ${fmt(r.scansPerS, 1)} | ${fmt(r.runtimeCpuPercent, 1)} | ${r.runtimeRatio === undefined ? '1' : fmt(r.runtimeRatio, 2)} | ${fmt(r.browserCpuPercent, 1)} | ${r.browserRatio === undefined ? '1' : fmt(r.browserRatio, 1)} | ${fmt(r.messagesPerS, 1)} | ${fmt(r.kbPerS, 1)} | ${fmt(r.appliedPerS, 2)} | ${fmt(r.load, 1)} |`,
    );
  }
  mkdirSync(join(ROOT, '.bench-cache'), { recursive: true });
  writeFileSync(join(ROOT, '.bench-cache', 'dashboard.json'), JSON.stringify({ warmMs: WARM_MS, settleMs: SETTLE_MS, measureMs: MEASURE_MS, before: BEFORE ?? null, results }, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
