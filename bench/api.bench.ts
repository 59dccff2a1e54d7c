// The operator API in the real edge-gateway runtime (dist/, built if missing), in one run:
//   1. GET /api/tags/{device}/{tag}: requests per second and p99 latency from a keep-alive client
//      in its own process (bench/api/load-client.ts, node:http agents), beside Node-RED's own
//      `http in` -> `http response` flow in the same runtime (the baseline). The two alternate
//      in rounds so machine noise hits them alike; figures are medians over the rounds.
//   2. A 100-point write: POST /api/devices/{device}/write of 100 holding registers, answered
//      (validated, queued, written with its read-before-write, audited, read back by a poll)
//      against our modbus-server node in the same runtime. The target is under 100 ms.
// The GETs carry an API key (created with `edge-gateway admin add-key`, as a user does), so the
// guard's whole check is measured: key lookup, hash, timing-safe compare, scope, rate bucket.
// The settings file raises the key's rate limit (default 20/s) out of the way of the measure.
// Requests/s counts 200 answers only. The runtime answers the API's paths before Express; the
// same GET with the base path in capitals (/API/...) does not match that exactly and takes the
// Express way (Express matches mount paths case-insensitively): the API as it was served before.
// Run: node --import tsx bench/api.bench.ts   (never fails on a number)
// Profile the gateway under this load: BENCH_GATEWAY_NODE_ARGS='--cpu-prof --cpu-prof-dir=DIR'
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startProcess, waitFor } from '../test/helpers/process';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'runtime', 'cli.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const ROUND_S = Number(process.env.BENCH_ROUND_S ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const WRITES = Number(process.env.BENCH_WRITES ?? 30);
const POINTS = 100;
// node flags for the gateway process only, e.g. BENCH_GATEWAY_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/p'
const GATEWAY_NODE_ARGS = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-');

/** The flows of the measured runtime: a simulator, a device of 100 read-write tags, a tag store, the API, the baseline. */
function benchFlows(simPort: number): unknown[] {
  const tags = ['name,area,address,type,order,scale,offset,unit,access,group', ...Array.from({ length: POINTS }, (_, i) => `p${i},holding,${i},int16,,,,,rw,main`)].join('\n');
  return [
    { id: 'tab', type: 'tab', label: 'api bench' },
    {
      id: 'sim',
      type: 'edgegw-modbus-server',
      z: 'tab',
      x: 100,
      y: 60,
      name: 'simulator',
      transport: 'tcp',
      host: '127.0.0.1',
      port: simPort,
      units: '1',
      holdingSize: 200,
      coilSize: 10,
      discreteSize: 10,
      inputSize: 10,
      wires: [[]],
    },
    { id: 'line', type: 'edgegw-modbus-connection', name: 'sim line', transport: 'tcp', host: '127.0.0.1', port: simPort, timeoutMs: 1000, reconnectMinMs: 100, reconnectMaxMs: 1000 },
    { id: 'store', type: 'edgegw-tag-store', name: 'bench tags', persist: false, maxAge: 0, maxAgeRules: '', userDevice: 'user', userTags: '' },
    {
      id: 'dev',
      type: 'edgegw-modbus-device',
      z: 'tab',
      x: 300,
      y: 60,
      name: 'bench device',
      connection: 'line',
      device: 'bench',
      unit: 1,
      notation: 'zero',
      tags,
      groups: [{ name: 'main', interval: 1000 }],
      output: 'scan',
      maxGap: 10,
      maxRegisters: 125,
      maxBits: 2000,
      store: 'store',
      wires: [[]],
    },
    { id: 'api', type: 'edgegw-gateway-api', name: 'operator API', basePath: '/api', corsOrigins: '', bodyLimitKb: 64 },
    { id: 'in', type: 'http in', z: 'tab', x: 100, y: 140, name: 'baseline', url: '/baseline/tag', method: 'get', upload: false, swaggerDoc: '', wires: [['out']] },
    { id: 'out', type: 'http response', z: 'tab', x: 300, y: 140, name: '', statusCode: '', headers: {}, wires: [] },
  ];
}

interface LoadResult {
  requests: number;
  seconds: number;
  failed: number;
  p50: number;
  p99: number;
}

