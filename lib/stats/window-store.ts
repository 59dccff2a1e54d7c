// Where a stats node keeps its open windows between deploys and restarts. SQLite (optional
// package, loaded lazily) survives a restart; the in-process store survives only a redeploy and
// is what a node uses when no database file is configured.
import { SqliteDocumentTable, type SqliteLoader, type SqliteQuarantine } from '../storage/sqlite';
import type { WindowStore } from './session';
import type { ClosedWindow, PersistedTagWindow } from './windows';

interface Stored {
  open: PersistedTagWindow[];
  unwritten: ClosedWindow[];
}

const UNWRITTEN = 'unwritten';

export class SqliteWindowStore implements WindowStore {
  private readonly table: SqliteDocumentTable;

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
    const docs = await this.table.loadAll();
    const open: PersistedTagWindow[] = [];
    let unwritten: ClosedWindow[] = [];
    for (const [key, doc] of docs) {
      if (key === UNWRITTEN) unwritten = doc as ClosedWindow[];
      else open.push(doc as PersistedTagWindow);
    }
    return { open, unwritten };
  }

  save(open: PersistedTagWindow[], unwritten: ClosedWindow[]): Promise<void> {
    const put = new Map<string, unknown>();
    for (const w of open) put.set(`open:${w.device}/${w.name}`, w);
    if (unwritten.length) put.set(UNWRITTEN, unwritten);
    return this.table.replace(put, [], true);
  }

  close(): Promise<void> {
    return this.table.close();
  }
}

const KEY = Symbol.for('edgegw.stats.memory-windows');

/** Kept on globalThis by owner id, so a redeployed node with the same id finds its windows. */
export class MemoryWindowStore implements WindowStore {
  constructor(readonly owner: string) {}

  private static all(): Map<string, string> {
    const g = globalThis as unknown as Record<symbol, Map<string, string> | undefined>;
    return (g[KEY] ??= new Map());
  }

  async load(): Promise<Stored> {
    const text = MemoryWindowStore.all().get(this.owner);
    return text ? (JSON.parse(text) as Stored) : { open: [], unwritten: [] };
  }

  async save(open: PersistedTagWindow[], unwritten: ClosedWindow[]): Promise<void> {
    // JSON, like the database: the restored windows must not share objects with the old node
    MemoryWindowStore.all().set(this.owner, JSON.stringify({ open, unwritten }));
  }

  /** Forgets a removed node's windows. */
  static forget(owner: string): void {
    MemoryWindowStore.all().delete(owner);
  }

  async close(): Promise<void> {}
}
