// The MQTT broker the flows talk to, decided once from the settings and handed to the flows as
// one URL (EDGEGW_MQTT_URL in their mqtt-broker and forward-target config nodes): the external
// broker of --mqtt-url, else the embedded one on --broker-port, else (--no-broker) a broker the
// user runs on 127.0.0.1 at the broker port. The URL is never guessed apart from the settings.
import { startEmbeddedBroker, type EmbeddedBroker, type EmbeddedBrokerOptions } from './broker';
import { DEFAULTS, type GatewaySettings } from './settings';

export type BrokerChoice =
  { mode: 'external'; url: string } | { mode: 'embedded'; port: number; maxPacketBytes: number; /** another bind than 127.0.0.1 (--broker-host) */ host?: string } | { mode: 'none'; url: string };

/** The broker the flows use while it runs: for the embedded one, where it actually listens (--broker-port 0 picks a port). */
export type FlowsBroker = { mode: 'external'; url: string } | { mode: 'embedded'; url: string; embedded: EmbeddedBroker } | { mode: 'none'; url: string };

export const loopbackBrokerUrl = (port: number): string => `mqtt://127.0.0.1:${port}`;

export function chooseBroker(s: Pick<GatewaySettings, 'mqttUrl' | 'broker' | 'brokerHost' | 'brokerPort' | 'brokerMaxPacket'>): BrokerChoice {
  if (s.mqttUrl) return { mode: 'external', url: s.mqttUrl };
  if (s.broker) {
    const choice: BrokerChoice = { mode: 'embedded', port: s.brokerPort, maxPacketBytes: s.brokerMaxPacket };
    if (s.brokerHost !== DEFAULTS.brokerHost) choice.host = s.brokerHost;
    return choice;
  }
  return { mode: 'none', url: loopbackBrokerUrl(s.brokerPort) };
}

/**
 * Starts the embedded broker when it is the choice; the other choices are already where they run.
 * `devices`: the device registry's logins, ACL and discovery for the embedded broker.
 */
export async function provideBroker(choice: BrokerChoice, warn: (message: string) => void, start = startEmbeddedBroker, devices?: EmbeddedBrokerOptions['devices']): Promise<FlowsBroker> {
  if (choice.mode !== 'embedded') return choice;
  // the flows connect on 127.0.0.1 whatever the bind: the broker listens there too (listenAddresses)
  const embedded = await start(choice.port, { host: choice.host, maxPacketBytes: choice.maxPacketBytes, warn, devices });
  return { mode: 'embedded', url: loopbackBrokerUrl(embedded.port), embedded };
}
