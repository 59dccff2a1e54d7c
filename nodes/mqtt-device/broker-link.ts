// mqtt-device's way onto MQTT: Node-RED's own mqtt-broker config node (the one the default flows
// point at the embedded broker, or any broker a user configures), used the way core's mqtt in and
// out nodes use it: register to make it connect, publish. Messages come in through one TopicDispatch
// per broker node, shared by every mqtt-device on it, listening on the broker node's client (its own
// per-subscription listeners cost a RegExp each per message). The broker reports its connection by
// calling status() on its users; the link turns that into a state, so the device node keeps its own
// status, and hands the dispatch the broker's current client.
import type { Node } from '../common/red';
import { TopicDispatch, type DispatchClient, type DispatchedMessage } from '../../lib/mqtt/device/topic-dispatch';

interface MqttBrokerConfigNode {
  id: string;
  connected?: boolean;
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

function dispatchOf(broker: MqttBrokerConfigNode): TopicDispatch {
  let entry = dispatches.get(broker);
  if (!entry) {
    const dispatch = new TopicDispatch({
      heldElsewhere: (filter) => Object.keys(broker.subscriptions?.[filter] ?? {}).length > 0,
      failed: (err) => broker.error(`MQTT subscription handler error: ${String(err)}`),
    });
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

export class BrokerLink {
  private readonly topics = new Set<string>();
  private readonly dispatch: TopicDispatch;
  private readonly user: { id: string; status(s: { fill?: string; text?: string }): void };

  constructor(
    private readonly broker: MqttBrokerConfigNode,
    private readonly node: Pick<Node, 'id'>,
    private readonly qos: number,
    onState: (s: BrokerState) => void,
  ) {
    this.dispatch = dispatchOf(broker);
    this.user = {
      id: node.id,
      status: (s) => {
        const state: BrokerState = /connected$/.test(s.text ?? '') && s.fill === 'green' ? 'connected' : s.fill === 'yellow' ? 'connecting' : 'disconnected';
        if (state === 'connected') this.dispatch.attach(broker.client);
        onState(state);
      },
    };
    broker.register(this.user);
    // registering made the broker node connect: its client exists, connected or on its way
    this.dispatch.attach(broker.client);
  }

  get connected(): boolean {
    return this.broker.connected === true;
  }

  /** Subscribes to exactly `filters` (drops the ones no longer wanted). */
  subscribe(filters: readonly string[], onMessage: DispatchedMessage): void {
    for (const t of [...this.topics]) if (!filters.includes(t)) this.unsubscribe(t);
    for (const t of filters) {
      this.dispatch.subscribe(this.node.id, t, this.qos as 0 | 1 | 2, onMessage);
      this.topics.add(t);
    }
  }

  private unsubscribe(topic: string): void {
    this.dispatch.unsubscribe(this.node.id, topic);
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
    releaseDispatch(this.broker);
    this.broker.deregister(this.user, done, true);
  }
}