function load(url: string, authorization?: string): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'api', 'load-client.ts'), url, String(CONNECTIONS), String(ROUND_S)], {
      cwd: ROOT,
      env: { ...process.env, BENCH_AUTHORIZATION: authorization ?? '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load client exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: ROOT });
  const userDir = mkdtempSync(join(tmpdir(), 'edgegw-api-bench-'));
  const [port, brokerPort, simPort, deviceSimPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(benchFlows(deviceSimPort)));
  writeFileSync(join(userDir, 'edge-gateway.json'), JSON.stringify({ api: { rateLimit: { perKey: { perSecond: 1_000_000, burst: 1_000_000 } } } }));
  const added = spawnSync(process.execPath, [CLI, 'admin', 'add-key', 'bench', '--scope', 'write', '--user-dir', userDir], { encoding: 'utf8' });
  const key = added.stdout.trim();
  if (added.status !== 0 || !key.startsWith('egw_')) throw new Error(`admin add-key failed: ${added.stderr}`);
  const authorization = `Bearer ${key}`;
  const gw = startProcess(process.execPath, [
    ...GATEWAY_NODE_ARGS,
    CLI,
    '--port',
    String(port),
    '--broker-port',
    String(brokerPort),
    '--sim-port',
    String(simPort),
    '--user-dir',
    userDir,
    '--log-level',
    'warn',
  ]);
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      'the bench device polled',
      async () => {
        const r = await fetch(`${base}/api/tags/bench/p0`, { headers: { authorization } }).catch(() => null);
        return r?.status === 200 && ((await r.json()) as { quality: string }).quality === 'good';
      },
      60_000,
      200,
    );

    const rows: Record<'api' | 'viaExpress' | 'baseline', LoadResult[]> = { api: [], viaExpress: [], baseline: [] };
    for (let r = 0; r < ROUNDS; r++) {
      rows.api.push(await load(`${base}/api/tags/bench/p0`, authorization));
      rows.viaExpress.push(await load(`${base}/API/tags/bench/p0`, authorization));
      rows.baseline.push(await load(`${base}/baseline/tag`));
    }
    const rate = (xs: LoadResult[]) => median(xs.map((x) => (x.requests - x.failed) / x.seconds));
    const p99 = (xs: LoadResult[]) => median(xs.map((x) => x.p99));
    const failed = (xs: LoadResult[]) => xs.reduce((n, x) => n + x.failed, 0);

    const writeMs: number[] = [];
    let lastAnswer = '';
    for (let w = 0; w < WRITES; w++) {
      const body = JSON.stringify(Object.fromEntries(Array.from({ length: POINTS }, (_, i) => [`p${i}`, (w * 7 + i) % 1000])));
      const t0 = process.hrtime.bigint();
      const res = await fetch(`${base}/api/devices/bench/write`, { method: 'POST', headers: { 'content-type': 'application/json', authorization }, body });
      const answer = (await res.json()) as { tags?: Array<{ readBack?: { value: unknown } }> };
      writeMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (res.status !== 200 || answer.tags?.length !== POINTS) lastAnswer = `${res.status} ${JSON.stringify(answer).slice(0, 300)}`;
    }
    const readBack = writeMs.length;

    console.log(`GET /api/tags/{device}/{tag}: ${CONNECTIONS} keep-alive connections from a client process, ${ROUNDS} rounds of ${ROUND_S} s each (medians)\n`);
    console.log('| route | requests/s (200 answers) | p99 ms | failed | ratio to baseline |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    console.log(`| Node-RED http in -> http response (baseline) | ${fmt(rate(rows.baseline))} | ${fmt(p99(rows.baseline), 1)} | ${failed(rows.baseline)} | 1.00 |`);
    console.log(`| GET /api/tags/bench/p0 with an API key | ${fmt(rate(rows.api))} | ${fmt(p99(rows.api), 1)} | ${failed(rows.api)} | ${fmt(rate(rows.api) / rate(rows.baseline), 2)} |`);
    console.log(
      `| the same through Express's layers (GET /API/..., left to Express) | ${fmt(rate(rows.viaExpress))} | ${fmt(p99(rows.viaExpress), 1)} | ${failed(rows.viaExpress)} | ${fmt(rate(rows.viaExpress) / rate(rows.baseline), 2)} |`,
    );
    console.log(`\n${POINTS}-point write (POST /api/devices/bench/write, answered with the read-back) against the modbus-server simulator, ${readBack} writes:\n`);
    const sorted = [...writeMs].sort((a, b) => a - b);
    console.log('| median ms | p90 ms | max ms | target ms |');
    console.log('| ---: | ---: | ---: | ---: |');
    console.log(`| ${fmt(median(writeMs), 1)} | ${fmt(sorted[Math.floor(sorted.length * 0.9)], 1)} | ${fmt(sorted[sorted.length - 1], 1)} | 100 |`);
    if (lastAnswer) console.log(`\nnot every write was answered in full: ${lastAnswer}`);
  } finally {
    await gw.stop('SIGTERM');
    rmSync(userDir, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
