// RegisterPlanner: turns the tags of one poll group into the fewest read requests the protocol
// allows, and learns from devices that refuse some of them.
//
// Per area, tags sorted by address are packed greedily into blocks: a block grows while it
// stays within the request limit (125 registers / 2000 bits) and the hole before the next tag
// is at most `maxGap` registers (reading across a hole costs bytes, not a round trip). A tag is
// never split across requests. Greedy packing of sorted intervals gives the fewest blocks.
//
// Devices often answer "illegal data address" (exception 2) for holes in their map. Such a
// block is split in two halves by tag (then halves again, down to one tag per block), and the
// split stays in the plan for every later scan, so the device is asked the failing question
// once. A single tag that still fails is bad on its own and does not take its neighbours down.
import { isBitArea, tagWidth, type Area, type TagDef } from '../types';
import { MAX_READ_BITS, MAX_READ_REGISTERS } from './fields';

export interface PlannerLimits {
  /** registers per request, 1..125 */
  maxRegisters?: number;
  /** bits (coils/discrete inputs) per request, 1..2000 */
  maxBits?: number;
  /** unused registers (or bits) a request may read across to join two tags */
  maxGap?: number;
}

/** What the planner places: a tag and how many registers (or bits) it occupies. */
export interface PlanItem {
  tag: TagDef;
  width: number;
}

export interface ReadBlock<T extends PlanItem = PlanItem> {
  area: Area;
  address: number;
  count: number;
  /** sorted by address */
  items: T[];
  /** how many times this block's range was split out of a larger one */
  generation: number;
}

/** A tag that cannot fit one request under the configured limits. */
export class PlannerError extends Error {
  constructor(
    readonly tag: string,
    readonly width: number,
    readonly limit: number,
  ) {
    super(`tag '${tag}' occupies ${width} ${width === 1 ? 'unit' : 'units'}, more than the ${limit} one request may read`);
    this.name = 'PlannerError';
  }
}

export function planItem(tag: TagDef): PlanItem {
  return { tag, width: tagWidth(tag) };
}

function limitsOf(opts: PlannerLimits): Required<PlannerLimits> {
  const maxRegisters = Math.floor(opts.maxRegisters ?? MAX_READ_REGISTERS);
  const maxBits = Math.floor(opts.maxBits ?? MAX_READ_BITS);
  const maxGap = Math.floor(opts.maxGap ?? 0);
  if (!(maxRegisters >= 1 && maxRegisters <= MAX_READ_REGISTERS)) throw new RangeError(`maxRegisters must be 1..${MAX_READ_REGISTERS}, got ${opts.maxRegisters}`);
  if (!(maxBits >= 1 && maxBits <= MAX_READ_BITS)) throw new RangeError(`maxBits must be 1..${MAX_READ_BITS}, got ${opts.maxBits}`);
  if (!(maxGap >= 0)) throw new RangeError(`maxGap must be >= 0, got ${opts.maxGap}`);
  return { maxRegisters, maxBits, maxGap };
}

function blockOf<T extends PlanItem>(area: Area, items: T[], generation: number): ReadBlock<T> {
  let start = Infinity;
  let end = -Infinity;
  for (const it of items) {
    if (it.tag.address < start) start = it.tag.address;
    if (it.tag.address + it.width - 1 > end) end = it.tag.address + it.width - 1;
  }
  return { area, address: start, count: end - start + 1, items, generation };
}

/** Packs items into blocks (see the file comment). Pure: the same input gives the same plan. */
export function packBlocks<T extends PlanItem>(items: readonly T[], opts: PlannerLimits = {}): ReadBlock<T>[] {
  const limits = limitsOf(opts);
  const byArea = new Map<Area, T[]>();
  for (const it of items) {
    const limit = isBitArea(it.tag.area) ? limits.maxBits : limits.maxRegisters;
    if (it.width > limit) throw new PlannerError(it.tag.name, it.width, limit);
    let list = byArea.get(it.tag.area);
    if (!list) byArea.set(it.tag.area, (list = []));
    list.push(it);
  }
  const blocks: ReadBlock<T>[] = [];
  for (const area of ['coil', 'discrete', 'holding', 'input'] as const) {
    const list = byArea.get(area);
    if (!list) continue;
    list.sort((a, b) => a.tag.address - b.tag.address || a.width - b.width);
    const limit = isBitArea(area) ? limits.maxBits : limits.maxRegisters;
    let current: T[] = [];
    let start = 0;
    let end = -1; // last address covered by the current block
    for (const it of list) {
      const a = it.tag.address;
      const itEnd = a + it.width - 1;
      if (current.length > 0 && a - end - 1 <= limits.maxGap && Math.max(end, itEnd) - start + 1 <= limit) {
        current.push(it);
        if (itEnd > end) end = itEnd;
        continue;
      }
      if (current.length > 0) blocks.push({ area, address: start, count: end - start + 1, items: current, generation: 0 });
      current = [it];
      start = a;
      end = itEnd;
    }
    if (current.length > 0) blocks.push({ area, address: start, count: end - start + 1, items: current, generation: 0 });
  }
  return blocks;
}

export class RegisterPlanner<T extends PlanItem = PlanItem> {
  private plan: ReadBlock<T>[];
  private splitCount = 0;

  constructor(items: readonly T[], opts: PlannerLimits = {}) {
    this.plan = packBlocks(items, opts);
  }

  /** The current requests, including every split learned so far. */
  get blocks(): readonly ReadBlock<T>[] {
    return this.plan;
  }

  /** How many splits the device has forced so far. */
  get splits(): number {
    return this.splitCount;
  }

  /**
   * The device refused `block` with "illegal data address": replace it in the plan by its two
   * halves (by tag) and return them. Returns null when the block is a single tag (or no longer
   * part of the plan): that tag is bad on its own.
   */
  split(block: ReadBlock<T>): [ReadBlock<T>, ReadBlock<T>] | null {
    const at = this.plan.indexOf(block);
    if (at < 0 || block.items.length < 2) return null;
    const mid = Math.ceil(block.items.length / 2);
    const left = blockOf(block.area, block.items.slice(0, mid), block.generation + 1);
    const right = blockOf(block.area, block.items.slice(mid), block.generation + 1);
    this.plan.splice(at, 1, left, right);
    this.splitCount++;
    return [left, right];
  }

  /** Total registers/bits read per scan (including gaps read across). */
  get unitsPerScan(): number {
    let n = 0;
    for (const b of this.plan) n += b.count;
    return n;
  }
}
