// The dashboard's data: the widgets (ui-template) send their requests in, the feed answers each
// page on its own output. The alarms, alike for every browser and sent only when they change, are
// broadcast; the overview (read every second) goes only to the browsers that have it open, and
// what one browser picked (a device, charts from the tag picker) to that browser only
// (msg._client), read from the tag stores at the throttle's pace. The device page gets a full
// snapshot first, then only the tags that changed since what it was delivered.
import type { ApiDirectory } from '../api/directory';
import type { HistorianRow } from '../historian/query';
import type { AlarmEvent } from '../alarm/engine';
import { streamHub } from '../api/stream/hub';
import type { TagSample, TagValue } from '../tags/contract';
import { acknowledgeAlarm, writeTag } from './actions';
import { AlarmHistory } from './alarm-history';
import { tagSignature, type DevicePageUpdate } from './device-delta';
import { FOLLOWED_PAGES, SubscriptionLimitError, Subscriptions, type FollowedPage, type KeyedOutput, type Subscription } from './subscriptions';
import { activeAlarms, controlTags, deviceNames, deviceTags, overview, readTag, tagKeys, type TagView } from './views';
import { REAL_CLOCK, WidgetThrottle, type ThrottleClock } from './throttle';

/** The feed's outputs, one per page. */
export const FEED_OUTPUT = { overview: 0, devices: 1, alarms: 2, controls: 3, tags: 4 } as const;
export type FeedOutput = keyof typeof FEED_OUTPUT;

export interface FeedMessage {
  topic: string;
  payload: unknown;
  _client?: { socketId: string };
}

export interface DashboardFeedOptions {
  directory: ApiDirectory;
  maxRate: number;
  overviewMs: number;
  historyMs: number;
  send(output: FeedOutput, msg: FeedMessage): void;
  /** the host's figures (CPU, memory, disk, uptime) for the overview */
  hostFigures?: () => Promise<readonly TagSample[]>;
  /** where the alarm nodes' events are heard as they happen (the live stream's hub by default) */
  alarmEvents?: AlarmEventSource;
  clock?: ThrottleClock;
  /** a subscription nobody renewed for this long is dropped (the browser went away) */
  subscriptionTtlMs?: number;
  /** the most browsers followed at once (50); one more is refused, with a warning */
  maxSubscriptions?: number;
  /** where a warning goes (the node's warn) */
  warn?: (message: string) => void;
}

export class DashboardRequestError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'DashboardRequestError';
  }
}

const TAG_LIST_LIMIT = 200;
/** the most tags one page follows (charts, controls) */
const MAX_KEYS = 20;
const HISTORY_POINTS = 120;
const MAX_SUBSCRIPTIONS = 50;
/**
 * The page protocol of the shipped widgets (`v` in their hello and device requests): the overview
 * followed (renewed, left), the device page sent its changes only. A request without it comes from
 * a page saved before: it is served the broadcast overview and whole device updates it expects.
 */
export const PAGE_PROTOCOL = 2;
/** how long the device list read for the device pages is reused (it reads every tag of every store) */
const DEVICE_LIST_MS = 1000;
/**
 * The tag changes a device page is sent a second at most, whatever its widget's rate: the browser's
 * work grows with them, and a screen shows a few dozen rows. A 1,000-tag device whose every value
 * moves gets two updates a second; up to 500 moving tags, the widget's rate.
 */
const DEVICE_PAGE_CHANGES_PER_S = 2000;
/** a refusal for want of room is warned about at most this often */
const LIMIT_WARNING_MS = 60_000;

/** The output of a page that follows something. */
const OUTPUT_OF_PAGE: Record<FollowedPage, FeedOutput> = { overview: 'overview', devices: 'devices', tags: 'tags', controls: 'controls' };

/** A throttled message: delivered, it calls `delivered` (the device page's delta learns its base). */
type Throttled = FeedMessage & { output: FeedOutput; delivered?: () => void };

const text = (v: unknown, field: string): string => {
  if (typeof v !== 'string' || !v.trim()) throw new DashboardRequestError(field, `must be a non-empty text, got ${JSON.stringify(v)}`);
  return v.trim();
};

/** A host figure as the overview shows it; an uncertain one (CPU's first reading, the average since boot) marked so. */
export interface HostFigure {
  value: TagValue;
  unit?: string;
  quality?: 'uncertain';
  /** why it is uncertain */
  note?: string;
}

