// Registers <-> values for every tag type and byte/word order, with scaling.
//
// Order rule (issue 3): name the bytes of the big-endian value A B C D (E F G H for 64 bits).
// ABCD sends them as they are; CDAB reverses the order of the registers (for four registers
// all four are reversed); BADC swaps the two bytes inside each register; DCBA does both.
// One-register types follow the byte half of the rule (BADC/DCBA swap the bytes).
//
// Strings (`string:N`) carry two ASCII characters per register, high byte first in ABCD. Only
// the byte half of the order applies to them (BADC/DCBA: low byte first): a character sequence
// has no word order. Decoding stops at the first NUL and trims spaces at both ends.
//
// 64-bit integers are decoded exactly with BigInt. The value is returned as a number when it
// is a safe integer (|v| <= 2^53-1) and as a bigint otherwise, so no digit is silently lost;
// with a scale or offset other than 1/0 the result is a (floating point) number.
//
// Scaling: value = raw * scale + offset; writes use raw = (value - offset) / scale, rounded to
// the nearest integer for integer types, and are range-checked for the type.
import { shortestFloat32 } from '../tags/readable';
import { applyScale, FastKind } from './fast-decode';
import { parseTagType, type TagDef, type TypeShape, type WordOrder, type NumericType, isBitArea } from './types';
import { notANumberReason, parseStrictInteger, parseStrictNumber } from '../system/text/strict-number';
import { textOf } from '../system/text/text-of';

export type DecodedValue = number | boolean | string | bigint;
export { applyScale, decodeFast, FastKind } from './fast-decode';

/** A value that cannot be written to a tag: wrong JS type, out of range, too long... */
export class TagValueError extends Error {
  constructor(
    readonly tag: string,
    readonly reason: string,
  ) {
    super(`tag '${tag}': ${reason}`);
    this.name = 'TagValueError';
  }
}

const INT_RANGE: Record<'int16' | 'uint16' | 'int32' | 'uint32', [number, number]> = {
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x80000000, 0x7fffffff],
  uint32: [0, 0xffffffff],
};
const INT64_RANGE: Record<'int64' | 'uint64', [bigint, bigint]> = {
  int64: [-(1n << 63n), (1n << 63n) - 1n],
  uint64: [0n, (1n << 64n) - 1n],
};
const FLOAT32_MAX = 3.4028234663852886e38;

function wordSwapped(order: WordOrder): boolean {
  return order === 'CDAB' || order === 'DCBA';
}
function byteSwapped(order: WordOrder): boolean {
  return order === 'BADC' || order === 'DCBA';
}

// One scratch buffer for all conversions: decoding is synchronous, so it is never shared.
const scratch = new DataView(new ArrayBuffer(8));

/** Puts `width` registers into the scratch buffer as the big-endian value (undoing the order). */
function loadBigEndian(regs: ArrayLike<number>, at: number, width: number, order: WordOrder): void {
  const ws = wordSwapped(order);
  const bs = byteSwapped(order);
  for (let i = 0; i < width; i++) {
    let w = regs[at + (ws ? width - 1 - i : i)] & 0xffff;
    if (bs) w = ((w & 0xff) << 8) | (w >> 8);
    scratch.setUint16(2 * i, w);
  }
}

/** Takes the big-endian value in the scratch buffer and returns the registers in `order`. */
function storeOrdered(width: number, order: WordOrder): number[] {
  const ws = wordSwapped(order);
  const bs = byteSwapped(order);
  const out = new Array<number>(width);
  for (let i = 0; i < width; i++) {
    let w = scratch.getUint16(2 * i);
    if (bs) w = ((w & 0xff) << 8) | (w >> 8);
    out[ws ? width - 1 - i : i] = w;
  }
  return out;
}

