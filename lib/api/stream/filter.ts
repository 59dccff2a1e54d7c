// A client's choice of what to receive, from the query of its request:
//   device=plc1&device=plc2      tag changes and alarms of these devices only
//   tag=plc1/temp&tag=plc2/*     these tags: exact "<device>/<tag>", or a prefix ending in *
//   minInterval=500              at most one update per tag per 500 ms (the latest value wins)
//   events=tags,alarms,queues    the kinds (default all)
// A value out of range is a StreamFilterError naming the parameter (answered 400).
import type { TagSample } from '../../tags/contract';
import { STREAM_KINDS, type AlarmEvent, type StreamKind } from './events';

export interface StreamFilter {
  devices?: ReadonlySet<string>;
  exactTags?: ReadonlySet<string>;
  tagPrefixes?: readonly string[];
  /** ms; 0: every change */
  minInterval: number;
  kinds: ReadonlySet<StreamKind>;
}

export const MAX_MIN_INTERVAL_MS = 3_600_000;

export class StreamFilterError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'StreamFilterError';
  }
}

function listOf(params: URLSearchParams, name: string): string[] {
  return params
    .getAll(name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
}

export function parseStreamFilter(params: URLSearchParams): StreamFilter {
  const devices = listOf(params, 'device');
  const exactTags: string[] = [];
  const tagPrefixes: string[] = [];
  for (const t of listOf(params, 'tag')) {
    if (t.endsWith('*')) tagPrefixes.push(t.slice(0, -1));
    else if (t.includes('/')) exactTags.push(t);
    else throw new StreamFilterError('tag', `${JSON.stringify(t)} is neither "<device>/<tag>" nor a prefix ending in *`);
  }
  const rawInterval = params.get('minInterval');
  let minInterval = 0;
  if (rawInterval !== null && rawInterval !== '') {
    minInterval = Number(rawInterval);
    if (!Number.isInteger(minInterval) || minInterval < 0 || minInterval > MAX_MIN_INTERVAL_MS)
      throw new StreamFilterError('minInterval', `${JSON.stringify(rawInterval)} is not a whole number of ms from 0 to ${MAX_MIN_INTERVAL_MS}`);
  }
  const kindList = listOf(params, 'events');
  for (const k of kindList) if (!STREAM_KINDS.includes(k as StreamKind)) throw new StreamFilterError('events', `${JSON.stringify(k)} is not one of ${STREAM_KINDS.join(', ')}`);
  const filter: StreamFilter = { minInterval, kinds: new Set(kindList.length ? (kindList as StreamKind[]) : STREAM_KINDS) };
  if (devices.length) filter.devices = new Set(devices);
  if (exactTags.length) filter.exactTags = new Set(exactTags);
  if (tagPrefixes.length) filter.tagPrefixes = tagPrefixes;
  return filter;
}

function keyMatches(filter: StreamFilter, device: string | undefined, key: string): boolean {
  if (filter.devices && (device === undefined || !filter.devices.has(device))) return false;
  if (!filter.exactTags && !filter.tagPrefixes) return true;
  if (filter.exactTags?.has(key)) return true;
  return filter.tagPrefixes?.some((p) => key.startsWith(p)) ?? false;
}

export function sampleMatches(filter: StreamFilter, s: TagSample): boolean {
  return keyMatches(filter, s.device, `${s.device}/${s.name}`);
}

/** An alarm's tag is "<device>/<tag>" (or a bare name for a rule given by name: no device then). */
export function alarmMatches(filter: StreamFilter, e: AlarmEvent): boolean {
  const slash = e.tag.lastIndexOf('/');
  return keyMatches(filter, slash > 0 ? e.tag.slice(0, slash) : undefined, e.tag);
}
