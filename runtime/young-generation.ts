// V8 lets its young generation (the semi-spaces where new objects are born) grow to 16 MB per
// semi-space, 32-48 MB of memory in all, whenever allocation is brisk. On an edge box that is a
// fifth of the budget (docs/default-flows.md: 150 MB RSS with the default flows), spent on
// garbage. `--max-semi-space-size` only works on the command line, which the `edge-gateway`
// command does not control (npm's bin shim, systemd units, `npm start`), and a re-exec would cost
// a second Node process (~40 MB). The growth factor, however, V8 reads each time it grows the
// space: set to 1 at start, the semi-spaces stay at their initial 1 MB. Measured with the default
// flows: about 25 MB less RSS, no change in what the pipeline moves (see the docs).
import { setFlagsFromString, getHeapSpaceStatistics } from 'node:v8';

/** Flags with which the user chose the young generation's size themselves. */
const USER_CHOICE = /--(max-semi-space-size|min-semi-space-size|semi-space-growth-factor|max-young-generation-size)\b/;

export interface YoungGenerationChoice {
  /** whether this process now keeps its young generation at its initial size */
  limited: boolean;
  /** why not, when not */
  reason?: string;
}

/**
 * Keeps the young generation at its initial size, unless the user sized it with node flags or
 * NODE_OPTIONS (`NODE_OPTIONS=--semi-space-growth-factor=2` is V8's default behaviour).
 */
export function limitYoungGeneration(execArgv: readonly string[] = process.execArgv, env: NodeJS.ProcessEnv = process.env): YoungGenerationChoice {
  const own = [...execArgv, env.NODE_OPTIONS ?? ''].find((a) => USER_CHOICE.test(a));
  if (own) return { limited: false, reason: `sized by the user (${own.match(USER_CHOICE)![0]})` };
  setFlagsFromString('--semi-space-growth-factor=1');
  return { limited: true };
}

/** The young generation's current size in bytes (V8's new_space), for tests and diagnostics. */
export function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}