/** The raw (unscaled) value of a numeric type from its registers. */
export function decodeNumeric(kind: NumericType, regs: ArrayLike<number>, at: number, order: WordOrder): number | bigint {
  switch (kind) {
    case 'uint16':
      loadBigEndian(regs, at, 1, order);
      return scratch.getUint16(0);
    case 'int16':
      loadBigEndian(regs, at, 1, order);
      return scratch.getInt16(0);
    case 'uint32':
      loadBigEndian(regs, at, 2, order);
      return scratch.getUint32(0);
    case 'int32':
      loadBigEndian(regs, at, 2, order);
      return scratch.getInt32(0);
    case 'float32':
      loadBigEndian(regs, at, 2, order);
      return scratch.getFloat32(0);
    case 'float64':
      loadBigEndian(regs, at, 4, order);
      return scratch.getFloat64(0);
    case 'uint64':
      loadBigEndian(regs, at, 4, order);
      return scratch.getBigUint64(0);
    case 'int64':
      loadBigEndian(regs, at, 4, order);
      return scratch.getBigInt64(0);
  }
}

/** The registers of a raw (unscaled, already range-checked) numeric value. */
export function encodeNumeric(kind: NumericType, raw: number | bigint, order: WordOrder): number[] {
  switch (kind) {
    case 'uint16':
      scratch.setUint16(0, Number(raw));
      return storeOrdered(1, order);
    case 'int16':
      scratch.setInt16(0, Number(raw));
      return storeOrdered(1, order);
    case 'uint32':
      scratch.setUint32(0, Number(raw));
      return storeOrdered(2, order);
    case 'int32':
      scratch.setInt32(0, Number(raw));
      return storeOrdered(2, order);
    case 'float32':
      scratch.setFloat32(0, Number(raw));
      return storeOrdered(2, order);
    case 'float64':
      scratch.setFloat64(0, Number(raw));
      return storeOrdered(4, order);
    case 'uint64':
      scratch.setBigUint64(0, BigInt(raw));
      return storeOrdered(4, order);
    case 'int64':
      scratch.setBigInt64(0, BigInt(raw));
      return storeOrdered(4, order);
  }
}

export function decodeString(regs: ArrayLike<number>, at: number, width: number, order: WordOrder): string {
  const bs = byteSwapped(order);
  let s = '';
  for (let i = 0; i < width; i++) {
    const w = regs[at + i] & 0xffff;
    const first = bs ? w & 0xff : w >> 8;
    const second = bs ? w >> 8 : w & 0xff;
    if (first === 0) break;
    s += String.fromCharCode(first);
    if (second === 0) break;
    s += String.fromCharCode(second);
  }
  return s.trim();
}

export function encodeString(text: string, width: number, order: WordOrder): number[] {
  const bs = byteSwapped(order);
  const out = new Array<number>(width);
  for (let i = 0; i < width; i++) {
    const first = i * 2 < text.length ? text.charCodeAt(i * 2) : 0;
    const second = i * 2 + 1 < text.length ? text.charCodeAt(i * 2 + 1) : 0;
    out[i] = bs ? (second << 8) | first : (first << 8) | second;
  }
  return out;
}

/** Bit `bit` of a register read in `order` (BADC/DCBA swap the bytes first, as for uint16). */
export function decodeBit(reg: number, bit: number, order: WordOrder): boolean {
  const w = byteSwapped(order) ? ((reg & 0xff) << 8) | ((reg >> 8) & 0xff) : reg & 0xffff;
  return ((w >> bit) & 1) === 1;
}

/** The register `current` with bit `bit` set to `on`, in the register's own byte order. */
export function encodeBit(current: number, bit: number, on: boolean, order: WordOrder): number {
  const mask = byteSwapped(order) ? 1 << ((bit + 8) % 16) : 1 << bit;
  return on ? (current | mask) & 0xffff : current & ~mask & 0xffff;
}

/**
 * For an integer register value, raw * scale + offset carries binary noise (653 * 0.1 =
 * 65.30000000000001). The scaled value of an integer can have no more decimals than scale and
 * offset have, so rounding to those removes the noise and nothing else. Returns 10^decimals, or
 * 0 when no rounding applies (float types, or more than 12 decimals).
 */
