// The decoder without code generation: the same plan walked signal by signal. Used where
// `new Function` is disallowed, and in tests as an independent check of the generated code.
import type { SignalValues } from './decoder-source';
import { inRanges, type MessagePlan } from './message-plan';
import { rawFromWords, readWords } from './raw-value';
import { scaleRaw } from './scaling';

export function setOwn(o: SignalValues, name: string, value: number | bigint | string): void {
  if (name === '__proto__') Object.defineProperty(o, name, { value, enumerable: true, writable: true, configurable: true });
  else o[name] = value;
}

export function interpretDecode(plan: MessagePlan, data: Uint8Array, labels: boolean): SignalValues {
  const out: SignalValues = {};
  const raws: Array<number | bigint | undefined> = new Array(plan.signals.length);
  for (const p of plan.signals) {
    if (p.layout.bytesNeeded > data.length) continue;
    if (p.switchIndex >= 0) {
      const sw = raws[p.switchIndex];
      if (sw === undefined || !inRanges(Number(sw), p.ranges)) continue;
    }
    const [w0, w1] = readWords(p.layout, data);
    const raw = rawFromWords(p.kind, p.length, p.signed, w0, w1);
    raws[p.index] = raw;
    let value: number | bigint | string = scaleRaw(p, raw);
    if (labels && p.valueTable) {
      const label = p.valueTable.get(Number(raw));
      if (label !== undefined) value = label;
    }
    setOwn(out, p.name, value);
  }
  return out;
}
