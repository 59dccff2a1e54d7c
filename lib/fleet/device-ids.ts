// Stable device ids: a small registry file (devices.json in the user directory) that maps what
// identifies a device to the device_id its topics use (devices/{device_id}/data). An id is made
// on first sight and never changes afterwards: not on restart, not on redeploy, not when
// `--config` regenerates the flows with new node ids (the transport address still matches), not
// when a user renames the node in the editor (the node id still matches).
//
// Writes are atomic (temp file, fsync, rename) so a power cut leaves the old file or the new
// one. A damaged file is moved aside and a fresh registry started; the caller is told why.
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { writeJsonAtomically } from '../system/fs/atomic-json';
import { join } from 'node:path';

/** What a device is known by. Any one of them is enough to find it again. */
export interface DeviceIdentity {
  /** the Node-RED config/device node id */
  nodeId?: string;
  /** the name the user gave the device */
  name?: string;
  /** e.g. "tcp", "rtu" */
  transport?: string;
  /** "host:port" or a serial path */
  address?: string;
  /** Modbus unit id, CAN node id... */
  unit?: number | string;
}

export interface DeviceRecord {
  device_id: string;
  name?: string;
  /** identity keys: "node:<id>", "addr:<transport>:<address>:<unit>", "name:<name>" */
  keys: string[];
  created: string;
}

interface RegistryFile {
  version: 1;
  devices: DeviceRecord[];
}

export const DEVICE_REGISTRY_FILE = 'devices.json';
const DEVICE_ID = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export class DeviceRegistryError extends Error {
  constructor(
    readonly file: string,
    readonly where: string,
    message: string,
  ) {
    super(`${file}: ${where}: ${message}`);
    this.name = 'DeviceRegistryError';
  }
}

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
  if (who.nodeId) keys.push(`node:${who.nodeId}`);
  if (who.transport && who.address) keys.push(`addr:${who.transport.toLowerCase()}:${who.address.toLowerCase()}:${who.unit ?? ''}`);
  if (who.name) keys.push(`name:${who.name}`);
  return keys;
}

export class DeviceIdRegistry {
  readonly file: string;
  private devices: DeviceRecord[] = [];
  /** set when the file was damaged: where the damaged copy went and why */
  readonly recovered?: { keptAs: string; reason: string };
  private readonly now: () => Date;

  /**
   * Opens (or starts) the registry in `userDir`. A damaged file is not an error: it is kept as
   * devices.json.damaged-<time>, the registry starts empty, and `warn` says so.
   */
  constructor(userDir: string, warn: (message: string) => void = () => undefined, now: () => Date = () => new Date()) {
    this.file = join(userDir, DEVICE_REGISTRY_FILE);
    this.now = now;
    if (!existsSync(this.file)) return;
    try {
      this.devices = parseRegistry(readFileSync(this.file, 'utf8'), this.file);
    } catch (err) {
      const keptAs = `${this.file}.damaged-${now().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(this.file, keptAs);
      const reason = (err as Error).message;
      this.recovered = { keptAs, reason };
      warn(`device id registry damaged (${reason}); kept as ${keptAs}, starting a fresh registry: device ids will be assigned again`);
    }
  }

  /** Every known device, in the order they were first seen. */
  list(): readonly DeviceRecord[] {
    return this.devices;
  }

  /**
   * The stable id of a device: the known one when any identity key matches (the key set grows
   * with what is learnt), else a new one from `preferred` (or the name), made unique.
   */
  resolve(who: DeviceIdentity, preferred?: string): string {
    const keys = identityKeys(who);
    if (keys.length === 0) throw new DeviceRegistryError(this.file, 'identity', 'a device needs a node id, a name or a transport address to be identified');
    let found: DeviceRecord | undefined;
    for (const key of keys) {
      found = this.devices.find((d) => d.keys.includes(key));
      if (found) break;
    }
    if (found) {
      const claimed = new Set(this.devices.filter((d) => d !== found).flatMap((d) => d.keys));
      const fresh = keys.filter((k) => !found.keys.includes(k) && !claimed.has(k));
      if (fresh.length > 0) {
        found.keys.push(...fresh);
        this.save();
      }
      return found.device_id;
    }
    const base = deviceIdFromName(preferred ?? who.name ?? who.address ?? 'device');
    const taken = new Set(this.devices.map((d) => d.device_id));
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
    this.devices.push({ device_id: id, name: who.name, keys, created: this.now().toISOString() });
    this.save();
    return id;
  }

  private save(): void {
    const body: RegistryFile = { version: 1, devices: this.devices };
    writeJsonAtomically(this.file, body, 0o644);
  }
}

function parseRegistry(text: string, file: string): DeviceRecord[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new DeviceRegistryError(file, 'file', `not JSON: ${(err as Error).message}`);
  }
  const reg = data as Partial<RegistryFile>;
  if (!reg || typeof reg !== 'object' || !Array.isArray(reg.devices)) throw new DeviceRegistryError(file, 'devices', 'missing list of devices');
  const ids = new Set<string>();
  return reg.devices.map((d, i) => {
    const where = `devices[${i}]`;
    if (!d || typeof d !== 'object') throw new DeviceRegistryError(file, where, 'not an object');
    if (typeof d.device_id !== 'string' || !DEVICE_ID.test(d.device_id)) throw new DeviceRegistryError(file, `${where}.device_id`, `"${d.device_id}" is not a device id`);
    if (ids.has(d.device_id)) throw new DeviceRegistryError(file, `${where}.device_id`, `"${d.device_id}" appears twice`);
    ids.add(d.device_id);
    if (!Array.isArray(d.keys) || !d.keys.every((k) => typeof k === 'string')) throw new DeviceRegistryError(file, `${where}.keys`, 'must be a list of strings');
    return { device_id: d.device_id, name: typeof d.name === 'string' ? d.name : undefined, keys: [...d.keys], created: String(d.created ?? '') };
  });
}
