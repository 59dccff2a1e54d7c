// One registry of every device the gateway knows, whatever its protocol: a Modbus meter, a CAN
// node, a 1-Wire bus, the host itself, an MQTT field device. Each has a stable device_id, made on
// first sight and never changed afterwards: not on restart, not on redeploy, not when `--config`
// regenerates the flows with new node ids (the transport address still matches), not when a user
// renames the node in the editor (the node id still matches).
//
// Every device is held in memory, so the questions asked on hot paths (isAccepted, mayPublish)
// answer at once; writes go through a store (SQLite or devices.json). Structural changes (a new
// device, an accept, a password) are written at once; last_seen is batched (touchFlushMs), so a
// device publishing 1,000 messages a second costs no write per message.
import type { AuditLog } from '../audit/audit-log';
import { checkTopicPrefix, defaultPublishPrefixes, defaultSubscribePrefixes, underAnyPrefix } from './acl';
import { hashDevicePassword, makeDevicePassword, passwordMatches, wasteOneCheck } from './credentials';
import { announcedKey, deviceIdFromName, identityKeys, isDeviceId, type DeviceIdentity } from './identity';
import { JsonDeviceStore } from './json-store';
import { copyDevice, DeviceRegistryError, type DeviceStatus, type RegisteredDevice } from './record';
import { TRAFFIC_STATUSES, type DeviceStore, type DeviceTouch } from './store';

/** What a node tells the registry about the device it reads. */
export interface DeviceRegistration {
  /** "modbus", "can", "onewire", "system", "mqtt"... */
  protocol: string;
  address?: string;
  profile?: string;
  /** the id to make when the device is new (default: from the name) */
  preferredId?: string;
}

/** What a device announcing itself under the discovery topic tells. */
export interface DeviceAnnouncement {
  protocol?: string;
  address?: string;
  profile?: string;
  name?: string;
}

export interface DeviceRegistryOptions {
  now?: () => Date;
  /** where write failures and the like are told (the runtime's log) */
  warn?: (message: string) => void;
  /** how long last_seen updates wait to be written together (default 10 s) */
  touchFlushMs?: number;
  /** where an operator's decisions (accept, reject, remove, a broker login added) are audited (kind 'device'); none: not audited */
  audit?: Pick<AuditLog, 'record'>;
}

/** Who decided, when the caller does not say: the gateway itself. */
const RUNTIME_ACTOR = 'runtime';

export const DEFAULT_TOUCH_FLUSH_MS = 10_000;
/**
 * last_seen is kept to the second: the embedded broker tells the registry of every publish of a
 * device, and a device publishing 1,000 messages a second must not cost a date text and a map
 * write per message.
 */
export const SEEN_RESOLUTION_MS = 1000;

export class DeviceRegistry {
  private readonly devices: RegisteredDevice[];
  private readonly byId = new Map<string, RegisteredDevice>();
  private readonly changed = new Set<string>();
  private readonly touches = new Map<string, DeviceTouch>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly now: () => Date;
  private readonly warn: (message: string) => void;
  /** when last_seen was last set, by device (SEEN_RESOLUTION_MS) */
  private readonly seenAt = new Map<string, number>();
  private readonly touchFlushMs: number;
  private readonly audit: Pick<AuditLog, 'record'> | undefined;
  private closed = false;

  constructor(
    private readonly store: DeviceStore,
    devices: RegisteredDevice[],
    opts: DeviceRegistryOptions = {},
  ) {
    this.devices = devices;
    for (const d of devices) this.byId.set(d.device_id, d);
    this.now = opts.now ?? (() => new Date());
    this.warn = opts.warn ?? (() => undefined);
    this.touchFlushMs = opts.touchFlushMs ?? DEFAULT_TOUCH_FLUSH_MS;
    this.audit = opts.audit;
  }

  /** Opens the registry on `store`, every device loaded. */
  static async open(store: DeviceStore, opts: DeviceRegistryOptions = {}): Promise<DeviceRegistry> {
    return new DeviceRegistry(store, await store.load(), opts);
  }

  get backend(): 'sqlite' | 'json' {
    return this.store.backend;
  }

  get location(): string {
    return this.store.location;
  }

  /** Every device, in the order first seen (copies). */
  list(): RegisteredDevice[] {
    return this.devices.map(copyDevice);
  }

  get(deviceId: string): RegisteredDevice | undefined {
    const d = this.byId.get(deviceId);
    return d && copyDevice(d);
  }

