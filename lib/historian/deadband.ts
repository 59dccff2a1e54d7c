// Store changes only: a sample is kept when it differs from the last one kept for its tag by more
// than the deadband, when its quality or type changed, or when the tag's last kept sample is
// older than the max interval (so a flat line still has points to draw and to downsample).
// Bands are per node, and per tag where a small table ("device/name, absolute, percent" lines)
// gives a tag its own.
import { readCsv } from '../system/text/csv';
import type { TagSample, TagValue } from '../tags/contract';

export interface Bands {
  /** a numeric change must exceed this (0 = off) */
  absolute: number;
  /** a numeric change must exceed this percent of the last kept value (0 = off) */
  percent: number;
}

export interface DeadbandConfig extends Bands {
  /** an unchanged tag is kept again after this long (ms, 0 = never forced) */
  maxIntervalMs: number;
  /** bands of single tags, by "device/name", instead of the node's */
  perTag?: ReadonlyMap<string, Bands>;
}

export class DeadbandTableError extends Error {
  constructor(
    /** 1-based line of the table */
    readonly line: number,
    readonly reason: string,
  ) {
    super(`deadbandTags line ${line}: ${reason}`);
    this.name = 'DeadbandTableError';
  }
}

/** The per-tag table: CSV lines "device/name, absolute, percent" (blank lines and # comments skipped). */
export function parseDeadbandTable(text: string): Map<string, Bands> {
  const table = new Map<string, Bands>();
  const lines = text
    .split(/\r?\n/)
    .map((l) => (l.trim().startsWith('#') ? '' : l))
    .join('\n');
  for (const record of readCsv(lines)) {
    const [tag, absolute, percent, ...rest] = record.fields.map((f) => f.trim());
    const fail = (reason: string) => new DeadbandTableError(record.line, reason);
    if (!tag || tag.lastIndexOf('/') <= 0 || tag.endsWith('/')) throw fail(`the tag must be "device/name", got ${JSON.stringify(tag ?? '')}`);
    if (rest.length) throw fail('expected 3 fields: device/name, absolute, percent');
    const band = (text: string | undefined, what: string, max: number) => {
      const n = text === undefined || text === '' ? 0 : Number(text);
      if (!Number.isFinite(n) || n < 0 || n > max) throw fail(`${what} must be a number within 0..${max}, got ${JSON.stringify(text)}`);
      return n;
    };
    if (table.has(tag)) throw fail(`${tag} is listed twice`);
    table.set(tag, { absolute: band(absolute, 'absolute', Number.MAX_VALUE), percent: band(percent, 'percent', 100) });
  }
  return table;
}

interface Kept {
  value: TagValue;
  quality: TagSample['quality'];
  ts: number;
}

const tagKey = (s: TagSample) => `${s.device}\u0000${s.name}`;

export class DeadbandFilter {
  private readonly kept = new Map<string, Kept>();
  readonly active: boolean;

  constructor(private readonly config: DeadbandConfig) {
    this.active = config.absolute > 0 || config.percent > 0 || Boolean(config.perTag?.size);
  }

  /** The samples to store; with no deadband, all of them. */
  filter(samples: readonly TagSample[]): TagSample[] {
    if (!this.active) return samples as TagSample[];
    const out: TagSample[] = [];
    for (const s of samples) {
      const key = tagKey(s);
      const last = this.kept.get(key);
      if (last && !this.changed(last, s)) continue;
      this.kept.set(key, { value: s.value, quality: s.quality, ts: s.ts });
      out.push(s);
    }
    return out;
  }

  private changed(last: Kept, s: TagSample): boolean {
    if (s.quality !== last.quality) return true;
    if (this.config.maxIntervalMs > 0 && s.ts - last.ts >= this.config.maxIntervalMs) return true;
    if (typeof s.value !== 'number' || typeof last.value !== 'number') return !sameValue(s.value, last.value);
    const delta = Math.abs(s.value - last.value);
    if (Number.isNaN(delta)) return !(Number.isNaN(s.value) && Number.isNaN(last.value));
    const bands = this.config.perTag?.get(`${s.device}/${s.name}`) ?? this.config;
    // a tag without bands (the table gives others theirs) keeps every sample, as with no deadband;
    // with bands, either one is enough, a change inside both is dropped
    if (bands.absolute <= 0 && bands.percent <= 0) return true;
    if (bands.absolute > 0 && delta > bands.absolute) return true;
    if (bands.percent > 0 && delta > (Math.abs(last.value) * bands.percent) / 100) return true;
    return false;
  }
}

function sameValue(a: TagValue, b: TagValue): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  return a === b;
}
