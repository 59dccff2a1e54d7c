// The dashboard's data: the widgets (ui-template) send their requests in, the feed answers each
// page on its own output. What every client sees alike (overview, alarms) is broadcast; what one
// browser picked (a device, charts from the tag picker) goes to that browser only (msg._client),
// read from the tag stores at the throttle's pace and sent only when it changed.
import type { ApiDirectory } from '../api/directory';
import type { HistorianRow } from '../historian/query';
import type { AlarmEvent } from '../alarm/engine';
import { streamHub } from '../api/stream/hub';
import type { TagSample, TagValue } from '../tags/contract';
import { acknowledgeAlarm, writeTag } from './actions';
import { AlarmHistory } from './alarm-history';
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

/** The pages that follow picked tags: the tag picker's charts, the controls' current values. */
type KeyedOutput = 'tags' | 'controls';

interface Subscription {
  /** the device page is open (a 'device' request came): it gets the device list, and the device's tags */
  followsDevices: boolean;
  device?: string;
  keys: Record<KeyedOutput, string[]>;
  renewedAt: number;
  /** what was sent last, to send only changes */
  lastDevice?: string;
  lastKeys: Partial<Record<KeyedOutput, string>>;
}

const TAG_LIST_LIMIT = 200;
/** the most tags one page follows (charts, controls) */
const MAX_KEYS = 20;
const HISTORY_POINTS = 120;

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

const signature = (tags: readonly TagView[]): string => tags.map((t) => `${t.name}=${String(t.value)}@${t.ts}:${t.quality}`).join('|');

export class DashboardFeed {
  private readonly throttle: WidgetThrottle<FeedMessage & { output: FeedOutput }>;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly alarmHistory = new AlarmHistory();
  private readonly clock: ThrottleClock;
  private lastAlarms = '';
  private liveTimer: NodeJS.Timeout | undefined;
  private overviewTimer: NodeJS.Timeout | undefined;
  private host: readonly TagSample[] = [];
  private stopAlarmEvents: (() => void) | undefined;
  private closed = false;

  constructor(private readonly opts: DashboardFeedOptions) {
    this.clock = opts.clock ?? REAL_CLOCK;
    this.throttle = new WidgetThrottle(opts.maxRate, (_key, m) => this.deliver(m), this.clock);
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
    switch (topic) {
      case 'hello':
        await this.pushOverview();
        return;
      case 'device': {
        const device = p.device === undefined || p.device === '' ? undefined : text(p.device, 'payload.device');
        const sub = this.subscription(client);
        // an open page renews its subscription: the live updates carry on, nothing is read again
        if (p.renew === true && sub.device === device && sub.lastDevice !== undefined) return;
        sub.device = device;
        sub.followsDevices = true;
        sub.lastDevice = undefined;
        const tags = this.sendDevice(sub, client, true, deviceNames(this.opts.directory));
        if (device) {
          const numeric = tags.filter((t) => t.numeric).map((t) => `${device}/${t.name}`);
          answer('devices', { topic: 'history', payload: { device, series: await this.history(numeric) } });
        }
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
        const sub = this.subscription(client);
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
        throw new DashboardRequestError('topic', `must be one of hello, device, tags, charts, controls, writable, ack, write; got ${JSON.stringify(topic)}`);
    }
  }

  private subscription(client: string | undefined): Subscription {
    const key = client ?? '';
    let sub = this.subscriptions.get(key);
    if (!sub) {
      sub = { followsDevices: false, keys: { tags: [], controls: [] }, renewedAt: 0, lastKeys: {} };
      this.subscriptions.set(key, sub);
    }
    sub.renewedAt = this.clock.now();
    return sub;
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
    const now = this.clock.now();
    const ttl = this.opts.subscriptionTtlMs ?? 30_000;
    let devices: string[] | undefined;
    const shown = new Map<string, TagView[]>();
    for (const [client, sub] of this.subscriptions) {
      if (now - sub.renewedAt > ttl) {
        this.subscriptions.delete(client);
        this.throttle.drop(`devices:${client}`);
        this.throttle.drop(`tags:${client}`);
        this.throttle.drop(`controls:${client}`);
        continue;
      }
      // read once a tick whatever the number of browsers: every tag store's devices, each shown device's tags
      if (sub.followsDevices) this.sendDevice(sub, client || undefined, false, (devices ??= deviceNames(this.opts.directory)), shown);
      this.sendKeyed(sub, client || undefined, 'tags');
      this.sendKeyed(sub, client || undefined, 'controls');
    }
  }

  /** The device page: the device list and the picked device's tags, when they changed; returns the tags. */
  private sendDevice(sub: Subscription, client: string | undefined, always: boolean, devices: string[], shown = new Map<string, TagView[]>()): TagView[] {
    let tags: TagView[] = [];
    if (sub.device) {
      tags = shown.get(sub.device) ?? deviceTags(this.opts.directory, sub.device);
      shown.set(sub.device, tags);
    }
    const sig = `${devices.join(',')}#${sub.device ?? ''}#${signature(tags)}`;
    if (!always && sig === sub.lastDevice) return tags;
    sub.lastDevice = sig;
    this.offer('devices', client, { topic: 'device', payload: { devices, device: sub.device ?? null, tags } });
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

  private async pushOverview(): Promise<void> {
    if (this.closed) return;
    if (this.opts.hostFigures) {
      try {
        this.host = await this.opts.hostFigures();
      } catch {
        this.host = []; // the overview still shows the devices; the host figures read as missing
      }
    }
    if (this.closed) return;
    const host: Record<string, HostFigure> = {};
    for (const s of this.host) {
      const figure = hostFigure(s);
      if (figure) host[s.name] = figure;
    }
    this.offer('overview', undefined, { topic: 'overview', payload: { ...overview(this.opts.directory, this.clock.now()), host } });
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

  private offer(output: FeedOutput, client: string | undefined, msg: FeedMessage): void {
    this.throttle.offer(`${output}:${client ?? ''}`, { ...msg, ...(client ? { _client: { socketId: client } } : {}), output });
  }

  private deliver(m: FeedMessage & { output: FeedOutput }): void {
    if (this.closed) return;
    const { output, ...msg } = m;
    this.opts.send(output, msg);
  }
}
