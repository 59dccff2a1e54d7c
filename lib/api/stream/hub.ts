// The live stream's hub: one per process (shared through globalThis like the health registry,
// so the nodes and the API see the same one whichever copy of this module they loaded). The
// nodes that own the data publish to it (tag-store: tag changes; alarm: alarm events;
// store-forward: queue state); publishing is a size check and nothing more while no client
// listens, so the hot path pays nothing for a stream nobody reads.
import type { TagSample } from '../../tags/contract';
import type { AlarmEvent, QueueStateEvent } from './events';
import type { StreamFilter } from './filter';
import { StreamSession, type DropReason, type StreamLimits, type StreamSink, type StreamTransport } from './session';

export interface StreamHubStats {
  clients: Record<StreamTransport, number>;
  /** bytes waiting in every client's connection: bounded by clients x maxBacklogBytes */
  backlogBytes: number;
  /** tag changes held back by minInterval, over every client */
  heldBack: number;
  frames: Record<StreamTransport, number>;
  dropped: Record<DropReason, number>;
}

export class StreamHub {
  private readonly sessions = new Set<StreamSession>();
  private readonly frames: Record<StreamTransport, number> = { sse: 0, ws: 0 };
  private readonly dropped: Record<DropReason, number> = { backlog: 0, shutdown: 0 };
  private readonly dropListeners = new Set<(transport: StreamTransport, reason: DropReason) => void>();
  private readonly alarmListeners = new Set<(events: readonly AlarmEvent[]) => void>();

  /** someone listens: a publisher may skip building what it would publish */
  get listening(): boolean {
    return this.sessions.size > 0;
  }

  get clientCount(): number {
    return this.sessions.size;
  }

  publishTags(samples: readonly TagSample[]): void {
    if (this.sessions.size === 0 || samples.length === 0) return;
    for (const s of this.sessions) s.offerTags(samples);
  }

  publishAlarms(events: readonly AlarmEvent[]): void {
    if (events.length === 0) return;
    for (const l of this.alarmListeners) l(events);
    if (this.sessions.size === 0) return;
    for (const s of this.sessions) s.offerAlarms(events);
  }

  publishQueue(state: QueueStateEvent): void {
    if (this.sessions.size === 0) return;
    for (const s of this.sessions) s.offerQueue(state);
  }

  /** A client subscribes; its session leaves the hub when it ends (end() or a drop). */
  open(filter: StreamFilter, sink: StreamSink, limits: StreamLimits, now?: () => number): StreamSession {
    const session = new StreamSession(
      filter,
      sink,
      limits,
      {
        onFrame: (t) => this.frames[t]++,
        onDrop: (t, reason) => {
          this.dropped[reason]++;
          for (const l of this.dropListeners) l(t, reason);
        },
        onEnd: (s) => this.sessions.delete(s),
      },
      now,
    );
    this.sessions.add(session);
    return session;
  }

  /** Told of every drop (the metrics counter). */
  onDrop(listener: (transport: StreamTransport, reason: DropReason) => void): () => void {
    this.dropListeners.add(listener);
    return () => {
      this.dropListeners.delete(listener);
    };
  }

  /** Told of every alarm event as it is published (the dashboard's alarm history), clients or not. */
  onAlarms(listener: (events: readonly AlarmEvent[]) => void): () => void {
    this.alarmListeners.add(listener);
    return () => {
      this.alarmListeners.delete(listener);
    };
  }

  /** Drops every client of these transports (a server closing), each told why. */
  dropAll(transport: StreamTransport, text: string): void {
    for (const s of [...this.sessions]) if (s.transport === transport) s.drop('shutdown', text);
  }

  stats(): StreamHubStats {
    const clients: Record<StreamTransport, number> = { sse: 0, ws: 0 };
    let backlogBytes = 0;
    let heldBack = 0;
    for (const s of this.sessions) {
      clients[s.transport]++;
      backlogBytes += s.backlogBytes();
      heldBack += s.heldBack;
    }
    return { clients, backlogBytes, heldBack, frames: { ...this.frames }, dropped: { ...this.dropped } };
  }
}

const KEY = Symbol.for('edgegw.api.stream.hub');

/** The process's one hub. */
export function streamHub(): StreamHub {
  const g = globalThis as unknown as Record<symbol, StreamHub | undefined>;
  return (g[KEY] ??= new StreamHub());
}
