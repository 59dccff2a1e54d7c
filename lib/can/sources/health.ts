// How a frame source counts in /health: a source that passes frames (or finished its replay) is
// ok, one still opening or closed is degraded, one that cannot pass frames (bus-off, retrying,
// failed) is down. The detail keeps the source's English reason, for people reading /health.
import type { HealthState } from '../../health/registry';
import type { FrameSource, SourceState } from './source';

const HEALTH: Record<SourceState, HealthState> = {
  open: 'ok',
  ended: 'ok',
  opening: 'degraded',
  closed: 'degraded',
  'bus-off': 'down',
  reconnecting: 'down',
  failed: 'down',
};

export interface SourceHealth {
  state: HealthState;
  detail: Record<string, unknown>;
}

/** The /health entry of a source, its received frame rate (frames/s) beside its statistics. */
export function sourceHealth(source: FrameSource, framesPerSecond: number): SourceHealth {
  const { state, detail, frames, sent, errors, busOff } = source.stats;
  return {
    state: HEALTH[state],
    detail: { source: source.description, state, detail, frames, sent, errors, busOff, framesPerSecond: Math.round(framesPerSecond * 10) / 10 },
  };
}