/** A good or uncertain figure with a value; a bad, stale or empty one reads as missing. */
function hostFigure(s: TagSample): HostFigure | undefined {
  if ((s.quality !== 'good' && s.quality !== 'uncertain') || s.value === null || s.value === undefined) return undefined;
  const unit = s.unit ? { unit: s.unit } : {};
  return s.quality === 'good' ? { value: s.value, ...unit } : { value: s.value, ...unit, quality: 'uncertain', ...(s.error ? { note: s.error } : {}) };
}

/** Hears the alarm nodes' events as they happen; returns how to stop. */
export type AlarmEventSource = (listener: (events: readonly AlarmEvent[]) => void) => () => void;

const signature = (tags: readonly TagView[]): string => tags.map((t) => `${t.name}=${tagSignature(t)}`).join('|');

export class DashboardFeed {
  private readonly throttle: WidgetThrottle<Throttled>;
  private readonly subscriptions: Subscriptions;
  private readonly alarmHistory = new AlarmHistory();
  private readonly clock: ThrottleClock;
  private lastAlarms = '';
  private liveTimer: NodeJS.Timeout | undefined;
  private overviewTimer: NodeJS.Timeout | undefined;
  private host: readonly TagSample[] = [];
  private deviceList: { at: number; names: string[] } | undefined;
  private limitWarnedAt = -Infinity;
  /** an overview of a page saved before PAGE_PROTOCOL is open somewhere: the overview goes to every browser */
  private broadcastOverview = false;
  private stopAlarmEvents: (() => void) | undefined;
  private closed = false;

  constructor(private readonly opts: DashboardFeedOptions) {
    this.clock = opts.clock ?? REAL_CLOCK;
    this.throttle = new WidgetThrottle(opts.maxRate, (_key, m) => this.deliver(m), this.clock);
    this.subscriptions = new Subscriptions(opts.maxSubscriptions ?? MAX_SUBSCRIPTIONS, opts.subscriptionTtlMs ?? 30_000);
  }

