// The registry in devices.json: the store used when sqlite3 is not installed, and the format the
// registry had before it moved to SQLite (a devices.json found beside a usable sqlite3 is
// migrated, see open.ts). The file keeps version 1 (device_id, name, keys, created); the fields
// added since (protocol, status, credential...) are optional there, so an older gateway still
// reads the file.
//
// Writes are atomic (temp file, fsync, rename) so a power cut leaves the old file or the new
// one. A damaged file is moved aside and a fresh registry started; the caller is told why.
import { existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomically } from '../system/fs/atomic-json';
import { defaultPublishPrefixes, defaultSubscribePrefixes } from './acl';
import { isDeviceId } from './identity';
import { DeviceRegistryError, isDeviceStatus, type DeviceCredential, type RegisteredDevice } from './record';
import { type DeviceStore, type DeviceTouch } from './store';

export const DEVICE_REGISTRY_FILE = 'devices.json';

interface JsonDevice {
  device_id: string;
  name?: string;
  keys: string[];
  created: string;
  protocol?: string;
  address?: string;
  profile?: string;
  last_seen?: string;
  status?: string;
  credential?: DeviceCredential;
  publish?: string[];
  subscribe?: string[];
}

interface RegistryFile {
  version: 1;
  /** set in the copy the SQLite registry keeps beside devices.db: not a file to migrate */
  source?: string;
  devices: JsonDevice[];
}

/** The `source` of the readable copy of devices.db (registryMirror). */
export const MIRROR_SOURCE = 'devices.db';

/** devices.json's text is the readable copy of devices.db (written by registryMirror), not a registry of its own. */
export function isRegistryMirror(text: string): boolean {
  try {
    return (JSON.parse(text) as Partial<RegistryFile>)?.source === MIRROR_SOURCE;
  } catch {
    return false;
  }
}

/**
 * The readable copy of the SQLite registry kept as devices.json: ids, names, identity keys,
 * protocol, address, profile and status, for tools and backups; never a login, never last_seen
 * (which would rewrite the file all the time). It is also what a gateway without sqlite3 would
 * start from, so the ids survive the package's removal.
 */
export function registryMirror(devices: readonly RegisteredDevice[]): RegistryFile {
  return {
    version: 1,
    source: MIRROR_SOURCE,
    devices: devices.map((d) => ({ device_id: d.device_id, name: d.name, keys: d.keys, created: d.first_seen, protocol: d.protocol, address: d.address, profile: d.profile, status: d.status })),
  };
}

const optionalText = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const textList = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((s) => typeof s === 'string') ? [...v] : undefined);

/** Parses devices.json; a DeviceRegistryError names the file and the field. */
export function parseRegistryFile(text: string, file: string): RegisteredDevice[] {
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
    if (!isDeviceId(d.device_id)) throw new DeviceRegistryError(file, `${where}.device_id`, `${JSON.stringify(d.device_id)} is not a device id`);
    if (ids.has(d.device_id)) throw new DeviceRegistryError(file, `${where}.device_id`, `"${d.device_id}" appears twice`);
    ids.add(d.device_id);
    if (!Array.isArray(d.keys) || !d.keys.every((k) => typeof k === 'string')) throw new DeviceRegistryError(file, `${where}.keys`, 'must be a list of strings');
    if (d.status !== undefined && !isDeviceStatus(d.status)) throw new DeviceRegistryError(file, `${where}.status`, `"${d.status}" is not a device status`);
    const c = d.credential;
    if (c !== undefined && (typeof c !== 'object' || c === null || c.algorithm !== 'scrypt' || typeof c.hash !== 'string' || typeof c.salt !== 'string' || typeof c.username !== 'string'))
      throw new DeviceRegistryError(file, `${where}.credential`, 'not a scrypt credential (algorithm, salt, hash, username)');
    return {
      device_id: d.device_id,
      name: optionalText(d.name),
      protocol: optionalText(d.protocol),
      address: optionalText(d.address),
      profile: optionalText(d.profile),
      keys: [...d.keys],
      first_seen: String(d.created ?? ''),
      last_seen: optionalText(d.last_seen),
      status: isDeviceStatus(d.status) ? d.status : 'active',
      credential: c && { ...c },
      publish: textList(d.publish) ?? defaultPublishPrefixes(d.device_id),
      subscribe: textList(d.subscribe) ?? defaultSubscribePrefixes(d.device_id),
    };
  });
}

function toJson(d: RegisteredDevice): JsonDevice {
  return {
    device_id: d.device_id,
    name: d.name,
    keys: d.keys,
    created: d.first_seen,
    protocol: d.protocol,
    address: d.address,
    profile: d.profile,
    last_seen: d.last_seen,
    status: d.status,
    credential: d.credential,
    publish: d.publish,
    subscribe: d.subscribe,
  };
}

export class JsonDeviceStore implements DeviceStore {
  readonly backend = 'json';
  readonly location: string;
  /** set when the file was damaged: where the damaged copy went and why */
  recovered?: { keptAs: string; reason: string };
  private stamp = '';

  constructor(
    userDir: string,
    private readonly warn: (message: string) => void = () => undefined,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.location = join(userDir, DEVICE_REGISTRY_FILE);
  }

  /**
   * Reads the file (none: no devices). A damaged file is not an error: it is kept as
   * devices.json.damaged-<time>, the registry starts empty, and `warn` says so.
   */
  loadSync(): RegisteredDevice[] {
    if (!existsSync(this.location)) return [];
    try {
      const devices = parseRegistryFile(readFileSync(this.location, 'utf8'), this.location);
      this.stamp = this.fileStamp();
      return devices;
    } catch (err) {
      const keptAs = `${this.location}.damaged-${this.now().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(this.location, keptAs);
      const reason = (err as Error).message;
      this.recovered = { keptAs, reason };
      this.warn(`device id registry damaged (${reason}); kept as ${keptAs}, starting a fresh registry: device ids will be assigned again`);
      return [];
    }
  }

  writeSync(all: readonly RegisteredDevice[]): void {
    const body: RegisteredDevice[] = [...all];
    writeJsonAtomically(this.location, { version: 1, devices: body.map(toJson) } satisfies RegistryFile, 0o600);
    this.stamp = this.fileStamp();
  }

  async load(): Promise<RegisteredDevice[]> {
    return this.loadSync();
  }

  async upsert(_changed: readonly RegisteredDevice[], all: readonly RegisteredDevice[]): Promise<void> {
    this.writeSync(all);
  }

  /** The registry's records already carry the touches: the whole file is written. */
  async touch(_touches: readonly DeviceTouch[], all: readonly RegisteredDevice[]): Promise<void> {
    this.writeSync(all);
  }

  async changedElsewhere(): Promise<boolean> {
    return this.fileStamp() !== this.stamp;
  }

  async close(): Promise<void> {}

  private fileStamp(): string {
    try {
      const s = statSync(this.location);
      return `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch {
      return '';
    }
  }
}
