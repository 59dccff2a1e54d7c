// The register image a Modbus server serves: coils, discrete inputs, holding and input
// registers of one unit, each a fixed-size typed array starting at its area's first address.
// Every method takes Modbus addresses (as a master sends them); the arrays are indexed from the
// area's start, so index = address - start.
import type { Area } from '../line/types';

export type AreaSizes = Record<Area, number>;
/** The first Modbus address of each area. */
export type AreaStarts = Record<Area, number>;

export const DEFAULT_AREA_SIZE = 10000;
export const AREAS = ['coil', 'discrete', 'holding', 'input'] as const;
/** Modbus addresses are 16 bits: an area ends at 65535 at the latest. */
export const ADDRESS_SPACE = 65536;

export class ServerImageError extends Error {
  constructor(
    message: string,
    readonly where: { unit?: number; area?: string; address?: number; count?: number },
  ) {
    super(message);
    this.name = 'ServerImageError';
  }
}

export const ZERO_STARTS: AreaStarts = Object.freeze({ coil: 0, discrete: 0, holding: 0, input: 0 });

export class UnitImage {
  readonly coil: Uint8Array;
  readonly discrete: Uint8Array;
  readonly holding: Uint16Array;
  readonly input: Uint16Array;

  constructor(
    readonly sizes: AreaSizes,
    readonly starts: AreaStarts = ZERO_STARTS,
  ) {
    this.coil = new Uint8Array(sizes.coil);
    this.discrete = new Uint8Array(sizes.discrete);
    this.holding = new Uint16Array(sizes.holding);
    this.input = new Uint16Array(sizes.input);
  }

  size(area: Area): number {
    return this.sizes[area];
  }

  start(area: Area): number {
    return this.starts[area];
  }

  /** Whether addresses address..address+count-1 all lie inside the area. */
  inRange(area: Area, address: number, count: number): boolean {
    const start = this.starts[area];
    return Number.isInteger(address) && Number.isInteger(count) && address >= start && count >= 1 && address + count <= start + this.sizes[area];
  }

  getRegisters(area: 'holding' | 'input', address: number, count: number): number[] {
    const i = address - this.starts[area];
    return Array.from(this[area].subarray(i, i + count));
  }

  setRegisters(area: 'holding' | 'input', address: number, values: ArrayLike<number>): void {
    this[area].set(values, address - this.starts[area]);
  }

  getBits(area: 'coil' | 'discrete', address: number, count: number): boolean[] {
    const i = address - this.starts[area];
    return Array.from(this[area].subarray(i, i + count), (v) => v !== 0);
  }

  setBits(area: 'coil' | 'discrete', address: number, values: ArrayLike<boolean | number>): void {
    const a = this[area];
    const i = address - this.starts[area];
    for (let k = 0; k < values.length; k++) a[i + k] = values[k] ? 1 : 0;
  }
}

export function resolveSizes(sizes: Partial<AreaSizes> | undefined): AreaSizes {
  const out = {} as AreaSizes;
  for (const area of AREAS) {
    const n = sizes?.[area] ?? DEFAULT_AREA_SIZE;
    if (!Number.isInteger(n) || n < 0 || n > ADDRESS_SPACE) {
      throw new ServerImageError(`size of area ${area} must be an integer 0..${ADDRESS_SPACE}, got ${JSON.stringify(n)}`, { area });
    }
    out[area] = n;
  }
  return out;
}

/** Each area's first address (0 when not given); an area must end within the 16-bit address space. */
export function resolveStarts(starts: Partial<AreaStarts> | undefined, sizes: AreaSizes): AreaStarts {
  const out = {} as AreaStarts;
  for (const area of AREAS) {
    const s = starts?.[area] ?? 0;
    if (!Number.isInteger(s) || s < 0 || s > ADDRESS_SPACE - 1) {
      throw new ServerImageError(`start address of area ${area} must be an integer 0..${ADDRESS_SPACE - 1}, got ${JSON.stringify(s)}`, { area, address: s });
    }
    if (s + sizes[area] > ADDRESS_SPACE) {
      throw new ServerImageError(`area ${area} from ${s} with ${sizes[area]} entries ends past address ${ADDRESS_SPACE - 1}`, { area, address: s, count: sizes[area] });
    }
    out[area] = s;
  }
  return out;
}
