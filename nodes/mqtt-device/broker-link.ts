// mqtt-device's way onto MQTT: Node-RED's own mqtt-broker config node (the one the default flows
// point at the embedded broker, or any broker a user configures), used the way core's mqtt in and
// out nodes use it: register to make it connect, publish. Messages come in through one TopicDispatch
// per broker node, shared by every mqtt-device on it, listening on the broker node's client (its own
// per-subscription listeners cost a RegExp each per message). The broker reports its connection by
// calling status() on its users; the link turns that into a state, so the device node keeps its own
// status, and hands the dispatch the broker's current client.
import type { Node } from '../common/red';
import { TopicDispatch, type DispatchClient, type DispatchedMessage } from '../../lib/mqtt/device/topic-dispatch';
import { inProcessBrokerAt, type InProcessBroker } from '../../lib/mqtt/in-process-broker';

interface MqttBrokerConfigNode {
  id: string;
  connected?: boolean;
  /** where it connects, e.g. mqtt://127.0.0.1:1883 */
  brokerurl?: string;
  /** the mqtt.js client: replaced when the broker node connects from scratch */
  client?: DispatchClient;
  /** the broker node's own subscriptions (Node-RED's mqtt in nodes): filter -> ref -> subscription */
  subscriptions?: Record<string, Record<string, unknown> | undefined>;
  error(message: string): void;
  register(user: { id: string; status(s: { fill?: string; text?: string }): void }): void;
  deregister(user: { id: string }, done: () => void, autoDisconnect?: boolean): void;
  subscribe(...args: never[]): void;
  publish(msg: { topic: string; payload: string; qos: number; retain: boolean }, done?: (err?: Error) => void): void;
}

export function isMqttBroker(n: unknown): n is MqttBrokerConfigNode {
  const b = n as Partial<MqttBrokerConfigNode> | null;
  return !!b && typeof b.subscribe === 'function' && typeof b.publish === 'function' && typeof b.register === 'function';
}

export type BrokerState = 'connected' | 'connecting' | 'disconnected';

/** The dispatch of each broker node and how many links use it: the last to leave lets the client go. */
const dispatches = new WeakMap<MqttBrokerConfigNode, { dispatch: TopicDispatch; links: number }>();

/** A message handler threw: said on the broker node, as its own subscriptions' errors are (the message still reaches the others). */
const handlerFailed = (broker: MqttBrokerConfigNode) => (err: Error) => broker.error(`MQTT subscription handler error: ${String(err)}`);

/** Whether Node-RED's own nodes (mqtt in) hold `filter` on the broker node's connection. */
const heldByBrokerNode = (broker: MqttBrokerConfigNode, filter: string) => Object.keys(broker.subscriptions?.[filter] ?? {}).length > 0;

function dispatchOf(broker: MqttBrokerConfigNode): TopicDispatch {
  let entry = dispatches.get(broker);
  if (!entry) {
    const dispatch = new TopicDispatch({ heldElsewhere: (filter) => heldByBrokerNode(broker, filter), failed: handlerFailed(broker) });
    dispatches.set(broker, (entry = { dispatch, links: 0 }));
  }
  entry.links++;
  return entry.dispatch;
}

function releaseDispatch(broker: MqttBrokerConfigNode): void {
  const entry = dispatches.get(broker);
  if (!entry || --entry.links > 0) return;
  entry.dispatch.detach();
  dispatches.delete(broker);
}

/**
 * Where a link's messages come from: the broker node's client through the shared dispatch, or, when
 * the broker config points at the embedded broker of this same process, that broker directly.
 */
interface MessageSource {
  subscribe(filter: string): void;
  unsubscribe(filter: string): void;
  close(): void;
}

