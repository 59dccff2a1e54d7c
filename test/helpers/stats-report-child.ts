// A stats session writing its CSV report from its own process, so that the test can run it under
// a file-size limit (a disk that fills) and lift the limit later. Env: REPORT_DIR, TAGS (tags per
// busy window). Prints one JSON line per step, waits for a line "freed" on stdin between the two
// halves. The clock is the session's own: retries are due when the test's timeline says so.
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { CsvReport } from '../../lib/stats/report';
import { StatsSession } from '../../lib/stats/session';
import type { TagSample } from '../../lib/tags/contract';

export const MIN = 60_000;
export const T0 = Date.UTC(2026, 11, 1, 9, 0);
/** the first retry by tick() waits this long, the next twice as long (no jitter) */
export const RETRY_MS = 2 * MIN;

export interface ChildStep {
  step: string;
  rowsWritten: number;
  unwritten: number;
  errors: string[];
  pending: Array<[rows: number, retryInMs: number]>;
  emitted: number;
}

async function main(): Promise<void> {
  const tags = Number(process.env.TAGS);
  const clock = { now: T0 };
  const errors: string[] = [];
  const pending: Array<[number, number]> = [];
  let emitted = 0;
  const session = new StatsSession({
    windows: { kind: 'tumbling', by: 'time', length: MIN, timeZone: 'UTC', graceMs: 0 },
    report: new CsvReport({ dir: process.env.REPORT_DIR!, per: 'day', timeZone: 'UTC', retentionDays: 0, prefix: 'm' }),
    now: () => clock.now,
    onWindows: (w) => (emitted += w.length),
    onError: (e) => errors.push(e.message),
    onRowsPending: (rows, retryInMs) => pending.push([rows, retryInMs]),
    retryBackoff: { minMs: RETRY_MS, maxMs: 10 * RETRY_MS, jitter: 0 },
  });
  const say = (step: string) => {
    const out: ChildStep = { step, rowsWritten: session.rowsWritten, unwritten: session.unwrittenCount, errors, pending, emitted };
    process.stdout.write(JSON.stringify(out) + '\n');
  };
  /** one sample per tag in the window starting at `start` */
  const fill = (start: number, count: number) => {
    const samples: TagSample[] = [];
    for (let i = 0; i < count; i++) samples.push({ device: 'meter', name: `t${String(i).padStart(3, '0')}`, value: i, quality: 'good', ts: start + 1000 });
    session.add(samples);
  };
  const at = (ts: number) => {
    clock.now = ts;
    session.tick();
  };
  await session.start();

  fill(T0, 50); // a small window: fits under the limit
  at(T0 + MIN + 10);
  fill(T0 + MIN, tags); // a busy window: the limit is reached in the middle of its rows
  at(T0 + 2 * MIN + 10);
  say('full');
  at(T0 + 2 * MIN + 30_000); // no window closes and the retry is not due: no attempt
  say('not due');
  fill(T0 + 2 * MIN, tags); // a window closes before the retry is due: it takes the pending rows along
  at(T0 + 3 * MIN + 10);
  say('closed while full');

  const stdin = createInterface({ input: process.stdin });
  const [line] = (await once(stdin, 'line')) as [string];
  if (line !== 'freed') throw new Error(`expected "freed", got "${line}"`);
  at(T0 + 3 * MIN + 20); // freed, but the retry is not due yet
  say('freed, not due');
  at(T0 + 3 * MIN + 10 + 2 * RETRY_MS); // the second retry delay has passed
  say('retried');
  fill(T0 + 8 * MIN, tags);
  at(T0 + 9 * MIN + 10);
  say('next window');
  stdin.close();
  await session.stop();
}

// the test imports the timeline's constants from here; only the child runs it
if (require.main === module) {
  main().catch((err) => {
    process.stdout.write(JSON.stringify({ step: 'crashed', message: (err as Error).stack }) + '\n');
    process.exit(1);
  });
}
