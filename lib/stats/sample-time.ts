// Which samples the stats windows may take by their timestamp. A window belongs to its samples'
// own time, so one sample from far in the future would open a window that never closes and every
// later sample of that tag would count as late: such samples are refused, as are timestamps that
// are not numbers (a text such as "yesterday" or an ISO date is not read as a time here). Samples
// from the past need no bound: the windows already count them as late.
import type { TagSample } from '../tags/contract';

export interface RefusedSample {
  sample: TagSample;
  reason: string;
}

/** Splits samples into those with a plausible ts (epoch ms, at most maxSkewMs ahead of now) and the rest. */
export function plausibleSamples(samples: readonly TagSample[], now: number, maxSkewMs: number): { accepted: TagSample[]; refused: RefusedSample[] } {
  const accepted: TagSample[] = [];
  const refused: RefusedSample[] = [];
  const latest = now + maxSkewMs;
  for (const sample of samples) {
    const ts: unknown = sample?.ts;
    if (typeof ts !== 'number' || !Number.isFinite(ts)) refused.push({ sample, reason: `ts ${JSON.stringify(ts) ?? String(ts)} is not a time in epoch ms` });
    else if (ts > latest) refused.push({ sample, reason: `ts ${ts} is ${Math.round((ts - now) / 1000)} s ahead of this machine's clock (allowed: ${maxSkewMs / 1000} s)` });
    else accepted.push(sample);
  }
  return { accepted, refused };
}

/** "<device>/<name>" of a sample, for messages. */
export function sampleName(s: TagSample): string {
  const device = typeof s?.device === 'string' ? s.device : '';
  const name = typeof s?.name === 'string' ? s.name : String(s?.name);
  return device ? `${device}/${name}` : name;
}
