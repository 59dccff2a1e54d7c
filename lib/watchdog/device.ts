// The hardware watchdog device (Linux /dev/watchdog or another path): opened once, written to
// keep the machine alive, closed with the magic character 'V' on a clean stop so the kernel
// disarms it instead of rebooting. Opened non-blocking: a FIFO standing in for the device
// without a reader fails at once (ENXIO) instead of hanging a thread.
import { closeSync, constants, openSync, writeSync } from 'node:fs';

export class WatchdogDeviceError extends Error {
  constructor(
    readonly path: string,
    readonly op: 'open' | 'write' | 'close',
    readonly code: string | undefined,
    detail: string,
  ) {
    super(`watchdog device ${path}: cannot ${op}: ${detail}`);
    this.name = 'WatchdogDeviceError';
  }
}

const HINTS: Record<string, string> = {
  ENOENT: 'no such device (is the watchdog driver loaded? e.g. modprobe softdog)',
  EACCES: 'permission denied (run as root or give the user write access to the device)',
  EPERM: 'permission denied (run as root or give the user write access to the device)',
  EBUSY: 'already open in another process (only one process may hold a watchdog device)',
  ENXIO: 'nothing is reading it (a FIFO without a reader)',
  EAGAIN: 'it would block (nobody is reading it)',
  EISDIR: 'it is a directory',
};

function deviceError(path: string, op: 'open' | 'write' | 'close', err: unknown): WatchdogDeviceError {
  const e = err as NodeJS.ErrnoException;
  return new WatchdogDeviceError(path, op, e.code, e.code && HINTS[e.code] ? `${e.code}: ${HINTS[e.code]}` : e.message);
}

/** The byte written to keep the machine alive (any byte but 'V' does; the kernel ignores its value). */
export const KEEPALIVE_BYTE = '.';
/** Written right before close: the kernel then disarms the watchdog (unless built with nowayout). */
export const MAGIC_CLOSE = 'V';

export class HardwareWatchdog {
  private fd: number | undefined;
  writes = 0;

  constructor(readonly path: string) {}

  get isOpen(): boolean {
    return this.fd !== undefined;
  }

  /** Opens the device; throws WatchdogDeviceError naming the path and the reason. Never creates a file. */
  open(): void {
    if (this.fd !== undefined) return;
    try {
      this.fd = openSync(this.path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (err) {
      throw deviceError(this.path, 'open', err);
    }
  }

  /** One keepalive write; throws WatchdogDeviceError. */
  kick(): void {
    if (this.fd === undefined) throw new WatchdogDeviceError(this.path, 'write', undefined, 'not open');
    try {
      writeSync(this.fd, KEEPALIVE_BYTE);
      this.writes++;
    } catch (err) {
      throw deviceError(this.path, 'write', err);
    }
  }

  /**
   * Writes the magic close character (a clean stop: no reboot) and closes. With `magic` false
   * the device is closed armed, so the kernel reboots when its timeout passes. Never throws:
   * returns the error, if any, for the caller to report.
   */
  close(magic = true): WatchdogDeviceError | undefined {
    const fd = this.fd;
    if (fd === undefined) return undefined;
    this.fd = undefined;
    let failure: WatchdogDeviceError | undefined;
    if (magic) {
      try {
        writeSync(fd, MAGIC_CLOSE);
      } catch (err) {
        failure = deviceError(this.path, 'write', err);
      }
    }
    try {
      closeSync(fd);
    } catch (err) {
      failure ??= deviceError(this.path, 'close', err);
    }
    return failure;
  }
}
