// Drives only the DevicePoller (1,000 tags, 1 in flight), or only the line's read loop, against
// the libmodbus C server for a while, for profiling its hot path:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/modbus-profile.ts [seconds] [poller|line] [--changing]
// (--changing: the server changes every register at every read, the poller's worst case)
//   node --import tsx bench/modbus-profile.ts --summary /tmp/prof   (or one .cpuprofile file)
//   node --import tsx bench/modbus-profile.ts --gaps [seconds] [poller-module-dir]
// --gaps times where a scan's wall time goes, from timestamps taken around every read: the
// tail (last answer of a scan to pollGroup() resolving), the start (to the next scan's first
// read) and answer-to-answer within a scan; medians, which hold on a loaded machine. Give the
// directory of another lib/ (e.g. .bench-cache/modbus-before-<commit>) to time that poller.
// The second form prints where the self time went, by function and by file (the .cpuprofile
// is Chrome DevTools' format: nodes with self-hit counts and a sample interval).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createModbusLine } from '../lib/modbus/line/line';
import { DevicePoller } from '../lib/modbus/poller/poller';
import { deviceTags } from './shared/modbus-device-tags';
import { startMbserver } from '../test/helpers/modbus-mbserver';

async function drive(seconds: number, what: 'poller' | 'line', changing: boolean): Promise<void> {
  const server = await startMbserver({ changing });
  const line = createModbusLine({ name: 'profile', transport: { kind: 'tcp', host: '127.0.0.1', port: server.port }, timeoutMs: 1000 });
  try {
    await new Promise<void>((resolve) => {
      const on = (s: { connection: string }) => s.connection === 'connected' && (line.off('state', on), resolve());
      line.on('state', on);
    });
    const poller = new DevicePoller({ line, unit: 1, device: 'profile', tags: deviceTags(), groups: [{ name: 'all', intervalMs: 1000 }] });
    const blocks = poller.blocks();
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    let requests = 0;
    while (performance.now() - t0 < seconds * 1000) {
      if (what === 'poller') requests += (await poller.pollGroup('all'))!.requests;
      else {
        const b = blocks[requests++ % blocks.length];
        await line.read(1, b.area, b.address, b.count);
      }
    }
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    console.log(`${what}: ${Math.round(requests / secs)} requests/s, ${((cpu.user + cpu.system) / requests).toFixed(1)} µs CPU/request, ${poller.stats().bad} tags bad`);
  } finally {
    await line.close();
    await server.stop();
  }
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

function summary(file: string, top = 40): void {
  const p = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[] };
  const total = p.samples.length;
  const byFn = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const n of p.nodes) {
    const hits = n.hitCount ?? 0;
    if (!hits) continue;
    const url = n.callFrame.url
      .replace(/^file:\/\//, '')
      .replace(/.*\/node_modules\//, 'node_modules/')
      .replace(/.*\/(lib|bench|test)\//, '$1/');
    const fn = `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + hits);
    const f = url || n.callFrame.functionName;
    byFile.set(f, (byFile.get(f) ?? 0) + hits);
  }
  const show = (title: string, m: Map<string, number>) => {
    console.log(`\n| ${title} | self % |\n|---|---:|`);
    for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`| ${k} | ${((v / total) * 100).toFixed(1)} |`);
  };
  console.log(`${total} samples over ${((p.endTime - p.startTime) / 1e6).toFixed(1)} s`);
  show('function', byFn);
  show('file', byFile);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;

async function gaps(seconds: number, libDir?: string): Promise<void> {
  const Poller = libDir ? ((await import(resolve(libDir, 'modbus', 'poller', 'poller.ts'))) as { DevicePoller: typeof DevicePoller }).DevicePoller : DevicePoller;
  const server = await startMbserver();
  const line = createModbusLine({ name: 'gaps', transport: { kind: 'tcp', host: '127.0.0.1', port: server.port }, timeoutMs: 1000 });
  try {
    await new Promise<void>((resolve) => {
      const on = (s: { connection: string }) => s.connection === 'connected' && (line.off('state', on), resolve());
      line.on('state', on);
    });
    const events: Array<[kind: 'call' | 'answer' | 'end', at: number]> = [];
    const timed: Pick<typeof line, 'read'> = {
      read: (unit, area, address, count) => {
        events.push(['call', performance.now()]);
        return line.read(unit, area, address, count).then((v) => (events.push(['answer', performance.now()]), v));
      },
    };
    const poller = new Poller({ line: timed, unit: 1, device: 'gaps', tags: deviceTags(), groups: [{ name: 'all', intervalMs: 1000 }] });
    for (let i = 0; i < 200; i++) await poller.pollGroup('all'); // warm up
    events.length = 0;
    const t0 = performance.now();
    let scans = 0;
    while (performance.now() - t0 < seconds * 1000) {
      await poller.pollGroup('all');
      events.push(['end', performance.now()]);
      scans++;
    }
    const tail: number[] = [];
    const start: number[] = [];
    const within: number[] = [];
    for (let i = 1; i < events.length; i++) {
      const [prev, prevAt] = events[i - 1];
      const [kind, at] = events[i];
      const us = (at - prevAt) * 1000;
      if (kind === 'end' && prev === 'answer') tail.push(us);
      else if (kind === 'call' && prev === 'end') start.push(us);
      else if (kind === 'answer' && prev === 'answer') within.push(us);
    }
    console.log(
      `${libDir ?? 'this tree'}: ${scans} scans; median µs: last answer -> scan resolved ${median(tail).toFixed(1)}, -> next scan's first read ${median(start).toFixed(1)}, answer -> answer within a scan ${median(within).toFixed(1)}`,
    );
  } finally {
    await line.close();
    await server.stop();
  }
}

/**
 * The profile to summarize: a file, or the largest .cpuprofile of a directory. Under tsx a run
 * writes two (its loader thread's is the small one), and a shell glob passed both, the second
 * taken for the row count: nothing was printed.
 */
function profileFile(path: string): string {
  if (!statSync(path).isDirectory()) return path;
  const files = readdirSync(path)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(path, f));
  if (files.length === 0) throw new Error(`no .cpuprofile in ${path}`);
  return files.reduce((a, b) => (statSync(b).size > statSync(a).size ? b : a));
}

if (process.argv[2] === '--summary') summary(profileFile(process.argv[3]), Number(process.argv[4] ?? 40));
else if (process.argv[2] === '--gaps')
  gaps(Number(process.argv[3] ?? 5), process.argv[4]).then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
else
  drive(Number(process.argv[2] ?? 10), process.argv[3] === 'line' ? 'line' : 'poller', process.argv.includes('--changing')).then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
