// The registry in SQLite (devices.db in the user directory), through the one SQLite module
// (lib/storage/sqlite): opened with its integrity check, a corrupt file moved aside. The gateway
// and the CLI (devices accept, admin add-device) may both hold the file: PRAGMA data_version tells
// the gateway when the CLI committed, and last_seen updates never override a status an operator
// set (see TRAFFIC_STATUSES).
import { join } from 'node:path';
import { writeJsonAtomically } from '../system/fs/atomic-json';
import { DEVICE_REGISTRY_FILE, registryMirror } from './json-store';
import { loadSqlite, openSqliteDatabase, type SqliteConnection, type SqliteLoader, type SqliteQuarantine, type SqliteRow } from '../storage/sqlite';
import { defaultPublishPrefixes, defaultSubscribePrefixes } from './acl';
import { DeviceRegistryError, isDeviceStatus, type DeviceCredential, type RegisteredDevice } from './record';
import { TRAFFIC_STATUSES, type DeviceStore, type DeviceTouch } from './store';

export const DEVICE_DATABASE_FILE = 'devices.db';

const SCHEMA = `CREATE TABLE IF NOT EXISTS devices (
  device_id  TEXT PRIMARY KEY,
  name       TEXT,
  protocol   TEXT,
  address    TEXT,
  profile    TEXT,
  keys       TEXT NOT NULL,
  first_seen TEXT NOT NULL,
  last_seen  TEXT,
  status     TEXT NOT NULL,
  credential TEXT,
  publish    TEXT NOT NULL,
  subscribe  TEXT NOT NULL
)`;

const UPSERT = `INSERT INTO devices (device_id, name, protocol, address, profile, keys, first_seen, last_seen, status, credential, publish, subscribe)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(device_id) DO UPDATE SET name = excluded.name, protocol = excluded.protocol, address = excluded.address, profile = excluded.profile,
  keys = excluded.keys, last_seen = excluded.last_seen, status = excluded.status, credential = excluded.credential, publish = excluded.publish, subscribe = excluded.subscribe`;

const TRAFFIC = TRAFFIC_STATUSES.map((s) => `'${s}'`).join(', ');
const TOUCH = `UPDATE devices SET last_seen = ?, status = CASE WHEN ? IS NOT NULL AND status IN (${TRAFFIC}) THEN ? ELSE status END WHERE device_id = ?`;

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export class SqliteDeviceStore implements DeviceStore {
  readonly backend = 'sqlite';
  readonly location: string;
  /** devices.json: the readable copy of the devices, rewritten with every structural change */
  readonly mirrorFile: string;
  private db: SqliteConnection | undefined;
  private dataVersion: unknown;

  constructor(
    userDir: string,
    private readonly loader: SqliteLoader = loadSqlite,
    private readonly onQuarantine?: (q: SqliteQuarantine) => void,
  ) {
    this.location = join(userDir, DEVICE_DATABASE_FILE);
    this.mirrorFile = join(userDir, DEVICE_REGISTRY_FILE);
  }

  private async connection(): Promise<SqliteConnection> {
    this.db ??= await openSqliteDatabase({
      path: this.location,
      sqlite: this.loader(),
      durability: 'durable',
      corruptFile: 'quarantine',
      onQuarantine: this.onQuarantine,
      setup: async (db) => db.exec(SCHEMA, 'create the devices table'),
    });
    return this.db;
  }

  async load(): Promise<RegisteredDevice[]> {
    const db = await this.connection();
    const rows = await db.all('SELECT * FROM devices ORDER BY first_seen, rowid', [], 'read the devices');
    this.dataVersion = await this.readDataVersion(db);
    return rows.map((r) => this.fromRow(r));
  }

  async upsert(changed: readonly RegisteredDevice[], all: readonly RegisteredDevice[]): Promise<void> {
    await this.importRows(changed);
    this.writeMirror(all);
  }

  /** Rewrites devices.json from `all` (registryMirror). */
  writeMirror(all: readonly RegisteredDevice[]): void {
    writeJsonAtomically(this.mirrorFile, registryMirror(all), 0o644);
  }

  /** Inserts or replaces rows without touching devices.json (the migration moves that file first). */
  async importRows(changed: readonly RegisteredDevice[]): Promise<void> {
    if (changed.length === 0) return;
    const db = await this.connection();
    await db.transaction(async () => {
      for (const d of changed) {
        await db.run(
          UPSERT,
          [
            d.device_id,
            d.name ?? null,
            d.protocol ?? null,
            d.address ?? null,
            d.profile ?? null,
            JSON.stringify(d.keys),
            d.first_seen,
            d.last_seen ?? null,
            d.status,
            d.credential ? JSON.stringify(d.credential) : null,
            JSON.stringify(d.publish),
            JSON.stringify(d.subscribe),
          ],
          'write a device',
        );
      }
    });
  }

  async touch(touches: readonly DeviceTouch[]): Promise<void> {
    if (touches.length === 0) return;
    const db = await this.connection();
    await db.transaction(async () => {
      for (const t of touches) await db.run(TOUCH, [t.last_seen, t.status ?? null, t.status ?? null, t.device_id], 'record when a device was seen');
    });
  }

  /** data_version changes only for commits of other connections: our own writes do not count. */
  async changedElsewhere(): Promise<boolean> {
    if (!this.db) return false;
    return (await this.readDataVersion(this.db)) !== this.dataVersion;
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    await db?.close();
  }

  private async readDataVersion(db: SqliteConnection): Promise<unknown> {
    const row = await db.get('PRAGMA data_version', [], 'read data_version');
    return row ? Object.values(row)[0] : undefined;
  }

  private fromRow(r: SqliteRow): RegisteredDevice {
    const id = String(r.device_id);
    const json = <T>(field: string, fallback: T): T => {
      const v = r[field];
      if (v === null || v === undefined) return fallback;
      try {
        return JSON.parse(typeof v === 'string' ? v : '') as T;
      } catch (err) {
        throw new DeviceRegistryError(this.location, `devices[${id}].${field}`, `not JSON: ${(err as Error).message}`);
      }
    };
    const status = r.status;
    return {
      device_id: id,
      name: text(r.name),
      protocol: text(r.protocol),
      address: text(r.address),
      profile: text(r.profile),
      keys: json<string[]>('keys', []),
      first_seen: String(r.first_seen),
      last_seen: text(r.last_seen),
      status: isDeviceStatus(status) ? status : 'active',
      credential: json<DeviceCredential | undefined>('credential', undefined),
      publish: json<string[]>('publish', defaultPublishPrefixes(id)),
      subscribe: json<string[]>('subscribe', defaultSubscribePrefixes(id)),
    };
  }
}
