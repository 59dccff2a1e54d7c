// Alarms from rules, with on/off delays, cooldown and the ISA-18.2 lifecycle:
//
//   normal --condition--> active (unacknowledged) --ack--> acknowledged --clears--> cleared (normal)
//                               \--clears--> cleared-unacknowledged --ack--> cleared (normal)
//                                                  \--condition again--> active
//
// An alarm that clears before anyone acknowledged it stays in the active list until acknowledged.
// Every state change is one AlarmEvent. Time comes from an injected clock (delays, cooldown,
// stale timeouts), so tests drive it; tick() applies what the passing of time decides.
// Cooldown: after an alarm clears, its rule cannot raise it again until cooldownMs have passed;
// a condition still present then raises it at that moment (chattering limits notifications,
// nothing is dropped).
import type { Quality, TagSample, TagValue } from '../tags/contract';
import { evaluate, type Condition, type RateMemory } from './condition';
import { SEVERITIES, type AlarmRule, type RuleType, type Severity } from './rules';

export type AlarmState = 'active' | 'acknowledged' | 'cleared-unacknowledged' | 'cleared';

/** The one alarm event shape (output 1 of the alarm node). */
export interface AlarmEvent {
  id: string;
  tag: string;
  rule: RuleType;
  severity: Severity;
  state: AlarmState;
  value: TagValue | undefined;
  limit: number | string | boolean | undefined;
  message: string;
  ts: number;
  ackedBy: string | null;
}

/** An alarm in the active list: its latest event, and when it became active. */
export interface AlarmRecord extends AlarmEvent {
  activeSince: number;
}

interface RuleState {
  rule: AlarmRule;
  cond: Condition;
  tripped: boolean;
  pendingOnSince?: number;
  pendingOffSince?: number;
  clearedAt?: number;
  lastSeen: number;
  lastValue: TagValue | undefined;
  /** the tag actually seen ("device/name"), for events of a rule given by name only */
  seenTag?: string;
  rate: { last?: RateMemory; observed?: number };
}

export class AckError extends Error {
  constructor(
    readonly ack: unknown,
    message: string,
  ) {
    super(message);
    this.name = 'AckError';
  }
}

const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** The rules a (device, name) pair matches: by "device/name", and by the name alone. */
interface TagRules {
  full: string;
  byFull: RuleState[] | undefined;
  byName: RuleState[] | undefined;
}

/** Pairs remembered before the memory of them starts afresh (a plant of changing tag names). */
const MAX_REMEMBERED_TAGS = 200_000;

export class AlarmEngine {
  private readonly states: RuleState[];
  private readonly byTag = new Map<string, RuleState[]>();
  /**
   * byTag's answers by device, then name: a sample finds its rules (most tags have none) without
   * building the "device/name" key, a string made and hashed for every sample of every scan.
   */
  private readonly rulesByDevice = new Map<string, Map<string, TagRules>>();
  private rememberedTags = 0;
  private readonly records = new Map<string, AlarmRecord>();
  private readonly now: () => number;

  constructor(
    readonly rules: AlarmRule[],
    opts: { now?: () => number } = {},
  ) {
    this.now = opts.now ?? Date.now;
    const start = this.now();
    this.states = rules.map((rule) => ({ rule, cond: 'off', tripped: false, lastSeen: start, lastValue: undefined, rate: {} }));
    for (const s of this.states) {
      let list = this.byTag.get(s.rule.tag);
      if (!list) this.byTag.set(s.rule.tag, (list = []));
      list.push(s);
    }
  }

  /** Evaluates the samples against their rules; returns the state changes, in order. */
  process(samples: TagSample[]): AlarmEvent[] {
    const events: AlarmEvent[] = [];
    const now = this.now();
    for (const s of samples) {
      const { full, byFull, byName } = this.rulesOf(s.device, s.name);
      if (byFull) for (const rs of byFull) this.apply(rs, full, s.value, s.quality, s.ts, now, events);
      if (byName) for (const rs of byName) this.apply(rs, full, s.value, s.quality, s.ts, now, events);
    }
    return events;
  }

  private rulesOf(device: string, name: string): TagRules {
    let names = this.rulesByDevice.get(device);
    let rules = names?.get(name);
    if (rules) return rules;
    const full = device ? `${device}/${name}` : name;
    rules = { full, byFull: this.byTag.get(full), byName: device ? this.byTag.get(name) : undefined };
    if (++this.rememberedTags > MAX_REMEMBERED_TAGS) {
      this.rulesByDevice.clear();
      this.rememberedTags = 1;
      names = undefined;
    }
    if (!names) this.rulesByDevice.set(device, (names = new Map()));
    names.set(name, rules);
    return rules;
  }

  private apply(rs: RuleState, tag: string, value: TagValue, quality: Quality, ts: number, now: number, events: AlarmEvent[]): void {
    rs.lastSeen = now;
    rs.seenTag = tag;
    rs.rate.observed = undefined;
    const cond = evaluate(rs.rule, value, quality, ts, rs.tripped, rs.rate);
    rs.lastValue = rs.rule.type === 'roc' ? (rs.rate.observed ?? rs.lastValue) : value;
    rs.cond = cond;
    this.step(rs, now, events);
  }

  /** What time decides: on/off delays reached, cooldowns over, tags gone stale. */
  tick(): AlarmEvent[] {
    const events: AlarmEvent[] = [];
    const now = this.now();
    for (const rs of this.states) {
      if (rs.rule.type === 'stale' && now - rs.lastSeen >= (rs.rule.limit as number) * 1000) rs.cond = 'on';
      if (rs.pendingOnSince !== undefined || rs.pendingOffSince !== undefined || (rs.cond === 'on' && !rs.tripped)) this.step(rs, now, events);
    }
    return events;
  }