  /** The devices waiting for an operator's accept. */
  pending(): RegisteredDevice[] {
    return this.devices.filter((d) => d.status === 'pending').map(copyDevice);
  }

  /**
   * The stable id of a device: the known one when any identity key matches (the key set grows
   * with what is learnt), else a new one from `preferred` (or the name), made unique.
   */
  resolve(who: DeviceIdentity, preferred?: string): string {
    return this.find(who, preferred, undefined).device_id;
  }

  /**
   * The one way a device enters the registry, whatever its protocol: its id (made on first
   * sight), its protocol, address and profile kept up to date, and last_seen now.
   */
  register(who: DeviceIdentity, what: DeviceRegistration): string {
    const device = this.find(who, what.preferredId, what);
    const fresh = { protocol: what.protocol, address: what.address ?? device.address, profile: what.profile ?? device.profile, name: who.name ?? device.name };
    if (fresh.protocol !== device.protocol || fresh.address !== device.address || fresh.profile !== device.profile || fresh.name !== device.name) {
      Object.assign(device, fresh);
      this.structural(device);
    }
    this.seen(device.device_id);
    return device.device_id;
  }

  /**
   * A device was heard from. `status` moves an accepted device between active and down; it never
   * overrides pending, rejected or retired, which are an operator's decision. Batched.
   */
  seen(deviceId: string, status?: DeviceStatus): void {
    const device = this.byId.get(deviceId);
    if (!device) return;
    const now = this.now();
    const move = status && TRAFFIC_STATUSES.includes(status) && TRAFFIC_STATUSES.includes(device.status) && status !== device.status;
    if (!move && now.getTime() - (this.seenAt.get(deviceId) ?? -Infinity) < SEEN_RESOLUTION_MS) return;
    this.seenAt.set(deviceId, now.getTime());
    device.last_seen = now.toISOString();
    if (move) device.status = status;
    const before = this.touches.get(deviceId);
    this.touches.set(deviceId, { device_id: deviceId, last_seen: device.last_seen, status: move ? status : before?.status });
    this.schedule(move ? 0 : this.touchFlushMs);
  }

  /**
   * A device announced itself (the discovery topic). An unknown one becomes pending; a known one
   * is seen. Answers its status (rejected devices stay rejected and are not seen).
   */
  announce(deviceId: string, info: DeviceAnnouncement = {}): DeviceStatus {
    if (!isDeviceId(deviceId)) throw new DeviceRegistryError(this.location, 'device_id', `${JSON.stringify(deviceId)} is not a device id (a-z, 0-9, _ and -, at most 64)`);
    const known = this.byId.get(deviceId);
    if (known) {
      if (known.status !== 'rejected' && known.status !== 'retired') this.seen(deviceId);
      return known.status;
    }
    const device = this.add(deviceId, [announcedKey(deviceId)], 'pending', { protocol: info.protocol ?? 'mqtt', address: info.address, profile: info.profile, name: info.name });
    device.last_seen = device.first_seen;
    this.structural(device);
    return device.status;
  }

  /** Accepted (or configured) and not retired: its data may enter the pipeline. */
  isAccepted(deviceId: string): boolean {
    const status = this.byId.get(deviceId)?.status;
    return status === 'active' || status === 'down';
  }

  /** `actor` is who decided, for the audit log: "editor:<user>", "cli:<user>"... */
  accept(deviceId: string, actor = RUNTIME_ACTOR): RegisteredDevice {
    return this.decide(deviceId, 'active', ['pending', 'rejected', 'retired'], 'accept', actor);
  }

  reject(deviceId: string, actor = RUNTIME_ACTOR): RegisteredDevice {
    return this.decide(deviceId, 'rejected', ['pending', 'active', 'down'], 'reject', actor);
  }

  /**
   * Takes a device out of service: retired, its broker login dropped, its id kept so that it is
   * never given to another device (an accept brings it back, without a login).
   */
  remove(deviceId: string, actor = RUNTIME_ACTOR): RegisteredDevice {
    const device = this.byId.get(deviceId);
    const hadLogin = device?.credential !== undefined;
    const removed = this.decide(deviceId, 'retired', ['pending', 'active', 'down', 'rejected'], 'remove', actor);
    if (device && hadLogin) {
      device.credential = undefined;
      removed.credential = undefined;
      this.structural(device);
    }
    return removed;
  }

