// What the watchdog supervises: the key list (parsed with line numbers for errors) and the keys
// a message refreshes (by topic, by device or by tag, scans included).
import { samplesOf } from '../tags/contract';
import { textOf } from '../system/text/text-of';
import { ConfigFieldError } from '../config/fields';

import { KEY_BY, type KeyBy } from './key-by';
export { KEY_BY, type KeyBy };

/** A bad entry of the key list: the field error, with the line of the list. */
export class WatchdogConfigError extends ConfigFieldError {
  constructor(
    field: string,
    message: string,
    readonly line?: number,
  ) {
    super(field, undefined, message);
    this.message = `${field}${line !== undefined ? ` line ${line}` : ''}: ${message}`;
    this.name = 'WatchdogConfigError';
  }
}

export interface ListedKey {
  key: string;
  /** a timeout of its own, ms (the node's timeout otherwise) */
  timeoutMs?: number;
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "500ms", "30s", "2m", "1h" -> ms; undefined when the text is not a duration with a unit. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2]] : undefined;
}

/**
 * One key per line; a line may end with its own timeout ("plant/pump1 10s"). Blank lines and
 * lines starting with # are ignored. The same key twice is an error naming both lines.
 */
export function parseKeyList(text: string, field = 'keys'): ListedKey[] {
  const out: ListedKey[] = [];
  const firstLine = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    let key = line;
    let timeoutMs: number | undefined;
    if (parts.length > 1) {
      const d = parseDuration(parts[parts.length - 1]);
      if (d !== undefined) {
        if (d <= 0) throw new WatchdogConfigError(field, `timeout of "${parts.slice(0, -1).join(' ')}" must be > 0`, i + 1);
        timeoutMs = d;
        key = parts.slice(0, -1).join(' ');
      }
    }
    const seen = firstLine.get(key);
    if (seen !== undefined) throw new WatchdogConfigError(field, `"${key}" is listed twice (first on line ${seen})`, i + 1);
    firstLine.set(key, i + 1);
    out.push(timeoutMs === undefined ? { key } : { key, timeoutMs });
  }
  return out;
}

/** A key a message refreshes, and whether its data is good enough to count as a heartbeat. */
export interface KeyBeat {
  key: string;
  good: boolean;
}

interface MessageLike {
  [key: string]: unknown;
  topic?: unknown;
  tag?: unknown;
  tags?: unknown;
}

function isBad(quality: unknown): boolean {
  return quality === 'bad' || quality === 'stale';
}

/**
 * The keys a message refreshes. A scan refreshes each of its devices or tags; a device counts as
 * good when any of its samples in the message is good. A message without a key gives none.
 */
export function beatsOf(msg: MessageLike, keyBy: KeyBy): KeyBeat[] {
  const topic = typeof msg.topic === 'string' && msg.topic !== '' ? msg.topic : undefined;
  const samples = (samplesOf(msg) as unknown[]).filter((s): s is { device?: unknown; name?: unknown; quality?: unknown } => s !== null && typeof s === 'object');
  if (keyBy === 'topic' || samples.length === 0) {
    let key = topic;
    if (key !== undefined && keyBy === 'device' && samples.length === 0) key = key.split('/')[0];
    if (key === undefined) return [];
    return [{ key, good: samples.length === 0 || samples.some((s) => !isBad(s.quality)) }];
  }
  const byKey = new Map<string, boolean>();
  for (const s of samples) {
    const device = typeof s.device === 'string' ? s.device : '';
    const key = keyBy === 'device' ? device : `${device}/${textOf(s.name ?? '')}`;
    if (!key || key === '/') continue;
    byKey.set(key, (byKey.get(key) ?? false) || !isBad(s.quality));
  }
  return [...byKey].map(([key, good]) => ({ key, good }));
}
