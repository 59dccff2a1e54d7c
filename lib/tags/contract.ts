// The one tag message contract (DESIGN.md): every node that produces or consumes tag values
// speaks these shapes. Quality is never dropped.

export type Quality = 'good' | 'uncertain' | 'bad' | 'stale';
export const QUALITIES: readonly Quality[] = ['good', 'uncertain', 'bad', 'stale'];

export type TagValue = number | boolean | string | Buffer | bigint | null;

export interface TagSample {
  device: string;
  name: string;
  value: TagValue;
  quality: Quality;
  /** epoch milliseconds */
  ts: number;
  unit?: string;
  source?: string;
  /** why the quality is not good (error text), when known */
  error?: string;
}

/** A per-tag message: topic "<device>/<tag>", payload the value, tag the sample. */
export interface TagMessage {
  topic: string;
  payload: TagValue;
  tag: TagSample;
}

/** A whole-scan message: payload { <tag>: value }, tags the samples. */
export interface ScanMessage {
  topic: string;
  payload: Record<string, TagValue>;
  tags: TagSample[];
}

export function tagTopic(device: string, name: string): string {
  return `${device}/${name}`;
}

export function tagMessage(sample: TagSample): TagMessage {
  return { topic: tagTopic(sample.device, sample.name), payload: sample.value, tag: sample };
}

export function scanMessage(device: string, samples: TagSample[]): ScanMessage {
  const payload: Record<string, TagValue> = {};
  for (const s of samples) payload[s.name] = s.value;
  return { topic: device, payload, tags: samples };
}

/** The worst of several qualities, for values computed from several inputs. */
export function combineQuality(qualities: Iterable<Quality>): Quality {
  let worst: Quality = 'good';
  const rank: Record<Quality, number> = { good: 0, uncertain: 1, stale: 2, bad: 3 };
  for (const q of qualities) if (rank[q] > rank[worst]) worst = q;
  return worst;
}

/** Extract the samples a message carries, whether it is a scan or a single tag message. */
export function samplesOf(msg: { tags?: unknown; tag?: unknown }): TagSample[] {
  if (Array.isArray(msg.tags)) return msg.tags as TagSample[];
  if (msg.tag && typeof msg.tag === 'object') return [msg.tag as TagSample];
  return [];
}
