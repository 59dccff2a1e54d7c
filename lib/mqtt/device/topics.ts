// A profile's topic patterns made concrete for one device: `{topic}` is the device's own topic
// (Tasmota's %topic%, a Shelly id, an ESPHome node name), `{device}` its id in the gateway.
import { topicMatches } from '../topic-filter';

export interface DeviceTopicValues {
  device: string;
  topic: string;
}

export function deviceTopic(pattern: string, v: DeviceTopicValues): string {
  return pattern.replace(/\{(topic|device)\}/g, (_m, k: 'topic' | 'device') => v[k]);
}

/** Finds what a topic is for: exact topics by a map lookup, wildcard ones by matching in order. */
export class TopicRoutes<T> {
  private readonly exact = new Map<string, T[]>();
  private readonly wild: { filter: string; target: T }[] = [];

  add(filter: string, target: T): void {
    if (/[+#]/.test(filter)) this.wild.push({ filter, target });
    else {
      const list = this.exact.get(filter);
      if (list) list.push(target);
      else this.exact.set(filter, [target]);
    }
  }

  /** every subscription filter, once */
  filters(): string[] {
    return [...new Set([...this.exact.keys(), ...this.wild.map((w) => w.filter)])];
  }

  route(topic: string): readonly T[] {
    const exact = this.exact.get(topic);
    if (!this.wild.length) return exact ?? NONE;
    const out = exact ? [...exact] : [];
    for (const w of this.wild) if (topicMatches(w.filter, topic)) out.push(w.target);
    return out;
  }
}

const NONE: readonly never[] = [];
