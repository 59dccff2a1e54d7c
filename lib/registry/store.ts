// Where the registry keeps its devices: SQLite (devices.db) when sqlite3 is installed, else the
// JSON file devices.json. The registry holds every device in memory and writes through a store;
// the store only loads and writes rows.
import type { DeviceStatus, RegisteredDevice } from './record';

/** A device heard from: its last_seen, and its status when that moved between active and down. */
export interface DeviceTouch {
  device_id: string;
  last_seen: string;
  status?: DeviceStatus;
}

export interface DeviceStore {
  readonly backend: 'sqlite' | 'json';
  /** the file, for messages */
  readonly location: string;
  load(): Promise<RegisteredDevice[]>;
  /** inserts or replaces whole records (new devices, accepted, renamed, credentials); `all` is every device */
  upsert(changed: readonly RegisteredDevice[], all: readonly RegisteredDevice[]): Promise<void>;
  /** last_seen (and an active/down status) only: never overrides what an operator decided elsewhere */
  touch(touches: readonly DeviceTouch[], all: readonly RegisteredDevice[]): Promise<void>;
  /** another process (the CLI) wrote since this store last loaded or wrote */
  changedElsewhere(): Promise<boolean>;
  close(): Promise<void>;
}

/** The statuses a device's traffic may move it between; the others are an operator's decision. */
export const TRAFFIC_STATUSES: readonly DeviceStatus[] = ['active', 'down'];
