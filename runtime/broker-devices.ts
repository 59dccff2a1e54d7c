// The embedded broker's device security, from the device registry (lib/registry):
// - a client that logs in with a username is a device: its password is checked against the
//   registry's scrypt hash, and it may then publish only under its own topics and subscribe only
//   to its own command topics (the registry's per-device prefix lists);
// - a client without a username is the gateway's own (the flows' mqtt-broker nodes connect to
//   ${EDGEGW_MQTT_URL} on 127.0.0.1 without one) or a local tool: served only on loopback,
//   without an ACL;
// - until a first device is added (edge-gateway admin add-device), a local client's username is
//   not checked, as before; from then on a wrong password is refused.
// - a publish under the discovery topic (devices/+/hello) by an unknown device makes it pending.
// Nothing secret is logged: usernames and addresses only, never a password.
import { counter } from '../lib/metrics/registry';
import { isLoopbackAddress } from '../lib/api/auth/addresses';
import type { DeviceRegistry, DiscoveryTopic } from '../lib/registry';

/** The slice of the registry the broker asks. */
export type BrokerDeviceRegistry = Pick<DeviceRegistry, 'get' | 'hasCredentials' | 'authenticate' | 'mayPublish' | 'maySubscribe' | 'announce' | 'seen' | 'refresh'>;

export interface BrokerDeviceOptions {
  registry: BrokerDeviceRegistry;
  /** publishes under it announce a device (none: no discovery) */
  discovery?: DiscoveryTopic;
  warn?: (message: string) => void;
}

/** The device id a client logged in as, kept on aedes' client object. */
const DEVICE = Symbol('edgegw.device');

interface BrokerClient {
  id?: string;
  conn?: { remoteAddress?: string; remotePort?: number };
  [DEVICE]?: string;
}

/** MQTT 3.1.1 CONNACK return codes aedes passes on from an authenticate error. */
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

/** The operator API's test of a caller's address (the one spelling of loopback in the gateway). */
export { isLoopbackAddress };

const refusal = (returnCode: number, message: string): Error => Object.assign(new Error(message), { returnCode });

/** The short text fields (profile, name) of an announcement's JSON payload, parsed once; none for anything else. */
export function announcedFields(payload: unknown): { profile?: string; name?: string } {
  if (!Buffer.isBuffer(payload) || payload.length > 4096 || payload[0] !== 0x7b) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8'));
  } catch {
    return {};
  }
  const field = (v: unknown) => (typeof v === 'string' && v.length <= 128 ? v : undefined);
  const o = parsed as Record<string, unknown> | null;
  return o && typeof o === 'object' ? { profile: field(o.profile), name: field(o.name) } : {};
}

export class BrokerDeviceSecurity {
  private readonly registry: BrokerDeviceRegistry;
  private readonly warn: (message: string) => void;
  private readonly refused = counter('edgegw_broker_device_refusals_total', 'logins, publishes and subscriptions the embedded MQTT broker refused by the device registry', ['reason']);

  constructor(private readonly opts: BrokerDeviceOptions) {
    this.registry = opts.registry;
    this.warn = opts.warn ?? (() => undefined);
  }

  /** aedes' authenticate: a device login, or an anonymous local client. */
  authenticate(client: BrokerClient, username: string | undefined, password: Buffer | undefined, callback: (err: Error | null, ok: boolean) => void): void {
    this.login(client, username, password?.toString('utf8') ?? '').then(
      () => callback(null, true),
      (err: Error) => callback(err, false),
    );
  }

  private async login(client: BrokerClient, username: string | undefined, password: string): Promise<void> {
    const address = client.conn?.remoteAddress;
    const local = isLoopbackAddress(address);
    if (!username) {
      if (local) return;
      this.refuse('anonymous', `refused the client ${JSON.stringify(client.id ?? '')} from ${address}: no username (anonymous access only on loopback)`);
      throw refusal(NOT_AUTHORIZED, 'anonymous access only on loopback');
    }
    // a device added by the CLI a moment ago logs in without a restart
    await this.registry.refresh().catch((err: Error) => this.warn(`embedded MQTT broker: cannot read the device registry (${err.message})`));
    const device = await this.registry.authenticate(username, password);
    if (device) {
      client[DEVICE] = device.device_id;
      this.registry.seen(device.device_id, 'active');
      return;
    }
    if (local && !this.registry.hasCredentials()) return;
    this.refuse('login', `refused the login "${username.slice(0, 64)}" from ${address}: bad username or password`);
    throw refusal(BAD_USERNAME_OR_PASSWORD, 'bad username or password');
  }

  /** Why a client may not publish to `topic`, or undefined when it may. */
  publishRefusal(client: BrokerClient | null | undefined, topic: string): string | undefined {
    const device = client?.[DEVICE];
    if (device === undefined || this.registry.mayPublish(device, topic)) return undefined;
    this.refuse('publish', `refused a publish of the device "${device}" to ${JSON.stringify(topic.slice(0, 200))}: not one of its topics`);
    return 'not one of the device’s topics';
  }

  /** A device may subscribe only to its own command topics. */
  maySubscribe(client: BrokerClient | null | undefined, filter: string): boolean {
    const device = client?.[DEVICE];
    if (device === undefined || this.registry.maySubscribe(device, filter)) return true;
    this.refuse('subscribe', `refused a subscription of the device "${device}" to ${JSON.stringify(filter.slice(0, 200))}: not one of its command topics`);
    return false;
  }

  /** Every publish the broker took: a device's traffic is seen, an announcement makes an unknown device pending. */
  published(packet: { topic: string; payload?: unknown }, client: BrokerClient | null | undefined): void {
    if (!client) return;
    const device = client[DEVICE];
    if (device !== undefined) this.registry.seen(device);
    const announced = this.opts.discovery?.deviceIdOf(packet.topic);
    if (announced === undefined) return;
    try {
      const known = this.registry.get(announced) !== undefined;
      const status = this.registry.announce(announced, { protocol: 'mqtt', address: client.conn?.remoteAddress, ...announcedFields(packet.payload) });
      if (!known && status === 'pending')
        this.warn(`embedded MQTT broker: device "${announced}" announced itself from ${client.conn?.remoteAddress}: pending until accepted (edge-gateway devices accept ${announced})`);
    } catch (err) {
      this.warn(`embedded MQTT broker: announcement on ${packet.topic} not recorded: ${(err as Error).message}`);
    }
  }

  disconnected(client: BrokerClient | null | undefined): void {
    const device = client?.[DEVICE];
    if (device !== undefined) this.registry.seen(device, 'down');
  }

  private refuse(reason: string, message: string): void {
    this.refused.inc({ reason });
    this.warn(`embedded MQTT broker: ${message}`);
  }
}