export function scaleRounding(kind: string, scale: number, offset: number): number {
  if (kind === 'float32' || kind === 'float64') return 0;
  const decimals = (x: number): number => {
    const m = /^-?\d+(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
    if (!m) return 99;
    return Math.max(0, (m[1]?.length ?? 0) - Number(m[2] ?? 0));
  };
  const d = Math.max(decimals(scale), decimals(offset));
  return d > 12 ? 0 : 10 ** d;
}

function scaleRaw(raw: number | bigint, scale: number, offset: number): number | bigint {
  if (scale === 1 && offset === 0) {
    if (typeof raw === 'bigint') {
      return raw >= BigInt(Number.MIN_SAFE_INTEGER) && raw <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(raw) : raw;
    }
    return raw;
  }
  return Number(raw) * scale + offset;
}

function fastKindOf(tag: TagDef, shape: TypeShape): FastKind {
  if (isBitArea(tag.area)) return FastKind.Bit;
  if (tag.order === 'ABCD') {
    switch (shape.kind) {
      case 'uint16':
        return FastKind.Uint16;
      case 'int16':
        return FastKind.Int16;
      case 'uint32':
        return FastKind.Uint32;
      case 'int32':
        return FastKind.Int32;
      case 'float32':
        return FastKind.Float32;
    }
  }
  if (tag.order === 'CDAB' && shape.kind === 'float32') return FastKind.Float32WordSwap;
  return FastKind.None;
}

/** Everything needed to decode and encode one tag, worked out once per tag table. */
export interface TagCodec {
  readonly tag: TagDef;
  readonly shape: TypeShape;
  /** FastKind.None, or the kind decodeFast handles (then value = raw * scale + offset, booleans for Bit) */
  readonly fast: FastKind;
  /** registers, or bits for coil/discrete tags */
  readonly width: number;
  /** The scaled value from a block of registers (or bits) starting at `at`. */
  decode(data: ArrayLike<number | boolean>, at: number): DecodedValue;
  /** The registers (or bits) that write `value`, inverse-scaled and range-checked; throws
   * TagValueError. For `bit:N` tags pass the register's current content. */
  encode(value: unknown, currentRegister?: number): number[] | boolean[];
}

export function compileCodec(tag: TagDef): TagCodec {
  const parsed = parseTagType(tag.type);
  if (!parsed) throw new TypeError(`tag '${tag.name}': unknown type '${tag.type}'`);
  const shape = parsed.shape;
  const { order, scale, offset } = tag;
  const width = shape.width;
  const fast = fastKindOf(tag, shape);
  // every codec a literal of the same fields in the same order, not a spread of them: V8 gives an
  // object made by a spread and then given two closures a hidden class of its own (about 240
  // bytes with its descriptors, two codecs a tag; docs/performance.md)

  if (isBitArea(tag.area)) {
    return {
      tag,
      shape,
      width,
      fast,
      decode: (data, at) => Boolean(data[at]),
      encode: (value) => [toBool(tag.name, value)],
    };
  }
  switch (shape.kind) {
    case 'bool':
      return {
        tag,
        shape,
        width,
        fast,
        decode: (data, at) => (data[at] as number) !== 0,
        encode: (value) => [toBool(tag.name, value) ? 1 : 0],
      };
    case 'bit': {
      const bit = shape.bit ?? 0;
      return {
        tag,
        shape,
        width,
        fast,
        decode: (data, at) => decodeBit(data[at] as number, bit, order),
        encode: (value, current) => {
          const on = toBool(tag.name, value);
          if (current === undefined) throw new TagValueError(tag.name, "writing one bit needs the register's current content");
          return [encodeBit(current, bit, on, order)];
        },
      };
    }
    case 'string':
      return {
        tag,
        shape,
        width,
        fast,
        decode: (data, at) => decodeString(data as ArrayLike<number>, at, width, order),
        encode: (value) => {
          if (typeof value !== 'string') throw new TagValueError(tag.name, `expected a string for ${tag.type}, got ${describe(value)}`);
          if (value.length > width * 2) throw new TagValueError(tag.name, `string of ${value.length} characters does not fit ${tag.type} (at most ${width * 2})`);
          for (let i = 0; i < value.length; i++) {
            if (value.charCodeAt(i) > 0x7f) throw new TagValueError(tag.name, `character ${JSON.stringify(value[i])} at position ${i} is not ASCII`);
          }
          return encodeString(value, width, order);
        },
      };
    default: {
      const kind = shape.kind;
      const identity = scale === 1 && offset === 0;
      const rounding = scaleRounding(kind, scale, offset);
      // a float32 read into a double shows digits the device never had: its shortest decimal
      const readable = kind === 'float32' ? shortestFloat32 : (v: number) => v;
      return {
        tag,
        shape,
        width,
        fast,
        decode: identity
          ? (data, at) => {
              const raw = decodeNumeric(kind, data as ArrayLike<number>, at, order);
              return typeof raw === 'bigint' ? scaleRaw(raw, 1, 0) : readable(raw);
            }
          : (data, at) => applyScale(readable(Number(decodeNumeric(kind, data as ArrayLike<number>, at, order))), scale, offset, rounding),
        encode: (value) => encodeNumeric(kind, rawFor(tag, kind, value), order),
      };
    }
  }
}

/** Decodes one tag from registers (or bits) that start at the tag's own address. */
export function decodeTag(tag: TagDef, data: ArrayLike<number | boolean>): DecodedValue {
  return compileCodec(tag).decode(data, 0);
}

/** Encodes a value for one tag (see TagCodec.encode). */
export function encodeTag(tag: TagDef, value: unknown, currentRegister?: number): number[] | boolean[] {
  return compileCodec(tag).encode(value, currentRegister);
}

function toBool(tag: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 0 || value === 1) return value === 1;
  throw new TagValueError(tag, `expected a boolean (or 0/1), got ${describe(value)}`);
}

