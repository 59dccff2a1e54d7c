// Where a signal's bits sit in the frame, worked out once per signal: a list of byte segments,
// each "take `bits` bits of byte `byte` starting at bit `shift`, they are value bits dst..".
// No segment crosses value bit 32, so a value is assembled as two 32-bit words with plain
// integer operations, and BigInt is only needed to combine them beyond 53 bits.
import type { DbcSignal } from '../dbc/types';

export interface BitSegment {
  byte: number;
  /** Lowest bit of the segment within its byte (0 = LSB). */
  shift: number;
  bits: number;
  /** (1 << bits) - 1 */
  mask: number;
  /** Value bit of the segment's lowest bit (0 = the value's LSB). */
  dst: number;
}

export interface SignalLayout {
  segments: BitSegment[];
  /** Frame bytes needed to hold the signal. */
  bytesNeeded: number;
}

/** The layout of a signal, or a reason it has none (length outside 1..64, bits before the frame). */
export function signalLayout(signal: Pick<DbcSignal, 'startBit' | 'length' | 'byteOrder'>): SignalLayout | string {
  const { startBit, length } = signal;
  if (!Number.isInteger(length) || length < 1 || length > 64) return `length ${length} is outside 1..64 bits`;
  if (!Number.isInteger(startBit) || startBit < 0) return `start bit ${startBit} is invalid`;
  // Absolute frame bit (byte * 8 + bit-in-byte) of every value bit, LSB first.
  const positions: number[] = new Array(length);
  if (signal.byteOrder === 'little_endian') {
    for (let i = 0; i < length; i++) positions[i] = startBit + i;
  } else {
    // Motorola: the start bit is the MSB; counting "MSB first" the bits run on linearly.
    const msbLinear = (startBit >> 3) * 8 + (7 - (startBit & 7));
    for (let k = 0; k < length; k++) {
      const linear = msbLinear + k;
      positions[length - 1 - k] = (linear >> 3) * 8 + (7 - (linear & 7));
    }
  }
  const segments: BitSegment[] = [];
  let i = 0;
  while (i < length) {
    const byte = positions[i] >> 3;
    const shift = positions[i] & 7;
    let bits = 1;
    // Value bits i, i+1, .. continue upwards in the same byte, and never across value bit 32.
    while (i + bits < length && positions[i + bits] === positions[i] + bits && positions[i + bits] >> 3 === byte && ((i + bits) & 31) !== 0) bits++;
    segments.push({ byte, shift, bits, mask: bits === 32 ? 0xffffffff : (1 << bits) - 1, dst: i });
    i += bits;
  }
  let bytesNeeded = 0;
  for (const s of segments) bytesNeeded = Math.max(bytesNeeded, s.byte + 1);
  return { segments, bytesNeeded };
}
