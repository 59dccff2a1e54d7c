// DBC decode throughput over the reference frames of the opendbc files (test/fixtures/dbc/expected),
// classic frames (<= 8 bytes) only so that candied can take every one of them, side by side in
// one run on one core:
//   1. our DbcCodec (generated decoder per message);
//   2. our DbcCodec with { compile: false } (the same plan walked, no code generation);
//   3. candied 2.2.0 (npm), the baseline.
// The three alternate in short rounds so machine noise hits them alike; medians are reported.
// Frames are prepared outside the timed loops (Buffers for us, candied frames for candied, with
// candied's own createFrame). candied keys messages by the id as the DBC file writes it (bit 31
// set for extended frames), so it is asked with that id.
// Also reported: the share of each decoder's signal values that match the reference.
// Run: node --expose-gc --import tsx bench/can-decode.bench.ts   (never fails on a number)
import { readFileSync } from 'node:fs';
import { DbcCodec } from '../lib/can/codec';
import { parseDbc } from '../lib/can/dbc';
import { corpusOf, fixturePath, fixturesMissing, readReferenceFrames, readSummary, sameValue, type ReferenceFrame } from '../test/helpers/can-fixtures';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 700);

interface CandiedSignal {
  value: number;
}
interface CandiedFrame {
  id: number;
}
interface CandiedCan {
  database: unknown;
  createFrame(id: number, payload: number[], isExtended?: boolean): CandiedFrame;
  decode(frame: CandiedFrame): { boundSignals: Map<string, CandiedSignal> } | undefined;
}
interface Candied {
  Dbc: new () => { load(text: string): unknown };
  Can: new () => CandiedCan;
}

interface FileSet {
  file: string;
  codec: DbcCodec;
  interpreted: DbcCodec;
  can?: CandiedCan;
  frames: ReferenceFrame[];
  buffers: Buffer[];
  candiedFrames: CandiedFrame[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function load(candied: Candied): { sets: FileSet[]; candiedRefused: string[] } {
  const sets: FileSet[] = [];
  const candiedRefused: string[] = [];
  for (const row of readSummary()) {
    if (row.status !== 'ok' || corpusOf(row.file) !== 'opendbc') continue;
    const bytes = readFileSync(fixturePath(row.file));
    const { db } = parseDbc(bytes, { filename: row.file });
    const frames = readReferenceFrames(row.file).filter((f) => f.data.length > 0 && f.data.length <= 16);
    if (frames.length === 0) continue;
    let can: CandiedCan | undefined;
    try {
      const text = bytes.toString('utf8');
      const data = new candied.Dbc().load(text);
      can = new candied.Can();
      can.database = data;
    } catch (err) {
      candiedRefused.push(`${row.file} (${(err as Error).message.split('\n')[0].slice(0, 60)})`);
    }
    sets.push({
      file: row.file,
      codec: new DbcCodec(db),
      interpreted: new DbcCodec(db, { compile: false }),
      can,
      frames,
      buffers: frames.map((f) => Buffer.from(f.data, 'hex')),
      candiedFrames: can ? frames.map((f) => can.createFrame(f.extended ? f.id + 0x80000000 : f.id, [...Buffer.from(f.data, 'hex')], f.extended)) : [],
    });
  }
  return { sets, candiedRefused };
}

/** One timed pass over every frame; returns the number of frames decoded. */
type Pass = () => number;

function timeRounds(passes: Record<string, Pass>): Record<string, number[]> {
  const rates: Record<string, number[]> = {};
  for (const name of Object.keys(passes)) rates[name] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, pass] of Object.entries(passes)) {
      (globalThis as { gc?: () => void }).gc?.();
      let frames = 0;
      const start = process.hrtime.bigint();
      let elapsed = 0;
      do {
        frames += pass();
        elapsed = Number(process.hrtime.bigint() - start) / 1e9;
      } while (elapsed * 1000 < ROUND_MS);
      rates[name].push(frames / elapsed);
    }
  }
  return rates;
}

