// The register image a Modbus server serves: coils, discrete inputs, holding and input
// registers of one unit, each a fixed-size typed array.
import type { Area } from '../line/types';

export type AreaSizes = Record<Area, number>;

export const DEFAULT_AREA_SIZE = 10000;

export class ServerImageError extends Error {
  constructor(
    message: string,
    readonly where: { unit?: number; area?: string; address?: number; count?: number },
  ) {
    super(message);
    this.name = 'ServerImageError';
  }
}

export class UnitImage {
  readonly coil: Uint8Array;
  readonly discrete: Uint8Array;
  readonly holding: Uint16Array;
  readonly input: Uint16Array;

  constructor(readonly sizes: AreaSizes) {
    this.coil = new Uint8Array(sizes.coil);
    this.discrete = new Uint8Array(sizes.discrete);
    this.holding = new Uint16Array(sizes.holding);
    this.input = new Uint16Array(sizes.input);
  }

  size(area: Area): number {
    return this.sizes[area];
  }

  /** Whether address..address+count-1 lies inside the area. */
  inRange(area: Area, address: number, count: number): boolean {
    return Number.isInteger(address) && Number.isInteger(count) && address >= 0 && count >= 1 && address + count <= this.sizes[area];
  }

  getRegisters(area: 'holding' | 'input', address: number, count: number): number[] {
    return Array.from(this[area].subarray(address, address + count));
  }

  setRegisters(area: 'holding' | 'input', address: number, values: ArrayLike<number>): void {
    this[area].set(values, address);
  }

  getBits(area: 'coil' | 'discrete', address: number, count: number): boolean[] {
    return Array.from(this[area].subarray(address, address + count), (v) => v !== 0);
  }

  setBits(area: 'coil' | 'discrete', address: number, values: ArrayLike<boolean | number>): void {
    const a = this[area];
    for (let i = 0; i < values.length; i++) a[address + i] = values[i] ? 1 : 0;
  }
}

export function resolveSizes(sizes: Partial<AreaSizes> | undefined): AreaSizes {
  const out = {} as AreaSizes;
  for (const area of ['coil', 'discrete', 'holding', 'input'] as const) {
    const n = sizes?.[area] ?? DEFAULT_AREA_SIZE;
    if (!Number.isInteger(n) || n < 0 || n > 65536) {
      throw new ServerImageError(`size of area ${area} must be an integer 0..65536, got ${JSON.stringify(n)}`, { area });
    }
    out[area] = n;
  }
  return out;
}
