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

/** From how many samples a scan's payload is made by a generated literal (below it V8 keeps a payload built key by key fast anyway). */
const LITERAL_FROM = 64;

type PayloadOf = (samples: readonly TagSample[]) => Record<string, TagValue>;

/**
 * The payloads of a producer whose scans name the same tags in the same order every time (a poll
 * group). A payload built key by key past a few dozen keys is a dictionary in V8, and whatever
 * reads the whole of it (Object.keys, Object.values, JSON.stringify: the queue's encoding of every
 * scan) collects and sorts its keys first; and a store per key into an object of 1,000 fast
 * properties searches its descriptors each time. Once the same names came in two scans in a row,
 * the payload is an object literal with those keys, compiled once (`new Function`: where code
 * generation is disallowed, or a name is `__proto__`, which a literal would take for the prototype,
 * the payload is built key by key): each key's place fixed, fast properties. Same keys, same order,
 * same values and prototype as scanMessage's own payload (a name twice: its last value, at its
 * first place).
 */
export class ScanPayloads {
  /** the names of the last scan of LITERAL_FROM samples or more, in order */
  private names: string[] = [];
  /** the literal of those names, once they came twice in a row and it could be compiled */
  private literal: PayloadOf | undefined;
  private compiled = false;

  payload(samples: readonly TagSample[]): Record<string, TagValue> {
    const n = samples.length;
    let same = n >= LITERAL_FROM && this.names.length === n;
    for (let i = 0; same && i < n; i++) same = samples[i].name === this.names[i];
    if (same && !this.compiled) {
      this.literal = compilePayload(this.names);
      this.compiled = true;
    } else if (!same && n >= LITERAL_FROM) {
      // new names: built key by key until they come again in the next scan
      this.names = samples.map((s) => s.name);
      this.literal = undefined;
      this.compiled = false;
    }
    if (same && this.literal) return this.literal(samples);
    const payload: Record<string, TagValue> = {};
    for (const s of samples) payload[s.name] = s.value;
    return payload;
  }
}

/**
 * The literals compiled, by their names' JSON: devices of one profile (hundreds at a site) share
 * one function and its code. Emptied when it reaches LITERALS_KEPT (groups keep theirs).
 */
const literals = new Map<string, PayloadOf | undefined>();
const LITERALS_KEPT = 1000;

/** `function (s) { return { "<name 0>": s[0].value, ... } }`, or undefined where it cannot be. */
function compilePayload(names: readonly string[]): PayloadOf | undefined {
  if (names.includes('__proto__')) return undefined;
  const key = JSON.stringify(names);
  if (literals.has(key)) return literals.get(key);
  if (literals.size >= LITERALS_KEPT) literals.clear();
  const literal = compileLiteral(names);
  literals.set(key, literal);
  return literal;
}

function compileLiteral(names: readonly string[]): PayloadOf | undefined {
  // JSON text of a string is a JavaScript string literal with the same value (ES2019)
  const source = `"use strict";\nreturn function payload(s) {\n  return {\n${names.map((name, i) => `    ${JSON.stringify(name)}: s[${i}].value,`).join('\n')}\n  };\n};`;
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    return (new Function(source) as () => PayloadOf)();
  } catch (err) {
    if (err instanceof EvalError) return undefined;
    throw err;
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
