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

/** v rounded to `decimals` places (0: a whole number), or v itself when rounding cannot make it more exact. */
export function roundToDecimals(v: number, decimals: number): number {
  if (decimals < 0 || !Number.isFinite(v)) return v;
  const p = POW10[decimals] ?? 10 ** decimals;
  const scaled = v * p;
  if (Math.abs(scaled) >= ROUNDABLE) return v;
  const r = Math.round(scaled) / p;
  // -0 reads as 0
  return r === 0 ? 0 : r;
}

const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

// The smallest normal float32. Below it (subnormals) precision thins out, and FLT_DIG's
// guarantee that shortestFloat32 leans on no longer holds.
const FLOAT32_MIN_NORMAL = 2 ** -126;
// Non-integer float32 values are below 2^23. From 1e-4 up, every |v| * 10^s shortestFloat32
// needs (9 digits at most) is exact in a double: v has 24 significant bits and 5^s (s <= 12)
// at most 28, so the product fits 53 bits; below, it takes the estimated route.
const ARITHMETIC_FROM = 1e-4;

/**
 * The shortest decimal that is the same float32 as v (v itself when it is not a float32 value).
 *
 * By definition: the first of v.toPrecision(1), (2), ... (9) that reads back as the same float32.
 * A poll decodes thousands of floats per scan, so three shortcuts, all giving exactly that:
 * - Start at 6 digits: any decimal of at most 6 significant digits survives a trip through a
 *   normal float32 and back to 6 digits unchanged (FLT_DIG = 6). So when some toPrecision(d <= 6)
 *   reads back as v, toPrecision(6) is that same decimal (with trailing zeros), and when
 *   toPrecision(6) does not, no shorter one does either.
 * - From 1e-4 up, compute Number(v.toPrecision(d)) in exact arithmetic (precisionValue) instead of
 *   through a string: about 20 times cheaper.
 * - Between the smallest normal and 1e-4, estimate each candidate in doubles and test it against
 *   v's float32 rounding interval, leaving to strings only the one that wins (and the rare
 *   candidate too close to a rounding edge to tell): a register that holds a tiny float cost
 *   four toPrecision/Number round trips per read before.
 */
export function shortestFloat32(v: number): number {
  if (!Number.isFinite(v) || Number.isInteger(v)) return v;
  const f = Math.fround(v);
  if (f !== v) return v;
  const abs = Math.abs(v);
  if (abs >= ARITHMETIC_FROM) {
    let s = 5 - Math.floor(Math.log10(abs));
    // log10 may be off by one next to a power of ten
    const x = scaleByPow10(abs, s);
    if (x < POW10[5]) s++;
    else if (x >= POW10[6]) s--;
    for (let digits = 6; digits <= 9; digits++, s++) {
      const candidate = v < 0 ? -precisionValue(abs, s) : precisionValue(abs, s);
      if (Math.fround(candidate) === f) return candidate;
    }
    return v;
  }
  if (abs >= FLOAT32_MIN_NORMAL) {
    const estimated = shortestTinyFloat32(abs);
    if (estimated !== undefined) return v < 0 ? -estimated : estimated;
  }
  return shortestFloat32ByStrings(v, f, abs);
}

/** The definition, through strings, from 6 digits for normal floats (see shortestFloat32). */
function shortestFloat32ByStrings(v: number, f: number, abs: number): number {
  let digits = 1;
  if (abs >= FLOAT32_MIN_NORMAL) {
    const six = Number(v.toPrecision(6));
    if (Math.fround(six) === f) return six;
    digits = 7;
  }
  for (; digits <= 9; digits++) {
    const candidate = Number(v.toPrecision(digits));
    if (Math.fround(candidate) === f) return candidate;
  }
  return v;
}

/**
 * Number(a.toPrecision(digits)) for a float32 value 1e-4 <= a < 2^23, without strings, where
 * s = digits - 1 - floor(log10(a)). Each step is exact: a * 10^s (see ARITHMETIC_FROM) or
 * a / 10^-s (no false ties: a's ulp is 2^-24 of it, far above a double's rounding), the half-up
 * rounding toPrecision does, and n / 10^s, which IEEE division rounds to the nearest double
 * exactly as parsing the decimal does.
 */
function precisionValue(a: number, s: number): number {
  const x = scaleByPow10(a, s);
  let n = Math.floor(x);
  if (x - n >= 0.5) n++;
  return s >= 0 ? n / POW10[s] : n * POW10[-s];
}

function scaleByPow10(a: number, s: number): number {
  return s >= 0 ? a * POW10[s] : a / POW10[-s];
}

// 10^s as the nearest double, for the estimated route (s up to 9 - 1 + 38, and one more)
const POW10_NEAREST = Array.from({ length: 50 }, (_, i) => Number(`1e${i}`));
// The estimates below are within a few units of 2^-53 of the exact values; these margins are
// thousands of times wider, and what falls inside them goes the exact way.
const TIE_MARGIN = 1e-6;
const EDGE_MARGIN = 1e-12;
// 10^s - POW10_NEAREST[s], what the nearest double misses of the power of ten
const POW10_SHORTFALL = POW10_NEAREST.map((p, i) => Number(10n ** BigInt(i) - BigInt(p)));
// one scratch word for the float32 neighbours and one for a double's exponent (the computation is synchronous)
const float32Bits = new DataView(new ArrayBuffer(4));
const float64Bits = new DataView(new ArrayBuffer(8));
// Veltkamp's splitter for a double's 53 bits: 2^27 + 1
const SPLITTER = 134217729;

