// The MQTT broker of this very process (the runtime's embedded aedes), for a node whose broker config
// points at it: its messages are taken straight from the broker as it routes them, with no second
// MQTT connection in between (no PUBLISH encoded for it, written to a loopback socket, read back and
// parsed again in the same process). The runtime registers its broker here when it listens and takes it
// away when it closes; nodes ask by the address their broker config connects to. lib/ knows neither
// aedes nor Node-RED: the runtime adapts the one to this, the nodes use it.

export type InProcessDelivery = (topic: string, payload: Buffer) => void;

export interface InProcessBroker {
  /** the port its loopback listener serves */
  readonly port: number;
  /**
   * Delivers every message published on `filter` from now on, and the messages retained on it,
   * until the returned function is called. A delivery that throws is reported to `failed`.
   */
  subscribe(filter: string, deliver: InProcessDelivery, failed: (err: Error) => void): () => void;
}

const brokers = new Set<InProcessBroker>();

/** Makes `broker` known to the nodes of this process; the returned function takes it away. */
export function registerInProcessBroker(broker: InProcessBroker): () => void {
  brokers.add(broker);
  return () => brokers.delete(broker);
}

/** Loopback names a broker config uses for a broker on the same machine. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The broker of this process that a plain-TCP connection to host:port would reach, if any. */
export function inProcessBrokerAt(host: string, port: number): InProcessBroker | undefined {
  if (!LOOPBACK_HOSTS.has(host.trim().toLowerCase())) return undefined;
  for (const b of brokers) if (b.port === port) return b;
  return undefined;
}
