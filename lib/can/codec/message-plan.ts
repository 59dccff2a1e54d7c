// Everything the decoder and encoder of one message need, worked out once: each decodable
// signal's layout, value kind and scaling, and which switch (by plan index) selects it. Plan
// order puts every switch before the signals it selects.
import type { DbcMessage, DbcSignal } from '../dbc/types';
import { type SignalLayout, signalLayout } from './signal-layout';

/** int32: up to 32 bits; int53: exact in a double; int64: BigInt needed; float32/64: IEEE (SIG_VALTYPE_). */
export type ValueKind = 'int32' | 'int53' | 'int64' | 'float32' | 'float64';

export interface SignalPlan {
  index: number;
  signal: DbcSignal;
  name: string;
  layout: SignalLayout;
  kind: ValueKind;
  length: number;
  signed: boolean;
  factor: number;
  offset: number;
  /** factor 1, offset 0: the raw value is the value. */
  identity: boolean;
  /** Integer factor and offset whose exact result can pass 2^53: scaled with BigInt. */
  bigScaled: boolean;
  /** Plan index of the switch that selects this signal, -1 when always present. */
  switchIndex: number;
  ranges: Array<[number, number]>;
  /** Other signals depend on this one's raw value. */
  isSwitch: boolean;
  valueTable?: Map<number, string>;
}

export interface MessagePlan {
  message: DbcMessage;
  signals: SignalPlan[];
  byName: Map<string, SignalPlan>;
  /** Signals of the message that are never decoded, with the reason. */
  skipped: Array<{ signal: DbcSignal; reason: string }>;
  /** Bytes a frame needs for every signal to fit (the fast path). */
  bytesNeeded: number;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function valueKind(signal: DbcSignal): ValueKind {
  if (signal.valueType === 'float32' && signal.length === 32) return 'float32';
  if (signal.valueType === 'float64' && signal.length === 64) return 'float64';
  if (signal.length <= 32) return 'int32';
  if (signal.length <= 53) return 'int53';
  return 'int64';
}

export function planMessage(message: DbcMessage): MessagePlan {
  const skipped: MessagePlan['skipped'] = [];
  const byName = new Map<string, DbcSignal>();
  for (const s of message.signals) if (!byName.has(s.name)) byName.set(s.name, s);

  // Depth in the switch chain; null when the chain is broken (no switch, a switch not marked M,
  // a loop, an undecodable switch). Walked without recursion: chains can be long in odd files.
  const layouts = new Map<DbcSignal, SignalLayout>();
  const depth = new Map<DbcSignal, number | null>();
  const depthOf = (start: DbcSignal): number | null => {
    const path: DbcSignal[] = [];
    const onPath = new Set<DbcSignal>();
    let s: DbcSignal | undefined = start;
    let base: number | null = null;
    for (;;) {
      const known = depth.get(s);
      if (known !== undefined) {
        base = known;
        break;
      }
      if (!layouts.has(s) || onPath.has(s)) break;
      if (s.multiplexerSignal === undefined) {
        if (s.multiplexerValues === undefined) {
          depth.set(s, 0);
          base = 0;
        }
        break;
      }
      path.push(s);
      onPath.add(s);
      const sw = byName.get(s.multiplexerSignal);
      if (!sw || !sw.multiplexer) break;
      s = sw;
    }
    // path holds the signals from `start` towards the root, each one level below the next.
    for (let i = path.length - 1; i >= 0; i--) {
      if (base !== null) base += 1;
      if (!depth.has(path[i])) depth.set(path[i], base);
    }
    if (!depth.has(start)) depth.set(start, null);
    return depth.get(start)!;
  };

  for (const s of message.signals) {
    const layout = signalLayout(s);
    if (typeof layout === 'string') skipped.push({ signal: s, reason: layout });
    else layouts.set(s, layout);
  }
  const ordered: Array<{ s: DbcSignal; d: number; i: number }> = [];
  message.signals.forEach((s, i) => {
    if (!layouts.has(s)) return;
    const d = depthOf(s);
    if (d === null)
      skipped.push({ signal: s, reason: s.multiplexerSignal ? `its switch ${s.multiplexerSignal} is missing, not marked M, not decodable or in a loop` : 'no multiplexer switch selects it' });
    else ordered.push({ s, d, i });
  });
  ordered.sort((a, b) => a.d - b.d || a.i - b.i);

  const plans: SignalPlan[] = [];
  const planOf = new Map<DbcSignal, SignalPlan>();
  for (const { s } of ordered) {
    const kind = valueKind(s);
    const identity = s.factor === 1 && s.offset === 0;
    const integerScaling = Number.isInteger(s.factor) && Number.isInteger(s.offset);
    const maxRaw = s.signed ? 2 ** (s.length - 1) : 2 ** s.length - 1;
    const bigScaled = !identity && integerScaling && kind !== 'float32' && kind !== 'float64' && maxRaw * Math.abs(s.factor) + Math.abs(s.offset) > MAX_SAFE;
    const sw = s.multiplexerSignal !== undefined ? planOf.get(byName.get(s.multiplexerSignal)!) : undefined;
    const plan: SignalPlan = {
      index: plans.length,
      signal: s,
      name: s.name,
      layout: layouts.get(s)!,
      kind,
      length: s.length,
      signed: s.signed,
      factor: s.factor,
      offset: s.offset,
      identity,
      bigScaled,
      switchIndex: sw ? sw.index : -1,
      ranges: s.multiplexerRanges ?? (s.multiplexerValues ?? []).map((v) => [v, v] as [number, number]),
      isSwitch: false,
      valueTable: s.valueTable,
    };
    if (sw) sw.isSwitch = true;
    plans.push(plan);
    planOf.set(s, plan);
  }
  let bytesNeeded = 0;
  for (const p of plans) bytesNeeded = Math.max(bytesNeeded, p.layout.bytesNeeded);
  const planByName = new Map<string, SignalPlan>();
  for (const p of plans) if (!planByName.has(p.name)) planByName.set(p.name, p);
  return { message, signals: plans, byName: planByName, skipped, bytesNeeded };
}

/** Whether a switch's raw value selects a signal with these ranges. */
export function inRanges(raw: number, ranges: Array<[number, number]>): boolean {
  for (const [lo, hi] of ranges) if (raw >= lo && raw <= hi) return true;
  return false;
}
