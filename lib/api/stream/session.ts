// One subscribed client of the live stream, whatever its transport: it applies the client's
// filter, coalesces tag changes to the latest value per tag when the client asked for a minimum
// interval, and checks the transport's backlog before every frame. A client whose backlog (bytes
// written but not yet taken by the peer) would pass the limit is dropped with a reason, so a
// client that stops reading costs at most the limit, never more.
import type { TagSample } from '../../tags/contract';
import { alarmMatches, sampleMatches, type StreamFilter } from './filter';
import { streamJson, type AlarmEvent, type FrameEvent, type QueueStateEvent } from './events';

export type StreamTransport = 'sse' | 'ws';
/** backlog: the client did not read fast enough; shutdown: the server or the hub closed */
export type DropReason = 'backlog' | 'shutdown';

/** The transport's side of a client (sse.ts, websocket.ts). */
export interface StreamSink {
  readonly transport: StreamTransport;
  /** bytes handed to the connection and not yet taken by the peer (res.writableLength, ws.bufferedAmount) */
  backlogBytes(): number;
  write(event: FrameEvent, json: string): void;
  /** ends the connection, telling the client why when the connection can still carry it */
  drop(reason: DropReason, text: string): void;
}

export interface StreamLimits {
  /** a client whose backlog would pass this many bytes is dropped (default 1 MiB) */
  maxBacklogBytes: number;
  /** clients at once, over both transports; more are refused (default 64) */
  maxClients: number;
  /** SSE comment / WebSocket ping period, to find dead peers (default 15 s) */
  heartbeatMs: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = { maxBacklogBytes: 1024 * 1024, maxClients: 64, heartbeatMs: 15_000 };

export interface SessionEvents {
  /** a frame was written (for the frames counter) */
  onFrame(transport: StreamTransport): void;
  /** the session was dropped by the limit or a shutdown */
  onDrop(transport: StreamTransport, reason: DropReason): void;
  /** the session ended, for whatever reason: the hub forgets it */
  onEnd(session: StreamSession): void;
}

export class StreamSession {
  private ended = false;
  /** minInterval: when each tag was last sent, and the latest change held back since */
  private readonly lastSent = new Map<string, number>();
  private readonly pending = new Map<string, TagSample>();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly filter: StreamFilter,
    private readonly sink: StreamSink,
    private readonly limits: StreamLimits,
    private readonly events: SessionEvents,
    private readonly now: () => number = Date.now,
  ) {}

  get transport(): StreamTransport {
    return this.sink.transport;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** bytes waiting in the transport for this client */
  backlogBytes(): number {
    return this.ended ? 0 : this.sink.backlogBytes();
  }

  /** tag changes held back by minInterval (at most one per tag) */
  get heldBack(): number {
    return this.pending.size;
  }

  /**
   * The current values matching the filter, as the first `tags` frame (`snapshot: true`; none
   * when no tag matches yet); changes follow. minInterval counts from here.
   */
  offerSnapshot(current: readonly TagSample[]): void {
    if (this.ended || !this.filter.kinds.has('tags')) return;
    const samples = current.filter((s) => sampleMatches(this.filter, s));
    if (this.filter.minInterval) {
      const now = this.now();
      for (const s of samples) this.lastSent.set(`${s.device}/${s.name}`, now);
    }
    if (samples.length) this.send('tags', { samples, snapshot: true });
  }

  offerTags(samples: readonly TagSample[]): void {
    if (this.ended || !this.filter.kinds.has('tags')) return;
    let out: TagSample[] | undefined;
    const interval = this.filter.minInterval;
    const now = interval ? this.now() : 0;
    for (const s of samples) {
      if (!sampleMatches(this.filter, s)) continue;
      if (interval) {
        const key = `${s.device}/${s.name}`;
        const last = this.lastSent.get(key);
        if (this.pending.has(key) || (last !== undefined && now - last < interval)) {
          this.pending.set(key, s);
          continue;
        }
        this.lastSent.set(key, now);
      }
      (out ??= []).push(s);
    }
    if (out) this.send('tags', { samples: out });
    if (this.pending.size && !this.flushTimer) this.scheduleFlush();
  }

  offerAlarms(events: readonly AlarmEvent[]): void {
    if (this.ended || !this.filter.kinds.has('alarms')) return;
    for (const e of events) if (alarmMatches(this.filter, e) && !this.send('alarm', e)) return;
  }

  offerQueue(state: QueueStateEvent): void {
    if (this.ended || !this.filter.kinds.has('queues')) return;
    this.send('queue', state);
  }

  private scheduleFlush(): void {
    const now = this.now();
    let due = Infinity;
    for (const key of this.pending.keys()) due = Math.min(due, (this.lastSent.get(key) ?? now) + this.filter.minInterval);
    this.flushTimer = setTimeout(() => this.flush(), Math.max(0, due - now));
    this.flushTimer.unref?.();
  }

  private flush(): void {
    this.flushTimer = undefined;
    if (this.ended) return;
    const now = this.now();
    const out: TagSample[] = [];
    for (const [key, s] of this.pending) {
      const last = this.lastSent.get(key);
      if (last !== undefined && now - last < this.filter.minInterval) continue;
      this.pending.delete(key);
      this.lastSent.set(key, now);
      out.push(s);
    }
    if (out.length && !this.send('tags', { samples: out })) return;
    if (this.pending.size) this.scheduleFlush();
  }

  /** false when the client was dropped instead */
  private send(event: FrameEvent, data: unknown): boolean {
    const json = streamJson(data);
    const backlog = this.sink.backlogBytes();
    if (backlog + Buffer.byteLength(json) > this.limits.maxBacklogBytes) {
      this.drop('backlog', `the client did not read: ${backlog} bytes waiting, limit ${this.limits.maxBacklogBytes}`);
      return false;
    }
    this.sink.write(event, json);
    this.events.onFrame(this.sink.transport);
    return true;
  }

  drop(reason: DropReason, text: string): void {
    if (this.ended) return;
    this.events.onDrop(this.sink.transport, reason);
    this.end();
    this.sink.drop(reason, text);
  }

  /** The connection ended (the client left, or after a drop): releases the timer and the hub's entry. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.pending.clear();
    this.lastSent.clear();
    this.events.onEnd(this);
  }
}
