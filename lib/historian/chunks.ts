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
  const encoded = batch.map((s) => encodeSample(s.ts, s.value, s.quality));
  // sorted by (tag, ts, arrival): of samples with the same tag and ms the last one is the later
  const order = batch.map((_, i) => i).sort((a, b) => ids[a] - ids[b] || encoded[a].ts - encoded[b].ts || a - b);
  const runs: TagRun[] = [];
  let run: TagRun | undefined;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    if (!run || run.tagId !== ids[i]) runs.push((run = { tagId: ids[i], samples: [] }));
    const last = run.samples.length - 1;
    if (last >= 0 && run.samples[last].ts === encoded[i].ts) run.samples[last] = encoded[i];
    else run.samples.push(encoded[i]);
  }
  return runs;
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
