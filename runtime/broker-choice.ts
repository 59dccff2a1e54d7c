// The MQTT broker the flows talk to, decided once from the settings and handed to the flows as
// one URL (EDGEGW_MQTT_URL in their mqtt-broker and forward-target config nodes): the external
// broker of --mqtt-url, else the embedded one on --broker-port, else (--no-broker) a broker the
// user runs on 127.0.0.1 at the broker port. The URL is never guessed apart from the settings.
import { startEmbeddedBroker, type EmbeddedBroker, type EmbeddedBrokerOptions } from './broker';
import type { GatewaySettings } from './settings';

export type BrokerChoice = { mode: 'external'; url: string } | { mode: 'embedded'; port: number; maxPacketBytes: number } | { mode: 'none'; url: string };

/** The broker the flows use while it runs: for the embedded one, where it actually listens (--broker-port 0 picks a port). */
export type FlowsBroker = { mode: 'external'; url: string } | { mode: 'embedded'; url: string; embedded: EmbeddedBroker } | { mode: 'none'; url: string };

export const loopbackBrokerUrl = (port: number): string => `mqtt://127.0.0.1:${port}`;

export function chooseBroker(s: Pick<GatewaySettings, 'mqttUrl' | 'broker' | 'brokerPort' | 'brokerMaxPacket'>): BrokerChoice {
  if (s.mqttUrl) return { mode: 'external', url: s.mqttUrl };
  if (s.broker) return { mode: 'embedded', port: s.brokerPort, maxPacketBytes: s.brokerMaxPacket };
  return { mode: 'none', url: loopbackBrokerUrl(s.brokerPort) };
}

/**
 * Starts the embedded broker when it is the choice; the other choices are already where they run.
 * `devices`: the device registry's logins, ACL and discovery for the embedded broker.
 */
export async function provideBroker(choice: BrokerChoice, warn: (message: string) => void, start = startEmbeddedBroker, devices?: EmbeddedBrokerOptions['devices']): Promise<FlowsBroker> {
  if (choice.mode !== 'embedded') return choice;
  const embedded = await start(choice.port, { maxPacketBytes: choice.maxPacketBytes, warn, devices });
  return { mode: 'embedded', url: loopbackBrokerUrl(embedded.port), embedded };
}
