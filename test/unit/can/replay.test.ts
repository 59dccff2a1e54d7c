// ReplaySource: candump logs played fast or at the recorded pace, from files written by the test.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplaySource, ReplayLineError, type ReplayOptions } from '../../../lib/can/sources';
import { formatCandumpLine } from '../../../lib/can/candump';
import type { CanFrame } from '../../../lib/can/frame';
import { waitFor } from '../../helpers/process';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'edgegw-replay-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function writeLog(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

function frameLine(i: number, ts: number): string {
  const f: CanFrame = { id: 0x100 + (i % 0x600), extended: i % 7 === 0, fd: false, data: Buffer.from([i & 0xff, (i >> 8) & 0xff, 0xaa]), ts, iface: 'vcan0' };
  if (f.extended) f.id = 0x18000000 + i;
  return formatCandumpLine(f);
}

function collect(source: ReplaySource) {
  const frames: CanFrame[] = [];
  const errors: Error[] = [];
  source.on('frame', (f) => frames.push(f));
  source.on('error', (e) => errors.push(e));
  return { frames, errors, ended: new Promise<void>((r) => source.once('end', () => r())) };
}

async function play(opts: ReplayOptions) {
  const source = new ReplaySource(opts);
  const c = collect(source);
  await source.open();
  await c.ended;
  await source.close();
  return { source, ...c };
}

