// maxInFlight 'auto' (lib/modbus/line/pipelining.ts) beside fixed 1 and fixed 4, against the two
// kinds of device it tells apart: the libmodbus C server (test/peers/modbus-tcp-server.c) with
// Nagle left on, as many embedded stacks, and the same server with TCP_NODELAY. On each, three
// lines poll the 1,000-tag device of the Modbus bench (DevicePoller, scan after scan) in
// alternating short rounds, so machine noise hits them alike; scans/s are medians over rounds and
// ratios are medians of the ratios to fixed 1 within each round. The auto line's choice (and the
// round trips it measured) is printed beside it. Never fails on a number.
// Run: npm run bench -- modbus-auto
// Env: BENCH_ROUNDS (8), BENCH_ROUND_MS (1000).
import { createModbusLine } from '../lib/modbus/line/line';
import type { ModbusLine } from '../lib/modbus/line/types';
import { DevicePoller } from '../lib/modbus/poller/poller';
import { deviceTags } from './shared/modbus-device-tags';
import { startMbserver } from '../test/helpers/modbus-mbserver';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 1000);
const KINDS = ['fixed 1', 'fixed 4', 'auto'] as const;
type Kind = (typeof KINDS)[number];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number | undefined, digits = 0) => (n === undefined || !Number.isFinite(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

async function scansPerSec(poller: DevicePoller): Promise<number> {
  const t0 = performance.now();
  let scans = 0;
  while (performance.now() - t0 < ROUND_MS) {
    await poller.pollGroup('all');
    scans++;
  }
  return scans / ((performance.now() - t0) / 1000);
}

async function onServer(nodelay: boolean): Promise<{ rates: Record<Kind, number>; vsOne: Record<Kind, number>; choice: string }> {
  const server = await startMbserver({ nodelay });
  const lines: Record<Kind, ModbusLine> = {
    'fixed 1': createModbusLine({ name: 'fixed1', transport: { kind: 'tcp', host: '127.0.0.1', port: server.port }, maxInFlight: 1, timeoutMs: 3000 }),
    'fixed 4': createModbusLine({ name: 'fixed4', transport: { kind: 'tcp', host: '127.0.0.1', port: server.port }, maxInFlight: 4, timeoutMs: 3000 }),
    auto: createModbusLine({ name: 'auto', transport: { kind: 'tcp', host: '127.0.0.1', port: server.port }, maxInFlight: 'auto', timeoutMs: 3000 }),
  };
  try {
    const pollers = Object.fromEntries(KINDS.map((k) => [k, new DevicePoller({ line: lines[k], unit: 1, device: k, tags: deviceTags(), groups: [{ name: 'all', intervalMs: 1000 }] })])) as Record<
      Kind,
      DevicePoller
    >;
    // the first scans connect and let the auto line measure and choose
    for (const k of KINDS) for (let i = 0; i < 3; i++) await pollers[k].pollGroup('all');
    const rates: Record<Kind, number[]> = { 'fixed 1': [], 'fixed 4': [], auto: [] };
    const ratios: Record<Kind, number[]> = { 'fixed 1': [], 'fixed 4': [], auto: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? [...KINDS].reverse() : [...KINDS];
      const r = {} as Record<Kind, number>;
      for (const k of order) r[k] = await scansPerSec(pollers[k]);
      for (const k of KINDS) {
        rates[k].push(r[k]);
        ratios[k].push(r[k] / r['fixed 1']);
      }
    }
    return {
      rates: Object.fromEntries(KINDS.map((k) => [k, median(rates[k])])) as Record<Kind, number>,
      vsOne: Object.fromEntries(KINDS.map((k) => [k, median(ratios[k])])) as Record<Kind, number>,
      choice: lines.auto.state().pipelining?.text ?? '-',
    };
  } finally {
    await Promise.all(KINDS.map((k) => lines[k].close()));
    await server.stop();
  }
}

async function main(): Promise<void> {
  const results = { nagle: await onServer(false), nodelay: await onServer(true) };
  console.log(`\nmaxInFlight auto beside fixed 1 and 4: DevicePoller scans of a 1,000-tag device (${ROUNDS} alternating rounds of ${ROUND_MS} ms), libmodbus server\n`);
  console.log('| line | Nagle on: scans/s | vs fixed 1 | TCP_NODELAY: scans/s | vs fixed 1 |');
  console.log('|---|---:|---:|---:|---:|');
  for (const k of KINDS) {
    console.log(`| ${k} | ${fmt(results.nagle.rates[k], 1)} | ${fmt(results.nagle.vsOne[k], 2)}x | ${fmt(results.nodelay.rates[k], 1)} | ${fmt(results.nodelay.vsOne[k], 2)}x |`);
  }
  console.log(`\nauto chose, Nagle on: ${results.nagle.choice}\nauto chose, TCP_NODELAY: ${results.nodelay.choice}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
