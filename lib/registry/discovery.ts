// The discovery topic: a device unknown to the registry that publishes under it appears as
// pending. The topic is a filter with exactly one single-level wildcard, where the device puts
// its own id: devices/+/hello by default (settings: discoveryTopic, handed to Node-RED as
// edgegw.discovery.topic).
import { isDeviceId } from './identity';

export const DEFAULT_DISCOVERY_TOPIC = 'devices/+/hello';

export class DiscoveryTopicError extends Error {
  constructor(
    readonly topic: string,
    reason: string,
  ) {
    super(`discovery topic "${topic}": ${reason}`);
    this.name = 'DiscoveryTopicError';
  }
}

/** Matches topics against a discovery filter and tells the id the '+' stands for. */
export class DiscoveryTopic {
  private readonly levels: string[];
  private readonly idLevel: number;
  /** the filter's text before and after the + level: most topics are told apart by these without a split */
  private readonly head: string;
  private readonly tail: string;

  constructor(readonly filter: string = DEFAULT_DISCOVERY_TOPIC) {
    this.levels = filter.split('/');
    const plus = this.levels.flatMap((l, i) => (l === '+' ? [i] : []));
    if (plus.length !== 1) throw new DiscoveryTopicError(filter, 'needs exactly one + level, where a device puts its id (e.g. devices/+/hello)');
    if (this.levels.some((l) => l.includes('#') || (l !== '+' && l.includes('+')))) throw new DiscoveryTopicError(filter, 'may hold no # and no + inside a level');
    if (filter.startsWith('$')) throw new DiscoveryTopicError(filter, 'may not be under a $ topic');
    this.idLevel = plus[0];
    this.head = this.levels
      .slice(0, this.idLevel)
      .map((l) => `${l}/`)
      .join('');
    this.tail = this.levels
      .slice(this.idLevel + 1)
      .map((l) => `/${l}`)
      .join('');
  }

  /** The device id announced by a publish to `topic`, or undefined when the topic is not a discovery one (or the id is not a device id). */
  deviceIdOf(topic: string): string | undefined {
    // called for every publish the embedded broker takes: no allocation for the others
    if (!topic.startsWith(this.head) || !topic.endsWith(this.tail)) return undefined;
    const parts = topic.split('/');
    if (parts.length !== this.levels.length) return undefined;
    for (let i = 0; i < parts.length; i++) if (i !== this.idLevel && parts[i] !== this.levels[i]) return undefined;
    const id = parts[this.idLevel];
    return isDeviceId(id) ? id : undefined;
  }
}
