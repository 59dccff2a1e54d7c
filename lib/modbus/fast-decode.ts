// The hot path of a poll: the common tag kinds decoded by one monomorphic switch (decodeFast)
// instead of a closure per tag, and a whole answered block at once (decodeFastBlock), since a
// poll of thousands of tags runs this for every tag of every scan.
//
// The block loop lives here, next to what it calls, rather than in the poller: run through tsx
// (tests, benchmarks) every use of another module's export compiles into a getter call, and in a
// loop over the tags of a block those getters cost as much as the decoding itself (a 1,000-tag
// scan took 113 µs of CPU under tsx against 51 µs built with tsc, before the loop moved here).
import { shortestFloat32 } from '../tags/readable';

export enum FastKind {
  None = 0,
  Uint16 = 1,
  Int16 = 2,
  Uint32 = 3,
  Int32 = 4,
  Float32 = 5,
  Float32WordSwap = 6,
  Bit = 7,
}

// decoding is synchronous: one scratch buffer is never shared
const scratch = new DataView(new ArrayBuffer(4));

/** value = raw * scale + offset, rounded by scaleRounding's factor when it is not 0. */
export function applyScale(raw: number, scale: number, offset: number, rounding: number): number {
  const v = raw * scale + offset;
  return rounding === 0 ? v : Math.round(v * rounding) / rounding;
}

/** The raw value of a FastKind tag at `at` (booleans as 0/1 for Bit). */
export function decodeFast(kind: FastKind, data: ArrayLike<number | boolean>, at: number): number {
  const d = data as ArrayLike<number>;
  switch (kind) {
    case FastKind.Uint16:
      return d[at] & 0xffff;
    case FastKind.Int16:
      return (d[at] << 16) >> 16;
    case FastKind.Uint32:
      return (d[at] & 0xffff) * 0x10000 + (d[at + 1] & 0xffff);
    case FastKind.Int32:
      return (d[at] << 16) | (d[at + 1] & 0xffff);
    case FastKind.Float32:
      scratch.setUint16(0, d[at]);
      scratch.setUint16(2, d[at + 1]);
      return shortestFloat32(scratch.getFloat32(0));
    case FastKind.Float32WordSwap:
      scratch.setUint16(0, d[at + 1]);
      scratch.setUint16(2, d[at]);
      return shortestFloat32(scratch.getFloat32(0));
    case FastKind.Bit:
      return data[at] ? 1 : 0;
    default:
      throw new TypeError(`no fast decoding for kind ${kind}`);
  }
}

/** A tag as decodeFastBlock sees it (the poller's tags carry these fields). */
export interface FastTag {
  readonly fast: FastKind;
  /** value = raw: scale 1, offset 0 */
  readonly identity: boolean;
  readonly scale: number;
  readonly offset: number;
  /** see scaleRounding */
  readonly rounding: number;
  /** its first register (or bit) */
  readonly address: number;
  /**
   * float32 tags: the two registers last decoded and their value. Turning a float32 into its
   * shortest decimal is the costliest step of a scan, and most registers hold the same value
   * scan after scan; start at -1 (no register holds that).
   */
  rawHigh: number;
  rawLow: number;
  rawValue: number;
}

/**
 * Decodes the tags of a block answered with `data` (its first register at `base`) into
 * values[i], for every tag with a fast kind; tags without one (FastKind.None) get undefined and
 * are left to their codec.
 */
export function decodeFastBlock(tags: readonly FastTag[], data: ArrayLike<number | boolean>, base: number, values: Array<number | boolean | undefined>): void {
  for (let i = 0; i < tags.length; i++) {
    const t = tags[i];
    const at = t.address - base;
    const kind = t.fast;
    if (kind === FastKind.None) values[i] = undefined;
    else if (kind === FastKind.Bit) values[i] = data[at] ? true : false;
    else if (kind === FastKind.Float32 || kind === FastKind.Float32WordSwap) {
      const high = data[at] as number;
      const low = data[at + 1] as number;
      if (high !== t.rawHigh || low !== t.rawLow) {
        const raw = decodeFast(kind, data, at);
        t.rawValue = t.identity ? raw : applyScale(raw, t.scale, t.offset, t.rounding);
        t.rawHigh = high;
        t.rawLow = low;
      }
      values[i] = t.rawValue;
    } else {
      const raw = decodeFast(kind, data, at);
      values[i] = t.identity ? raw : applyScale(raw, t.scale, t.offset, t.rounding);
    }
  }
}
