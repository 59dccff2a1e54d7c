// What each browser follows (its overview, its device page, its charts, its controls), by its
// socket id. Bounded twice: a subscription nobody renewed for the TTL is dropped (the tab went
// away), and at most `max` browsers are followed at once; one more is refused with the reason,
// rather than letting every open tab cost the runtime a read and a send per tick.
import { DevicePageDelta } from './device-delta';

/** The pages that follow picked tags: the tag picker's charts, the controls' current values. */
export type KeyedOutput = 'tags' | 'controls';

/** The pages a browser follows, and leaves when it navigates away. */
export const FOLLOWED_PAGES = ['overview', 'devices', 'tags', 'controls'] as const;
export type FollowedPage = (typeof FOLLOWED_PAGES)[number];

export interface Subscription {
  /** the overview page is open: it gets the overview at the overview's pace */
  overview: boolean;
  /** the device page is open (a 'device' request came): it gets the device list, and the device's tags */
  followsDevices: boolean;
  device?: string;
  /** what the device page was delivered, to send only changes */
  delta: DevicePageDelta;
  /** the device page takes each update whole (a page saved before the changes were sent) */
  wholeUpdates: boolean;
  keys: Record<KeyedOutput, string[]>;
  /** the keyed pages' last sent values, to send only changes */
  lastKeys: Partial<Record<KeyedOutput, string>>;
  renewedAt: number;
}

export class SubscriptionLimitError extends Error {
  constructor(readonly limit: number) {
    super(`the dashboard follows at most ${limit} browsers at once: one more is refused until another closes (an open page renews every 10 s, a closed one lapses 30 s after)`);
    this.name = 'SubscriptionLimitError';
  }
}

const following = (s: Subscription): boolean => s.overview || s.followsDevices || s.keys.tags.length > 0 || s.keys.controls.length > 0;

export class Subscriptions {
  private readonly byClient = new Map<string, Subscription>();

  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
  ) {}

  get size(): number {
    return this.byClient.size;
  }

  get(client: string): Subscription | undefined {
    return this.byClient.get(client);
  }

  entries(): IterableIterator<[string, Subscription]> {
    return this.byClient.entries();
  }

  /** The client's subscription, renewed at `now`; a new one when there is room, else SubscriptionLimitError. */
  renew(client: string, now: number): Subscription {
    let sub = this.byClient.get(client);
    if (!sub) {
      if (this.byClient.size >= this.max) throw new SubscriptionLimitError(this.max);
      sub = { overview: false, followsDevices: false, delta: new DevicePageDelta(), wholeUpdates: false, keys: { tags: [], controls: [] }, lastKeys: {}, renewedAt: now };
      this.byClient.set(client, sub);
    }
    sub.renewedAt = now;
    return sub;
  }

  /** The client left a page; true when it follows nothing any more (and is forgotten). */
  leave(client: string, page: FollowedPage): boolean {
    const sub = this.byClient.get(client);
    if (!sub) return false;
    if (page === 'overview') sub.overview = false;
    else if (page === 'devices') {
      sub.followsDevices = false;
      sub.device = undefined;
      sub.delta = new DevicePageDelta();
    } else {
      sub.keys[page === 'tags' ? 'tags' : 'controls'] = [];
      sub.lastKeys[page === 'tags' ? 'tags' : 'controls'] = undefined;
    }
    if (following(sub)) return false;
    this.byClient.delete(client);
    return true;
  }

  /** Drops the subscriptions not renewed within the TTL; returns their clients. */
  expire(now: number): string[] {
    const gone: string[] = [];
    for (const [client, sub] of this.byClient) {
      if (now - sub.renewedAt <= this.ttlMs) continue;
      this.byClient.delete(client);
      gone.push(client);
    }
    return gone;
  }

  clear(): void {
    this.byClient.clear();
  }
}
