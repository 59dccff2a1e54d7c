// Which register store a modbus-server's settings ask for. The form's field is `persistence`
// (none | json | sqlite); flows saved before it existed carry only `persist` (boolean) and
// `persistFile`, where a .db/.sqlite/.sqlite3 file name selects SQLite and anything else JSON.
import { isAbsolute, join } from 'node:path';
import { JsonFileRegisterStore, type RegisterStore } from './register-store';
import { SqliteRegisterStore, type SqliteRegisterStoreOptions } from './sqlite';
import { textOf } from '../../system/text/text-of';

export type PersistenceKind = 'none' | 'json' | 'sqlite';

export interface PersistenceSettings {
  persistence?: unknown;
  persist?: unknown;
  persistFile?: unknown;
}

export interface PersistenceChoice {
  kind: 'json' | 'sqlite';
  /** absolute path of the file */
  path: string;
}

export class PersistenceConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`Modbus server option ${field}: ${message}`);
    this.name = 'PersistenceConfigError';
  }
}

const SQLITE_FILE = /\.(db|sqlite3?|db3)$/i;

/**
 * The store a node should use, or undefined for none. Relative paths resolve against `baseDir`
 * (the Node-RED user directory); without a file name it is `modbus-server-<node id>.json|.db`.
 */
export function persistenceFromSettings(s: PersistenceSettings, ctx: { baseDir: string; nodeId: string }): PersistenceChoice | undefined {
  const file = textOf(s.persistFile ?? '').trim();
  const kind = kindOf(s, file);
  if (kind === 'none') return undefined;
  const name = file || `modbus-server-${ctx.nodeId.replace(/[^\w.-]/g, '_')}.${kind === 'sqlite' ? 'db' : 'json'}`;
  return { kind, path: isAbsolute(name) ? name : join(ctx.baseDir, name) };
}

function kindOf(s: PersistenceSettings, file: string): PersistenceKind {
  const p = s.persistence;
  if (p !== undefined && p !== null && p !== '') {
    if (p === 'none' || p === 'json' || p === 'sqlite') return p;
    throw new PersistenceConfigError('persistence', `must be none, json or sqlite, got ${JSON.stringify(p)}`);
  }
  return legacyPersistence(s.persist, file);
}

/**
 * The store a config saved before `persistence` existed asks for: `persist` (boolean) on or off,
 * and a .db/.sqlite/.sqlite3/.db3 file name selecting SQLite. The modbus-server node's migration
 * rewrites such configs with it; settings handed to this module directly still work.
 */
export function legacyPersistence(persist: unknown, persistFile: unknown): PersistenceKind {
  if (persist !== true && persist !== 'true') return 'none';
  return SQLITE_FILE.test(textOf(persistFile ?? '').trim()) ? 'sqlite' : 'json';
}

export interface ChosenStore {
  store: RegisterStore;
  /**
   * How long the server should gather changes before saving: the JSON file is rewritten whole,
   * so it waits half a second; SQLite writes only what changed, so a few ms merge a burst.
   */
  persistDelayMs: number;
}

/** Creates the chosen store; a missing sqlite3 package throws MissingPackageError here. */
export function createRegisterStore(choice: PersistenceChoice, sqlite: SqliteRegisterStoreOptions = {}): ChosenStore {
  if (choice.kind === 'sqlite') return { store: new SqliteRegisterStore(choice.path, sqlite), persistDelayMs: 5 };
  return { store: new JsonFileRegisterStore(choice.path), persistDelayMs: 500 };
}

/**
 * Wraps a store so its owner learns of every save's outcome (the server only records the last
 * failure): `onSaved(err)` after a failed save, `onSaved()` after one that succeeded again.
 */
export function watchRegisterStore(store: RegisterStore, onSaved: (err?: Error) => void): RegisterStore {
  return {
    load: () => store.load(),
    save: (image, changed) =>
      store.save(image, changed).then(
        () => onSaved(),
        (err: Error) => {
          onSaved(err);
          throw err;
        },
      ),
    close: () => store.close(),
  };
}
