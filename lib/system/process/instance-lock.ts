// One process per directory: two gateways on one user directory would poll the same devices
// twice, forward every reading twice and write the same SQLite files. The lock is a file holding
// the owner's pid, created exclusively; a lock whose process is gone (kill -9, power loss) or is
// no longer the same program (the pid was reused) is taken over.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

export class InstanceLockError extends Error {
  constructor(
    readonly file: string,
    readonly pid: number,
  ) {
    super(`another process (pid ${pid}) already runs on this directory: ${file} is its lock; stop it first, or choose another directory`);
    this.name = 'InstanceLockError';
  }
}

export interface InstanceLock {
  readonly file: string;
  release(): void;
}

function alive(pid: number, programs: readonly string[]): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, another user's
  }
  try {
    // a reused pid belongs to some other program; without /proc the pid alone decides
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
    return programs.some((p) => cmdline.includes(p));
  } catch {
    return true;
  }
}

/**
 * Takes the lock file for this process. `programs` are pieces of command lines (the CLI's file
 * names) that tell a live owner from an unrelated process that got its pid.
 */
export function takeInstanceLock(file: string, programs: readonly string[]): InstanceLock {
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner, programs)) throw new InstanceLockError(file, owner);
      unlinkSync(file); // stale: its process is gone
      continue;
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    let released = false;
    return {
      file,
      release() {
        if (released) return;
        released = true;
        try {
          if (Number.parseInt(readFileSync(file, 'utf8'), 10) === process.pid) unlinkSync(file);
        } catch {
          // already gone
        }
      },
    };
  }
  throw new Error(`${file}: could not take the lock (it keeps changing)`);
}