/** The broker of this process that the config node connects to over plain TCP, if any. */
function inProcessBrokerOf(broker: MqttBrokerConfigNode): InProcessBroker | undefined {
  if (!broker.brokerurl) return undefined;
  let url: URL;
  try {
    url = new URL(broker.brokerurl);
  } catch {
    return undefined;
  }
  return url.protocol === 'mqtt:' ? inProcessBrokerAt(url.hostname, Number(url.port || 1883)) : undefined;
}

export class BrokerLink {
  private readonly topics = new Set<string>();
  private readonly source: MessageSource;
  /** the handler every message of the link goes to (a reloaded profile brings a new one) */
  private onMessage: DispatchedMessage = () => undefined;
  private readonly user: { id: string; status(s: { fill?: string; text?: string }): void };
  /** the messages come from the embedded broker of this process, not over a connection to it */
  readonly inProcess: boolean;

  constructor(
    private readonly broker: MqttBrokerConfigNode,
    private readonly node: Pick<Node, 'id'>,
    private readonly qos: number,
    onState: (s: BrokerState) => void,
  ) {
    const deliver: DispatchedMessage = (topic, payload, packet) => this.onMessage(topic, payload, packet);
    const local = inProcessBrokerOf(broker);
    this.inProcess = !!local;
    let dispatch: TopicDispatch | undefined;
    if (local) {
      const stops = new Map<string, () => void>();
      const failed = handlerFailed(broker);
      this.source = {
        subscribe: (filter) => void (stops.has(filter) || stops.set(filter, local.subscribe(filter, deliver, failed))),
        unsubscribe: (filter) => {
          stops.get(filter)?.();
          stops.delete(filter);
          // mqtt.js ends a client that is still connecting without closing its socket, unless a packet
          // is waiting to go out: the socket then stays open for good (the broker node does so for a
          // flow of mqtt out alone redeployed while it connects). An unsubscribe queued, as the TCP path
          // and core's mqtt in send at close, makes the end wait for the connection and close it.
          if (broker.client && !broker.connected && !heldByBrokerNode(broker, filter)) broker.client.unsubscribe(filter);
        },
        close: () => undefined,
      };
    } else {
      const d = (dispatch = dispatchOf(broker));
      this.source = {
        subscribe: (filter) => d.subscribe(node.id, filter, qos as 0 | 1 | 2, deliver),
        unsubscribe: (filter) => d.unsubscribe(node.id, filter),
        close: () => releaseDispatch(broker),
      };
    }
    this.user = {
      id: node.id,
      status: (s) => {
        const state: BrokerState = /connected$/.test(s.text ?? '') && s.fill === 'green' ? 'connected' : s.fill === 'yellow' ? 'connecting' : 'disconnected';
        if (state === 'connected') dispatch?.attach(broker.client);
        onState(state);
      },
    };
    // registered in either case: the broker node's connection carries the commands and tells the status
    broker.register(this.user);
    // registering made the broker node connect: its client exists, connected or on its way
    dispatch?.attach(broker.client);
  }

  get connected(): boolean {
    return this.broker.connected === true;
  }

  /** Subscribes to exactly `filters` (drops the ones no longer wanted). */
  subscribe(filters: readonly string[], onMessage: DispatchedMessage): void {
    this.onMessage = onMessage;
    for (const t of [...this.topics]) if (!filters.includes(t)) this.unsubscribe(t);
    for (const t of filters) {
      this.source.subscribe(t);
      this.topics.add(t);
    }
  }

  private unsubscribe(topic: string): void {
    this.source.unsubscribe(topic);
    this.topics.delete(topic);
  }

  publish(topic: string, payload: string): Promise<void> {
    if (!this.connected) return Promise.reject(new Error('the MQTT broker is not connected'));
    return new Promise((resolve, reject) =>
      this.broker.publish({ topic, payload, qos: this.qos, retain: false }, (err) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve())),
    );
  }

  close(done: () => void): void {
    for (const t of [...this.topics]) this.unsubscribe(t);
    this.source.close();
    this.broker.deregister(this.user, done, true);
  }
}
