// Whether a device is up, by what it sends: any message makes it live, silence longer than the
// profile's staleAfter makes its tags stale (once, until it speaks again), its last will or an
// offline status marks it down at once. The last sample of every tag is kept, so that a stale or
// down scan still carries each tag's last value beside its new quality.
import type { Quality, TagSample } from '../../tags/contract';

export type DeviceState = 'waiting' | 'live' | 'stale' | 'down';

export class DeviceLiveness {
  private readonly last = new Map<string, TagSample>();
  private lastMessageAt: number | undefined;
  private current: DeviceState = 'waiting';
  private readonly counts = { messages: 0, bad: 0 };

  constructor(
    private readonly tagNames: readonly string[],
    private readonly device: string,
    private readonly staleAfterMs: number,
    private readonly startedAt: number,
  ) {}

  get state(): DeviceState {
    return this.current;
  }

  get lastSeen(): number | undefined {
    return this.lastMessageAt;
  }

  stats(): { messages: number; badSamples: number; tags: number } {
    return { messages: this.counts.messages, badSamples: this.counts.bad, tags: this.tagNames.length };
  }

  /** Takes over a previous liveness of the same device (a reloaded profile): state, counts, the samples of tags it still has. */
  carry(previous: DeviceLiveness): void {
    this.lastMessageAt = previous.lastMessageAt;
    this.current = previous.current;
    this.counts.messages = previous.counts.messages;
    this.counts.bad = previous.counts.bad;
    for (const [name, s] of previous.last) if (this.tagNames.includes(name)) this.last.set(name, s);
  }

  /** A message arrived: the device is live (even an unreadable payload proves it is there). */
  heard(now: number, samples: readonly TagSample[]): void {
    this.lastMessageAt = now;
    this.counts.messages++;
    for (const s of samples) {
      if (s.quality === 'bad') this.counts.bad++;
      this.last.set(s.name, s);
    }
    this.current = 'live';
  }

  /** The availability topic said online: live, though its tags wait for their next values. */
  online(now: number): void {
    this.lastMessageAt = now;
    if (this.current === 'down' || this.current === 'waiting') this.current = 'live';
  }

  /** The last will or an offline status: every tag bad now, with the reason. */
  down(now: number, why: string): TagSample[] {
    this.current = 'down';
    return this.every('bad', now, why);
  }

  /** Called on a timer: the stale scan when the silence just passed staleAfter, else undefined. */
  check(now: number): TagSample[] | undefined {
    if (this.current === 'stale' || this.current === 'down') return undefined;
    const since = this.lastMessageAt ?? this.startedAt;
    if (now - since <= this.staleAfterMs) return undefined;
    this.current = 'stale';
    return this.every('stale', now, `no message for ${Math.round((now - since) / 1000)} s (expected within ${Math.round(this.staleAfterMs / 1000)} s)`);
  }

  lastSamples(): TagSample[] {
    return [...this.last.values()];
  }

  lastGoodValue(tag: string): TagSample['value'] | undefined {
    const s = this.last.get(tag);
    return s && s.quality === 'good' ? s.value : undefined;
  }

  private every(quality: Quality, now: number, error: string): TagSample[] {
    return this.tagNames.map((name) => {
      const prev = this.last.get(name);
      const s: TagSample = prev ? { ...prev, quality, error } : { device: this.device, name, value: null, quality, ts: now, error };
      // the value's own time stays: a stale value is as old as it was
      this.last.set(name, s);
      return s;
    });
  }
}
