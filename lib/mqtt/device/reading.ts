// What a device's MQTT messages mean, by its profile: a data topic's payload becomes samples of
// the tags read from that topic (JSON by path, or a plain value), the availability topic says
// online or offline, and a confirmation topic answers a command. The node feeds every message of
// its subscriptions to `receive` and emits what comes back.
import type { MqttProfile, MqttTag, MqttTopic } from '../../profiles/types';
import { readJsonPath } from '../../profiles/json-path';
import type { Quality, TagSample, TagValue } from '../../tags/contract';
import { isUtf8 } from 'node:buffer';
import { parseBoundedJson, type JsonLimits } from '../../system/bounded/json';
import { deviceTopic, TopicRoutes, type DeviceTopicValues } from './topics';
import { tagValueOf } from './values';

/** A device payload is a small object: its size bounded so that one huge message cannot stall the node. */
const PAYLOAD_LIMITS: JsonLimits = { maxBytes: 256 * 1024, maxDepth: Infinity, maxEntries: Infinity };

/**
 * A data payload's document. Its size is what bounds the time JSON.parse takes; how deep it nests
 * and how many entries it holds matter to recursive consumers, and this document has none: the
 * reader takes scalars out of it by path (a loop) and drops it. So a payload within the size limit
 * that is UTF-8 and JSON is parsed at once, without the nesting pass that costs as much again
 * per message; anything else goes through parseBoundedJson, which refuses it with the reason.
 */
export function parseDevicePayload(payload: Buffer | string, what: string): unknown {
  const max = PAYLOAD_LIMITS.maxBytes;
  const text = typeof payload === 'string' ? (payload.length * 3 <= max ? payload : undefined) : payload.length <= max && isUtf8(payload) ? payload.toString('utf8') : undefined;
  if (text !== undefined) {
    try {
      return JSON.parse(text);
    } catch {
      // not JSON: parseBoundedJson below says why, in its own words
    }
  }
  return parseBoundedJson(payload, what, PAYLOAD_LIMITS);
}

export type Reception = { kind: 'samples'; samples: TagSample[]; topic: string } | { kind: 'availability'; online: boolean; payload: string } | { kind: 'ignored'; why: string };

interface DataRoute {
  kind: 'data';
  def: MqttTopic;
  tags: MqttTag[];
  what: string;
  /** the device time text last read and its value: a device repeats it for every tag and often across messages */
  lastTimeText?: unknown;
  lastTime?: number;
}

interface AvailabilityRoute {
  kind: 'availability';
  online: string;
  offline: string;
}

export interface ConfirmationListener {
  (topic: string, payload: Buffer | string): void;
}

export class MqttDeviceReader {
  readonly device: string;
  private readonly routes = new TopicRoutes<DataRoute | AvailabilityRoute>();
  /** topics a command's confirmation may arrive on (subscribed even when no tag reads them) */
  private readonly confirmTopics = new Set<string>();
  private readonly source: string;

  constructor(
    readonly profile: MqttProfile,
    readonly at: DeviceTopicValues,
  ) {
    this.device = at.device;
    this.source = `mqtt:${profile.id}`;
    for (const def of profile.topics) {
      const tags = profile.tags.filter((t) => t.topic === def.topic);
      this.routes.add(deviceTopic(def.topic, at), { kind: 'data', def, tags, what: `${def.topic} payload` });
    }
    if (profile.availability) this.routes.add(deviceTopic(profile.availability.topic, at), { kind: 'availability', online: profile.availability.online, offline: profile.availability.offline });
    for (const t of profile.tags) if (t.command?.confirm) this.confirmTopics.add(deviceTopic(t.command.confirm.topic, at));
  }

  /** The topic filters to subscribe to. */
  subscriptions(): string[] {
    return [...new Set([...this.routes.filters(), ...this.confirmTopics])];
  }

