// A chunk's samples as JSON text, in one of two forms. A chunk of good numbers only (most of
// them) is a flat array `[dt,num,dt,num,...]`: V8 parses a flat array of numbers about twice as
// fast as an array of small arrays, and a downsampled query is mostly that parse. Any other chunk
// is `[[dt,num,text,kind,quality],...]`. dt is ms after the chunk's t0. The hist_samples view
// (schema.ts) reads both.
import type { SampleColumns } from './backlog';
import { jsonNumber, ValueKind, type EncodedSample } from './values';

type NestedSample = [number, number | null, string | null, ValueKind, number];

/** The samples at order[from, to) of the columns (in time order, the first at t0) as a chunk's text. */
export function chunkJson(cols: SampleColumns, order: ArrayLike<number>, from: number, to: number): string {
  const t0 = cols.ts[order[from]];
  let flat = true;
  for (let k = from; k < to && flat; k++) flat = cols.kinds[order[k]] === ValueKind.Number && cols.qualities[order[k]] === 0;
  const parts = new Array<string>(to - from);
  for (let k = from; k < to; k++) {
    const i = order[k];
    const num = jsonNumber(cols.nums[i]);
    if (flat) parts[k - from] = `${cols.ts[i] - t0},${num}`;
    else {
      const text = cols.texts?.[i] ?? null;
      parts[k - from] = `[${cols.ts[i] - t0},${num},${text === null ? 'null' : JSON.stringify(text)},${cols.kinds[i]},${cols.qualities[i]}]`;
    }
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
