// What the operator API serves, offered by the nodes that own it: a node registers what it has
// when it starts and unregisters on close, so the API finds the flows' tag stores, devices,
// alarms, queues and historians without any wiring. One directory per process, shared through
// globalThis like the health registry, so that copies of this module loaded from different paths
// (a palette install beside the runtime) still see the same entries.
import type { AlarmEvent, AlarmRecord } from '../alarm/engine';
import type { HistorianQuery, HistorianRow } from '../historian/query';
import type { TagSample } from '../tags/contract';

/** A tag store (tag-store config node): current values, and the user tags an operator may set. */
export interface ApiTagSource {
  readonly id: string;
  readonly name: string;
  /** the device user tags live under */
  readonly userDevice: string;
  read(key: string): TagSample | undefined;
  readDevice(device: string): TagSample[];
  /** every tag whose "<device>/<tag>" starts with prefix ("" for all) */
  readPrefix(prefix: string): TagSample[];
  /** validates a user tag's value without setting it; throws the store's TagValueError */
  checkUserTag(name: string, value: unknown): void;
  /** validated and audited; throws TagValueError */
  setUserTag(name: string, value: unknown, actor: string): TagSample;
}

/** One tag of a device write: what was asked, what the device holds after encoding, and read back. */
export interface TagWriteReport {
  tag: string;
  requested: unknown;
  /** the written registers decoded back (scale rounding, float32 precision) */
  written: unknown;
  old: unknown;
  /** the value polled right after the write, when the poll answered */
  readBack?: { value: unknown; quality: string; ts: number };
}

export interface DeviceWriteAnswer {
  device: string;
  /** 'superseded': a later command for the same tags replaced this one before it was sent */
  outcome: 'written' | 'superseded';
  tags: TagWriteReport[];
  warnings: string[];
}

/** The device refuses every write now (its identity is not verified): nothing was validated or written. */
export class WriteRefusedError extends Error {
  constructor(
    readonly device: string,
    readonly reason: string,
  ) {
    super(`write to ${device} refused: ${reason}`);
    this.name = 'WriteRefusedError';
  }
}

/** A polled device (modbus-device): what it knows about itself, and its validated, audited write path. */
export interface ApiDevice {
  /** the node id */
  readonly id: string;
  /** the device name tags are stored under */
  readonly device: string;
  snapshot(): Record<string, unknown>;
  /**
   * The same path as a command message: validated all-or-nothing, identity checked, queued,
   * audited under `actor`. Rejects with WriteValidationError, WriteError or a refusal Error.
   */
  write(values: Readonly<Record<string, unknown>>, actor: string): Promise<DeviceWriteAnswer>;
  /** the tags `write` takes (access rw in its tag table), in the table's order; a device that cannot say offers none */
  writableTags?(): WritableTag[];
}

/** A tag an operator may write, as a control offers it. */
export interface WritableTag {
  name: string;
  /** the tag table's type (bool, uint16, float32, ...) */
  type: string;
  unit?: string;
}

/** An alarm node: its active list, and acknowledgements through its engine (audited, emitted). */
export interface ApiAlarmSource {
  readonly id: string;
  readonly name: string;
  activeList(): AlarmRecord[];
  /** throws the engine's AckError for an id not in the list */
  acknowledge(target: string, by: string): AlarmEvent[];
}

/** A store-and-forward queue: what its monitor reported last, and its drop counts. */
export interface ApiQueueSource {
  readonly id: string;
  readonly name: string;
  snapshot(): Record<string, unknown>;
}

/** A historian node's store. */
export interface ApiHistorySource {
  readonly id: string;
  readonly name: string;
  query(q: HistorianQuery): Promise<HistorianRow[]>;
}

/** The same answer as GET /health: its status code and body. */
export type HealthProvider = () => { statusCode: number; body: Record<string, unknown> };

interface Kinds {
  tagStores: ApiTagSource;
  devices: ApiDevice;
  alarms: ApiAlarmSource;
  queues: ApiQueueSource;
  historians: ApiHistorySource;
}

export type DirectoryKind = keyof Kinds;

export class ApiDirectory {
  private readonly entries: { [K in DirectoryKind]: Map<string, Kinds[K]> } = {
    tagStores: new Map(),
    devices: new Map(),
    alarms: new Map(),
    queues: new Map(),
    historians: new Map(),
  };
  private health: HealthProvider | undefined;

  /** Offers an entry under its node id; the returned function takes it back (only if still this entry). */
  register<K extends DirectoryKind>(kind: K, entry: Kinds[K]): () => void {
    const map = this.entries[kind] as Map<string, Kinds[K]>;
    map.set(entry.id, entry);
    return () => {
      if (map.get(entry.id) === entry) map.delete(entry.id);
    };
  }

  list<K extends DirectoryKind>(kind: K): Kinds[K][] {
    return [...(this.entries[kind] as Map<string, Kinds[K]>).values()];
  }

  /** The runtime answers /health with more than the nodes know (flows, broker): it offers that here. */
  setHealthProvider(provider: HealthProvider | undefined): void {
    this.health = provider;
  }

  healthProvider(): HealthProvider | undefined {
    return this.health;
  }
}

const KEY = Symbol.for('edgegw.api.directory');

export function apiDirectory(): ApiDirectory {
  const g = globalThis as unknown as Record<symbol, ApiDirectory | undefined>;
  return (g[KEY] ??= new ApiDirectory());
}
