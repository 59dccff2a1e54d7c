// One device as the registry keeps it, whatever its protocol.

/**
 * - pending: announced itself under the discovery topic, not accepted yet: its data stays out
 *   of the pipeline;
 * - active: accepted (or configured) and heard from;
 * - down: accepted, its connection ended (or it was not heard from);
 * - rejected: refused by an operator; its announcements are ignored;
 * - retired: taken out of service, its id kept so it is never given to another device.
 */
export const DEVICE_STATUSES = ['pending', 'active', 'down', 'rejected', 'retired'] as const;
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];

export const isDeviceStatus = (s: unknown): s is DeviceStatus => (DEVICE_STATUSES as readonly unknown[]).includes(s);

/** A device's broker password, kept only as a salted scrypt hash. */
export interface DeviceCredential {
  /** "scrypt" (N=16384, r=8, p=1, 32-byte key) */
  algorithm: 'scrypt';
  salt: string;
  hash: string;
  /** the MQTT username, by default the device id */
  username: string;
  created: string;
}

export interface RegisteredDevice {
  /** stable: kept when the device is renamed or moved */
  device_id: string;
  name?: string;
  /** "modbus", "can", "onewire", "system", "mqtt"... */
  protocol?: string;
  /** where it is reached: "tcp:10.0.0.5:502:1", a serial path, the address an MQTT device connected from */
  address?: string;
  /** the device profile it is read with */
  profile?: string;
  /** identity keys: "node:<id>", "addr:<transport>:<address>:<unit>", "name:<name>", "id:<device id>" */
  keys: string[];
  /** ISO time of the first sight */
  first_seen: string;
  /** ISO time it was last heard from */
  last_seen?: string;
  status: DeviceStatus;
  credential?: DeviceCredential;
  /** topic prefixes it may publish under on the embedded broker (when it logs in as itself) */
  publish: string[];
  /** topic prefixes it may subscribe under (its command topics) */
  subscribe: string[];
}

export class DeviceRegistryError extends Error {
  constructor(
    readonly file: string,
    readonly where: string,
    /** the problem without the file (for an HTTP answer, which names no path) */
    readonly reason: string,
  ) {
    super(`${file}: ${where}: ${reason}`);
    this.name = 'DeviceRegistryError';
  }
}

/** A copy that shares nothing mutable with the registry's own record. */
export const copyDevice = (d: RegisteredDevice): RegisteredDevice => ({
  ...d,
  keys: [...d.keys],
  publish: [...d.publish],
  subscribe: [...d.subscribe],
  credential: d.credential && { ...d.credential },
});
