// Whether a rule's condition holds for a sample: 'on' (in alarm), 'off' (clear), or 'hold' (inside
// the deadband: an active alarm stays active, a clear one stays clear). Value rules look only at
// good and uncertain samples; a bad or stale sample holds their state (the bad/stale rules raise
// the communication alarm instead).
import type { Quality, TagValue } from '../tags/contract';
import type { AlarmRule } from './rules';

export type Condition = 'on' | 'off' | 'hold';

/** What a rate-of-change rule remembers between samples. */
export interface RateMemory {
  value: number;
  ts: number;
}

function asNumber(v: TagValue): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

function sameState(v: TagValue, limit: AlarmRule['limit']): boolean {
  if (typeof limit === 'number') return asNumber(v) === limit;
  if (typeof limit === 'boolean') return typeof v === 'boolean' ? v === limit : asNumber(v) === (limit ? 1 : 0);
  return String(v) === limit;
}

/**
 * The condition for one sample. `active` is whether the alarm is currently raised (the deadband
 * applies on the way back). `rate` is the rate rule's memory, updated in place; returns the rate
 * seen in `observed.rate` for the event's value.
 */
export function evaluate(rule: AlarmRule, value: TagValue, quality: Quality, ts: number, active: boolean, rate: { last?: RateMemory; observed?: number }): Condition {
  switch (rule.type) {
    case 'bad':
      return quality === 'bad' ? 'on' : 'off';
    case 'stale':
      return quality === 'stale' ? 'on' : 'off';
  }
  if (quality === 'bad' || quality === 'stale') return 'hold';
  if (rule.type === 'eq') return sameState(value, rule.limit) ? 'on' : 'off';
  if (rule.type === 'neq') return sameState(value, rule.limit) ? 'off' : 'on';
  const x = asNumber(value);
  if (x === undefined) return 'hold';
  const limit = rule.limit as number;
  const db = rule.deadband;
  switch (rule.type) {
    case 'hi':
    case 'hihi':
      return x > limit ? 'on' : active && x > limit - db ? 'hold' : 'off';
    case 'lo':
    case 'lolo':
      return x < limit ? 'on' : active && x < limit + db ? 'hold' : 'off';
    case 'roc': {
      const prev = rate.last;
      rate.last = { value: x, ts };
      if (!prev || ts <= prev.ts) return 'hold';
      const perSecond = Math.abs(x - prev.value) / ((ts - prev.ts) / 1000);
      rate.observed = perSecond;
      return perSecond > limit ? 'on' : active && perSecond > limit - db ? 'hold' : 'off';
    }
  }
  return 'hold';
}
