// What waits for the historian's writer, kept as columns rather than as the TagSample objects the
// flows sent: a sample costs 22 bytes (its tag's slot, ts, number, kind, quality; a text only for
// the values that have one) instead of an object and the message fields it keeps alive. The
// backlog is a list of fixed blocks, so dropping the oldest or taking a batch copies nothing but
// the batch itself, and its memory is bounded by the samples it may hold (the store's bound).
import type { TagSample } from '../tags/contract';
import { encodeValue, QUALITY_CODES, ValueKind, type EncodedSample } from './values';

/** Samples as columns: index i of every array is one sample. */
export interface SampleColumns {
  readonly length: number;
  /** the tag's slot (TagSlots) */
  readonly slots: Int32Array;
  /** epoch ms, whole */
  readonly ts: Float64Array;
  /** the value's number; NaN where it has none (a string, null) or is NaN (stored as null either way) */
  readonly nums: Float64Array;
  readonly kinds: Uint8Array;
  /** QUALITY_CODES */
  readonly qualities: Uint8Array;
  /** the value's text where it has one (a string, a bigint's digits, a Buffer's hex); undefined when no sample has one */
  readonly texts: Array<string | null> | undefined;
}

/** Samples a block holds: 22 KiB of columns. */
const BLOCK_SAMPLES = 1024;
/** bytes of one sample's columns (slot 4, ts 8, num 8, kind 1, quality 1) */
export const SAMPLE_COLUMN_BYTES = 22;

class Block implements SampleColumns {
  readonly slots = new Int32Array(BLOCK_SAMPLES);
  readonly ts = new Float64Array(BLOCK_SAMPLES);
  readonly nums = new Float64Array(BLOCK_SAMPLES);
  readonly kinds = new Uint8Array(BLOCK_SAMPLES);
  readonly qualities = new Uint8Array(BLOCK_SAMPLES);
  texts: Array<string | null> | undefined;
  /** the first sample still held (the ones before were taken or dropped) */
  start = 0;
  /** the samples written */
  length = 0;
}

export class SampleBacklog {
  private blocks: Block[] = [];
  private held = 0;

  /** samples waiting */
  get length(): number {
    return this.held;
  }

  /** bytes of columns allocated (whole blocks): the backlog's memory, texts aside */
  get bytes(): number {
    return this.blocks.length * BLOCK_SAMPLES * SAMPLE_COLUMN_BYTES;
  }

  push(slot: number, s: TagSample): void {
    let block = this.blocks[this.blocks.length - 1];
    if (!block || block.length === BLOCK_SAMPLES) this.blocks.push((block = new Block()));
    const i = block.length++;
    block.slots[i] = slot;
    block.ts[i] = Math.round(s.ts);
    block.qualities[i] = QUALITY_CODES[s.quality] ?? QUALITY_CODES.bad;
    if (typeof s.value === 'number') {
      block.nums[i] = s.value;
      block.kinds[i] = ValueKind.Number;
    } else {
      const [num, text, kind] = encodeValue(s.value);
      block.nums[i] = num ?? NaN;
      block.kinds[i] = kind;
      if (text !== null) (block.texts ??= new Array<string | null>(BLOCK_SAMPLES).fill(null))[i] = text;
    }
    this.held++;
  }

  /** Forgets the oldest `count` samples. */
  dropOldest(count: number): void {
    let left = Math.min(count, this.held);
    this.held -= left;
    while (left > 0) {
      const block = this.blocks[0];
      const here = Math.min(left, block.length - block.start);
      block.start += here;
      left -= here;
      if (block.start === BLOCK_SAMPLES) this.blocks.shift();
    }
  }

  /** The oldest `count` samples as one set of columns, taken out of the backlog. */
  take(count: number): SampleColumns {
    const n = Math.min(count, this.held);
    const out = newColumns(n);
    let at = 0;
    while (at < n) {
      const block = this.blocks[0];
      const from = block.start;
      const to = Math.min(block.length, from + (n - at));
      out.slots.set(block.slots.subarray(from, to), at);
      out.ts.set(block.ts.subarray(from, to), at);
      out.nums.set(block.nums.subarray(from, to), at);
      out.kinds.set(block.kinds.subarray(from, to), at);
      out.qualities.set(block.qualities.subarray(from, to), at);
      if (block.texts) {
        out.texts ??= new Array<string | null>(n).fill(null);
        for (let k = from; k < to; k++) out.texts[at + k - from] = block.texts[k];
      }
      at += to - from;
      block.start = to;
      // a block is done once it is full and read to its end; the last one keeps taking samples
      if (block.start === BLOCK_SAMPLES) this.blocks.shift();
      else if (block.start === block.length && this.blocks.length === 1) {
        block.start = 0;
        block.length = 0;
        block.texts = undefined;
      }
    }
    this.held -= n;
    return out;
  }
}

/** Columns for `n` samples, with no texts yet. */
function newColumns(n: number): SampleColumns & { texts: Array<string | null> | undefined } {
  return { length: n, slots: new Int32Array(n), ts: new Float64Array(n), nums: new Float64Array(n), kinds: new Uint8Array(n), qualities: new Uint8Array(n), texts: undefined };
}

/** Samples (in time order) as columns: the merge and retention paths write through the same encoder as batches. */
export function columnsOf(samples: readonly EncodedSample[]): SampleColumns {
  const n = samples.length;
  const cols = newColumns(n);
  for (let i = 0; i < n; i++) {
    const s = samples[i];
    cols.ts[i] = s.ts;
    cols.nums[i] = s.num ?? NaN;
    cols.kinds[i] = s.kind;
    cols.qualities[i] = s.quality;
    if (s.text !== null) (cols.texts ??= new Array<string | null>(n).fill(null))[i] = s.text;
  }
  return cols;
}

/** The sample at `i` of the columns as a chunk holds it. */
export function sampleAt(cols: SampleColumns, i: number): EncodedSample {
  const num = cols.nums[i];
  return { ts: cols.ts[i], num: Number.isNaN(num) ? null : num, text: cols.texts?.[i] ?? null, kind: cols.kinds[i] as ValueKind, quality: cols.qualities[i] };
}
