// Stable device ids for the flows generated from a settings file and for the nodes: a facade
// over the one device registry (lib/registry). `new DeviceIdRegistry(userDir)` keeps its devices
// in devices.json, synchronously, as before the registry moved to SQLite (a caller with no time
// to open a database); `new DeviceIdRegistry(registry)` answers from an opened registry (the
// runtime's, SQLite when sqlite3 is installed). Either way an id, once made, never changes.
import { DeviceRegistry, JsonDeviceStore, type DeviceIdentity } from '../registry';

export { DEVICE_REGISTRY_FILE, DeviceRegistryError, deviceIdFromName, identityKeys, type DeviceIdentity } from '../registry';

export interface DeviceRecord {
  device_id: string;
  name?: string;
  /** identity keys: "node:<id>", "addr:<transport>:<address>:<unit>", "name:<name>" */
  keys: string[];
  created: string;
}

export class DeviceIdRegistry {
  readonly file: string;
  /** set when devices.json was damaged: where the damaged copy went and why */
  readonly recovered?: { keptAs: string; reason: string };
  readonly registry: DeviceRegistry;

  /**
   * Opens (or starts) the registry in `userDir` (devices.json), or answers from `registry`. A
   * damaged devices.json is not an error: it is kept as devices.json.damaged-<time>, the
   * registry starts empty, and `warn` says so.
   */
  constructor(userDirOrRegistry: string | DeviceRegistry, warn: (message: string) => void = () => undefined, now: () => Date = () => new Date()) {
    if (userDirOrRegistry instanceof DeviceRegistry) {
      this.registry = userDirOrRegistry;
      this.file = userDirOrRegistry.location;
      return;
    }
    const store = new JsonDeviceStore(userDirOrRegistry, warn, now);
    this.registry = new DeviceRegistry(store, store.loadSync(), { now, warn });
    this.file = store.location;
    this.recovered = store.recovered;
  }

  /** Every known device, in the order they were first seen. */
  list(): readonly DeviceRecord[] {
    return this.registry.list().map((d) => ({ device_id: d.device_id, name: d.name, keys: d.keys, created: d.first_seen }));
  }

  /**
   * The stable id of a device: the known one when any identity key matches (the key set grows
   * with what is learnt), else a new one from `preferred` (or the name), made unique.
   */
  resolve(who: DeviceIdentity, preferred?: string): string {
    return this.registry.resolve(who, preferred);
  }
}
