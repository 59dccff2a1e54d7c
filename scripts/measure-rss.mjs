#!/usr/bin/env node
// Measures the memory of the real `edge-gateway` process running a flows file, so the README's
// RSS figure can be reproduced:
//
//   npm run build && node scripts/measure-rss.mjs                  # default flows, 10 minutes
//   node scripts/measure-rss.mjs --minutes 3 --flows empty         # Node-RED + runtime baseline
//   node scripts/measure-rss.mjs --disable edgegw.tab.proc         # bisect: a tab (or node) off
//   node scripts/measure-rss.mjs --node-flag=--max-semi-space-size=8 --label semi8
//
// It starts dist/runtime/cli.js on free ports with a fresh user directory, samples the RSS of
// the process tree (/proc, so a re-exec of the runtime is counted too), its CPU time
// (utime+stime) and the V8 figures of /metrics every --interval seconds, counts devices/+/data
// messages at the embedded broker, and prints a table with the CPU a minute of the run (and
// --json FILE for scripts). Linux only (/proc).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function parse(argv) {
  const o = { minutes: 10, interval: 10, flows: 'default', disable: [], nodeFlags: [], label: '', json: '', env: {}, all: false, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const [key, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (key) {
      case '--minutes':
        o.minutes = Number(value());
        break;
      case '--interval':
        o.interval = Number(value());
        break;
      case '--flows':
        o.flows = value();
        break;
      case '--disable':
        o.disable.push(...value().split(',').filter(Boolean));
        break;
      case '--node-flag':
        o.nodeFlags.push(value());
        break;
      case '--env': {
        const [k, v] = value().split(/=(.*)/s, 2);
        o.env[k] = v ?? '';
        break;
      }
      case '--label':
        o.label = value();
        break;
      case '--json':
        o.json = value();
        break;
      case '--all':
        o.all = true;
        break;
      case '--keep':
        o.keep = true;
        break;
      case '--help':
        console.log(
          'usage: node scripts/measure-rss.mjs [--minutes N] [--interval S] [--flows default|empty|FILE] [--disable ID,ID] [--node-flag=FLAG]... [--env K=V]... [--label TEXT] [--json FILE] [--all] [--keep]',
        );
        process.exit(0);
        break;
      default:
        console.error(`measure-rss: unknown option ${argv[i]}`);
        process.exit(2);
    }
  }
  if (!(o.minutes > 0) || !(o.interval > 0)) {
    console.error('measure-rss: --minutes and --interval must be positive numbers');
    process.exit(2);
  }
  return o;
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** The flows to run: the default file, none, or a file; tabs/nodes named in --disable are off. */
function flowsFor(o) {
  if (o.flows === 'empty') return [];
  const file = o.flows === 'default' ? join(ROOT, 'flows', 'gateway.json') : resolve(o.flows);
  const flows = JSON.parse(readFileSync(file, 'utf8'));
  const wanted = new Set(o.disable);
  for (const n of flows) {
    if (!wanted.has(n.id)) continue;
    wanted.delete(n.id);
    if (n.type === 'tab') n.disabled = true;
    else n.d = true;
  }
  if (wanted.size) throw new Error(`--disable: no tab or node with the id ${[...wanted].join(', ')} in ${file}`);
  return flows;
}

const TICK = 100; // USER_HZ: clock ticks a second in /proc/PID/stat (100 on Linux)

/** Resident set of a process and all its descendants, in bytes, and their CPU time (utime+stime, with the children they have waited for), in seconds (from /proc). */
function treeRss(rootPid) {
  const children = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(d));
    } catch {
      // the process ended between readdir and read
    }
  }
  let total = 0;
  let count = 0;
  let ticks = 0;
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop();
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) {
        total += Number(m[1]) * 1024;
        count++;
      }
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields 14-17 of stat (utime, stime, cutime, cstime) are 11-14 after the name
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      continue;
    }
    stack.push(...(children.get(pid) ?? []));
  }
  return { bytes: total, processes: count, cpuSeconds: ticks / TICK };
}

async function v8Figures(base) {
  try {
    const text = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const pick = (name) => {
      const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text);
      return m ? Number(m[1]) : undefined;
    };
    return {
      heapUsed: pick('edgegw_nodejs_heap_size_used_bytes'),
      heapTotal: pick('edgegw_nodejs_heap_size_total_bytes'),
      external: pick('edgegw_nodejs_external_memory_bytes'),
      arrayBuffers: pick('edgegw_nodejs_array_buffers_bytes'),
    };
  } catch {
    return {};
  }
}