  /** Starts the periodic readings (the overview and alarms, the subscribed devices). */
  start(): void {
    const liveMs = Math.max(50, Math.round(1000 / this.opts.maxRate));
    this.liveTimer = setInterval(() => this.pushLive(), liveMs);
    this.overviewTimer = setInterval(() => void this.pushOverview(), this.opts.overviewMs);
    this.liveTimer.unref?.();
    this.overviewTimer.unref?.();
    // the alarms already active are the history's start; from then on every event as it happens
    this.alarmHistory.record(activeAlarms(this.opts.directory));
    const alarmEvents = this.opts.alarmEvents ?? ((listener) => streamHub().onAlarms(listener));
    this.stopAlarmEvents = alarmEvents((events) => {
      if (this.closed) return;
      this.alarmHistory.record(events);
      this.pushAlarms(false);
    });
    void this.pushOverview();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.liveTimer);
    clearInterval(this.overviewTimer);
    this.stopAlarmEvents?.();
    this.stopAlarmEvents = undefined;
    this.throttle.close();
    this.subscriptions.clear();
  }

  get clientCount(): number {
    return this.subscriptions.size;
  }

  /** A widget's request (msg.topic says which); answers go out on the page's output. */
  async request(topic: string, payload: unknown, client: string | undefined): Promise<void> {
    const p = (payload !== null && typeof payload === 'object' ? payload : {}) as Record<string, unknown>;
    const to = client ? { _client: { socketId: client } } : {};
    // an answer that was waited for (history, a write) is dropped once the node closed
    const answer = (output: FeedOutput, msg: FeedMessage) => {
      if (!this.closed) this.opts.send(output, { ...msg, ...to });
    };
    /** The browser's subscription, renewed; undefined (the page told why) when there is no room for one more. */
    const follow = (output: FeedOutput): Subscription | undefined => {
      try {
        return this.subscriptions.renew(client ?? '', this.clock.now());
      } catch (err) {
        if (!(err instanceof SubscriptionLimitError)) throw err;
        this.warnLimit(err);
        answer(output, { topic: 'refused', payload: { reason: err.message } });
        return undefined;
      }
    };
    // pages of the shipped flows say which protocol they speak; a page saved before it (a user's
    // flows keep their ui-template bodies through an upgrade) says nothing and is served as before
    const current = typeof p.v === 'number' && p.v >= PAGE_PROTOCOL;
    switch (topic) {
      case 'hello': {
        if (!current) {
          // such an overview asked once and never renews or leaves: it gets the broadcast it had
          this.broadcastOverview = true;
          await this.pushOverview();
          return;
        }
        const sub = follow('overview');
        if (!sub) return;
        // an open overview renews its subscription: it is sent at the overview's pace anyway
        const renewal = p.renew === true && sub.overview;
        sub.overview = true;
        if (!renewal) await this.pushOverview(client ?? '');
        return;
      }
      case 'device': {
        const device = p.device === undefined || p.device === '' ? undefined : text(p.device, 'payload.device');
        const sub = follow('devices');
        if (!sub) return;
        // a page saved before the changes were sent takes each update whole
        sub.wholeUpdates = !current;
        // an open page renews its subscription: the live updates carry on, nothing is read again
        if (p.renew === true && sub.followsDevices && sub.device === device) return;
        const resync = p.resync === true && sub.followsDevices && sub.device === device;
        sub.device = device;
        sub.followsDevices = true;
        sub.delta.reset();
        const tags = this.sendDevice(sub, client, this.deviceNames(true));
        // a page that missed an update gets the full snapshot again; its trends it has
        if (device && !resync) {
          const numeric = tags.filter((t) => t.numeric).map((t) => `${device}/${t.name}`);
          answer('devices', { topic: 'history', payload: { device, series: await this.history(numeric) } });
        }
        return;
      }
      case 'leave': {
        const page = FOLLOWED_PAGES.find((f) => f === p.page);
        if (!page) throw new DashboardRequestError('payload.page', `must be one of ${FOLLOWED_PAGES.join(', ')}; got ${JSON.stringify(p.page)}`);
        if (this.subscriptions.leave(client ?? '', page)) this.dropThrottled(client ?? '');
        return;
      }
      case 'tags': {
        const search = typeof p.search === 'string' ? p.search : '';
        answer('tags', { topic: 'tagList', payload: { search, ...tagKeys(this.opts.directory, search, TAG_LIST_LIMIT) } });
        return;
      }
      case 'charts':
      case 'controls': {
        const output: KeyedOutput = topic === 'charts' ? 'tags' : 'controls';
        const keys = Array.isArray(p.keys) ? p.keys.slice(0, MAX_KEYS).map((k, i) => text(k, `payload.keys[${i}]`)) : [];
        const sub = follow(output);
        if (!sub) return;
        // the same keys again: a renewal, the live updates carry on, nothing is read again
        if (sub.keys[output].join('\n') === keys.join('\n') && sub.lastKeys[output] !== undefined) return;
        sub.keys[output] = keys;
        sub.lastKeys[output] = undefined;
        if (output === 'tags') answer('tags', { topic: 'history', payload: { series: await this.history(keys) } });
        if (!this.closed) this.sendKeyed(sub, client, output);
        return;
      }
      case 'writable':
        answer('controls', { topic: 'writable', payload: { tags: controlTags(this.opts.directory) } });
        return;
      case 'ack': {
        const result = acknowledgeAlarm(this.opts.directory, text(p.id, 'payload.id'));
        answer('alarms', { topic: 'ackResult', payload: { id: p.id, ...result } });
        this.pushAlarms(true);
        return;
      }
      case 'write': {
        const device = text(p.device, 'payload.device');
        const tag = text(p.tag, 'payload.tag');
        const result = await writeTag(this.opts.directory, device, tag, p.value);
        answer('controls', { topic: 'writeResult', payload: { device, tag, value: p.value, ...result } });
        return;
      }
      default:
        throw new DashboardRequestError('topic', `must be one of hello, device, leave, tags, charts, controls, writable, ack, write; got ${JSON.stringify(topic)}`);
    }
  }

  private warnLimit(err: SubscriptionLimitError): void {
    const now = this.clock.now();
    if (now - this.limitWarnedAt < LIMIT_WARNING_MS) return;
    this.limitWarnedAt = now;
    this.opts.warn?.(err.message);
  }

  private dropThrottled(client: string): void {
    for (const page of FOLLOWED_PAGES) this.throttle.drop(`${OUTPUT_OF_PAGE[page]}:${client}`);
  }

  /** The devices of the tag stores, read again at most once a second (`fresh`: now). */
  private deviceNames(fresh = false): string[] {
    const now = this.clock.now();
    if (fresh || !this.deviceList || now - this.deviceList.at >= DEVICE_LIST_MS) this.deviceList = { at: now, names: deviceNames(this.opts.directory) };
    return this.deviceList.names;
  }

  private async history(keys: string[]): Promise<Record<string, Array<[number, number]>>> {
    const series: Record<string, Array<[number, number]>> = {};
    const historians = this.opts.directory.list('historians');
    if (!keys.length || !historians.length) return series;
    const to = this.clock.now();
    const from = to - this.opts.historyMs;
    const step = Math.max(1000, Math.round(this.opts.historyMs / HISTORY_POINTS));
    let rows: HistorianRow[] = [];
    for (const h of historians) {
      try {
        rows = rows.concat(await h.query({ tags: keys, from, to, step, agg: 'avg', format: 'json', limit: keys.length * (HISTORY_POINTS + 2) }));
      } catch {
        // a historian still opening its store has no history yet: the chart starts live
      }
    }
    for (const r of rows) if (typeof r.value === 'number' && Number.isFinite(r.value)) (series[r.tag] ??= []).push([r.ts, r.value]);
    for (const points of Object.values(series)) points.sort((a, b) => a[0] - b[0]);
    return series;
  }

  private pushLive(): void {
    for (const client of this.subscriptions.expire(this.clock.now())) this.dropThrottled(client);
    let devices: string[] | undefined;
    const shown = new Map<string, TagView[]>();
    for (const [client, sub] of this.subscriptions.entries()) {
      // read once a tick whatever the number of browsers: every tag store's devices, each shown device's tags
      if (sub.followsDevices) this.sendDevice(sub, client || undefined, (devices ??= this.deviceNames()), shown);
      this.sendKeyed(sub, client || undefined, 'tags');
      this.sendKeyed(sub, client || undefined, 'controls');
    }
  }

  /** The device page: what changed since the browser's last delivery (all of it the first time); returns the tags. */
  private sendDevice(sub: Subscription, client: string | undefined, devices: string[], shown = new Map<string, TagView[]>()): TagView[] {
    let tags: TagView[] = [];
    if (sub.device) {
      tags = shown.get(sub.device) ?? deviceTags(this.opts.directory, sub.device);
      shown.set(sub.device, tags);
    }
    const delta = sub.delta;
    const update: DevicePageUpdate | undefined = delta.next(sub.device ?? null, devices, tags, sub.wholeUpdates);
    if (update) {
      const gapMs = ((update.tags.length + (update.changes?.length ?? 0)) / DEVICE_PAGE_CHANGES_PER_S) * 1000;
      this.offer('devices', client, { topic: 'device', payload: update }, () => delta.delivered(update), gapMs);
    }
    return tags;
  }

  /** The current values of the keys a page picked, when they changed. */
  private sendKeyed(sub: Subscription, client: string | undefined, output: KeyedOutput): void {
    const keys = sub.keys[output];
    if (!keys.length) return;
    const tags = keys.map((k) => readTag(this.opts.directory, k)).filter((t): t is TagView => t !== undefined);
    const sig = signature(tags);
    if (sig === sub.lastKeys[output]) return;
    sub.lastKeys[output] = sig;
    this.offer(output, client, { topic: output === 'tags' ? 'charts' : 'values', payload: { tags } });
  }

  /** The overview to the browsers that have it open, or to `only` (the one that just opened it). */
  private async pushOverview(only?: string): Promise<void> {
    if (this.closed) return;
    // '' stands for every browser (a broadcast), as a page saved before the readers were followed has it
    const readers = this.broadcastOverview ? [''] : only !== undefined ? [only] : [...this.subscriptions.entries()].filter(([, sub]) => sub.overview).map(([client]) => client);
    // nobody looks: neither the host nor the devices are read
    if (readers.length && this.opts.hostFigures) {
      try {
        this.host = await this.opts.hostFigures();
      } catch {
        this.host = []; // the overview still shows the devices; the host figures read as missing
      }
    }
    if (this.closed) return;
    if (readers.length) {
      const host: Record<string, HostFigure> = {};
      for (const s of this.host) {
        const figure = hostFigure(s);
        if (figure) host[s.name] = figure;
      }
      const payload = { ...overview(this.opts.directory, this.clock.now()), host };
      for (const client of readers) this.offer('overview', client || undefined, { topic: 'overview', payload });
    }
    this.pushAlarms(false);
  }

  private pushAlarms(always: boolean): void {
    const active = activeAlarms(this.opts.directory);
    // the history changes only by recorded events: its count stands for it in the signature
    const sig = `${this.alarmHistory.version}#${JSON.stringify(active)}`;
    if (!always && sig === this.lastAlarms) return;
    this.lastAlarms = sig;
    this.offer('alarms', undefined, { topic: 'alarms', payload: { active, history: this.alarmHistory.recent() } });
  }

  private offer(output: FeedOutput, client: string | undefined, msg: FeedMessage, delivered?: () => void, gapMs?: number): void {
    this.throttle.offer(`${output}:${client ?? ''}`, { ...msg, ...(client ? { _client: { socketId: client } } : {}), output, ...(delivered ? { delivered } : {}) }, gapMs);
  }

  private deliver(m: Throttled): void {
    if (this.closed) return;
    const { output, delivered, ...msg } = m;
    delivered?.();
    this.opts.send(output, msg);
  }
}
