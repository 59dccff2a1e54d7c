// What a stats node's checkpoint costs (every 5 s it persists its open windows), at 10,000 tags
// (100 devices of 100 tags at 1 s): the default flows' two stats nodes, the 1-minute figures in
// memory and the hourly report's windows (exact percentiles) in SQLite, with windows 30 s and
// 30 min old. Side by side in the same process, over the same windows, alternating in rounds:
//   whole    every open window serialised, all rows replaced (store.save(set.snapshot()), as
//            checkpoints did before);
//   changes  the windows changed since the last checkpoint, the exact percentile values of each
//            from the chunk still filling (store.saveChanges(set.changes())), as checkpoints do.
// CPU time of the process (the SQLite work runs on the thread pool: counted too), per checkpoint.
// Run: npm run bench -- stats-checkpoint   (never fails on a number)
// Env: BENCH_TAGS (10000), BENCH_ROUNDS (6).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryWindowStore, SqliteWindowStore } from '../lib/stats/window-store';
import { WindowSet, type WindowConfig } from '../lib/stats/windows';
import type { WindowStore } from '../lib/stats/session';

const TAGS = Number(process.env.BENCH_TAGS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const CHECKPOINT_S = 5;
const T0 = Date.UTC(2026, 11, 1, 9, 0);
const names = Array.from({ length: TAGS }, (_, i) => `t${i % 100}`);
const devices = Array.from({ length: TAGS }, (_, i) => `dev${Math.floor(i / 100)}`);

function feed(set: WindowSet, fromS: number, seconds: number): void {
  for (let s = fromS; s < fromS + seconds; s++) {
    const ts = T0 + s * 1000;
    for (let i = 0; i < TAGS; i++) set.add(devices[i], names[i], Math.round(((s * 7 + i) % 1000) * 1.7) / 10, ts, 'good');
  }
}

async function cpuMs(fn: () => Promise<void>): Promise<number> {
  const before = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(label: string, config: WindowConfig, ageS: number, open: (variant: string) => WindowStore): Promise<void> {
  const set = new WindowSet(config);
  feed(set, 0, ageS);
  const whole = open('whole');
  const changes = open('changes');
  await whole.save(set.snapshot(), []);
  await changes.saveChanges(set.changes(true), [], true);
  const times = { whole: [] as number[], changes: [] as number[] };
  let at = ageS;
  for (let r = 0; r < ROUNDS; r++) {
    feed(set, at, CHECKPOINT_S);
    at += CHECKPOINT_S;
    const runWhole = async () => times.whole.push(await cpuMs(() => whole.save(set.snapshot(), [])));
    const runChanges = async () => times.changes.push(await cpuMs(() => changes.saveChanges(set.changes(), [], false)));
    if (r % 2) {
      await runWhole();
      await runChanges();
    } else {
      await runChanges();
      await runWhole();
    }
  }
  await whole.close();
  await changes.close();
  const w = median(times.whole);
  const c = median(times.changes);
  console.log(
    `| ${label} | ${ageS >= 60 ? `${ageS / 60} min` : `${ageS} s`} | ${w.toFixed(1)} | ${c.toFixed(1)} | ${(c / w).toFixed(2)}x | ${((w / CHECKPOINT_S / 1000) * 100).toFixed(2)}% → ${((c / CHECKPOINT_S / 1000) * 100).toFixed(2)}% |`,
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'edgegw-stats-checkpoint-'));
  try {
    console.log(`Checkpoint of ${TAGS.toLocaleString('en-US')} tags' windows (1 sample/s each, a checkpoint every ${CHECKPOINT_S} s), CPU ms per checkpoint, medians of ${ROUNDS}:\n`);
    console.log('| node | windows open for | whole (before) ms | changes ms | ratio | share of one core |');
    console.log('|---|---:|---:|---:|---:|---:|');
    const minute: WindowConfig = { kind: 'tumbling', by: 'time', length: 3_600_000, graceMs: 2000 };
    const hourly: WindowConfig = { kind: 'tumbling', by: 'time', length: 3_600_000, percentiles: true, graceMs: 5000 };
    for (const ageS of [30, 1800]) {
      // the 1-minute node's windows never get older than a minute: 30 s only
      if (ageS < 60) await measure('1-minute figures, memory', { ...minute, length: 60_000 }, ageS, (v) => new MemoryWindowStore(`bench-${v}`));
      await measure('hourly report, percentiles, SQLite', hourly, ageS, (v) => new SqliteWindowStore(join(dir, `${v}-${ageS}.db`), 'hourly'));
    }
  } finally {
    MemoryWindowStore.forget('bench-whole');
    MemoryWindowStore.forget('bench-changes');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