  /**
   * A broker login for the device (made, and accepted, when unknown): a new random password,
   * returned once; the registry keeps only its scrypt hash. A second call replaces the password.
   */
  async addCredentials(deviceId: string, info: DeviceAnnouncement = {}, actor = RUNTIME_ACTOR): Promise<{ username: string; password: string; device: RegisteredDevice }> {
    if (!isDeviceId(deviceId)) throw new DeviceRegistryError(this.location, 'device_id', `${JSON.stringify(deviceId)} is not a device id (a-z, 0-9, _ and -, at most 64)`);
    const password = makeDevicePassword();
    const credential = await hashDevicePassword(deviceId, password, this.now());
    const known = this.byId.get(deviceId);
    const before = known && { status: known.status, login: known.credential !== undefined };
    const device = known ?? this.add(deviceId, [announcedKey(deviceId)], 'active', { protocol: info.protocol ?? 'mqtt', profile: info.profile, name: info.name });
    device.credential = credential;
    if (device.status === 'pending') device.status = 'active';
    this.structural(device);
    // the username only: the password is the caller's to show once, never a log's
    this.audited({ actor, device: deviceId, tag: 'login', old: before ?? null, new: { action: 'add-device', status: device.status, login: true, username: credential.username } });
    return { username: credential.username, password, device: copyDevice(device) };
  }

  /** Some device has a broker login: from then on the embedded broker refuses a wrong password. */
  hasCredentials(): boolean {
    return this.devices.some((d) => d.credential);
  }

  /** The device whose login this is, or undefined (wrong password, unknown name, rejected or retired device). */
  async authenticate(username: string, password: string): Promise<RegisteredDevice | undefined> {
    const device = this.devices.find((d) => d.credential?.username === username);
    if (!device?.credential) return wasteOneCheck(password).then(() => undefined);
    const match = await passwordMatches(device.credential, password);
    if (!match || device.status === 'rejected' || device.status === 'retired') return undefined;
    return copyDevice(device);
  }

  mayPublish(deviceId: string, topic: string): boolean {
    const d = this.byId.get(deviceId);
    return d !== undefined && this.isAccepted(deviceId) && underAnyPrefix(topic, d.publish);
  }

  maySubscribe(deviceId: string, filter: string): boolean {
    const d = this.byId.get(deviceId);
    return d !== undefined && this.isAccepted(deviceId) && underAnyPrefix(filter, d.subscribe);
  }

  /**
   * Loads what another process (the CLI) wrote, when it wrote anything. What this process has
   * not written yet survives: its new devices are kept, its last_seen laid over the fresh
   * records; the fresh record wins for everything an operator decides (status, login, topics).
   * Answers whether anything was reloaded.
   */
  async refresh(): Promise<boolean> {
    await this.writing;
    if (!(await this.store.changedElsewhere())) return this.flush().then(() => false);
    const fresh = await this.store.load();
    const freshIds = new Set(fresh.map((d) => d.device_id));
    const kept = this.devices.filter((d) => !freshIds.has(d.device_id) && this.changed.has(d.device_id));
    for (const d of this.changed) if (freshIds.has(d)) this.changed.delete(d);
    this.devices.length = 0;
    this.byId.clear();
    for (const d of [...fresh, ...kept]) {
      this.devices.push(d);
      this.byId.set(d.device_id, d);
    }
    for (const t of this.touches.values()) {
      const d = this.byId.get(t.device_id);
      if (!d) continue;
      d.last_seen = t.last_seen;
      if (t.status && TRAFFIC_STATUSES.includes(d.status)) d.status = t.status;
    }
    await this.flush();
    return true;
  }

  /** Adds topic prefixes the device may publish under (a profile's topics beyond the defaults). */
  allowPublish(deviceId: string, prefixes: readonly string[]): RegisteredDevice {
    const device = this.byId.get(deviceId);
    if (!device) throw new DeviceRegistryError(this.location, 'device_id', `no device "${deviceId}" in the registry`);
    for (const prefix of prefixes) {
      const problem = checkTopicPrefix(prefix);
      if (problem) throw new DeviceRegistryError(this.location, `devices[${deviceId}].publish`, `"${prefix}" ${problem}`);
    }
    const fresh = prefixes.filter((p) => !device.publish.includes(p));
    if (fresh.length) {
      device.publish.push(...fresh);
      this.structural(device);
    }
    return copyDevice(device);
  }

