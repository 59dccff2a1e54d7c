// What a producer's `store` option costs on its hot path (issue 9): dbc-decode's batch mode decodes
// a batch of CAN frames into one scan and, with a Tag store, makes one TagStore.write(scan.tags)
// with the samples it built anyway. Timed side by side in one run, alternating in short rounds so
// machine noise hits both alike (medians reported):
//   1. decodeBatch only (the baseline: no store);
//   2. decodeBatch + store.write(scan.tags).
// Also: store.write of a 100-tag modbus scan alone, the cost modbus-device adds per poll cycle.
// Run: node --expose-gc --import tsx bench/producer-store.bench.ts   (never fails on a number)
import { DbcCodec } from '../lib/can/codec';
import { parseDbc } from '../lib/can/dbc';
import { CanScanDecoder } from '../lib/can/decoded-scan';
import { TagStore } from '../lib/tags/store';
import type { TagSample } from '../lib/tags/contract';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 500);
const BATCH = 500;
const MESSAGES = 20;

// 20 messages of 4 signals each (8-byte frames), ids 0x100..0x113
const DBC = ['VERSION ""'];
for (let m = 0; m < MESSAGES; m++) {
  DBC.push(`BO_ ${0x100 + m} Msg${m}: 8 ECU`);
  for (let s = 0; s < 4; s++) DBC.push(` SG_ S${s} : ${s * 16}|16@1+ (0.1,0) [0|6553.5] "V" ECU`);
}
const codec = new DbcCodec(parseDbc(DBC.join('\n') + '\n').db);
const frames = Array.from({ length: BATCH }, (_, i) => ({ id: 0x100 + (i % MESSAGES), extended: false, data: Buffer.from([i & 0xff, 1, 2, 3, 4, 5, 6, 7]), ts: 1_700_000_000 + i / 1000 }));
const modbusScan: TagSample[] = Array.from({ length: 100 }, (_, t) => ({ device: 'plc1', name: `tag${t}`, value: t, quality: 'good', ts: Date.now(), unit: 'V', source: 'modbus:1' }));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function timed(fn: () => number): number {
  const start = performance.now();
  const deadline = start + ROUND_MS;
  let n = 0;
  while (performance.now() < deadline) n += fn();
  return n / ((performance.now() - start) / 1000);
}

function main(): void {
  const decoder = new CanScanDecoder(codec, { device: 'car', labels: false, exact: false });
  const store = new TagStore({});
  let sink = 0;
  const plain = () => {
    const { scan } = decoder.decodeBatch(frames);
    sink += scan.tags.length;
    return frames.length;
  };
  const stored = () => {
    const { scan } = decoder.decodeBatch(frames);
    sink += store.write(scan.tags).written;
    return frames.length;
  };
  const modbusWrite = () => store.write(modbusScan).written;
  const a: number[] = [];
  const b: number[] = [];
  const c: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    a.push(timed(plain));
    b.push(timed(stored));
    c.push(timed(modbusWrite));
  }
  const base = median(a);
  console.log(`batches of ${BATCH} frames (${MESSAGES} messages x 4 signals), ${ROUNDS} rounds of ${ROUND_MS} ms, medians\n`);
  console.log('| variant | frames/s | vs no store |');
  console.log('|---|---:|---:|');
  console.log(`| dbc-decode batch: decodeBatch only | ${fmt(base)} | 1.00x |`);
  console.log(`| dbc-decode batch: decodeBatch + one store.write(scan.tags) | ${fmt(median(b))} | ${(median(b) / base).toFixed(2)}x |`);
  console.log('');
  console.log('| modbus-device per poll cycle | value |');
  console.log('|---|---:|');
  const perScan = median(c) / 100;
  console.log(`| store.write of a 100-tag scan | ${fmt(median(c))} samples/s (${(1e6 / perScan).toFixed(1)} µs per scan) |`);
  if (sink < 0) console.log(sink);
}

main();
