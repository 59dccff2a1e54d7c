// What identifies a device, and the id made from it. An id is one MQTT topic level
// (devices/{device_id}/data) and part of a Home Assistant object id, so it is made topic-safe.

/** What a device is known by. Any one of them is enough to find it again. */
export interface DeviceIdentity {
  /** the Node-RED config/device node id */
  nodeId?: string;
  /** the name the user gave the device */
  name?: string;
  /** e.g. "tcp", "rtu", "mqtt" */
  transport?: string;
  /** "host:port", a serial path, a CAN interface, a 1-Wire bus... */
  address?: string;
  /** Modbus unit id, CAN node id... */
  unit?: number | string;
  /**
   * the id the device's topics already use (a node's configured device name): finds the record
   * made for that id by `admin add-device` or the discovery topic
   */
  deviceId?: string;
}

export const DEVICE_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export const isDeviceId = (id: unknown): id is string => typeof id === 'string' && DEVICE_ID.test(id);

/** A name made into an id that is one MQTT topic level and part of a Home Assistant object id. */
export function deviceIdFromName(name: string): string {
  const id = name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, 56)
    .replace(/[-_]+$/, '');
  return id || 'device';
}

/** Identity keys in the order they are trusted: the node id, then the wire address, then the name. */
export function identityKeys(who: DeviceIdentity): string[] {
  const keys: string[] = [];
  if (who.deviceId) keys.push(announcedKey(who.deviceId));
  if (who.nodeId) keys.push(`node:${who.nodeId}`);
  if (who.transport && who.address) keys.push(`addr:${who.transport.toLowerCase()}:${who.address.toLowerCase()}:${who.unit ?? ''}`);
  if (who.name) keys.push(`name:${who.name}`);
  return keys;
}

/** The key a device announced by its own id (MQTT discovery, `admin add-device`) is found by. */
export const announcedKey = (deviceId: string): string => `id:${deviceId}`;
