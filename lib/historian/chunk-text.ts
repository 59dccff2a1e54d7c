// A chunk's samples as JSON text, in one of two forms. A chunk of good numbers only (most of
// them) is a flat array `[dt,num,dt,num,...]`: V8 parses a flat array of numbers about twice as
// fast as an array of small arrays, and a downsampled query is mostly that parse. Any other chunk
// is `[[dt,num,text,kind,quality],...]`. dt is ms after the chunk's t0. The hist_samples view
// (schema.ts) reads both.
import { jsonNumber, ValueKind, type EncodedSample } from './values';

type NestedSample = [number, number | null, string | null, ValueKind, number];

/** samples[from, to) (in time order, the first at t0) as a chunk's text. */
export function chunkJson(samples: readonly EncodedSample[], from: number, to: number): string {
  const t0 = samples[from].ts;
  let flat = true;
  for (let k = from; k < to && flat; k++) flat = samples[k].kind === ValueKind.Number && samples[k].quality === 0;
  const parts = new Array<string>(to - from);
  for (let k = from; k < to; k++) {
    const s = samples[k];
    parts[k - from] = flat ? `${s.ts - t0},${jsonNumber(s.num)}` : `[${s.ts - t0},${jsonNumber(s.num)},${s.text === null ? 'null' : JSON.stringify(s.text)},${s.kind},${s.quality}]`;
  }
  return `[${parts.join(',')}]`;
}

/** Calls `visit` with each sample of a chunk's text, in time order (absolute ts). */
export function forEachChunkSample(text: string, t0: number, visit: (ts: number, num: number | null, text: string | null, kind: ValueKind, quality: number) => void): void {
  const items = JSON.parse(text) as Array<number | null> | NestedSample[];
  if (items.length > 0 && !Array.isArray(items[0])) {
    const flat = items as Array<number | null>;
    for (let i = 0; i < flat.length; i += 2) visit(t0 + (flat[i] as number), flat[i + 1], null, ValueKind.Number, 0);
    return;
  }
  for (const a of items as NestedSample[]) visit(t0 + a[0], a[1], a[2], a[3], a[4]);
}

/** The samples of a chunk's text. */
export function parseChunkSamples(text: string, t0: number): EncodedSample[] {
  const out: EncodedSample[] = [];
  forEachChunkSample(text, t0, (ts, num, text, kind, quality) => out.push({ ts, num, text, kind, quality }));
  return out;
}
