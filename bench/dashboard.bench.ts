// The dashboard's cost (issue 23): CPU of the edge-gateway runtime and of a headless Chromium
// (/usr/bin/chromium through playwright-core, every process of it) over a fixed window, and the
// socket.io messages that reach the browser, in four cases of two runs:
//   run 1, the default flows: (a) the dashboard closed (a blank page), (b) the overview open;
//   run 2, a 1,000-tag Modbus device (bench/shared/modbus-device-tags.ts, polled every 100 ms)
//   whose 1,500 registers all change ten times a second (bench/scale/simulators-process.ts, a
//   process of its own so its CPU is not the runtime's), from a settings file's `devices:` list:
//   (a) the dashboard closed, (c) the device's page open.
// Each case's CPU is also given beside its run's closed-dashboard baseline. The throttle's work
// shows in the messages/s: 10,000 tag changes a second become a few messages a second.
// Never fails on a number. Writes the figures as JSON to .bench-cache/dashboard.json.
// Run: npm run bench -- dashboard  (builds dist/ first: the runtime runs as users run it)
// Env: BENCH_WARM_MS (15000, after start-up), BENCH_SETTLE_MS (5000, after a page opened),
// BENCH_MEASURE_MS (20000, the window).
import { fork, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
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

interface CaseFigures {
  run: string;
  case: string;
  windowS: number;
  runtimeCpuPercent: number;
  browserCpuPercent: number;
  messagesPerS: number;
  framesPerS: number;
  kbPerS: number;
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

async function measure(run: string, name: string, gateway: GatewayProcess, browserPid: number, frames: FrameCounter): Promise<CaseFigures> {
  const load = loadavg()[0];
  const pid = gateway.peer.proc.pid!;
  const cyclesBefore = await pollCycles(gateway, DEVICE);
  const start = { at: performance.now(), gw: treeCpuSeconds(pid), browser: treeCpuSeconds(browserPid), frames: frames.frames, messages: frames.messages, bytes: frames.bytes };
  await sleep(MEASURE_MS);
  const windowS = (performance.now() - start.at) / 1000;
  const cyclesAfter = await pollCycles(gateway, DEVICE);
  const figures: CaseFigures = {
    run,
    case: name,
    windowS,
    runtimeCpuPercent: ((treeCpuSeconds(pid) - start.gw) / windowS) * 100,
    browserCpuPercent: ((treeCpuSeconds(browserPid) - start.browser) / windowS) * 100,
    messagesPerS: (frames.messages - start.messages) / windowS,
    framesPerS: (frames.frames - start.frames) / windowS,
    kbPerS: (frames.bytes - start.bytes) / 1024 / windowS,
    ...(cyclesBefore !== undefined && cyclesAfter !== undefined ? { scansPerS: (cyclesAfter - cyclesBefore) / windowS } : {}),
    load,
  };
  console.log(
    `  ${name}: runtime ${fmt(figures.runtimeCpuPercent, 1)}%, Chromium ${fmt(figures.browserCpuPercent, 1)}%, ${fmt(figures.messagesPerS, 1)} messages/s${figures.scansPerS === undefined ? '' : `, the device polled ${fmt(figures.scansPerS, 1)} times/s`}`,
  );
  return figures;
}

/** A case with the dashboard closed, then one with `open` showing it; the second beside the first. */
async function runCases(run: string, gateway: GatewayProcess, browser: Browser, browserPid: number, openCase: string, open: (page: Page) => Promise<void>): Promise<CaseFigures[]> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
  const frames = new FrameCounter();
  frames.watch(page);
  try {
    await page.goto('about:blank');
    await sleep(WARM_MS);
    const closed = await measure(run, '(a) dashboard closed', gateway, browserPid, frames);
    await open(page);
    await sleep(SETTLE_MS);
    const opened = await measure(run, openCase, gateway, browserPid, frames);
    opened.runtimeRatio = opened.runtimeCpuPercent / closed.runtimeCpuPercent;
    opened.browserRatio = opened.browserCpuPercent / closed.browserCpuPercent;
    return [closed, opened];
  } finally {
    await page.close();
  }
}

async function defaultFlowsRun(browser: Browser, browserPid: number): Promise<CaseFigures[]> {
  const gateway = await startGatewayProcess();
  try {
    return await runCases('default flows', gateway, browser, browserPid, '(b) overview open', async (page) => {
      await page.goto(`${gateway.base}/dashboard/overview`, { waitUntil: 'load' });
      await page.locator('[data-testid=devices] tr', { hasText: 'boiler' }).waitFor({ timeout: PAGE_TIMEOUT_MS });
    });
  } finally {
    await gateway.stop();
    gateway.cleanup();
  }
}

async function thousandTagsRun(browser: Browser, browserPid: number): Promise<CaseFigures[]> {
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
    gateway = await startGatewayProcess({ args: ['--config', settings] });
    const gw = gateway;
    return await runCases('1,000-tag device', gw, browser, browserPid, '(c) device page open', async (page) => {
      await page.goto(`${gw.base}/dashboard/devices?device=${DEVICE}`, { waitUntil: 'load' });
      await page.locator('tr[data-tag=t999] .egw-qb-good').waitFor({ timeout: PAGE_TIMEOUT_MS });
    });
  } finally {
    await gateway?.stop();
    gateway?.cleanup();
    sims.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log('- building dist/ (the runtime runs as users run it)');
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed');
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
      console.log(`- ${name}: warm-up ${WARM_MS / 1000} s, window ${MEASURE_MS / 1000} s a case`);
      try {
        results.push(...(await run(browser, browserPid)));
      } catch (err) {
        console.log(`  failed: ${(err as Error).message}`);
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  console.log(
    `\nDashboard cost: CPU over a ${MEASURE_MS / 1000} s window, % of one core (user + system, every process of the tree); Chromium headless, one page; the 1,000-tag device's values change ${1000 / POLL_MS} times a second (${fmt((1000 * 1000) / POLL_MS)} tag changes/s); the feed's throttle: 4 updates/s a widget.\n`,
  );
  console.log('| run | case | device polls/s | runtime CPU % | runtime × closed | Chromium CPU % | Chromium × closed | socket.io messages/s to the browser | KB/s | load (1 min) |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(
      `| ${r.run} | ${r.case} | ${fmt(r.scansPerS, 1)} | ${fmt(r.runtimeCpuPercent, 1)} | ${r.runtimeRatio === undefined ? '1' : fmt(r.runtimeRatio, 2)} | ${fmt(r.browserCpuPercent, 1)} | ${r.browserRatio === undefined ? '1' : fmt(r.browserRatio, 1)} | ${fmt(r.messagesPerS, 1)} | ${fmt(r.kbPerS, 1)} | ${fmt(r.load, 1)} |`,
    );
  }
  mkdirSync(join(ROOT, '.bench-cache'), { recursive: true });
  writeFileSync(join(ROOT, '.bench-cache', 'dashboard.json'), JSON.stringify({ warmMs: WARM_MS, settleMs: SETTLE_MS, measureMs: MEASURE_MS, results }, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