/** Inverse scaling and range check: the raw value to put in the registers. */
function rawFor(tag: TagDef, kind: NumericType, value: unknown): number | bigint {
  const { scale, offset } = tag;
  if (typeof value === 'string') {
    // text from a command or the CLI: decimal only ('0x10', ' 21' and '' are refused)
    const wide = kind === 'int64' || kind === 'uint64';
    const n = wide && scale === 1 && offset === 0 ? (parseStrictInteger(value) ?? parseStrictNumber(value)) : parseStrictNumber(value);
    if (n === undefined) throw new TagValueError(tag.name, notANumberReason(value));
    value = n;
  }
  if (typeof value === 'bigint') {
    if (kind === 'int64' || kind === 'uint64') {
      if (scale === 1 && offset === 0) return checkInt64(tag, kind, value, value);
    }
    value = Number(value);
  }
  if (typeof value !== 'number') throw new TagValueError(tag.name, `expected a number for ${kind}, got ${describe(value)}`);
  if (!Number.isFinite(value)) throw new TagValueError(tag.name, `${value} is not a finite number`);
  const exact = (value - offset) / scale;
  if (kind === 'float32') {
    if (Math.abs(exact) > FLOAT32_MAX) throw new TagValueError(tag.name, `value ${value} out of range for float32 after inverse scaling (raw ${exact})`);
    return exact;
  }
  if (kind === 'float64') {
    if (!Number.isFinite(exact)) throw new TagValueError(tag.name, `value ${value} out of range for float64 after inverse scaling`);
    return exact;
  }
  const raw = Math.round(exact);
  if (kind === 'int64' || kind === 'uint64') {
    if (!Number.isFinite(raw)) throw new TagValueError(tag.name, `value ${value} out of range for ${kind} after inverse scaling`);
    return checkInt64(tag, kind, BigInt(raw), value);
  }
  const [min, max] = INT_RANGE[kind];
  if (raw < min || raw > max) {
    const scaled = scale === 1 && offset === 0 ? '' : ` after inverse scaling (raw ${raw})`;
    throw new TagValueError(tag.name, `value ${value} out of range for ${kind} (${min}..${max})${scaled}`);
  }
  return raw;
}

function checkInt64(tag: TagDef, kind: 'int64' | 'uint64', raw: bigint, value: unknown): bigint {
  const [min, max] = INT64_RANGE[kind];
  if (raw < min || raw > max) throw new TagValueError(tag.name, `value ${String(value)} out of range for ${kind} (${min}..${max})`);
  return raw;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 20 ? value.slice(0, 20) + '...' : value)})`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${textOf(value)}`;
}
