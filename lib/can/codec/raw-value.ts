// Reading and writing one signal's raw value with its layout, without code generation: the
// encoder uses these, and so does the decoder where generated code is not allowed.
import type { SignalLayout } from './signal-layout';
import type { ValueKind } from './message-plan';

const scratch = new ArrayBuffer(8);
const U32 = new Uint32Array(scratch);
const F32 = new Float32Array(scratch);
const F64 = new Float64Array(scratch);
/** Index of the low / high 32-bit word of a float64 in U32 on this machine. */
export const LO_WORD = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 0 : 1;
export const HI_WORD = 1 - LO_WORD;
export const FLOAT_VIEWS = { U32, F32, F64 };

const TWO_32 = 4294967296;

/** The two 32-bit words (value bits 0..31 and 32..63) of a signal in a frame. */
export function readWords(layout: SignalLayout, data: Uint8Array): [number, number] {
  let w0 = 0;
  let w1 = 0;
  for (const s of layout.segments) {
    const bits = (data[s.byte] >>> s.shift) & s.mask;
    if (s.dst < 32) w0 |= bits << s.dst;
    else w1 |= bits << (s.dst - 32);
  }
  return [w0 >>> 0, w1 >>> 0];
}

/** The raw value: a number, or a BigInt for integers longer than 53 bits. */
export function rawFromWords(kind: ValueKind, length: number, signed: boolean, w0: number, w1: number): number | bigint {
  switch (kind) {
    case 'int32':
      if (!signed) return w0;
      return length === 32 ? w0 | 0 : (w0 << (32 - length)) >> (32 - length);
    case 'int53': {
      const hi = signed ? (w1 << (64 - length)) >> (64 - length) : w1;
      return hi * TWO_32 + w0;
    }
    case 'int64': {
      const v = (BigInt(w1) << 32n) | BigInt(w0);
      return signed ? BigInt.asIntN(length, v) : v;
    }
    case 'float32':
      U32[0] = w0;
      return F32[0];
    case 'float64':
      U32[LO_WORD] = w0;
      U32[HI_WORD] = w1;
      return F64[0];
  }
}

/** The two words of a raw value (two's complement for negative integers), masked to the signal length. */
export function wordsFromRaw(kind: ValueKind, length: number, raw: number | bigint): [number, number] {
  let w0: number;
  let w1: number;
  if (kind === 'float32') {
    F32[0] = Number(raw);
    return [U32[0], 0];
  }
  if (kind === 'float64') {
    F64[0] = Number(raw);
    return [U32[LO_WORD], U32[HI_WORD]];
  }
  if (typeof raw === 'bigint') {
    const u = BigInt.asUintN(64, raw);
    w0 = Number(u & 0xffffffffn);
    w1 = Number(u >> 32n);
  } else {
    w0 = raw >>> 0;
    w1 = Math.floor(raw / TWO_32) >>> 0;
  }
  if (length < 32) {
    w0 = (w0 & ((1 << length) - 1)) >>> 0;
    w1 = 0;
  } else if (length === 32) {
    w1 = 0;
  } else if (length < 64) {
    w1 = (w1 & (length - 32 === 32 ? 0xffffffff : (1 << (length - 32)) - 1)) >>> 0;
  }
  return [w0, w1];
}

/** ORs a signal's words into a frame; the signal's bits must be zero before. */
export function writeWords(layout: SignalLayout, data: Uint8Array, w0: number, w1: number): void {
  for (const s of layout.segments) {
    const word = s.dst < 32 ? w0 : w1;
    const bits = (word >>> (s.dst & 31)) & s.mask;
    data[s.byte] = (data[s.byte] & ~(s.mask << s.shift)) | (bits << s.shift);
  }
}
