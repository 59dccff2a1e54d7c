// A poll group's scan on its way into the queue, in one process: modbus-device's scan message
// (lib/tags/contract.ts, with the group's ScanPayloads where the code has it) and the text the
// queue stores for it (lib/queue/body.ts, bodyText), for the 1,000-tag device of the pipeline
// bench (bench/pipeline/flows.ts). New sample objects every scan, as the poller makes them, so
// every payload is a new object, as in the gateway. CPU per scan (process.cpuUsage), median of
// alternating rounds; the copy of the samples is measured alone and given beside.
// Run: node --import tsx bench/scan-encoding.bench.ts   (never fails on a number)
// BENCH_SCAN_BEFORE=<a checkout> (git worktree add ../before <commit>; its node_modules linked):
// that checkout's contract.ts and body.ts beside this tree's, alternating, the order swapped every
// round; BENCH_SCAN_ROUNDS (12), BENCH_SCAN_N scans a round (400).
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import * as contract from '../lib/tags/contract';
import * as body from '../lib/queue/body';
import { deviceTags } from './pipeline/flows';
import type { TagSample } from '../lib/tags/contract';

const BEFORE = process.env.BENCH_SCAN_BEFORE ? resolve(process.env.BENCH_SCAN_BEFORE) : undefined;
const ROUNDS = Number(process.env.BENCH_SCAN_ROUNDS ?? 12);
const N = Number(process.env.BENCH_SCAN_N ?? 400);

interface Variant {
  label: string;
  contract: typeof contract;
  body: typeof body;
  payloads?: contract.ScanPayloads;
  cpu: number[];
}

const variants: Variant[] = [{ label: 'this tree', contract, body, cpu: [] }];
if (BEFORE) {
  const c = require(join(BEFORE, 'lib', 'tags', 'contract.ts')) as typeof contract;
  variants.unshift({ label: `before (${BEFORE})`, contract: c, body: require(join(BEFORE, 'lib', 'queue', 'body.ts')) as typeof body, cpu: [] });
}
for (const v of variants) if (typeof v.contract.ScanPayloads === 'function') v.payloads = new v.contract.ScanPayloads();

const tags = deviceTags();
/** 64 scans of values, as the pipeline's device gives them (float32 as their shortest decimal) */
const scans: TagSample[][] = Array.from({ length: 64 }, (_, k) =>
  tags.map((t, i) => ({
    device: 'press',
    name: t.name,
    value: t.type === 'bool' ? (i + k) % 2 === 0 : t.type === 'float32' ? Number(Math.fround((i + k) * 1.37).toPrecision(7)) : (i + k) % 65536,
    quality: 'good',
    ts: 1765000000000 + k,
    unit: t.unit,
    source: 'modbus:1',
  })),
);
const fresh = (k: number) => scans[k & 63].map((s) => ({ ...s }));
const encode = (v: Variant, samples: TagSample[]) => v.body.bodyText({ ...v.contract.scanMessage('press', samples, v.payloads), group: 'all', _msgid: 'hop' });

// the same text from every variant, before anything is timed
for (let k = 0; k < 64; k++) {
  const texts = variants.map((v) => encode(v, fresh(k)));
  for (const t of texts) if (t.body !== texts[0].body || t.payloadJson !== texts[0].payloadJson) throw new Error(`scan ${k}: the variants' texts differ`);
}

const cpuOf = (f: () => void) => {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / N;
};
const load0 = loadavg()[0];
let sink = 0;
const copies: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const v of round % 2 ? [...variants].reverse() : variants)
    v.cpu.push(
      cpuOf(() => {
        for (let i = 0; i < N; i++) sink += encode(v, fresh(i)).body!.length;
      }),
    );
  copies.push(
    cpuOf(() => {
      for (let i = 0; i < N; i++) sink += fresh(i).length;
    }),
  );
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
console.log(
  `A ${tags.length}-tag scan to the queue's text: scanMessage + bodyText, ${ROUNDS} alternating rounds of ${N} scans; load average ${load0.toFixed(2)} at the start, ${loadavg()[0].toFixed(2)} at the end (2 shared cores).\n`,
);
console.log('| code | CPU µs per scan, median | best round | vs the first row |');
console.log('|---|---:|---:|---:|');
const base = median(variants[0].cpu);
for (const v of variants) console.log(`| ${v.label} | ${median(v.cpu).toFixed(1)} | ${Math.min(...v.cpu).toFixed(1)} | ${(median(v.cpu) / base).toFixed(2)}x |`);
console.log(`| (the copy of the samples alone, in every row) | ${median(copies).toFixed(1)} | ${Math.min(...copies).toFixed(1)} | |`);
if (sink < 0) console.log(sink);
