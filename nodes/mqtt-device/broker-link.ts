// mqtt-device's way onto MQTT: Node-RED's own mqtt-broker config node (the one the default flows
// point at the embedded broker, or any broker a user configures), used the way core's mqtt in and
// out nodes use it: register to make it connect, subscribe per topic under our node id, publish.
// The broker reports its connection by calling status() on its users; the link turns that into a
// state, so the device node keeps its own status.
import type { Node } from '../common/red';

type MessageCallback = (topic: string, payload: Buffer, packet: unknown) => void;

interface MqttBrokerConfigNode {
  id: string;
  connected?: boolean;
  register(user: { id: string; status(s: { fill?: string; text?: string }): void }): void;
  deregister(user: { id: string }, done: () => void, autoDisconnect?: boolean): void;
  subscribe(topic: string, options: { qos: number }, callback: MessageCallback, ref: string): void;
  unsubscribe(topic: string, ref: string, removeClientSubscription?: boolean): void;
  publish(msg: { topic: string; payload: string; qos: number; retain: boolean }, done?: (err?: Error) => void): void;
}

export function isMqttBroker(n: unknown): n is MqttBrokerConfigNode {
  const b = n as Partial<MqttBrokerConfigNode> | null;
  return !!b && typeof b.subscribe === 'function' && typeof b.publish === 'function' && typeof b.register === 'function';
}

export type BrokerState = 'connected' | 'connecting' | 'disconnected';

export class BrokerLink {
  private readonly topics = new Set<string>();
  private readonly user: { id: string; status(s: { fill?: string; text?: string }): void };

  constructor(
    private readonly broker: MqttBrokerConfigNode,
    private readonly node: Pick<Node, 'id'>,
    private readonly qos: number,
    onState: (s: BrokerState) => void,
  ) {
    this.user = {
      id: node.id,
      status: (s) => onState(/connected$/.test(s.text ?? '') && s.fill === 'green' ? 'connected' : s.fill === 'yellow' ? 'connecting' : 'disconnected'),
    };
    broker.register(this.user);
  }

  get connected(): boolean {
    return this.broker.connected === true;
  }

  /** Subscribes to exactly `filters` (drops the ones no longer wanted). */
  subscribe(filters: readonly string[], onMessage: MessageCallback): void {
    for (const t of [...this.topics]) if (!filters.includes(t)) this.unsubscribe(t);
    for (const t of filters) {
      this.broker.subscribe(t, { qos: this.qos }, onMessage, this.node.id);
      this.topics.add(t);
    }
  }

  private unsubscribe(topic: string): void {
    this.broker.unsubscribe(topic, this.node.id, true);
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
    this.broker.deregister(this.user, done, true);
  }
}
