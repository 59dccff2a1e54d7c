// Every mqtt-device on one MQTT connection, fed by a single 'message' listener on its client. Node-RED's
// mqtt-broker node puts a listener per subscription on the client, and each of them builds a RegExp from
// its filter for every message that arrives: with a few devices of a few topics each, that is a dozen
// and more RegExp compilations per message, the largest cost of a flooded device. Here a message is one
// Map lookup of its topic (a device's topics are exact), plus a match per wildcard filter when there are
// any. The connection stays the broker node's: this only subscribes on its client, and lets the client
// go when it is replaced (a reconnect from scratch) or when the last device leaves.
import { topicMatches } from '../topic-filter';

export type DispatchedMessage = (topic: string, payload: Buffer, packet?: unknown) => void;

/** What is used of an mqtt.js client. */
export interface DispatchClient {
  readonly connected: boolean;
  on(event: 'message', listener: DispatchedMessage): unknown;
  on(event: 'connect', listener: () => void): unknown;
  on(event: 'packetsend', listener: (packet: { cmd?: string; unsubscriptions?: readonly string[] }) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  subscribe(filter: string, options: { qos: 0 | 1 | 2 }): unknown;
  unsubscribe(filter: string): unknown;
}

export interface TopicDispatchOptions {
  /**
   * Whether another user of the same connection (Node-RED's mqtt in) holds `filter`: its client
   * subscription is then left in place when the last device lets it go.
   */
  heldElsewhere(filter: string): boolean;
  /** a handler threw: the message is not lost for the other handlers */
  failed(err: Error, topic: string): void;
}

interface Subscriber {
  qos: 0 | 1 | 2;
  onMessage: DispatchedMessage;
}

export class TopicDispatch {
  /** filter -> subscriber ref -> its QoS and handler: the truth the two lookup tables below are built from */
  private readonly subscribers = new Map<string, Map<string, Subscriber>>();
  private exact = new Map<string, DispatchedMessage[]>();
  private wild: { filter: string; handlers: DispatchedMessage[] }[] = [];
  /** the QoS each filter is subscribed at on the client */
  private readonly granted = new Map<string, 0 | 1 | 2>();
  private client: DispatchClient | undefined;

  constructor(private readonly o: TopicDispatchOptions) {}

  get filters(): string[] {
    return [...this.subscribers.keys()];
  }

  private readonly deliver = (topic: string, payload: Buffer, packet: unknown): void => {
    const handlers = this.exact.get(topic);
    if (handlers) for (const h of handlers) this.call(h, topic, payload, packet);
    for (const w of this.wild) if (topicMatches(w.filter, topic)) for (const h of w.handlers) this.call(h, topic, payload, packet);
  };

  private call(h: DispatchedMessage, topic: string, payload: Buffer, packet: unknown): void {
    try {
      h(topic, payload, packet);
    } catch (err) {
      this.o.failed(err as Error, topic);
    }
  }

  /** a clean session forgets subscriptions: every reconnect subscribes again, as the broker node does for its own */
  private readonly resubscribe = (): void => {
    this.granted.clear();
    for (const filter of this.subscribers.keys()) this.subscribeClient(filter);
  };

  /** someone else on the connection unsubscribed a filter a device still needs (the last mqtt in on it left) */
  private readonly watchUnsubscribe = (packet: { cmd?: string; unsubscriptions?: readonly string[] }): void => {
    if (packet.cmd !== 'unsubscribe' || !packet.unsubscriptions) return;
    const client = this.client;
    const ours = packet.unsubscriptions.filter((filter) => this.subscribers.has(filter));
    if (!ours.length) return;
    // mqtt.js tells of a packet before writing it: subscribing now would go out ahead of the unsubscribe
    setImmediate(() => {
      if (this.client !== client) return;
      for (const filter of ours) {
        this.granted.delete(filter);
        this.subscribeClient(filter);
      }
    });
  };

  /** Feeds on `client` from now on (the one the broker node holds); a different client replaces the last. */
  attach(client: DispatchClient | undefined): void {
    if (client === this.client) return;
    this.detach();
    if (!client) return;
    this.client = client;
    client.on('message', this.deliver);
    client.on('connect', this.resubscribe);
    client.on('packetsend', this.watchUnsubscribe);
    if (client.connected) this.resubscribe();
  }

  /** Stops listening; the client's subscriptions stay (the client is closing or replaced). */
  detach(): void {
    const c = this.client;
    if (!c) return;
    c.removeListener('message', this.deliver);
    c.removeListener('connect', this.resubscribe);
    c.removeListener('packetsend', this.watchUnsubscribe);
    this.client = undefined;
    this.granted.clear();
  }

  /** `ref` takes the messages of `filter` with `onMessage` (replacing its earlier handler of that filter). */
  subscribe(ref: string, filter: string, qos: 0 | 1 | 2, onMessage: DispatchedMessage): void {
    let refs = this.subscribers.get(filter);
    if (!refs) this.subscribers.set(filter, (refs = new Map()));
    refs.set(ref, { qos, onMessage });
    this.rebuild();
    this.subscribeClient(filter);
  }

  unsubscribe(ref: string, filter: string): void {
    const refs = this.subscribers.get(filter);
    if (!refs?.delete(ref)) return;
    if (refs.size) {
      this.rebuild();
      return;
    }
    this.subscribers.delete(filter);
    this.rebuild();
    this.granted.delete(filter);
    // sent whatever the connection's state, as the broker node does for its own: a client still
    // connecting queues it, and its end then waits for it rather than leaving the socket behind
    if (this.client && !this.o.heldElsewhere(filter)) this.client.unsubscribe(filter);
  }

  /** The client subscription at the highest QoS any device asks of the filter, sent when it changes. */
  private subscribeClient(filter: string): void {
    const refs = this.subscribers.get(filter);
    if (!refs || !this.client?.connected) return;
    let qos: 0 | 1 | 2 = 0;
    for (const s of refs.values()) if (s.qos > qos) qos = s.qos;
    if (this.granted.get(filter) === qos) return;
    this.granted.set(filter, qos);
    this.client.subscribe(filter, { qos });
  }

  private rebuild(): void {
    const exact = new Map<string, DispatchedMessage[]>();
    const wild: { filter: string; handlers: DispatchedMessage[] }[] = [];
    for (const [filter, refs] of this.subscribers) {
      const handlers = [...refs.values()].map((s) => s.onMessage);
      if (/[+#]/.test(filter)) wild.push({ filter, handlers });
      else exact.set(filter, handlers);
    }
    this.exact = exact;
    this.wild = wild;
  }
}
