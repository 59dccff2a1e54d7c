// A JSON file written whole or not at all: to a temporary file in the same folder, fsync'd, then
// renamed over the old one, so a power cut or a crash leaves the old file or the new one, never
// half of one (the API keys file, the device id registry).
import { chmodSync, closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ensureDirectory } from './directory';

/** Writes `data` as indented JSON to `file`, with `mode` whatever the umask (default 0600). */
export function writeJsonAtomically(file: string, data: unknown, mode = 0o600): void {
  ensureDirectory(dirname(file));
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    const fd = openSync(tmp, 'w', mode);
    try {
      writeSync(fd, JSON.stringify(data, null, 2) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // openSync's mode is masked by the umask; the file must end with `mode` whatever the umask
    chmodSync(tmp, mode);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
