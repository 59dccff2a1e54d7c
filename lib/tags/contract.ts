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

export function scanMessage(device: string, samples: TagSample[], payloads?: ScanPayloads): ScanMessage {
  if (payloads) return { topic: device, payload: payloads.payload(samples), tags: samples };
  const payload: Record<string, TagValue> = {};
  for (const s of samples) payload[s.name] = s.value;
  return { topic: device, payload, tags: samples };
}

/** From how many samples a scan's payload is copied from a template (below it V8 keeps a built object fast anyway). */
const TEMPLATE_FROM = 64;

/**
 * The payloads of a producer whose scans name the same tags in the same order every time (a poll
 * group). A payload built key by key past a few dozen keys is a dictionary in V8, and everything
 * that reads the whole of it (Object.keys, JSON.stringify, a copy) collects and sorts its keys
 * first; a copy of a template object that has the scan's keys keeps the template's hidden class,
 * whose keys are listed once. Same keys, same order, same values as scanMessage's own payload
 * (a name twice: its last value, at its first place); a scan with other names makes a new
 * template.
 */
export class ScanPayloads {
  private names: string[] = [];
  /** undefined: these names are built key by key (__proto__ among them: its assignment may set the prototype) */
  private template: Record<string, TagValue> | undefined;

  payload(samples: readonly TagSample[]): Record<string, TagValue> {
    const n = samples.length;
    let same = n >= TEMPLATE_FROM && this.names.length === n;
    for (let i = 0; same && i < n; i++) same = samples[i].name === this.names[i];
    if (!same && n >= TEMPLATE_FROM) {
      this.names = samples.map((s) => s.name);
      this.template = undefined;
      if (!this.names.includes('__proto__')) {
        const keys: Record<string, TagValue> = {};
        for (const name of this.names) keys[name] = null;
        // a spread copy of the dictionary is an object with fast properties, whose copies share its map
        this.template = { ...keys };
      }
      same = true;
    }
    if (!same || !this.template) {
      const payload: Record<string, TagValue> = {};
      for (const s of samples) payload[s.name] = s.value;
      return payload;
    }
    const payload = { ...this.template };
    for (let i = 0; i < n; i++) payload[samples[i].name] = samples[i].value;
    return payload;
  }
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