/**
 * `estimate` (n / 10^s divided by the nearest double of 10^s) when it is provably the double
 * nearest to n / 10^s, what parsing the decimal gives; undefined when that cannot be told
 * cheaply. The residual n - estimate * 10^s is computed exactly enough: estimate * POW10_NEAREST[s]
 * as an exact two-double product (Dekker), then the power's shortfall. The estimate is the
 * nearest double when the residual is clearly under half its ulp times 10^s.
 */
function roundedQuotient(n: number, s: number, estimate: number): number | undefined {
  const p = POW10_NEAREST[s];
  const product = estimate * p;
  let c = SPLITTER * estimate;
  const eHigh = c - (c - estimate);
  const eLow = estimate - eHigh;
  c = SPLITTER * p;
  const pHigh = c - (c - p);
  const pLow = p - pHigh;
  const productLow = eHigh * pHigh - product + eHigh * pLow + eLow * pHigh + eLow * pLow;
  // n - product is exact: the two are within a few ulps of each other (Sterbenz)
  const residual = n - product - productLow - estimate * POW10_SHORTFALL[s];
  float64Bits.setFloat64(0, estimate);
  const exponent = (float64Bits.getUint32(0) >>> 20) & 0x7ff;
  float64Bits.setUint32(0, (exponent - 53) << 20);
  float64Bits.setUint32(4, 0);
  const halfUlp = float64Bits.getFloat64(0);
  return Math.abs(residual) < halfUlp * p * (1 - 1e-6) ? estimate : undefined;
}

/**
 * shortestFloat32 of a normal float32 a (a > 0) below 1e-4, or undefined when an estimate falls
 * too close to a rounding edge to decide (the string route then decides).
 *
 * A candidate reads back as a exactly when it lies strictly inside a's float32 rounding
 * interval (the midpoints to its neighbours, exact in a double). toPrecision's digits n are
 * round-half-up(a * 10^s); estimated in doubles they are exact unless the fraction is within
 * TIE_MARGIN of one half. Only the winning candidate is parsed, to return the very double
 * Number(a.toPrecision(d)) gives.
 */
function shortestTinyFloat32(a: number): number | undefined {
  float32Bits.setFloat32(0, a);
  const bits = float32Bits.getUint32(0);
  float32Bits.setUint32(0, bits - 1);
  const below = float32Bits.getFloat32(0);
  float32Bits.setUint32(0, bits + 1);
  const above = float32Bits.getFloat32(0);
  const margin = a * EDGE_MARGIN;
  const low = (below + a) / 2 + margin;
  const high = (a + above) / 2 - margin;
  let s = 5 - Math.floor(Math.log10(a));
  const six = a * POW10_NEAREST[s];
  if (six < POW10[5]) s++;
  else if (six >= POW10[6]) s--;
  const first = a * POW10_NEAREST[s];
  // next to a power of ten the estimate cannot tell which decade toPrecision writes in
  if (Math.abs(first - POW10[5]) < 1e-6 || Math.abs(first - POW10[6]) < 1e-6) return undefined;
  for (let digits = 6; digits <= 9; digits++, s++) {
    const x = a * POW10_NEAREST[s];
    let n = Math.floor(x);
    const fraction = x - n;
    if (Math.abs(fraction - 0.5) < TIE_MARGIN) return undefined;
    if (fraction > 0.5) n++;
    const estimate = n / POW10_NEAREST[s];
    if (estimate > low && estimate < high) return roundedQuotient(n, s, estimate) ?? Number(`${n}e-${s}`);
    if (estimate > low - 2 * margin && estimate < high + 2 * margin) return undefined;
  }
  return undefined;
}

// Computed values (tag-calc results, stats figures) have no register scaling to take their
// decimals from: they get the decimals their inputs were written with, but never fewer than keep
// six significant digits, what a float32 register holds (FLT_DIG): a product or a ratio has more
// decimals than its inputs (230 * 5 * 0.9 / 1000 = 1.035, 1 / 3 of two counters 0.333333, not 0),
// a root or a mean has endless ones (5.360882911571131 reads 5.36088). An input shown with noise
// (a float read raw) counts at most MAX_INPUT_DECIMALS.
const READABLE_SIGNIFICANT = 6;
export const MAX_INPUT_DECIMALS = 6;
/** the most decimals a precision may ask for: past it a double has nothing left to round */
export const MAX_DECIMALS = 15;

/** The decimals an input value counts with for computed values derived from it (0..MAX_INPUT_DECIMALS). */
export function inputDecimals(v: number): number {
  return Number.isInteger(v) ? 0 : Math.min(MAX_INPUT_DECIMALS, decimalsOf(v));
}

/**
 * A computed value as a person reads it: rounded to `decimals` (its inputs' precision), or to more
 * when that would leave fewer than six significant digits. Uses roundToDecimals, like a scaled
 * register value.
 */
export function readableComputed(v: number, decimals: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  const significant = READABLE_SIGNIFICANT - 1 - Math.floor(Math.log10(Math.abs(v)));
  return roundToDecimals(v, Math.min(MAX_DECIMALS, Math.max(decimals, significant)));
}