describe('ReplaySource', () => {
  test('plays a multi-thousand-frame log fast, reporting malformed lines by number', async () => {
    const lines: string[] = [];
    const badLines: number[] = [];
    for (let i = 0; i < 5000; i++) {
      if (i % 1000 === 500) {
        lines.push(`(1000.${i}) vcan0 12#XYZ`);
        badLines.push(lines.length);
      }
      if (i % 1500 === 0) lines.push('');
      lines.push(frameLine(i, 1000 + i / 1000));
    }
    const file = writeLog('big.log', lines);
    const { source, frames, errors } = await play({ file, pace: 'fast' });
    assert.equal(frames.length, 5000);
    assert.equal(source.stats.frames, 5000);
    assert.deepEqual(
      frames.slice(0, 3).map((f) => f.id),
      [0x18000000, 0x101, 0x102],
    );
    assert.equal(frames[1].data.toString('hex'), '0100aa');
    assert.equal(frames[4999].ts, 1000 + 4999 / 1000, 'recorded timestamps are kept');
    assert.equal(errors.length, badLines.length);
    assert.deepEqual(
      errors.map((e) => (e as ReplayLineError).line),
      badLines,
    );
    for (const e of errors) {
      assert.ok(e instanceof ReplayLineError);
      assert.match(e.message, new RegExp(`big\\.log: candump line ${e.line}, column \\d+: id "12"`));
    }
    assert.equal(source.stats.errors, badLines.length);
  });

  test('yields to the event loop while playing fast', async () => {
    const lines = Array.from({ length: 20000 }, (_, i) => frameLine(i, 1 + i / 1e4));
    const file = writeLog('yield.log', lines);
    const source = new ReplaySource({ file, pace: 'fast', chunkFrames: 500 });
    const c = collect(source);
    let ticks = 0;
    let ticking = true;
    const tick = () => {
      ticks++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    await source.open();
    await c.ended;
    ticking = false;
    await source.close();
    assert.equal(c.frames.length, 20000);
    // every 500 frames the player waits for a setImmediate turn, so the ticker ran between chunks
    assert.ok(ticks >= 20000 / 500 - 1, `event loop turns during playback: ${ticks}`);
  });

  test('realtime pace keeps the recorded gaps (scaled by speed)', async () => {
    const file = writeLog(
      'paced.log',
      [0, 0.1, 0.15, 0.3].map((t, i) => frameLine(i + 1, 5000 + t)),
    );
    for (const speed of [1, 3]) {
      const arrivals: number[] = [];
      const source = new ReplaySource({ file, pace: 'realtime', speed });
      source.on('frame', () => arrivals.push(performance.now()));
      const ended = new Promise<void>((r) => source.once('end', () => r()));
      await source.open();
      await ended;
      await source.close();
      assert.equal(arrivals.length, 4);
      // Measured from the first frame, the schedule's own origin: never early, by any margin.
      // No upper bound: a loaded machine may deliver any frame late, and that is not a fault.
      const gaps = [0.1, 0.15, 0.3].map((t) => (t * 1000) / speed);
      gaps.forEach((g, i) => assert.ok(arrivals[i + 1] - arrivals[0] >= g, `frame ${i + 2} at ${arrivals[i + 1] - arrivals[0]} ms after frame 1, recorded ${g} ms`));
    }
  });

  test('loops until closed; an empty file ends instead of spinning', async () => {
    const file = writeLog('loop.log', [frameLine(1, 1), frameLine(2, 2), 'garbage line']);
    const source = new ReplaySource({ file, pace: 'fast', loop: true });
    const c = collect(source);
    await source.open();
    await waitFor('3 passes', () => source.passes >= 3);
    await source.close();
    const n = c.frames.length;
    assert.ok(n >= 6, `frames over 3 passes: ${n}`);
    assert.ok(c.errors.length >= 3, 'the bad line is reported on every pass');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(c.frames.length, n, 'no frames after close()');
    assert.equal(source.state, 'closed');

    const empty = writeLog('empty.log', ['', '# nothing here']);
    const r = await play({ file: empty, pace: 'fast', loop: true });
    assert.equal(r.frames.length, 0);
    assert.equal(r.source.passes, 1);
  });

  test('a missing file is a clear failure', async () => {
    const source = new ReplaySource({ file: join(dir, 'nope.log'), pace: 'fast' });
    const errors: Error[] = [];
    source.on('error', (e) => errors.push(e));
    await assert.rejects(source.open(), /replay .*nope\.log: cannot read the candump log: file not found/);
    assert.equal(source.state, 'failed');
    assert.match(source.stats.detail ?? '', /file not found/);
    assert.deepEqual(source.stats.problem, { code: 'fileNotFound' });
    assert.equal(errors.length, 1);
    await source.close();
  });

  test('replay timestamps, interface override and loopback sends', async () => {
    const file = writeLog('stamp.log', [frameLine(3, 12.5)]);
    const before = Date.now() / 1000;
    const { frames } = await play({ file, pace: 'fast', timestamps: 'replay', iface: 'bench0' });
    assert.equal(frames.length, 1);
    assert.ok(frames[0].ts! >= before - 0.001 && frames[0].ts! <= Date.now() / 1000 + 0.001);
    assert.equal(frames[0].iface, 'bench0');

    const live = new ReplaySource({ file, pace: 'realtime', loop: true });
    const c = collect(live);
    await live.open();
    await live.send({ id: 0x42, extended: false, fd: false, data: Buffer.from([4, 2]) });
    assert.ok(c.frames.some((f) => f.id === 0x42 && f.data.equals(Buffer.from([4, 2]))));
    assert.equal(live.stats.sent, 1);
    await live.close();
    await assert.rejects(live.send({ id: 1, extended: false, fd: false, data: Buffer.alloc(0) }), /cannot send: the replay is closed/);
  });

  test('error frames in a log count as errors and bus-off, not as frames', async () => {
    const file = writeLog('errors.log', [
      '(1.0) can0 123#01',
      '(1.1) can0 20000040#0000000000000000',
      '(1.2) can0 20000004#0010000000000000',
      '(1.3) can0 20000100#0000000000000000',
      '(1.4) can0 124#02',
    ]);
    const source = new ReplaySource({ file, pace: 'fast' });
    const c = collect(source);
    const busErrors: string[] = [];
    const states: string[] = [];
    const problems: unknown[] = [];
    source.on('busError', (info) => busErrors.push(info.text));
    source.on('state', (s) => {
      states.push(s);
      problems.push(source.stats.problem?.code);
    });
    await source.open();
    await c.ended;
    await source.close();
    assert.deepEqual(
      c.frames.map((f) => f.id),
      [0x123, 0x124],
    );
    assert.deepEqual(busErrors, ['bus off', 'controller problem (RX error passive)', 'controller restarted']);
    assert.equal(source.stats.busOff, 1);
    assert.equal(source.stats.errors, 3);
    assert.deepEqual(states, ['opening', 'open', 'bus-off', 'open', 'ended', 'closed']);
    assert.deepEqual(problems, [undefined, undefined, 'busOff', undefined, undefined, undefined]);
  });

  test('bad options are refused at construction', () => {
    assert.throws(() => new ReplaySource({ file: '' }), /no candump log file/);
    assert.throws(() => new ReplaySource({ file: 'x', speed: 0 }), /speed 0 must be a number above 0/);
  });
});
