// Where a stats node keeps its open windows between deploys and restarts. SQLite (optional
// package, loaded lazily) survives a restart; the in-process store survives only a redeploy and
// is what a node uses when no database file is configured.
//
// Both keep rows by key: one per open window ("open:<device>/<name>"), the closed windows not
// yet written to the report ("unwritten"), and the full chunks of VALUE_CHUNK exact percentile
// values of a window ("values:<device>/<name>:<index of the first>", each written once), so that
// a checkpoint writes the windows that changed and, of an hour's percentile values, only those of
// the chunk still filling (in the window's row). Rows written by save() (and by versions before
// the chunks) hold every value in the window's row; load() reads both.
import { SqliteDocumentTable, type SqliteLoader, type SqliteQuarantine } from '../storage/sqlite';
import type { WindowStore } from './session';
import { VALUE_CHUNK, type ClosedWindow, type PersistedTagWindow, type WindowChanges } from './windows';

interface Stored {
  open: PersistedTagWindow[];
  unwritten: ClosedWindow[];
}

const UNWRITTEN = 'unwritten';
const OPEN = 'open:';
const VALUES = 'values:';

/** The stored rows do not add up: a window's percentile values are missing. */
export class WindowStoreError extends Error {
  constructor(
    readonly window: string,
    message: string,
  ) {
    super(`stored window ${window}: ${message}`);
    this.name = 'WindowStoreError';
  }
}

/** Rows to write in one transaction: upserts, deletes, and whether every other row goes. */
export interface WindowRows {
  put: Map<string, unknown>;
  remove: string[];
  replaceAll: boolean;
}

/**
 * The rows of one node's windows: turns windows into rows and rows back into windows, and keeps
 * which value chunks the store holds per window (to delete those a window no longer has).
 */
export class WindowRowCodec {
  /** per window key: the first index of every value chunk stored */
  private readonly chunks = new Map<string, number[]>();
  private unwrittenStored = false;

  /** Every window whole, every other row deleted (save()). */
  whole(open: PersistedTagWindow[], unwritten: ClosedWindow[]): WindowRows {
    this.chunks.clear();
    const put = new Map<string, unknown>();
    for (const w of open) put.set(`${OPEN}${w.device}/${w.name}`, w);
    if (unwritten.length) put.set(UNWRITTEN, unwritten);
    this.unwrittenStored = unwritten.length > 0;
    return { put, remove: [], replaceAll: true };
  }

  /** The changed windows and their new value chunks; `replaceAll` when `changes` holds every window. */
  changed(changes: WindowChanges, unwritten: ClosedWindow[], replaceAll: boolean): WindowRows {
    if (replaceAll) this.chunks.clear();
    const put = new Map<string, unknown>();
    const remove: string[] = [];
    for (const { window, values } of changes.changed) {
      const key = `${window.device}/${window.name}`;
      put.set(OPEN + key, window);
      // the chunks before `from` are stored and unchanged; from there on they are written anew
      const from = values ? values.from : 0;
      const written: number[] = [];
      for (let i = 0; values && i < values.values.length; i += VALUE_CHUNK) {
        put.set(`${VALUES}${key}:${from + i}`, values.values.slice(i, i + VALUE_CHUNK));
        written.push(from + i);
      }
      const kept: number[] = [];
      for (const first of this.chunks.get(key) ?? []) {
        if (first < from) kept.push(first);
        else if (!written.includes(first)) remove.push(`${VALUES}${key}:${first}`);
      }
      kept.push(...written);
      if (kept.length) this.chunks.set(key, kept);
      else this.chunks.delete(key);
    }
    for (const [device, name] of changes.removed) {
      const key = `${device}/${name}`;
      remove.push(OPEN + key);
      for (const first of this.chunks.get(key) ?? []) remove.push(`${VALUES}${key}:${first}`);
      this.chunks.delete(key);
    }
    if (unwritten.length) put.set(UNWRITTEN, unwritten);
    else if (this.unwrittenStored && !replaceAll) remove.push(UNWRITTEN);
    this.unwrittenStored = unwritten.length > 0;
    return { put, remove, replaceAll };
  }

