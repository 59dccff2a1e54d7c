// What a Modbus tag is: where it lives (area, 0-based address), how its registers encode a value
// (type, byte/word order) and how the raw value maps to engineering units (scale, offset).
import type { Area } from './line/types';

export type { Area };
export const AREAS: readonly Area[] = ['coil', 'discrete', 'holding', 'input'];

export type NumericType = 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'float32' | 'float64';
export const NUMERIC_TYPES: readonly NumericType[] = ['int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'float32', 'float64'];

/** Text form of a tag type, as written in tag tables: `bit:N` is bit N (0-15) of one register,
 * `string:N` is N registers of two ASCII characters each. */
export type TagType = 'bool' | NumericType | `bit:${number}` | `string:${number}`;

/**
 * Byte and word order, named after the bytes A B C D of the big-endian value:
 * ABCD big-endian bytes and words, CDAB word swap, BADC byte swap in each register, DCBA both.
 * For 64-bit types the same rule applies to four registers (CDAB reverses the four words).
 */
export type WordOrder = 'ABCD' | 'CDAB' | 'BADC' | 'DCBA';
export const WORD_ORDERS: readonly WordOrder[] = ['ABCD', 'CDAB', 'BADC', 'DCBA'];

export type Access = 'r' | 'rw';

export interface TagDef {
  name: string;
  area: Area;
  /** 0-based protocol address (the tag table converts 1-based/4xxxx notation on input) */
  address: number;
  type: TagType;
  order: WordOrder;
  scale: number;
  offset: number;
  unit?: string;
  /** report-by-exception threshold in engineering units; 0/undefined: any change */
  deadband?: number;
  access: Access;
  /** poll group name; undefined means the device's first group */
  group?: string;
  description?: string;
}

/** A tag type taken apart: the codec works on this, never on the text. */
export interface TypeShape {
  kind: 'bool' | 'bit' | NumericType | 'string';
  /** registers (or bits, for coil/discrete areas) the tag occupies */
  width: number;
  /** bit index for `bit:N` */
  bit?: number;
}

const NUMERIC_WIDTH: Record<NumericType, number> = {
  int16: 1,
  uint16: 1,
  int32: 2,
  uint32: 2,
  int64: 4,
  uint64: 4,
  float32: 2,
  float64: 4,
};

/** Longest string a single read request can carry (125 registers). */
export const MAX_STRING_REGISTERS = 125;

/** Parses a type's text form; returns null when it is not a valid type. */
export function parseTagType(text: string): { type: TagType; shape: TypeShape } | null {
  const t = text.trim().toLowerCase();
  if (t === 'bool' || t === 'boolean') return { type: 'bool', shape: { kind: 'bool', width: 1 } };
  if (t in NUMERIC_WIDTH) {
    const k = t as NumericType;
    return { type: k, shape: { kind: k, width: NUMERIC_WIDTH[k] } };
  }
  const m = /^(bit|string)\s*[:(]\s*(\d+)\s*\)?$/.exec(t);
  if (!m) return null;
  const n = Number(m[2]);
  if (m[1] === 'bit') {
    if (n > 15) return null;
    return { type: `bit:${n}`, shape: { kind: 'bit', width: 1, bit: n } };
  }
  if (n < 1 || n > MAX_STRING_REGISTERS) return null;
  return { type: `string:${n}`, shape: { kind: 'string', width: n } };
}

export function typeShape(type: TagType): TypeShape {
  const p = parseTagType(type);
  if (!p) throw new TypeError(`unknown tag type '${type}'`);
  return p.shape;
}

export function isBitArea(area: Area): boolean {
  return area === 'coil' || area === 'discrete';
}

/** Registers (or bits) a tag occupies. */
export function tagWidth(tag: Pick<TagDef, 'type'>): number {
  return typeShape(tag.type).width;
}
