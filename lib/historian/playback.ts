// Playback of stored history into a flow: the samples of a range sent in time order, paced so
// that two samples stored t ms apart leave t / speed ms apart. The first sample leaves at once
// (an empty start of the range is not waited out). Samples due together leave in one call, so a
// fast playback is not one timer per sample. History is read in pages, so a long range never
// sits in memory whole.
import type { TagSample } from '../tags/contract';
import { HistorianQueryError, tagsOf, timeOf } from './query';
import type { StoredSample } from './reader';

export interface PlaybackRequest {
  tags: string[];
  from: number;
  to: number;
  /** 1 = real time, N = N times faster */
  speed: number;
}

export const MAX_PLAYBACK_SPEED = 1_000_000;
const PAGE = 5000;

/** msg.playback as a request, or 'stop'; throws HistorianQueryError naming the field. */
export function parsePlayback(raw: unknown): PlaybackRequest | 'stop' {
  if (raw === 'stop') return 'stop';
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new HistorianQueryError('playback', `must be { tag, from, to, speed } or "stop", got ${JSON.stringify(raw)}`);
  const p = raw as Record<string, unknown>;
  const tags = tagsOf(p.tag ?? p.tags, 'playback.tag');
  if (p.from === undefined || p.to === undefined) throw new HistorianQueryError(p.from === undefined ? 'playback.from' : 'playback.to', 'is required');
  const from = timeOf(p.from, 'playback.from', 0);
  const to = timeOf(p.to, 'playback.to', 0);
  if (from >= to) throw new HistorianQueryError('playback.from', `must be before playback.to (${from} >= ${to})`);
  const speed = p.speed === undefined ? 1 : Number(p.speed);
  if (!Number.isFinite(speed) || speed <= 0 || speed > MAX_PLAYBACK_SPEED)
    throw new HistorianQueryError('playback.speed', `must be a number > 0 and <= ${MAX_PLAYBACK_SPEED}, got ${JSON.stringify(p.speed)}`);
  return { tags, from, to, speed };
}

/** Where a playback reads its pages (HistorianStore.samples). */
export type PlaybackSource = (tags: readonly string[], from: number, to: number, limit: number, after?: StoredSample) => Promise<StoredSample[]>;

export interface PlaybackEvents {
  /** samples due now, in time order */
  send: (samples: TagSample[]) => void;
  /** the range has been sent (ended: true) or the playback was stopped (ended: false) */
  finished: (outcome: { sent: number; ended: boolean }) => void;
  failed: (err: Error) => void;
}

export class HistoryPlayback {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private sent = 0;
  private origin: { ts: number; wall: number } | undefined;

  constructor(
    private readonly source: PlaybackSource,
    readonly request: PlaybackRequest,
    private readonly events: PlaybackEvents,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    void this.run(undefined);
  }

  /** Stops sending; finished is told once (ended: false) unless the range had already ended. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.events.finished({ sent: this.sent, ended: false });
  }

  get running(): boolean {
    return !this.stopped;
  }

  private async run(after: StoredSample | undefined): Promise<void> {
    let page: StoredSample[];
    try {
      page = await this.source(this.request.tags, this.request.from, this.request.to, PAGE, after);
    } catch (err) {
      if (this.stopped) return;
      this.stopped = true;
      this.events.failed(err as Error);
      return;
    }
    if (this.stopped) return;
    if (page.length === 0) {
      this.stopped = true;
      this.events.finished({ sent: this.sent, ended: true });
      return;
    }
    this.origin ??= { ts: page[0].ts, wall: this.now() };
    this.pace(page, 0, page.length === PAGE);
  }

  /** Sends the samples of `page` from `at` that are due, then waits for the next one. */
  private pace(page: StoredSample[], at: number, more: boolean): void {
    if (this.stopped) return;
    const origin = this.origin!;
    const dueAt = (s: StoredSample) => origin.wall + (s.ts - origin.ts) / this.request.speed;
    const now = this.now();
    let end = at;
    while (end < page.length && dueAt(page[end]) <= now) end++;
    if (end > at) {
      const due = page.slice(at, end).map(({ tagId: _id, ...sample }) => sample);
      this.sent += due.length;
      this.events.send(due);
    }
    if (end < page.length) {
      this.timer = setTimeout(() => this.pace(page, end, more), Math.max(0, dueAt(page[end]) - now));
      return;
    }
    if (more) void this.run(page[page.length - 1]);
    else {
      this.stopped = true;
      this.events.finished({ sent: this.sent, ended: true });
    }
  }
}
