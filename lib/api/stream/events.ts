// What the live stream carries, and how one event becomes one frame. The hub publishes three
// kinds: tag changes (samples of the tag contract, coalesced per tag and sent as one `tags`
// frame per scan), alarm events (as the alarm engine emits them) and queue state (the
// store-and-forward queue's summary, once a second per queue).
import type { TagSample } from '../../tags/contract';
import type { AlarmEvent } from '../../alarm/engine';
import type { QueueSummary } from '../../queue/monitor';

export type StreamKind = 'tags' | 'alarms' | 'queues';
export const STREAM_KINDS: readonly StreamKind[] = ['tags', 'alarms', 'queues'];

/** One queue's state as the store-forward node reports it each second. */
export interface QueueStateEvent extends Omit<QueueSummary, 'storageProblem'> {
  queue: string;
  ts: number;
}

/** The frame names: SSE `event:` lines, WebSocket `{ event }`. */
export type FrameEvent = 'tags' | 'alarm' | 'queue' | 'error';

/** JSON that keeps what a tag value can be: bigint as a decimal string, Buffer as hex. */
export function streamJson(data: unknown): string {
  return JSON.stringify(data, function (this: unknown, key: string, v: unknown) {
    if (typeof v === 'bigint') return v.toString();
    // JSON.stringify has called Buffer's toJSON already: the holder still has the Buffer
    const raw = key ? (this as Record<string, unknown>)[key] : undefined;
    if (Buffer.isBuffer(raw)) return raw.toString('hex');
    return v;
  });
}

export function tagsFrameData(samples: readonly TagSample[]): { samples: readonly TagSample[] } {
  return { samples };
}

export type { AlarmEvent, TagSample };
