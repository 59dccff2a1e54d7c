// Encoding { signal: value } into a frame: the inverse of decoding. raw = round((value -
// offset) / factor) for integer signals, (value - offset) / factor for IEEE floats; labels are
// accepted for signals with value tables. Signals left out take their GenSigStartValue (raw) or 0.
// The multiplexer decides which signals go in; a value for a signal the switch does not select
// is an error, not silently dropped.
import { DbcEncodeError } from './errors';
import { inRanges, type MessagePlan, type SignalPlan } from './message-plan';
import { wordsFromRaw, writeWords } from './raw-value';

export type EncodeValue = number | bigint | string | boolean;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const reverseTables = new WeakMap<Map<number, string>, Map<string, number>>();

function labelToRaw(p: SignalPlan, label: string): number | undefined {
  if (!p.valueTable) return undefined;
  let reverse = reverseTables.get(p.valueTable);
  if (!reverse) {
    reverse = new Map();
    for (const [raw, text] of p.valueTable) if (!reverse.has(text)) reverse.set(text, raw);
    reverseTables.set(p.valueTable, reverse);
  }
  return reverse.get(label);
}

function rawRange(p: SignalPlan): { min: bigint; max: bigint } {
  const L = BigInt(p.length);
  return p.signed ? { min: -(1n << (L - 1n)), max: (1n << (L - 1n)) - 1n } : { min: 0n, max: (1n << L) - 1n };
}

function fail(plan: MessagePlan, p: SignalPlan | string | undefined, reason: string): never {
  throw new DbcEncodeError(plan.message.name, typeof p === 'string' ? p : p?.name, reason);
}

/** Rounds a BigInt quotient half away from zero. */
function divideRounded(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  const twice = (r < 0n ? -r : r) * 2n;
  if (twice >= (d < 0n ? -d : d)) return q + (n < 0n !== d < 0n ? -1n : 1n);
  return q;
}

/** The raw value for a physical value (or label) of a signal; range-checked. */
export function physicalToRaw(plan: MessagePlan, p: SignalPlan, value: EncodeValue): number | bigint {
  if (typeof value === 'boolean') value = value ? 1 : 0;
  if (typeof value === 'string') {
    const labelled = labelToRaw(p, value);
    if (labelled !== undefined) return checkRange(plan, p, labelled);
    const text = value.trim();
    if (/^[-+]?\d+$/.test(text)) value = BigInt(text);
    else if (text !== '' && !Number.isNaN(Number(text))) value = Number(text);
    else if (/^[-+]?(nan|inf(inity)?)$/i.test(text)) value = Number(text.replace(/^([-+]?)inf$/i, '$1Infinity').replace(/nan/i, 'NaN'));
    else {
      const labels = p.valueTable
        ? [...p.valueTable.values()]
            .slice(0, 8)
            .map((l) => JSON.stringify(l))
            .join(', ')
        : '';
      fail(plan, p, `${JSON.stringify(value)} is not a number${labels ? ` nor one of its labels (${labels}${p.valueTable!.size > 8 ? ', ...' : ''})` : ''}`);
    }
  }
  if (p.kind === 'float32' || p.kind === 'float64') {
    const v = Number(value);
    return p.identity ? v : (v - p.offset) / p.factor;
  }
  if (p.factor === 0) fail(plan, p, 'its factor is 0');
  if (typeof value === 'bigint') {
    if (p.identity) return checkRange(plan, p, value);
    if (Number.isInteger(p.factor) && Number.isInteger(p.offset)) {
      return checkRange(plan, p, divideRounded(value - BigInt(p.offset), BigInt(p.factor)));
    }
    value = Number(value);
  }
  if (!Number.isFinite(value)) fail(plan, p, `${value} is not a finite number`);
  const scaled = p.identity ? value : (value - p.offset) / p.factor;
  const raw = Math.round(scaled);
  if (!Number.isFinite(raw)) fail(plan, p, `${value} gives no finite raw value (factor ${p.factor}, offset ${p.offset})`);
  return checkRange(plan, p, Math.abs(raw) > MAX_SAFE ? BigInt(raw) : raw);
}

function checkRange(plan: MessagePlan, p: SignalPlan, raw: number | bigint): number | bigint {
  if (p.kind === 'float32' || p.kind === 'float64') return Number(raw);
  const { min, max } = rawRange(p);
  const b = BigInt(raw);
  if (b < min || b > max) {
    fail(plan, p, `raw value ${b} is outside the ${p.length}-bit ${p.signed ? 'signed' : 'unsigned'} range ${min}..${max}`);
  }
  return raw;
}

function defaultRaw(p: SignalPlan): number {
  const start = p.signal.attributes.GenSigStartValue;
  if (p.kind === 'float32' || p.kind === 'float64') return 0;
  if (typeof start !== 'number' || !Number.isSafeInteger(start)) return 0;
  const { min, max } = rawRange(p);
  return BigInt(start) >= min && BigInt(start) <= max ? start : 0;
}

export function encodeMessage(plan: MessagePlan, values: Record<string, EncodeValue>): Buffer {
  const message = plan.message;
  for (const name of Object.keys(values)) {
    if (plan.byName.has(name)) continue;
    const skipped = plan.skipped.find((s) => s.signal.name === name);
    if (skipped) fail(plan, name, `the signal cannot be encoded (${skipped.reason})`);
    const known = plan.signals
      .slice(0, 10)
      .map((p) => p.name)
      .join(', ');
    fail(plan, name, `message ${message.name} has no such signal (it has: ${known}${plan.signals.length > 10 ? ', ...' : ''})`);
  }
  const data = Buffer.alloc(message.length);
  const raws: Array<number | bigint | undefined> = new Array(plan.signals.length);
  for (const p of plan.signals) {
    const given = Object.prototype.hasOwnProperty.call(values, p.name) ? values[p.name] : undefined;
    if (p.switchIndex >= 0) {
      const sw = plan.signals[p.switchIndex];
      const swRaw = raws[p.switchIndex];
      if (swRaw === undefined || !inRanges(Number(swRaw), p.ranges)) {
        if (given !== undefined) {
          const wanted = p.ranges.map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}-${hi}`)).join(', ');
          fail(plan, p, swRaw === undefined ? `its switch ${sw.name} is itself not selected` : `switch ${sw.name} is ${swRaw} but this signal needs ${wanted}`);
        }
        continue;
      }
    }
    if (p.layout.bytesNeeded > message.length) {
      if (given !== undefined) fail(plan, p, `the signal needs ${p.layout.bytesNeeded} bytes but the message is ${message.length} bytes long`);
      continue;
    }
    const raw = given === undefined ? defaultRaw(p) : physicalToRaw(plan, p, given);
    raws[p.index] = raw;
    const [w0, w1] = wordsFromRaw(p.kind, p.length, raw);
    writeWords(p.layout, data, w0, w1);
  }
  return data;
}
