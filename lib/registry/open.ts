// Opening the registry of a user directory: SQLite (devices.db) when the optional sqlite3
// package loads, else devices.json, said once. A devices.json left by an earlier release (or by
// a run without sqlite3) is migrated into devices.db on open and kept as devices.json.migrated,
// so the ids it gave stay the ids of the same devices.
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { loadSqlite, type SqliteLoader } from '../storage/sqlite';
import { MissingPackageError } from '../system/process/optional';
import { isRegistryMirror, JsonDeviceStore } from './json-store';
import { DeviceRegistry, type DeviceRegistryOptions } from './registry';
import { SqliteDeviceStore } from './sqlite-store';

export interface OpenDeviceRegistryOptions extends DeviceRegistryOptions {
  /** loads sqlite3 (tests pass one that fails, to take the devices.json path) */
  loadSqlite?: SqliteLoader;
  /** told once what happened at open: the migration, the fallback (the runtime's log) */
  info?: (message: string) => void;
}

export interface OpenedDeviceRegistry {
  registry: DeviceRegistry;
  /** sqlite3 did not load: the registry is devices.json */
  noSqlite?: MissingPackageError;
  /** devices.json was moved into devices.db: how many devices, and where the file went */
  migrated?: { devices: number; keptAs: string };
}

export const MIGRATED_SUFFIX = '.migrated';

export async function openDeviceRegistry(userDir: string, opts: OpenDeviceRegistryOptions = {}): Promise<OpenedDeviceRegistry> {
  const warn = opts.warn ?? (() => undefined);
  const loader = opts.loadSqlite ?? loadSqlite;
  const json = new JsonDeviceStore(userDir, warn, opts.now);
  try {
    loader();
  } catch (err) {
    if (!(err instanceof MissingPackageError)) throw err;
    warn(`device registry: ${err.message}; devices are kept in ${json.location} instead of SQLite`);
    return { registry: new DeviceRegistry(json, json.loadSync(), opts), noSqlite: err };
  }
  const sqlite = new SqliteDeviceStore(userDir, loader, (q) => warn(`device registry: ${q.path} was corrupt (${q.reason}); moved to ${q.movedTo}, starting an empty registry`));
  try {
    // devices.json is either a registry to migrate (an earlier release's, or one kept without
    // sqlite3) or the readable copy this store keeps beside devices.db
    const migrated = existsSync(json.location) && !isRegistryMirror(readFileSync(json.location, 'utf8')) ? await migrate(json, sqlite) : undefined;
    if (migrated) opts.info?.(`device registry: ${migrated.devices} device(s) of ${json.location} moved into ${sqlite.location}; the file is kept as ${migrated.keptAs}`);
    return { registry: await DeviceRegistry.open(sqlite, opts), migrated };
  } catch (err) {
    await sqlite.close().catch(() => undefined);
    throw err;
  }
}

/**
 * Copies the devices of devices.json that devices.db does not have yet, moves the file aside,
 * and writes the readable copy in its place.
 */
async function migrate(json: JsonDeviceStore, sqlite: SqliteDeviceStore): Promise<{ devices: number; keptAs: string }> {
  const old = json.loadSync();
  const known = new Set((await sqlite.load()).map((d) => d.device_id));
  const fresh = old.filter((d) => !known.has(d.device_id));
  await sqlite.importRows(fresh);
  const keptAs = json.location + MIGRATED_SUFFIX;
  // the file may be gone already: a damaged one was moved aside by loadSync
  if (existsSync(json.location)) renameSync(json.location, keptAs);
  sqlite.writeMirror(await sqlite.load());
  return { devices: fresh.length, keptAs };
}
