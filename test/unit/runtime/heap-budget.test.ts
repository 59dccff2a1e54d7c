// The runtime's V8 heap settings (runtime/heap-budget.ts): the young generation kept at its
// initial size, the old generation's growth held to 50% and V8 optimizing for size, each seen in
// a child Node process allocating briskly, with and without it; and the user's own choice winning.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { HEAP_GROWING_PERCENT, HeapGovernor, heapDecision, limitOldGenerationGrowth, limitYoungGeneration, mayOptimizeForSize, ownOldGenerationGrowth } from '../../../runtime/heap-budget';

const repo = join(__dirname, '..', '..', '..');
const MB = 1024 * 1024;

/** Runs a child that (optionally) limits, then allocates short- and some long-lived objects. */
function youngAfterAllocating(limit: boolean, nodeFlags: string[] = []): { limited: boolean; youngBytes: number } {
  const script = `
    const { limitYoungGeneration, youngGenerationBytes } = require(${JSON.stringify(join(repo, 'runtime', 'heap-budget.ts'))});
    const choice = ${limit} ? limitYoungGeneration() : { limited: false };
    const kept = [];
    for (let round = 0; round < 300; round++) {
      const batch = [];
      for (let i = 0; i < 20000; i++) batch.push({ i, text: 'tag' + i });
      if (round % 30 === 0) kept.push(batch.slice(0, 1000));
    }
    console.log(JSON.stringify({ limited: choice.limited, youngBytes: youngGenerationBytes(), kept: kept.length }));`;
  const r = spawnSync(process.execPath, [...nodeFlags, '--import', 'tsx', '-e', script], { cwd: repo, encoding: 'utf8', timeout: 120000, env: { ...process.env, NODE_OPTIONS: '' } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim()) as { limited: boolean; youngBytes: number };
}

describe('young generation', () => {
  test('limited, it stays at its initial size under brisk allocation; V8 left alone grows it', () => {
    const limited = youngAfterAllocating(true);
    assert.equal(limited.limited, true);
    assert.ok(limited.youngBytes <= 4 * MB, `young generation ${limited.youngBytes / MB} MB`);
    const free = youngAfterAllocating(false);
    assert.ok(free.youngBytes > limited.youngBytes, `V8's default grows it: ${free.youngBytes / MB} MB vs ${limited.youngBytes / MB} MB`);
  });

  test("the user's own sizing (node flags or NODE_OPTIONS) is left alone, and said so", () => {
    assert.deepEqual(limitYoungGeneration(['--max-semi-space-size=8'], {}), { limited: false, reason: 'sized by the user (--max-semi-space-size)' });
    assert.deepEqual(limitYoungGeneration([], { NODE_OPTIONS: '--enable-source-maps --semi-space-growth-factor=2' }), {
      limited: false,
      reason: 'sized by the user (--semi-space-growth-factor)',
    });
    const sized = youngAfterAllocating(true, ['--max-semi-space-size=16']);
    assert.equal(sized.limited, false);
  });
});

/**
 * Runs a child that (optionally) holds the old generation's growth, then allocates objects that
 * live long enough to reach the old generation; returns the growth factors V8 applied to its old
 * generation limit after each full collection (--trace-gc-verbose says them).
 */
function oldGenerationFactors(limit: boolean, nodeFlags: string[] = []): { percent?: number; factors: number[] } {
  const script = `
    const { limitOldGenerationGrowth } = require(${JSON.stringify(join(repo, 'runtime', 'heap-budget.ts'))});
    const choice = ${limit} ? limitOldGenerationGrowth() : {};
    const recent = [];
    for (let round = 0; round < 3000; round++) {
      // a scan's worth of samples, kept for the next 50 rounds (the queue's window), then garbage
      recent.push(Array.from({ length: 1000 }, (_, k) => ({ name: 'tag' + k, value: round * k, quality: 'good' })));
      if (recent.length > 50) recent.shift();
    }
    console.log('choice ' + JSON.stringify(choice));`;
  const r = spawnSync(process.execPath, [...nodeFlags, '--trace-gc-verbose', '--import', 'tsx', '-e', script], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 180000,
    maxBuffer: 64 * MB,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  assert.equal(r.status, 0, r.stderr);
  const choice = JSON.parse(/^choice (.*)$/m.exec(r.stdout)![1]) as { percent?: number };
  // "[HeapController] Limit: old size: 2797 KB, new limit: 27097 KB (1.5)"
  const factors = [...r.stdout.matchAll(/\[HeapController\] Limit: .*\(([\d.]+)\)$/gm)].map((m) => Number(m[1]));
  return { percent: choice.percent, factors };
}

describe('old generation growth', () => {
  test('held, every limit V8 sets is 50% over what survived; V8 left alone uses its own factor (up to 4x)', () => {
    const held = oldGenerationFactors(true);
    assert.equal(held.percent, HEAP_GROWING_PERCENT);
    assert.ok(held.factors.length > 0, 'no full collection traced');
    assert.deepEqual(new Set(held.factors), new Set([1 + HEAP_GROWING_PERCENT / 100]));
    const free = oldGenerationFactors(false);
    assert.ok(free.factors.length > 0, 'no full collection traced');
    assert.ok(
      free.factors.some((f) => f !== 1 + HEAP_GROWING_PERCENT / 100),
      `V8's own factors: ${free.factors.join(', ')}`,
    );
  });

  test("the user's own growth (node flags or NODE_OPTIONS) is left alone, and said so", () => {
    assert.deepEqual(limitOldGenerationGrowth(['--heap-growing-percent=0'], {}), { reason: 'chosen by the user (--heap-growing-percent)' });
    assert.deepEqual(limitOldGenerationGrowth([], { NODE_OPTIONS: '--heap-growing-percent=20' }), { reason: 'chosen by the user (--heap-growing-percent)' });
    const own = oldGenerationFactors(true, ['--heap-growing-percent=20']);
    assert.equal(own.percent, undefined);
    assert.deepEqual(new Set(own.factors), new Set([1.2]));
  });
});

/**
 * Runs a child whose heap governor (young and old generation left alone) turns quiet at its first
 * window and, with `size`, has V8 optimize for size; then it allocates as oldGenerationFactors()
 * does. Returns the growth factors V8 applied after each full collection.
 */
function factorsOnceQuiet(size: boolean, nodeFlags: string[] = []): number[] {
  const script = `
    const { HeapGovernor } = require(${JSON.stringify(join(repo, 'runtime', 'heap-budget.ts'))});
    const g = new HeapGovernor({ young: false, old: false, size: ${size}, windowMs: 50, idleWindows: 1 });
    setTimeout(() => {
      g.stop();
      if (g.busy !== false) throw new Error('not quiet: ' + g.busy);
      const recent = [];
      for (let round = 0; round < 3000; round++) {
        recent.push(Array.from({ length: 1000 }, (_, k) => ({ name: 'tag' + k, value: round * k, quality: 'good' })));
        if (recent.length > 50) recent.shift();
      }
    }, 300);`;
  const r = spawnSync(process.execPath, [...nodeFlags, '--trace-gc-verbose', '--import', 'tsx', '-e', script], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 180000,
    maxBuffer: 64 * MB,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  assert.equal(r.status, 0, r.stderr);
  return [...r.stdout.matchAll(/\[HeapController\] Limit: .*\(([\d.]+)\)$/gm)].map((m) => Number(m[1]));
}

describe('optimize for size', () => {
  test('once the governor is quiet, V8 lets the old generation grow at most 2x after a full collection; V8 left alone grows it more', () => {
    const small = factorsOnceQuiet(true);
    assert.ok(small.length > 0, 'no full collection traced');
    assert.ok(
      small.every((f) => f <= 2),
      `factors for size: ${small.join(', ')}`,
    );
    const free = factorsOnceQuiet(false);
    assert.ok(free.length > 0, 'no full collection traced');
    assert.ok(
      free.some((f) => f > 2),
      `V8's own factors: ${free.join(', ')}`,
    );
  });

  test('allowed unless the user chose size or speed (node flags or NODE_OPTIONS), and said so', () => {
    assert.deepEqual(mayOptimizeForSize([], {}), { forSize: true });
    assert.deepEqual(mayOptimizeForSize(['--max-old-space-size=200'], { NODE_OPTIONS: '--enable-source-maps' }), { forSize: true });
    assert.deepEqual(mayOptimizeForSize(['--optimize-for-size'], {}), { forSize: false, reason: 'chosen by the user (--optimize-for-size)' });
    assert.deepEqual(mayOptimizeForSize([], { NODE_OPTIONS: '--no-optimize-for-size' }), { forSize: false, reason: 'chosen by the user (--no-optimize-for-size)' });
    assert.deepEqual(mayOptimizeForSize(['--optimize_for_size'], {}), { forSize: false, reason: 'chosen by the user (--optimize_for_size)' });
  });
});

describe('heap governor', () => {
  const o = { busyMBps: 32, idleMBps: 8, windowMs: 5000, idleWindows: 6 };

  test('busy from the busy rate on, quiet only after a run of quiet windows; not known at first', () => {
    assert.equal(heapDecision(undefined, 3, 5, o), undefined, 'not known yet, not quiet long enough');
    assert.equal(heapDecision(undefined, 3, 6, o), 'quiet');
    assert.equal(heapDecision(undefined, 40, 0, o), 'busy');
    assert.equal(heapDecision(false, 3, 10, o), undefined);
    assert.equal(heapDecision(false, 31.9, 0, o), undefined);
    assert.equal(heapDecision(false, 32, 0, o), 'busy');
    assert.equal(heapDecision(true, 100, 0, o), undefined);
    assert.equal(heapDecision(true, 20, 0, o), undefined, 'between the two rates: as it is');
    assert.equal(heapDecision(true, 2, 5, o), undefined, 'quiet, but not long enough');
    assert.equal(heapDecision(true, 2, 6, o), 'quiet');
  });

  test('busy: young generation free, old one by 50%, for speed; quiet: held, as V8 likes, for size; only what it was given', () => {
    const flags: string[] = [];
    // busy from any rate (0 MB/s is at least 0), quiet after one window under 1 MB/s: they alternate
    const g = new HeapGovernor({ busyMBps: 0, idleMBps: 1, idleWindows: 1, windowMs: 3_600_000, size: true, setFlags: (f) => flags.push(f) });
    try {
      g.tick();
      assert.equal(g.busy, true);
      assert.deepEqual(flags.splice(0), ['--semi-space-growth-factor=2', `--heap-growing-percent=${HEAP_GROWING_PERCENT}`, '--no-optimize-for-size']);
      g.tick();
      assert.equal(g.busy, false);
      assert.deepEqual(flags.splice(0), ['--semi-space-growth-factor=1', '--heap-growing-percent=0', '--optimize-for-size']);
    } finally {
      g.stop();
    }
    const userChose = new HeapGovernor({ busyMBps: 0, idleMBps: 1, idleWindows: 1, windowMs: 3_600_000, young: false, old: false, setFlags: (f) => flags.push(f) });
    try {
      userChose.tick();
      userChose.tick();
      assert.deepEqual(flags, [], 'the user chose all three (size not given: off)');
    } finally {
      userChose.stop();
    }
  });

  test("the user's own old-generation growth is found in node flags or NODE_OPTIONS", () => {
    assert.equal(ownOldGenerationGrowth(['--heap-growing-percent=0'], {}), '--heap-growing-percent');
    assert.equal(ownOldGenerationGrowth([], { NODE_OPTIONS: '--heap-growing-percent=20' }), '--heap-growing-percent');
    assert.equal(ownOldGenerationGrowth(['--max-old-space-size=200'], { NODE_OPTIONS: '' }), undefined);
  });

  test('in a process: held while quiet, grows under brisk allocation, held again when quiet', () => {
    const script = `
      const { limitYoungGeneration, youngGenerationBytes, HeapGovernor } = require(${JSON.stringify(join(repo, 'runtime', 'heap-budget.ts'))});
      const changes = [];
      let phase = 'start';
      limitYoungGeneration();
      const g = new HeapGovernor({ windowMs: 200, idleWindows: 3, onChange: (busy) => changes.push({ busy, phase }) });
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      (async () => {
        await sleep(1000);
        const quiet = { growing: g.busy, young: youngGenerationBytes() };
        // brisk: about a scan of samples per turn of the event loop, some kept a while
        const recent = [];
        phase = 'brisk';
        const until = Date.now() + 3000;
        while (Date.now() < until) {
          for (let n = 0; n < 20; n++) {
            recent.push(Array.from({ length: 1000 }, (_, k) => ({ name: 'tag' + k, value: n * k, quality: 'good' })));
            if (recent.length > 30) recent.shift();
          }
          await new Promise((r) => setImmediate(r));
        }
        const busy = { growing: g.busy, young: youngGenerationBytes(), mbps: g.lastMBps };
        recent.length = 0;
        phase = 'after';
        await sleep(1500);
        g.stop();
        console.log(JSON.stringify({ quiet, busy, after: { growing: g.busy }, changes }));
      })();`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: repo, encoding: 'utf8', timeout: 120000, env: { ...process.env, NODE_OPTIONS: '' } });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim()) as {
      quiet: { growing: boolean; young: number };
      busy: { growing: boolean; young: number; mbps: number };
      after: { growing: boolean };
      changes: Array<{ busy: boolean; phase: string }>;
    };
    assert.equal(out.quiet.growing, false, 'quiet at first');
    assert.ok(out.quiet.young <= 4 * MB, `quiet: young generation ${out.quiet.young / MB} MB`);
    assert.equal(out.after.growing, false);
    // Held from the start; busy under the brisk allocation, quiet after it. A loaded machine may
    // stall this process for whole windows, and the governor then rightly sees no allocation: it
    // may go quiet and busy again during the brisk phase, and be quiet already when it ends. What
    // holds on any machine: it turns busy during the brisk phase, its changes alternate, and it
    // ends quiet once the allocation stops.
    const inPhase = (phase: string) => out.changes.filter((c) => c.phase === phase).map((c) => c.busy);
    assert.deepEqual(inPhase('start'), [false]);
    const brisk = inPhase('brisk');
    assert.ok(brisk.length >= 1 && brisk.every((b, i) => b === (i % 2 === 0)), `brisk: ${JSON.stringify(brisk)} (last window ${out.busy.mbps} MB/s)`);
    const endedBusy = brisk.length % 2 === 1;
    assert.equal(out.busy.growing, endedBusy);
    if (endedBusy) assert.ok(out.busy.young > out.quiet.young, `busy: young generation ${out.busy.young / MB} MB`);
    assert.deepEqual(inPhase('after'), endedBusy ? [false] : []);
  });
});
