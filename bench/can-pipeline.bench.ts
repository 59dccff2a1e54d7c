// A CAN pipeline through a real Node-RED 4.1 runtime (embedded from our devDependency, no test
// helper spies): can-interface (candump replay, as fast as possible) -> can-in -> dbc-decode ->
// a counting sink, over ~200,000 frames of a real DBC (opendbc vw_mqb.dbc, its reference frames
// from test/fixtures/dbc/expected repeated). Side by side in one run, alternating in rounds:
//   - per frame:     can-in one message per frame       -> dbc-decode one message per CAN message
//   - per message:   can-in batches (every BATCH_MS)     -> dbc-decode one message per CAN message (the baseline)
//   - batch:         can-in batches                      -> dbc-decode one message per input batch
//   - no decode:     can-in batches -> sink: the ceiling set by the replay and can-in alone
// Time runs from flows:started (when the replay opens) to the last frame at the sink; frames/s
// and signals/s (tag samples that reached the sink) are medians over the rounds.
// Our nodes are loaded from source through tiny shims in a temporary nodesDir (tsx compiles them),
// so no build is needed. Run: node --expose-gc --import tsx bench/can-pipeline.bench.ts
// Env: BENCH_FRAMES (200000), BENCH_ROUNDS (3), BENCH_BATCH_MS (10), BENCH_ONLY (comma-separated
// keys: perFrame, perMessage, batch, noDecode; for profiling one pipeline). Never fails on a number.
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchNodeRedSettings } from './shared/node-red-settings';
import { fixturesMissing, readReferenceFrames } from '../test/helpers/can-fixtures';
import { dbcPath, repoRoot } from '../test/helpers/can-nodes';
import { writeNodeShims } from './pipeline/node-shims';