  /** The windows of the rows read back (each document a fresh object, as JSON gives it). */
  read(rows: Map<string, unknown>): Stored {
    this.chunks.clear();
    const open: PersistedTagWindow[] = [];
    let unwritten: ClosedWindow[] = [];
    const chunksOf = new Map<string, Array<[number, number[]]>>();
    for (const [key, doc] of rows) {
      if (key === UNWRITTEN) unwritten = doc as ClosedWindow[];
      else if (key.startsWith(VALUES)) {
        const at = key.lastIndexOf(':');
        const window = key.slice(VALUES.length, at);
        let list = chunksOf.get(window);
        if (!list) chunksOf.set(window, (list = []));
        list.push([Number(key.slice(at + 1)), doc as number[]]);
      } else open.push(doc as PersistedTagWindow);
    }
    for (const w of open) {
      const key = `${w.device}/${w.name}`;
      const list = (chunksOf.get(key) ?? []).sort((a, b) => a[0] - b[0]);
      if (list.length)
        this.chunks.set(
          key,
          list.map(([first]) => first),
        );
      if (w.valuesApart === undefined) continue;
      const values: number[] = [];
      for (const [first, chunk] of list) {
        if (first >= w.valuesApart) break;
        if (first !== values.length) throw new WindowStoreError(key, `percentile values ${values.length} to ${first - 1} are missing`);
        for (const v of chunk) values.push(v);
      }
      if (values.length !== w.valuesApart) throw new WindowStoreError(key, `${w.valuesApart} percentile values expected apart, ${values.length} stored`);
      if (w.acc.percentiles) w.acc.percentiles.values = values.concat(w.acc.percentiles.values ?? []);
      delete w.valuesApart;
    }
    this.unwrittenStored = unwritten.length > 0;
    return { open, unwritten };
  }
}

export class SqliteWindowStore implements WindowStore {
  private readonly table: SqliteDocumentTable;
  private readonly rows = new WindowRowCodec();

  /** One file may hold the windows of several nodes: each keeps its own table name. */
  constructor(
    readonly path: string,
    readonly owner: string,
    loader?: SqliteLoader,
    onQuarantine?: (quarantine: SqliteQuarantine) => void,
  ) {
    this.table = new SqliteDocumentTable(path, `stats_windows_${owner.replace(/\W/g, '_')}`, loader, onQuarantine);
  }

  async load(): Promise<Stored> {
    return this.rows.read(await this.table.loadAll());
  }

  save(open: PersistedTagWindow[], unwritten: ClosedWindow[]): Promise<void> {
    return this.write(this.rows.whole(open, unwritten));
  }

  saveChanges(changes: WindowChanges, unwritten: ClosedWindow[], replaceAll: boolean): Promise<void> {
    return this.write(this.rows.changed(changes, unwritten, replaceAll));
  }

  close(): Promise<void> {
    return this.table.close();
  }

  private write({ put, remove, replaceAll }: WindowRows): Promise<void> {
    if (put.size === 0 && remove.length === 0 && !replaceAll) return Promise.resolve();
    return this.table.replace(put, remove, replaceAll);
  }
}

const KEY = Symbol.for('edgegw.stats.memory-window-rows');

/** Kept on globalThis by owner id, so a redeployed node with the same id finds its windows. */
export class MemoryWindowStore implements WindowStore {
  private readonly rows = new WindowRowCodec();

  constructor(readonly owner: string) {}

  private static all(): Map<string, Map<string, unknown>> {
    const g = globalThis as unknown as Record<symbol, Map<string, Map<string, unknown>> | undefined>;
    return (g[KEY] ??= new Map());
  }

  async load(): Promise<Stored> {
    const stored = MemoryWindowStore.all().get(this.owner);
    // through JSON, like the database: the restored windows share no object with the old node
    const rows = new Map<string, unknown>();
    for (const [key, doc] of stored ?? []) rows.set(key, JSON.parse(JSON.stringify(doc)));
    return this.rows.read(rows);
  }

  async save(open: PersistedTagWindow[], unwritten: ClosedWindow[]): Promise<void> {
    this.apply(this.rows.whole(open, unwritten));
  }

  async saveChanges(changes: WindowChanges, unwritten: ClosedWindow[], replaceAll: boolean): Promise<void> {
    this.apply(this.rows.changed(changes, unwritten, replaceAll));
  }

  /** Forgets a removed node's windows. */
  static forget(owner: string): void {
    MemoryWindowStore.all().delete(owner);
  }

  async close(): Promise<void> {}

  private apply({ put, remove, replaceAll }: WindowRows): void {
    const all = MemoryWindowStore.all();
    let table = all.get(this.owner);
    if (!table || replaceAll) all.set(this.owner, (table = new Map()));
    for (const key of remove) table.delete(key);
    // the windows' rows are built for the store and never changed after; the closed windows are
    // the session's own objects, copied as the database would
    for (const [key, doc] of put) table.set(key, key === UNWRITTEN ? JSON.parse(JSON.stringify(doc)) : doc);
  }
}
