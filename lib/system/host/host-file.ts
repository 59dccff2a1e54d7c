// Reading the kernel's text files under a configurable root (/proc, /sys), so tests lay out a
// temporary directory the same way and the real path stays the same code.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A host file that could not be read or did not read as expected; carries which file and why. */
export class HostFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'HostFileError';
  }
}

/** The text of `<root>/<relative>`; a HostFileError naming the file when it cannot be read. */
export async function readHostFile(root: string, relative: string): Promise<string> {
  const file = join(root, relative);
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new HostFileError(file, e.code ? `cannot be read (${e.code})` : e.message);
  }
}

/** A whole number of a kernel file, refusing anything else with the file and what it held. */
export function countIn(file: string, what: string, text: string | undefined): number {
  const n = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(n)) throw new HostFileError(file, `${what} is not a number: ${JSON.stringify(text ?? '')}`);
  return n;
}