function main(): void {
  const missing = fixturesMissing();
  if (missing) {
    console.log(`can-decode benchmark skipped: ${missing}`);
    return;
  }
  const candied = require('candied') as Candied;
  const { sets: allSets, candiedRefused } = load(candied);
  // The same frames for everyone: files candied can load.
  const sets = allSets.filter((s) => s.can);
  const frameCount = sets.reduce((n, s) => n + s.frames.length, 0);

  let sink: unknown;
  const ours: Pass = () => {
    let n = 0;
    for (const s of sets) {
      const { codec, frames, buffers } = s;
      for (let i = 0; i < frames.length; i++) {
        sink = codec.decode(frames[i].id, frames[i].extended, buffers[i]);
        n++;
      }
    }
    return n;
  };
  const interpreted: Pass = () => {
    let n = 0;
    for (const s of sets) {
      const { interpreted: codec, frames, buffers } = s;
      for (let i = 0; i < frames.length; i++) {
        sink = codec.decode(frames[i].id, frames[i].extended, buffers[i]);
        n++;
      }
    }
    return n;
  };
  const baseline: Pass = () => {
    let n = 0;
    for (const s of sets) {
      const can = s.can!;
      for (const f of s.candiedFrames) {
        sink = can.decode(f);
        n++;
      }
    }
    return n;
  };

  // Signals per pass and agreement with the reference, outside the timed loops.
  let oursSignals = 0;
  let candiedSignals = 0;
  let refValues = 0;
  let oursMatch = 0;
  let candiedMatch = 0;
  for (const s of sets) {
    s.frames.forEach((f, i) => {
      const o = s.codec.decode(f.id, f.extended, s.buffers[i])?.signals ?? {};
      const c = s.can!.decode(s.candiedFrames[i])?.boundSignals;
      oursSignals += Object.keys(o).length;
      candiedSignals += c?.size ?? 0;
      for (const [name, ref] of Object.entries(f.signals)) {
        refValues++;
        if (name in o && sameValue(o[name], ref)) oursMatch++;
        const cv = c?.get(name);
        if (cv !== undefined && typeof cv.value === 'number' && sameValue(cv.value, ref)) candiedMatch++;
      }
    });
  }

  for (let i = 0; i < 3; i++) {
    ours();
    interpreted();
    baseline();
  }
  const rates = timeRounds({ ours, interpreted, baseline });
  void sink;
  const oursRate = median(rates.ours);
  const interpretedRate = median(rates.interpreted);
  const candiedRate = median(rates.baseline);
  const perFrame = (signals: number) => signals / frameCount;

  console.log(`DBC decode, ${sets.length} opendbc files, ${fmt(frameCount)} reference frames (classic, <= 8 bytes), ${ROUNDS} rounds of ${ROUND_MS} ms, medians, one core (Node ${process.version})`);
  if (candiedRefused.length) console.log(`candied could not load: ${candiedRefused.join(', ')} (left out for both)`);
  console.log('');
  console.log('| decoder | frames/s | signals/s | vs candied | values matching the reference |');
  console.log('|---|---:|---:|---:|---:|');
  const row = (name: string, rate: number, signalsPerFrame: number, match: number) =>
    console.log(`| ${name} | ${fmt(rate)} | ${fmt(rate * signalsPerFrame)} | ${fmt(rate / candiedRate, 1)}x | ${fmt((100 * match) / refValues, 2)}% |`);
  row('edge-gateway DbcCodec (generated)', oursRate, perFrame(oursSignals), oursMatch);
  row('edge-gateway DbcCodec (compile: false)', interpretedRate, perFrame(oursSignals), oursMatch);
  row('candied 2.2.0', candiedRate, perFrame(candiedSignals), candiedMatch);
  console.log('');
  console.log(`targets: >= 1,000,000 frames/s (${oursRate >= 1e6 ? 'met' : 'NOT met'}), >= 10x candied (${oursRate / candiedRate >= 10 ? 'met' : 'NOT met'}); ${fmt(refValues)} reference values`);
}

main();
