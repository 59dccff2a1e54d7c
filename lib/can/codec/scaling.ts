// Raw <-> physical values, matching the reference decoders bit for bit: raw * factor + offset in
// doubles, except where integer factor and offset would pass 2^53 (exact BigInt arithmetic then).
import type { SignalPlan } from './message-plan';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A BigInt as a number when that is exact, else as is. */
export function exactNumber(v: bigint): number | bigint {
  return v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v;
}

export function scaleRaw(p: SignalPlan, raw: number | bigint): number | bigint {
  if (p.bigScaled) return exactNumber(BigInt(raw) * BigInt(p.factor) + BigInt(p.offset));
  if (typeof raw === 'bigint') return p.identity ? exactNumber(raw) : Number(raw) * p.factor + p.offset;
  return p.identity ? raw : raw * p.factor + p.offset;
}