const mb = (b) => (b === undefined ? '-' : (b / 1048576).toFixed(1));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const o = parse(process.argv.slice(2));
  const cli = join(ROOT, 'dist', 'runtime', 'cli.js');
  const userDir = mkdtempSync(join(tmpdir(), 'edgegw-rss-'));
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(flowsFor(o), null, 2));
  const [port, brokerPort, simPort] = [await freePort(), await freePort(), await freePort()];
  const env = { ...process.env, ...o.env };
  for (const k of Object.keys(env)) if (k.startsWith('EDGE_GATEWAY_') && !(k in o.env)) delete env[k];
  const args = [...o.nodeFlags, cli, '--port', String(port), '--broker-port', String(brokerPort), '--sim-port', String(simPort), '--user-dir', userDir, '--gateway-id', 'rss'];
  const t0 = Date.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d) => {
    output = (output + d).slice(-20000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = false;
  child.on('exit', () => (exited = true));
  const stop = async () => {
    if (!exited) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15000);
      await gone;
      clearTimeout(killer);
    }
    if (!o.keep) rmSync(userDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => stop().then(() => process.exit(130)));

  const base = `http://127.0.0.1:${port}`;
  let startedAt;
  for (let deadline = Date.now() + 120000; Date.now() < deadline && !exited; await sleep(200)) {
    const body = await fetch(`${base}/health`)
      .then((r) => r.json())
      .catch(() => null);
    if (body?.flows?.started) {
      startedAt = Date.now();
      break;
    }
  }
  if (!startedAt) {
    await stop();
    throw new Error(`the gateway did not start its flows within 120 s\n${output}`);
  }

  // the data the flows publish, as a subscriber sees it
  const mqtt = require('mqtt');
  const counts = { data: 0, heartbeat: 0, alarms: 0, firstDataMs: undefined };
  const client = mqtt.connect(`mqtt://127.0.0.1:${brokerPort}`, { reconnectPeriod: 1000 });
  client.on('connect', () => client.subscribe(['devices/+/data', 'edge-gateway/#']));
  client.on('message', (topic) => {
    if (topic.endsWith('/data')) {
      counts.data++;
      counts.firstDataMs ??= Date.now() - startedAt;
    } else if (topic.endsWith('/heartbeat')) counts.heartbeat++;
    else if (topic.endsWith('/alarms')) counts.alarms++;
  });

  const samples = [];
  const label = o.label || [o.flows, ...o.disable.map((d) => `-${d}`), ...o.nodeFlags].join(' ');
  console.log(`measure-rss: ${label}: pid ${child.pid}, flows started ${startedAt - t0} ms after spawn, sampling every ${o.interval} s for ${o.minutes} min`);
  const end = startedAt + o.minutes * 60000;
  for (let next = startedAt; ; next += o.interval * 1000) {
    await sleep(Math.max(0, next - Date.now()));
    if (exited) break;
    const rss = treeRss(child.pid);
    const v8 = await v8Figures(base);
    const s = { t: Math.round((Date.now() - startedAt) / 1000), rss: rss.bytes, processes: rss.processes, cpu: rss.cpuSeconds, ...v8, data: counts.data };
    samples.push(s);
    if (o.all) console.log(`  ${s.t}s rss ${mb(s.rss)} heapUsed ${mb(s.heapUsed)} heapTotal ${mb(s.heapTotal)} external ${mb(s.external)} data ${s.data}`);
    if (Date.now() >= end) break;
  }
  client.end(true);
  const crashed = exited;
  await stop();
  if (crashed) throw new Error(`the gateway exited during the measurement\n${output}`);

  // one row per minute mark (1, 2, 3, 5, 7, 10, ... and the last), as the README table shows
  const marks = new Set([1, 2, 3, 5, 7, 10, 15, 20, 30, 45, 60].map((m) => m * 60).filter((t) => t <= o.minutes * 60));
  const rows = samples.filter((s, i) => i === samples.length - 1 || [...marks].some((m) => s.t >= m && (i === 0 || samples[i - 1].t < m)));
  const peak = samples.reduce((a, s) => Math.max(a, s.rss), 0);
  // CPU of the process tree while sampled (from the flows' start to the last sample), per minute
  const [first, last] = [samples[0], samples[samples.length - 1]];
  const cpuPerMin = last && last.t > first.t ? ((last.cpu - first.cpu) / (last.t - first.t)) * 60 : undefined;
  console.log(`\n${label}`);
  console.log('| min | RSS MB | heap used MB | heap total MB | external MB | array buffers MB | CPU s | data msgs |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of rows)
    console.log(`| ${(s.t / 60).toFixed(1)} | ${mb(s.rss)} | ${mb(s.heapUsed)} | ${mb(s.heapTotal)} | ${mb(s.external)} | ${mb(s.arrayBuffers)} | ${s.cpu.toFixed(1)} | ${s.data} |`);
  console.log(
    `peak RSS ${mb(peak)} MB; CPU (utime+stime of the process tree) ${first ? first.cpu.toFixed(1) : '-'} s to the flows' start, then ${cpuPerMin?.toFixed(2) ?? '-'} s a minute; first devices/+/data ${counts.firstDataMs ?? '-'} ms after the flows started; ${counts.data} data, ${counts.heartbeat} heartbeat, ${counts.alarms} alarm messages`,
  );
  if (o.json) writeFileSync(o.json, JSON.stringify({ label, options: o, startMs: startedAt - t0, counts, peak, cpuPerMin, samples }, null, 2));
}

main().catch((err) => {
  console.error(`measure-rss: ${err.message}`);
  process.exit(1);
});
