// A frame source shared by several users (the can-interface config node and its can-in / can-out
// clients): the source opens when the first user arrives and closes when the last leaves, with
// opening and closing serialised so a quick leave-and-return (a partial redeploy) cannot overlap
// two sessions on one port.
import type { CanFrame } from '../frame';
import type { FrameSource, SourceStats } from './source';

export interface CanBusClient {
  frame?(frame: CanFrame): void;
  /** the source's state changed; its statistics say to what, why (detail, problem) and after how many frames */
  state?(stats: Readonly<SourceStats>): void;
}

export class CanBus {
  private readonly clients = new Set<CanBusClient>();
  private running = false;
  private transition: Promise<void> = Promise.resolve();
  private lastFrames = 0;
  private lastRateAt = performance.now();

  constructor(readonly source: FrameSource) {
    source.on('frame', (f) => {
      for (const c of this.clients) c.frame?.(f);
    });
    source.on('state', () => {
      for (const c of this.clients) c.state?.(source.stats);
    });
  }

  get clientCount(): number {
    return this.clients.size;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Adds a user and tells it the current state at once. */
  add(client: CanBusClient): void {
    this.clients.add(client);
    client.state?.(this.source.stats);
  }

  remove(client: CanBusClient): void {
    this.clients.delete(client);
  }

  /** Opens the source (once); failures show in its state and 'error' events. */
  start(): Promise<void> {
    if (this.running) return this.transition;
    this.running = true;
    this.lastFrames = this.source.stats.frames;
    this.lastRateAt = performance.now();
    this.transition = this.transition.then(() => this.source.open().catch(() => undefined));
    return this.transition;
  }

  stop(): Promise<void> {
    if (!this.running) return this.transition;
    this.running = false;
    this.transition = this.transition.then(() => this.source.close().catch(() => undefined));
    return this.transition;
  }

  send(frame: CanFrame): Promise<void> {
    return this.source.send(frame);
  }

  /** Frames per second received since the previous call. */
  frameRate(): number {
    const now = performance.now();
    const frames = this.source.stats.frames;
    const rate = now > this.lastRateAt ? ((frames - this.lastFrames) * 1000) / (now - this.lastRateAt) : 0;
    this.lastFrames = frames;
    this.lastRateAt = now;
    return rate;
  }
}