const FRAMES = Number(process.env.BENCH_FRAMES ?? 200000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BATCH_MS = Number(process.env.BENCH_BATCH_MS ?? 10);
/** A run that takes longer than this is reported as timed out (not a failure). */
const RUN_TIMEOUT_MS = 180000;
const DBC = 'vw_mqb.dbc';
const SINK_KEY = Symbol.for('edgegw.bench.canPipelineSink');

interface SinkReport {
  frames: number;
  signals: number;
  messages: number;
  at: number;
}
type SinkHook = (r: SinkReport) => void;

/** The counting sink, as plain JS in the nodes dir: a frame count from whatever shape arrives. */
const SINK_JS = `
module.exports = function (RED) {
  RED.nodes.registerType('bench-sink', function (def) {
    RED.nodes.createNode(this, def);
    const expect = Number(def.expect);
    let frames = 0, signals = 0, messages = 0, reported = false;
    this.on('input', (msg, send, done) => {
      messages++;
      if (msg.frames && typeof msg.frames.decoded === 'number') frames += msg.frames.decoded;
      else if (Array.isArray(msg.payload)) frames += msg.payload.length;
      else frames++;
      if (Array.isArray(msg.tags)) signals += msg.tags.length;
      if (!reported && frames >= expect) {
        reported = true;
        globalThis[Symbol.for('edgegw.bench.canPipelineSink')]({ frames, signals, messages, at: performance.now() });
      }
      done();
    });
  });
};
`;

interface Config {
  key: string;
  label: string;
  inBatchMs: number;
  output?: 'message' | 'batch';
}

const ALL_CONFIGS: Config[] = [
  { key: 'perFrame', label: 'can-in per frame -> dbc-decode per CAN message', inBatchMs: 0, output: 'message' },
  { key: 'perMessage', label: `can-in batches (${BATCH_MS} ms) -> dbc-decode per CAN message`, inBatchMs: BATCH_MS, output: 'message' },
  { key: 'batch', label: `can-in batches (${BATCH_MS} ms) -> dbc-decode per input batch`, inBatchMs: BATCH_MS, output: 'batch' },
  { key: 'noDecode', label: `can-in batches (${BATCH_MS} ms) -> sink, no decode (ceiling)`, inBatchMs: BATCH_MS },
];
const ONLY = (process.env.BENCH_ONLY ?? '')
  .split(',')
  .map((k) => k.trim())
  .filter(Boolean);
const CONFIGS = ONLY.length ? ALL_CONFIGS.filter((c) => ONLY.includes(c.key)) : ALL_CONFIGS;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function writeLog(file: string): { frames: number; signalsPerPass: number; refFrames: number } {
  const ref = readReferenceFrames(DBC).filter((f) => f.data.length <= 16);
  const lines: string[] = [];
  let us = 1700000000_000000;
  for (let k = 0; k < FRAMES; k++) {
    const f = ref[k % ref.length];
    us += 100;
    const id = f.id
      .toString(16)
      .toUpperCase()
      .padStart(f.extended ? 8 : 3, '0');
    lines.push(`(${(us / 1e6).toFixed(6)}) can0 ${id}#${f.data.toUpperCase()}`);
  }
  writeFileSync(file, lines.join('\n') + '\n');
  let signals = 0;
  for (let k = 0; k < FRAMES; k++) signals += Object.keys(ref[k % ref.length].signals).length;
  return { frames: FRAMES, signalsPerPass: signals, refFrames: ref.length };
}

/** A nodes dir that loads our node types from source (and the sink), the way settings.nodesDir loads any node file. */
function writeNodesDir(dir: string): void {
  writeNodeShims(dir, repoRoot, ['can-interface', 'can-in', 'dbc-decode']);
  writeFileSync(join(dir, 'bench-sink.js'), SINK_JS);
  writeFileSync(join(dir, 'bench-sink.html'), '<script type="text/javascript">RED.nodes.registerType("bench-sink",{category:"function",defaults:{expect:{value:0}},inputs:1,outputs:0});</script>');
}

function flowFor(c: Config, log: string, dbc: string, expect: number): unknown[] {
  const flow: Array<Record<string, unknown>> = [
    { id: 'benchTab', type: 'tab', label: 'can pipeline bench' },
    { id: 'benchBus', type: 'edgegw-can-interface', name: 'replay', kind: 'replay', file: log, pace: 'fast', loop: false, replayTimestamps: 'recorded' },
    { id: 'benchIn', z: 'benchTab', type: 'edgegw-can-in', interface: 'benchBus', filters: '', batchMs: c.inBatchMs, wires: [[c.output ? 'benchDec' : 'benchSink']] },
    { id: 'benchSink', z: 'benchTab', type: 'bench-sink', expect, wires: [] },
  ];
  if (c.output) {
    flow.push({
      id: 'benchDec',
      z: 'benchTab',
      type: 'edgegw-dbc-decode',
      dbcSource: 'file',
      dbcFile: dbc,
      output: c.output,
      labels: false,
      device: '',
      unknown: 'drop',
      outputs: 1,
      wires: [['benchSink']],
    });
  }
  return flow;
}

interface RunResult {
  seconds: number;
  report?: SinkReport;
}

async function main(): Promise<void> {
  const missing = fixturesMissing();
  if (missing) {
    console.log(`can-pipeline benchmark skipped: ${missing}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'edgegw-canbench-'));
  const RED = require('node-red');
  const server = createServer();
  try {
    const log = join(dir, 'vw.log');
    const { frames, signalsPerPass, refFrames } = writeLog(log);
    const nodesDir = join(dir, 'nodes');
    writeNodesDir(nodesDir);
    const userDir = join(dir, 'user');
    mkdirSync(userDir);
    RED.init(server, benchNodeRedSettings(userDir, nodesDir, { httpAdminRoot: '/admin' }));
    await RED.start();
    const dbc = dbcPath('opendbc', DBC);

    const run = async (c: Config): Promise<RunResult> => {
      let t0 = 0;
      let timer: NodeJS.Timeout | undefined;
      const done = new Promise<SinkReport | undefined>((resolve) => {
        (globalThis as unknown as Record<symbol, SinkHook>)[SINK_KEY] = resolve;
        timer = setTimeout(() => resolve(undefined), RUN_TIMEOUT_MS);
      });
      RED.events.once('flows:started', () => {
        t0 = performance.now();
      });
      await RED.nodes.setFlows(flowFor(c, log, dbc, frames), 'full');
      const report = await done;
      clearTimeout(timer);
      const seconds = ((report?.at ?? performance.now()) - t0) / 1000;
      await RED.nodes.setFlows([], 'full');
      await new Promise((r) => setTimeout(r, 200));
      (globalThis as { gc?: () => void }).gc?.();
      return { seconds, report };
    };

    // one untimed pass of each, for the JIT and the file cache
    for (const c of CONFIGS) await run(c);
    const results: Record<string, RunResult[]> = {};
    for (const c of CONFIGS) results[c.key] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of CONFIGS) results[c.key].push(await run(c));
    }

    const rate = (key: string, what: 'frames' | 'signals') => {
      const ok = results[key].filter((r) => r.report);
      return ok.length ? median(ok.map((r) => r.report![what] / r.seconds)) : NaN;
    };
    const baseline = results.perMessage ? rate('perMessage', 'frames') : NaN;
    console.log(
      `CAN pipeline through Node-RED ${RED.version()}: replay (fast) -> can-in -> dbc-decode -> sink, ${fmt(frames)} frames of ${DBC} (${refFrames} reference frames repeated, ${fmt(signalsPerPass / frames, 1)} signals/frame), ${ROUNDS} rounds, medians (Node ${process.version})`,
    );
    console.log('');
    console.log('| pipeline | frames/s | signals/s | messages at the sink | vs per-message |');
    console.log('|---|---:|---:|---:|---:|');
    for (const c of CONFIGS) {
      const done = results[c.key].filter((r) => r.report);
      if (done.length === 0) {
        console.log(`| ${c.label} | timed out | | | |`);
        continue;
      }
      const f = rate(c.key, 'frames');
      const s = rate(c.key, 'signals');
      const msgs = done[done.length - 1].report!.messages;
      const note = done.length < results[c.key].length ? ` (${results[c.key].length - done.length} runs timed out)` : '';
      console.log(`| ${c.label}${note} | ${fmt(f)} | ${c.output ? fmt(s) : '-'} | ${fmt(msgs)} | ${fmt(f / baseline, 2)}x |`);
    }
    const perMessage = results.perMessage?.find((r) => r.report)?.report;
    const batch = results.batch?.find((r) => r.report)?.report;
    console.log('');
    console.log(
      `same work: ${fmt(signalsPerPass)} signals expected per pass; per-message delivered ${perMessage ? fmt(perMessage.signals) : '?'}, batch delivered ${batch ? fmt(batch.signals) : '?'}`,
    );
  } finally {
    await RED.stop().catch(() => undefined);
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
