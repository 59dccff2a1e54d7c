// Persistence of a Modbus server's holding registers across restarts. RegisterStore is the
// interface; JsonFileRegisterStore keeps them in one JSON file, written atomically (temp file +
// rename) so a power cut never leaves half a file. SqliteRegisterStore (register-store-sqlite.ts)
// writes only what changed, and register-store-config.ts picks one from a node's settings.
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { ensureDirectory } from '../../system/fs/directory';

/** unit id -> its holding registers */
export type StoredRegisters = Map<number, Uint16Array>;

export interface RegisterRange {
  unit: number;
  address: number;
  count: number;
}

export interface RegisterStore {
  /** The saved registers (an empty map when nothing was saved yet). */
  load(): Promise<StoredRegisters>;
  /**
   * Persists the holding registers. `changed` lists what was written since the last save, for
   * stores that write incrementally; a whole-image store may ignore it.
   */
  save(image: StoredRegisters, changed: RegisterRange[]): Promise<void>;
  close(): Promise<void>;
}

export class RegisterStoreError extends Error {
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`register store ${path}: ${message}`, options);
    this.name = 'RegisterStoreError';
  }
}

const FORMAT = 'edgegw-holding-registers/1';

/**
 * File format: {"format": "edgegw-holding-registers/1", "units": {"1": [[address, [v, ...]], ...]}}
 * holding only the runs of non-zero registers, so a sparse 10,000-register image stays small.
 */
export class JsonFileRegisterStore implements RegisterStore {
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  async load(): Promise<StoredRegisters> {
    let text: string;
    try {
      text = await fs.readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw new RegisterStoreError(this.path, `cannot read: ${(err as Error).message}`);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new RegisterStoreError(this.path, `not valid JSON: ${(err as Error).message}`);
    }
    const d = doc as { format?: unknown; units?: unknown };
    if (!d || d.format !== FORMAT || typeof d.units !== 'object' || d.units === null) {
      throw new RegisterStoreError(this.path, `not a register file (expected "format": "${FORMAT}")`);
    }
    const out: StoredRegisters = new Map();
    for (const [unitText, runs] of Object.entries(d.units as Record<string, unknown>)) {
      const unit = Number(unitText);
      if (!Number.isInteger(unit) || unit < 0 || unit > 255) throw new RegisterStoreError(this.path, `unit "${unitText}" is not 0..255`);
      if (!Array.isArray(runs)) throw new RegisterStoreError(this.path, `unit ${unit}: runs must be an array`);
      let size = 0;
      for (const run of runs) {
        if (!Array.isArray(run) || run.length !== 2 || !Number.isInteger(run[0]) || !Array.isArray(run[1])) {
          throw new RegisterStoreError(this.path, `unit ${unit}: a run must be [address, [values]]`);
        }
        size = Math.max(size, run[0] + run[1].length);
      }
      if (size > 65536) throw new RegisterStoreError(this.path, `unit ${unit}: registers beyond 65535`);
      const regs = new Uint16Array(size);
      for (const [address, values] of runs as Array<[number, unknown[]]>) {
        values.forEach((v, i) => {
          if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 65535) {
            throw new RegisterStoreError(this.path, `unit ${unit} register ${address + i}: ${JSON.stringify(v)} is not 0..65535`);
          }
          regs[address + i] = v as number;
        });
      }
      out.set(unit, regs);
    }
    return out;
  }

  save(image: StoredRegisters, _changed: RegisterRange[] = []): Promise<void> {
    // saves are serialised: a slow disk never gets two temp files racing to the rename
    const units: Record<string, Array<[number, number[]]>> = {};
    for (const [unit, regs] of image) units[String(unit)] = runsOf(regs);
    const text = JSON.stringify({ format: FORMAT, units });
    const next = this.writing.then(() => this.writeAtomic(text));
    this.writing = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    await this.writing;
  }

  private async writeAtomic(text: string): Promise<void> {
    const tmp = `${this.path}.tmp-${process.pid}`;
    try {
      ensureDirectory(dirname(this.path));
      await fs.writeFile(tmp, text);
      await fs.rename(tmp, this.path);
    } catch (err) {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      throw new RegisterStoreError(this.path, `cannot write: ${(err as Error).message}`);
    }
  }
}

function runsOf(regs: Uint16Array): Array<[number, number[]]> {
  const runs: Array<[number, number[]]> = [];
  let i = 0;
  while (i < regs.length) {
    if (regs[i] === 0) {
      i++;
      continue;
    }
    const start = i;
    while (i < regs.length && regs[i] !== 0) i++;
    runs.push([start, Array.from(regs.subarray(start, i))]);
  }
  return runs;
}
