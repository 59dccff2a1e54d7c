// What a polled device's status line and /health entry say, from the line state, the poller's
// tally and the last cycle's problem (a code: the node translates it; the English message goes to
// the log and /health).
import type { HealthState } from '../../health/registry';
import type { LineState } from '../line/types';
import type { ModbusProblem } from '../problem';
import type { PollerStats } from './poller';

export interface DeviceStatus {
  fill: 'green' | 'yellow' | 'red' | 'grey';
  shape: 'dot' | 'ring';
  /** i18n key under <type>.status */
  key: 'polling' | 'someBad' | 'reconnecting' | 'connecting' | 'breakerOpen' | 'error';
  subs: Record<string, string | number>;
  /** why no tag could be read, when the key is `error` and the reason is known */
  problem?: ModbusProblem;
}

/** What the status line says: the line first (reconnecting, breaker), then the tags. */
export function deviceStatus(line: LineState | undefined, unit: number, stats: PollerStats, problem?: ModbusProblem): DeviceStatus {
  if (line && line.connection === 'reconnecting') {
    return { fill: 'yellow', shape: 'ring', key: 'reconnecting', subs: { seconds: Math.ceil((line.retryInMs ?? 0) / 1000) } };
  }
  if (line && line.connection === 'connecting') return { fill: 'yellow', shape: 'ring', key: 'connecting', subs: {} };
  if (line?.units[unit]?.breaker === 'open') return { fill: 'red', shape: 'ring', key: 'breakerOpen', subs: {} };
  const seen = stats.good + stats.bad + stats.stale + stats.uncertain;
  if (seen > 0 && stats.good === 0) return { fill: 'red', shape: 'ring', key: 'error', subs: {}, ...(problem ? { problem } : {}) };
  if (stats.bad + stats.stale > 0) return { fill: 'yellow', shape: 'dot', key: 'someBad', subs: { bad: stats.bad + stats.stale, count: stats.tags } };
  return { fill: 'green', shape: 'dot', key: 'polling', subs: { count: stats.tags } };
}

/** The device's /health state: down when no tag reads good, degraded when some do not. */
export function deviceHealth(stats: PollerStats): HealthState {
  const seen = stats.good + stats.bad + stats.stale + stats.uncertain;
  if (stats.bad + stats.stale === 0) return 'ok';
  return seen > 0 && stats.good === 0 ? 'down' : 'degraded';
}
