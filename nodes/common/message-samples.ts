// The samples a message carries for nodes that consume tag values (stats, alarm): a scan
// (msg.tags), a tag message (msg.tag), or, for convenience, a plain message: payload a number
// (topic "<device>/<name>" or "<name>") or an object { name: value } (topic the device).
// Plain values get quality good and the arrival time.
import { samplesOf, type TagSample, type TagValue } from '../../lib/tags/contract';
import type { NodeMessage } from './red';

export function messageSamples(msg: NodeMessage, now: number): TagSample[] {
  const carried = samplesOf(msg as { tags?: unknown; tag?: unknown });
  if (carried.length) return carried;
  const topic = typeof msg.topic === 'string' ? msg.topic : '';
  const p = msg.payload;
  if (typeof p === 'number' || typeof p === 'boolean' || typeof p === 'string') {
    if (!topic) return [];
    const slash = topic.lastIndexOf('/');
    return [{ device: slash > 0 ? topic.slice(0, slash) : '', name: slash > 0 ? topic.slice(slash + 1) : topic, value: p, quality: 'good', ts: now }];
  }
  if (p && typeof p === 'object' && !Array.isArray(p) && !Buffer.isBuffer(p)) {
    return Object.entries(p as Record<string, TagValue>).map(([name, value]) => ({ device: topic, name, value, quality: 'good' as const, ts: now }));
  }
  return [];
}
