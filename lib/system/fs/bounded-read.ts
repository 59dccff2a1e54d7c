// Reading a file that configuration names (a DBC, a tag table, a rules file, a settings file).
// Such a path can point anywhere: /dev/zero (an endless read until the process aborts), a FIFO
// (open() blocks the event loop until someone writes), a 3 GB log. Every such read goes through
// here: the path must be a regular file, no larger than the limit of its kind, and the error says
// which file, what is wrong and the limit, never the file's content.
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { extname } from 'node:path';

/** The size limits, by what the file is. Each is far above any real file of that kind. */
export const FILE_LIMITS = {
  /** a DBC database (the largest public ones are a few MB) */
  dbc: 32 * 1024 * 1024,
  /** a tag table (CSV or JSON): 100,000 tags fit in about 10 MB */
  tagTable: 16 * 1024 * 1024,
  /** an alarm rule table */
  rules: 4 * 1024 * 1024,
  /** the runtime's settings file (JSON or YAML) */
  settings: 4 * 1024 * 1024,
  /** a Node-RED flows file */
  flows: 64 * 1024 * 1024,
  /** a small state or secret file of the runtime */
  state: 64 * 1024 * 1024,
} as const;

export type FileProblem = 'not-found' | 'not-a-file' | 'too-large' | 'unreadable' | 'wrong-kind';

export class FileReadError extends Error {
  constructor(
    readonly path: string,
    readonly problem: FileProblem,
    /** the system error code (ENOENT, EACCES...) when the system refused */
    readonly code: string | undefined,
    /** what is wrong, without the path: "file not found (ENOENT)", "is a FIFO (named pipe), not a regular file" */
    readonly reason: string,
  ) {
    super(`cannot read ${path}: ${reason}`);
    this.name = 'FileReadError';
  }
}

export interface BoundedReadOptions {
  /** the largest size accepted, in bytes */
  maxBytes: number;
  /** file name extensions accepted (lower case, with the dot: ['.dbc']); any when absent */
  extensions?: readonly string[];
}

function mib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB` : `${bytes} bytes`;
}

function describeMode(mode: number): string {
  switch (mode & constants.S_IFMT) {
    case constants.S_IFDIR:
      return 'a directory';
    case constants.S_IFIFO:
      return 'a FIFO (named pipe)';
    case constants.S_IFCHR:
      return 'a character device';
    case constants.S_IFBLK:
      return 'a block device';
    case constants.S_IFSOCK:
      return 'a socket';
    default:
      return 'not a regular file';
  }
}

/**
 * The bytes of a regular file no larger than maxBytes. Throws FileReadError naming the path and
 * the problem. The file is opened non-blocking, so a FIFO is refused without waiting for a writer;
 * a file that grows past the limit while it is read is refused too.
 */
export function readBoundedFile(path: string, options: BoundedReadOptions): Buffer {
  if (options.extensions) checkExtension(path, options.extensions);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FileReadError(path, 'not-found', code, 'file not found (ENOENT)');
    if (code === 'EISDIR') throw new FileReadError(path, 'not-a-file', code, 'is a directory, not a regular file');
    throw new FileReadError(path, 'unreadable', code, `cannot be read (${code ?? (err as Error).message})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new FileReadError(path, 'not-a-file', undefined, `is ${describeMode(st.mode)}, not a regular file`);
    if (st.size > options.maxBytes) {
      throw new FileReadError(path, 'too-large', undefined, `is ${mib(st.size)}, larger than the limit of ${mib(options.maxBytes)}`);
    }
    // the extension of what a symbolic link points at counts as well
    if (options.extensions) checkExtension(realpathSync(path), options.extensions, path);
    // read at most one byte past the limit: files whose size stat does not know (/proc) are bounded too
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, options.maxBytes + 1 - total));
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new FileReadError(path, 'unreadable', code, `cannot be read (${code ?? (err as Error).message})`);
      }
      if (n === 0) break;
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
      total += n;
      if (total > options.maxBytes) throw new FileReadError(path, 'too-large', undefined, `is larger than the limit of ${mib(options.maxBytes)}`);
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/** readBoundedFile as UTF-8 text. */
export function readBoundedText(path: string, options: BoundedReadOptions): string {
  return readBoundedFile(path, options).toString('utf8');
}

/** readBoundedText, or undefined when the file does not exist. */
export function readBoundedTextIfExists(path: string, options: BoundedReadOptions): string | undefined {
  try {
    return readBoundedText(path, options);
  } catch (err) {
    if (err instanceof FileReadError && err.problem === 'not-found') return undefined;
    throw err;
  }
}

function checkExtension(path: string, extensions: readonly string[], asked = path): void {
  const ext = extname(path).toLowerCase();
  if (extensions.includes(ext)) return;
  const expected = extensions.join(' or ');
  const reason = asked === path ? `is not a ${expected} file` : `points at ${path}, which is not a ${expected} file`;
  throw new FileReadError(asked, 'wrong-kind', undefined, reason);
}