  /** Writes every change not written yet. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const changed = [...this.changed].map((id) => this.byId.get(id)).filter((d): d is RegisteredDevice => d !== undefined);
    const touches = [...this.touches.values()].filter((t) => !this.changed.has(t.device_id));
    this.changed.clear();
    this.touches.clear();
    if (changed.length === 0 && touches.length === 0) return this.writing;
    const all = this.devices;
    this.writing = this.writing.then(async () => {
      try {
        if (changed.length) await this.store.upsert(changed.map(copyDevice), all);
        if (touches.length) await this.store.touch(touches, all);
      } catch (err) {
        // kept for the next flush: a locked or full disk must not lose a new device
        for (const d of changed) this.changed.add(d.device_id);
        for (const t of touches) if (!this.touches.has(t.device_id)) this.touches.set(t.device_id, t);
        this.warn(`device registry ${this.location}: cannot write (${(err as Error).message}); trying again later`);
        if (!this.closed) this.schedule(this.touchFlushMs);
      }
    });
    return this.writing;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    await this.store.close();
  }

  private find(who: DeviceIdentity, preferred: string | undefined, what: DeviceRegistration | undefined): RegisteredDevice {
    const keys = identityKeys(who);
    if (keys.length === 0) throw new DeviceRegistryError(this.location, 'identity', 'a device needs a node id, a name or a transport address to be identified');
    // the id the device's topics already use is the device, whatever keys made its record
    let found: RegisteredDevice | undefined = who.deviceId ? this.byId.get(who.deviceId) : undefined;
    if (!found)
      for (const key of keys) {
        found = this.devices.find((d) => d.keys.includes(key));
        if (found) break;
      }
    if (found) {
      const owner = found;
      // a key another device holds stays its own; asked only of keys new to this one (usually none)
      const fresh = keys.filter((k) => !owner.keys.includes(k) && !this.devices.some((d) => d !== owner && d.keys.includes(k)));
      if (fresh.length > 0) {
        owner.keys.push(...fresh);
        this.structural(owner);
      }
      return owner;
    }
    const base = deviceIdFromName(preferred ?? who.name ?? who.address ?? 'device');
    let id = base;
    for (let n = 2; this.byId.has(id); n++) id = `${base}-${n}`;
    const device = this.add(id, keys, 'active', { name: who.name, protocol: what?.protocol ?? who.transport, address: what?.address, profile: what?.profile });
    this.structural(device);
    return device;
  }

  private add(id: string, keys: string[], status: DeviceStatus, info: DeviceAnnouncement): RegisteredDevice {
    const device: RegisteredDevice = {
      device_id: id,
      name: info.name,
      protocol: info.protocol,
      address: info.address,
      profile: info.profile,
      keys,
      first_seen: this.now().toISOString(),
      status,
      publish: defaultPublishPrefixes(id),
      subscribe: defaultSubscribePrefixes(id),
    };
    this.devices.push(device);
    this.byId.set(id, device);
    return device;
  }

  private decide(deviceId: string, status: DeviceStatus, from: DeviceStatus[], action: string, actor: string): RegisteredDevice {
    const device = this.byId.get(deviceId);
    if (!device) throw new DeviceRegistryError(this.location, 'device_id', `no device "${deviceId}" in the registry`);
    if (device.status !== status) {
      if (!from.includes(device.status)) throw new DeviceRegistryError(this.location, `devices[${deviceId}].status`, `a ${device.status} device cannot become ${status}`);
      const old = device.status;
      device.status = status;
      this.structural(device);
      this.audited({ actor, device: deviceId, tag: 'status', old, new: { action, status } });
    }
    return copyDevice(device);
  }

  /** A decision is made whether or not its audit record could be written: a full disk is told, never undoes it. */
  private audited(record: { actor: string; device: string; tag: string; old: unknown; new: unknown }): void {
    try {
      this.audit?.record({ kind: 'device', ok: true, ...record });
    } catch (err) {
      this.warn(`device registry: ${record.device} changed (${record.tag}), but not audited: ${(err as Error).message}`);
    }
  }

  /** A new device or a changed record: written at once (devices.json synchronously, as before). */
  private structural(device: RegisteredDevice): void {
    if (this.store instanceof JsonDeviceStore && this.touches.size === 0) {
      this.store.writeSync(this.devices);
      return;
    }
    this.changed.add(device.device_id);
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), delayMs);
    this.timer.unref();
  }
}
