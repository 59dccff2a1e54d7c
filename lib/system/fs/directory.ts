// Creating a directory (and its missing parents) without `mkdirSync(..., { recursive: true })`.
// Node's recursive mkdir retries a level whose parent exists but refuses children with ENOENT
// (any path under /proc, some FUSE and overlay mounts) forever, at 100% CPU. Here each missing
// level is created exactly once, from the deepest existing ancestor down, and the first level
// that cannot be made stops the walk with an error naming that level and the reason.
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export type DirectoryProblem = 'not-a-directory' | 'cannot-create' | 'not-writable';

export class DirectoryError extends Error {
  constructor(
    /** the directory that was asked for */
    readonly directory: string,
    /** the level of the path where it went wrong (the directory itself or an ancestor) */
    readonly at: string,
    readonly problem: DirectoryProblem,
    /** the system error code, e.g. ENOENT, EACCES, ENOTDIR, EROFS */
    readonly code: string,
  ) {
    super(`${directory}: ${describe(directory, at, problem, code)}`);
    this.name = 'DirectoryError';
  }
}

function describe(directory: string, at: string, problem: DirectoryProblem, code: string): string {
  const where = at === directory ? '' : ` (at ${at})`;
  switch (problem) {
    case 'not-a-directory':
      return `${at === directory ? 'exists and is not a directory' : `${at} is a file, not a directory`}`;
    case 'not-writable':
      return `directory is not writable by this user${where} [${code}]`;
    case 'cannot-create':
      if (code === 'EACCES' || code === 'EPERM') return `cannot create the directory: permission denied${where} [${code}]`;
      if (code === 'EROFS') return `cannot create the directory: read-only file system${where} [${code}]`;
      return `cannot create the directory${where}: the file system refuses it [${code}]`;
  }
}

function statOrNull(path: string): ReturnType<typeof statSync> | null {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    // ENOTDIR: some ancestor is a file; reported by the walk below with that ancestor's name
    if (code === 'ENOTDIR') return null;
    throw err;
  }
}

/**
 * Makes sure `path` is a directory, creating missing levels once each. Throws DirectoryError,
 * never loops: the number of system calls is bounded by the depth of the path.
 * With `writable`, also checks that this process can create files in it.
 */
export function ensureDirectory(path: string, opts: { writable?: boolean } = {}): string {
  const target = resolve(path);
  const missing: string[] = [];
  let level = target;
  for (;;) {
    const st = statOrNull(level);
    if (st) {
      if (!st.isDirectory()) throw new DirectoryError(target, level, 'not-a-directory', 'ENOTDIR');
      break;
    }
    missing.push(level);
    const up = dirname(level);
    if (up === level) break; // the root does not exist: mkdir below reports it
    level = up;
  }
  for (let i = missing.length - 1; i >= 0; i--) {
    try {
      mkdirSync(missing[i]);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      if (code === 'EEXIST' && statOrNull(missing[i])?.isDirectory()) continue; // created meanwhile
      throw new DirectoryError(target, missing[i], code === 'ENOTDIR' || code === 'EEXIST' ? 'not-a-directory' : 'cannot-create', code);
    }
  }
  if (opts.writable) {
    try {
      accessSync(target, constants.W_OK | constants.X_OK);
    } catch (err) {
      throw new DirectoryError(target, target, 'not-writable', (err as NodeJS.ErrnoException).code ?? 'EACCES');
    }
  }
  return target;
}
