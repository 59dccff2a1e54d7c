// A batch cut into chunks: its samples grouped by tag, in time order, one value per tag per ms
// (the later sample of the batch wins), each tag's run split into chunks of at most
// MAX_CHUNK_SAMPLES, written as the JSON text INSERT_CHUNKS_JSON_SQL takes. A run that starts
// after everything stored of its tag is appended as new chunks; one that reaches back into stored
// time is merged into the chunks it overlaps (store.ts), so a tag's chunks never overlap.
import type { TagSample } from '../tags/contract';
import { MAX_CHUNK_SAMPLES } from './schema';
import { chunkJson } from './chunk-text';
import { encodeSample, type EncodedSample } from './values';

/** One tag's samples of a batch, in time order, one per ms. */
export interface TagRun {
  tagId: number;
  samples: EncodedSample[];
}

/** The batch's runs, one per tag (ids[i] is batch[i]'s tag), in tag id order. */
export function runsOf(batch: readonly TagSample[], ids: readonly number[]): TagRun[] {
  // grouped in arrival order: scans come in time order, so a tag's samples mostly need no sort
  const byTag = new Map<number, EncodedSample[]>();
  for (let i = 0; i < batch.length; i++) {
    const s = batch[i];
    let samples = byTag.get(ids[i]);
    if (!samples) byTag.set(ids[i], (samples = []));
    samples.push(encodeSample(s.ts, s.value, s.quality));
  }
  const runs: TagRun[] = [];
  for (const [tagId, samples] of byTag) runs.push({ tagId, samples: inTimeOrder(samples) });
  return runs.sort((a, b) => a.tagId - b.tagId);
}

/** A tag's samples in arrival order as one per ms in time order; of two at the same ms the later one stays. */
function inTimeOrder(samples: EncodedSample[]): EncodedSample[] {
  let ordered = true;
  for (let k = 1; k < samples.length && ordered; k++) ordered = samples[k].ts > samples[k - 1].ts;
  if (ordered) return samples;
  // Array.prototype.sort is stable: samples at the same ms stay in arrival order, the last one wins
  const sorted = [...samples].sort((a, b) => a.ts - b.ts);
  const out: EncodedSample[] = [];
  for (const s of sorted) {
    if (out.length > 0 && out[out.length - 1].ts === s.ts) out[out.length - 1] = s;
    else out.push(s);
  }
  return out;
}

export interface ChunkRowJson {
  json: string;
  /** its samples */
  n: number;
}

/** A tag's samples (in time order) as chunk rows `[tag_id,t0,t1,n,[samples]]`, MAX_CHUNK_SAMPLES at most each. */
export function chunkRowsJson(tagId: number, samples: readonly EncodedSample[]): ChunkRowJson[] {
  const rows: ChunkRowJson[] = [];
  for (let at = 0; at < samples.length; at += MAX_CHUNK_SAMPLES) {
    const end = Math.min(samples.length, at + MAX_CHUNK_SAMPLES);
    rows.push({ json: `[${tagId},${samples[at].ts},${samples[end - 1].ts},${end - at},${chunkJson(samples, at, end)}]`, n: end - at });
  }
  return rows;
}

/** Chunk rows as the texts of INSERT_CHUNKS_JSON_SQL, each of about `samplesPerText` samples at most. */
export function insertTexts(rows: readonly ChunkRowJson[], samplesPerText: number): string[] {
  const texts: string[] = [];
  let part: string[] = [];
  let inPart = 0;
  for (const row of rows) {
    if (inPart > 0 && inPart + row.n > samplesPerText) {
      texts.push(`[${part.join(',')}]`);
      part = [];
      inPart = 0;
    }
    part.push(row.json);
    inPart += row.n;
  }
  if (part.length) texts.push(`[${part.join(',')}]`);
  return texts;
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
