// Values as a person reads them. A scaled integer (raw * factor + offset) computed in binary
// doubles carries noise (518 * 0.1 = 51.800000000000004), and a float32 register read into a
// double shows digits the device never had (24.1f = 24.100000381469727). What we publish is
// the decimal the scaling implies, or the shortest decimal that is the same float32; the exact
// decode stays available where a node offers it (dbc-decode "exact values").

/** Decimal places of a number as written in its shortest form: 0.1 -> 1, 0.0625 -> 4, 1e-7 -> 7. */
export function decimalsOf(n: number): number {
  if (!Number.isFinite(n) || Number.isInteger(n)) return 0;
  const s = String(Math.abs(n));
  const e = s.indexOf('e-');
  if (e >= 0) {
    const mantissa = s.slice(0, e);
    const dot = mantissa.indexOf('.');
    return Number(s.slice(e + 2)) + (dot >= 0 ? mantissa.length - dot - 1 : 0);
  }
  const dot = s.indexOf('.');
  return dot >= 0 ? s.length - dot - 1 : 0;
}

/** The decimal places that raw * factor + offset can have, for an integer raw (capped at 15). */
export function scaledDecimals(factor: number, offset: number): number {
  return Math.min(15, Math.max(decimalsOf(factor), decimalsOf(offset)));
}

// 2^52: past it a double has no fractional bits left to round away
const ROUNDABLE = 2 ** 52;

/** v rounded to `decimals` places, or v itself when rounding cannot make it more exact. */
export function roundToDecimals(v: number, decimals: number): number {
  if (decimals <= 0 || !Number.isFinite(v)) return v;
  const p = POW10[decimals] ?? 10 ** decimals;
  const scaled = v * p;
  if (Math.abs(scaled) >= ROUNDABLE) return v;
  const r = Math.round(scaled) / p;
  // -0 reads as 0
  return r === 0 ? 0 : r;
}

const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

/** The shortest decimal that is the same float32 as v (v itself when it is not a float32 value). */
export function shortestFloat32(v: number): number {
  if (!Number.isFinite(v) || Number.isInteger(v)) return v;
  const f = Math.fround(v);
  if (f !== v) return v;
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(v.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return v;
}