  private step(rs: RuleState, now: number, events: AlarmEvent[]): void {
    const rule = rs.rule;
    if (!rs.tripped) {
      rs.pendingOffSince = undefined;
      if (rs.cond !== 'on') {
        rs.pendingOnSince = undefined;
        return;
      }
      rs.pendingOnSince ??= now;
      const cooldownOver = rs.clearedAt === undefined || now >= rs.clearedAt + rule.cooldownMs;
      if (now - rs.pendingOnSince >= rule.onDelayMs && cooldownOver) {
        rs.tripped = true;
        rs.pendingOnSince = undefined;
        const prev = this.records.get(rule.id);
        const activeSince = prev && prev.state === 'cleared-unacknowledged' ? prev.activeSince : now;
        this.change(rs, 'active', now, null, activeSince, events);
      }
      return;
    }
    rs.pendingOnSince = undefined;
    if (rs.cond !== 'off') {
      rs.pendingOffSince = undefined;
      return;
    }
    rs.pendingOffSince ??= now;
    if (now - rs.pendingOffSince >= rule.offDelayMs) {
      rs.tripped = false;
      rs.pendingOffSince = undefined;
      rs.clearedAt = now;
      const prev = this.records.get(rule.id);
      const acked = prev?.state === 'acknowledged';
      this.change(rs, acked ? 'cleared' : 'cleared-unacknowledged', now, prev?.ackedBy ?? null, prev?.activeSince ?? now, events);
    }
  }

  private change(rs: RuleState, state: AlarmState, now: number, ackedBy: string | null, activeSince: number, events: AlarmEvent[]): void {
    const rule = rs.rule;
    const tag = rs.seenTag ?? rule.tag;
    const ev: AlarmEvent = {
      id: rule.id,
      tag,
      rule: rule.type,
      severity: rule.severity,
      state,
      value: rs.lastValue,
      limit: rule.limit,
      message: messageFor(rule, tag, rs.lastValue),
      ts: now,
      ackedBy,
    };
    if (state === 'cleared') this.records.delete(rule.id);
    else this.records.set(rule.id, { ...ev, activeSince });
    events.push(ev);
  }

  /** Acknowledges one alarm by id, or every unacknowledged one with 'all'. */
  acknowledge(target: unknown, by: string): AlarmEvent[] {
    if (typeof target !== 'string' || !target) throw new AckError(target, `msg.ack must be an alarm id or "all", got ${JSON.stringify(target)}`);
    const now = this.now();
    const events: AlarmEvent[] = [];
    const ids = target === 'all' ? [...this.records.keys()] : [target];
    if (target !== 'all' && !this.records.has(target)) {
      throw new AckError(target, `msg.ack: no alarm "${target}" in the active list${this.records.size ? ` (active: ${[...this.records.keys()].slice(0, 10).join(', ')})` : ' (it is empty)'}`);
    }
    for (const id of ids) {
      const rec = this.records.get(id)!;
      if (rec.state === 'acknowledged') continue;
      const state: AlarmState = rec.state === 'active' ? 'acknowledged' : 'cleared';
      const ev: AlarmEvent = { ...stripSince(rec), state, ts: now, ackedBy: by };
      if (state === 'cleared') this.records.delete(id);
      else this.records.set(id, { ...ev, activeSince: rec.activeSince });
      events.push(ev);
    }
    return events;
  }

  /** The active list: highest severity first, then oldest first. */
  activeList(): AlarmRecord[] {
    return [...this.records.values()].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.activeSince - b.activeSince).map((r) => ({ ...r }));
  }

  /** Alarms in the list by severity, and how many of them are not acknowledged. */
  counts(): Record<Severity, { listed: number; unacknowledged: number }> {
    const out = Object.fromEntries(SEVERITIES.map((s) => [s, { listed: 0, unacknowledged: 0 }])) as Record<Severity, { listed: number; unacknowledged: number }>;
    for (const r of this.records.values()) {
      out[r.severity].listed++;
      if (r.state === 'active' || r.state === 'cleared-unacknowledged') out[r.severity].unacknowledged++;
    }
    return out;
  }

  /**
   * The list from a previous run (persistence). Records of rules that no longer exist are dropped
   * and returned; an active or acknowledged record holds its rule tripped until the condition clears.
   */
  restore(records: AlarmRecord[]): AlarmRecord[] {
    const dropped: AlarmRecord[] = [];
    const byId = new Map(this.states.map((s) => [s.rule.id, s]));
    for (const r of records) {
      const rs = byId.get(r.id);
      if (!rs || r.state === 'cleared') {
        dropped.push(r);
        continue;
      }
      this.records.set(r.id, { ...r });
      rs.tripped = r.state === 'active' || r.state === 'acknowledged';
      rs.cond = rs.tripped ? 'hold' : 'off';
      rs.lastValue = r.value;
      if (r.tag !== rs.rule.tag) rs.seenTag = r.tag;
    }
    return dropped;
  }
}

function stripSince(r: AlarmRecord): AlarmEvent {
  const { activeSince: _ignored, ...ev } = r;
  return ev;
}

/** The rule's message, with {tag}, {value}, {limit}, {severity} filled in; a default when none. */
export function messageFor(rule: AlarmRule, tag: string, value: TagValue | undefined): string {
  const shown = typeof value === 'number' ? String(Math.round(value * 1000) / 1000) : String(value);
  const text = rule.message || `${tag} ${rule.type}${rule.limit !== undefined ? ` ${String(rule.limit)}` : ''}: {value}`;
  return text.replace(/\{(tag|value|limit|severity)\}/g, (_m, k: string) => (k === 'tag' ? tag : k === 'value' ? shown : k === 'limit' ? String(rule.limit) : rule.severity));
}
