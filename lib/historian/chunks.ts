// A batch cut into chunks: its samples grouped by tag, in time order, one value per tag per ms
// (the later sample of the batch wins), each tag's run split into chunks of at most
// MAX_CHUNK_SAMPLES, written as the JSON text INSERT_CHUNKS_JSON_SQL takes. A run that starts
// after everything stored of its tag is appended as new chunks; one that reaches back into stored
// time is merged into the chunks it overlaps (store.ts), so a tag's chunks never overlap.
import { MAX_CHUNK_SAMPLES } from './schema';
import { chunkJson } from './chunk-text';
import { columnsOf, type SampleColumns } from './backlog';
import type { EncodedSample } from './values';

/** One tag's samples of a batch: indexes into the batch's columns, in time order, one per ms. */
export interface TagRun {
  slot: number;
  /** the tag's id, once the store has it */
  tagId: number;
  order: Int32Array;
}

/** The batch's runs, one per tag slot (slots below `slotCount`), in slot order. */
export function runsOf(cols: SampleColumns, slotCount: number): TagRun[] {
  // grouped by a counting sort in arrival order: scans come in time order, so a tag's samples mostly need no sort
  const starts = new Int32Array(slotCount + 1);
  for (let i = 0; i < cols.length; i++) starts[cols.slots[i] + 1]++;
  for (let s = 0; s < slotCount; s++) starts[s + 1] += starts[s];
  const grouped = new Int32Array(cols.length);
  const next = starts.slice(0, slotCount);
  for (let i = 0; i < cols.length; i++) grouped[next[cols.slots[i]]++] = i;
  const runs: TagRun[] = [];
  for (let s = 0; s < slotCount; s++) {
    if (starts[s] === starts[s + 1]) continue;
    runs.push({ slot: s, tagId: -1, order: inTimeOrder(cols.ts, grouped.subarray(starts[s], starts[s + 1])) });
  }
  return runs;
}

/** A tag's samples in arrival order as one per ms in time order; of two at the same ms the later one stays. */
function inTimeOrder(ts: Float64Array, order: Int32Array): Int32Array {
  let ordered = true;
  for (let k = 1; k < order.length && ordered; k++) ordered = ts[order[k]] > ts[order[k - 1]];
  if (ordered) return order;
  // indexes grow with arrival: ordered by (ts, index), samples at the same ms stay in arrival order and the last one wins
  const sorted = Array.from(order).sort((a, b) => ts[a] - ts[b] || a - b);
  const out: number[] = [];
  for (const i of sorted) {
    if (out.length > 0 && ts[out[out.length - 1]] === ts[i]) out[out.length - 1] = i;
    else out.push(i);
  }
  return Int32Array.from(out);
}

export interface ChunkRowJson {
  json: string;
  /** its samples */
  n: number;
}

/** A run's samples as chunk rows `[tag_id,t0,t1,n,[samples]]`, MAX_CHUNK_SAMPLES at most each, made as they are asked for. */
export function* runChunkRows(cols: SampleColumns, tagId: number, order: ArrayLike<number>): Generator<ChunkRowJson> {
  for (let at = 0; at < order.length; at += MAX_CHUNK_SAMPLES) {
    const end = Math.min(order.length, at + MAX_CHUNK_SAMPLES);
    yield { json: `[${tagId},${cols.ts[order[at]]},${cols.ts[order[end - 1]]},${end - at},${chunkJson(cols, order, at, end)}]`, n: end - at };
  }
}

/** A tag's samples (in time order) as chunk rows (runChunkRows). */
export function chunkRowsJson(tagId: number, samples: readonly EncodedSample[]): ChunkRowJson[] {
  const order = new Int32Array(samples.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return [...runChunkRows(columnsOf(samples), tagId, order)];
}

/** Chunk rows as the texts of INSERT_CHUNKS_JSON_SQL, each of about `samplesPerText` samples at most, made as they are asked for. */
export function* insertTexts(rows: Iterable<ChunkRowJson>, samplesPerText: number): Generator<string> {
  let part: string[] = [];
  let inPart = 0;
  for (const row of rows) {
    if (inPart > 0 && inPart + row.n > samplesPerText) {
      yield `[${part.join(',')}]`;
      part = [];
      inPart = 0;
    }
    part.push(row.json);
    inPart += row.n;
  }
  if (part.length) yield `[${part.join(',')}]`;
}

/** Stored samples and a run's (both in time order) as one list; at the same ms the run's wins. */
export function mergeSamples(stored: readonly EncodedSample[], run: readonly EncodedSample[]): EncodedSample[] {
  const out: EncodedSample[] = [];
  let i = 0;
  let j = 0;
  while (i < stored.length || j < run.length) {
    if (j >= run.length || (i < stored.length && stored[i].ts < run[j].ts)) out.push(stored[i++]);
    else {
      if (i < stored.length && stored[i].ts === run[j].ts) i++;
      out.push(run[j++]);
    }
  }
  return out;
}
