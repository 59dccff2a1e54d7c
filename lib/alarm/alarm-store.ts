// Where an alarm node keeps its active list so an unacknowledged alarm survives a restart:
// SQLite (optional package, loaded lazily), or in the process only (survives a redeploy).
import { SqliteDocumentTable, type SqliteLoader, type SqliteQuarantine } from '../storage/sqlite';
import type { AlarmRecord } from './engine';

export interface ActiveListStore {
  load(): Promise<AlarmRecord[]>;
  save(records: AlarmRecord[]): Promise<void>;
  close(): Promise<void>;
}

export class SqliteActiveListStore implements ActiveListStore {
  private readonly table: SqliteDocumentTable;

  /** One file may hold the lists of several alarm nodes, a table each. */
  constructor(
    readonly path: string,
    readonly owner: string,
    loader?: SqliteLoader,
    onQuarantine?: (quarantine: SqliteQuarantine) => void,
  ) {
    this.table = new SqliteDocumentTable(path, `alarms_${owner.replace(/\W/g, '_')}`, loader, onQuarantine);
  }

  async load(): Promise<AlarmRecord[]> {
    return [...(await this.table.loadAll()).values()] as AlarmRecord[];
  }

  save(records: AlarmRecord[]): Promise<void> {
    return this.table.replace(new Map(records.map((r) => [r.id, r])), [], true);
  }

  close(): Promise<void> {
    return this.table.close();
  }
}

const KEY = Symbol.for('edgegw.alarm.memory-lists');

export class MemoryActiveListStore implements ActiveListStore {
  constructor(readonly owner: string) {}

  private static all(): Map<string, string> {
    const g = globalThis as unknown as Record<symbol, Map<string, string> | undefined>;
    return (g[KEY] ??= new Map());
  }

  async load(): Promise<AlarmRecord[]> {
    const text = MemoryActiveListStore.all().get(this.owner);
    return text ? (JSON.parse(text) as AlarmRecord[]) : [];
  }

  async save(records: AlarmRecord[]): Promise<void> {
    MemoryActiveListStore.all().set(this.owner, JSON.stringify(records));
  }

  static forget(owner: string): void {
    MemoryActiveListStore.all().delete(owner);
  }

  async close(): Promise<void> {}
}
