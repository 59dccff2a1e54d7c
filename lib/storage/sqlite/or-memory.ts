// A node's state kept in SQLite when the optional package is installed, else in the process only:
// it then survives a redeploy but not a restart, and the node says so rather than refusing to run.
import { loadOptional, MissingPackageError } from '../../system/process/optional';

export interface ChosenStore<S> {
  store: S;
  /** SQLite was asked for but sqlite3 is not installed: the store is the in-process one */
  noSqlite?: MissingPackageError;
}

/** The store `persist` asks for: `sqlite()` when it is 'sqlite' and sqlite3 loads, else `memory()`. Other errors of `sqlite()` are thrown. */
export function sqliteOrMemory<S>(persist: 'sqlite' | 'memory', sqlite: () => S, memory: () => S): ChosenStore<S> {
  if (persist !== 'sqlite') return { store: memory() };
  try {
    loadOptional('sqlite3');
    return { store: sqlite() };
  } catch (err) {
    if (!(err instanceof MissingPackageError)) throw err;
    return { store: memory(), noSqlite: err };
  }
}