  receive(topic: string, payload: Buffer | string, arrival: number): Reception {
    const routes = this.routes.route(topic);
    if (!routes.length) return { kind: 'ignored', why: `no tag of profile ${this.profile.id} reads ${topic}` };
    const samples: TagSample[] = [];
    for (const r of routes) {
      if (r.kind === 'availability') {
        const text = (typeof payload === 'string' ? payload : payload.toString('utf8')).trim();
        if (text === r.online) return { kind: 'availability', online: true, payload: text };
        if (text === r.offline) return { kind: 'availability', online: false, payload: text };
        return { kind: 'ignored', why: `availability ${topic}: '${text.slice(0, 40)}' is neither '${r.online}' nor '${r.offline}'` };
      }
      this.read(r, payload, arrival, samples);
    }
    return { kind: 'samples', samples, topic };
  }

  private read(r: DataRoute, payload: Buffer | string, arrival: number, out: TagSample[]): void {
    if (r.def.format === 'plain') {
      const text = (typeof payload === 'string' ? payload : payload.toString('utf8')).trim();
      for (const tag of r.tags) out.push(this.sample(tag, tagValueOf(tag, text === '' ? undefined : text), arrival));
      return;
    }
    let doc: unknown;
    try {
      doc = parseDevicePayload(payload, r.what);
    } catch (err) {
      const reason = (err as Error).message;
      for (const tag of r.tags) out.push(this.sample(tag, { ok: false, reason }, arrival));
      return;
    }
    let ts = arrival;
    let tsProblem: string | undefined;
    if (r.def.timestamp) {
      const text = readJsonPath(doc, r.def.timestamp.path);
      let t: number | undefined;
      if (text === r.lastTimeText && text !== undefined) t = r.lastTime;
      else {
        t = deviceTime(text, r.def.timestamp.format);
        r.lastTimeText = text;
        r.lastTime = t;
      }
      if (t === undefined) tsProblem = `device time at ${r.def.timestamp.path.text} unreadable: arrival time used`;
      else ts = t;
    }
    for (const tag of r.tags) {
      const s = this.sample(tag, tagValueOf(tag, readJsonPath(doc, tag.path!)), ts);
      if (s.quality === 'good' && tag.quality) qualityOf(tag, doc, s);
      if (s.quality === 'good' && tsProblem) {
        s.quality = 'uncertain';
        s.error = tsProblem;
      }
      out.push(s);
    }
  }

  private sample(tag: MqttTag, v: ReturnType<typeof tagValueOf>, ts: number): TagSample {
    const s: TagSample = v.ok
      ? { device: this.device, name: tag.name, value: v.value, quality: 'good', ts, source: this.source }
      : { device: this.device, name: tag.name, value: null, quality: 'bad', ts, source: this.source, error: v.reason };
    if (tag.unit) s.unit = tag.unit;
    return s;
  }
}

/** The profile's quality field: a good value keeps the sample good, a bad one makes it bad, else uncertain. */
function qualityOf(tag: MqttTag, doc: unknown, s: TagSample): void {
  const q = tag.quality!;
  const found = readJsonPath(doc, q.path);
  // only a plain value is compared or quoted: an object or array (nested as deep as the payload's
  // size allows) is neither good nor bad, and String()/JSON.stringify of it could overflow the stack
  const v = found === null || typeof found !== 'object' ? (found as TagValue | undefined) : undefined;
  const matches = (x: string | number | boolean) => x === v || String(x) === String(v);
  if (v !== undefined && q.good.some(matches)) return;
  const bad = v !== undefined && q.bad.some(matches);
  s.quality = bad ? 'bad' : ('uncertain' satisfies Quality);
  s.error = `${q.path.text} is ${v !== undefined ? JSON.stringify(v) : found === undefined ? 'missing' : Array.isArray(found) ? 'an array' : 'an object'}`;
  if (bad) s.value = null;
}

function deviceTime(v: unknown, format: 'iso' | 'epoch-s' | 'epoch-ms'): number | undefined {
  if (format === 'iso') {
    if (typeof v !== 'string') return undefined;
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : undefined;
  }
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0) return undefined;
  return format === 'epoch-s' ? Math.round(n * 1000) : n;
}
