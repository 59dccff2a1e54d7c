// Size-based rotation of the audit log's JSON-lines file: `audit.jsonl` is renamed to
// `audit.jsonl.1` (the previous `.1` to `.2`, and so on, the oldest beyond `keep` deleted) before
// the append that would take it past `maxBytes`. Every step is a synchronous rename in the one
// thread that appends, so no record can land between two renames and none is lost: a record goes
// either to the file before it is renamed or to the fresh file after.
import { renameSync, statSync, unlinkSync } from 'node:fs';

export interface AuditRotation {
  /** the current file is rotated before an append would take it past this size (default 10 MB) */
  maxBytes: number;
  /** rotated files kept beside the current one (default 5); 0: the current file is only emptied */
  keep: number;
}

export const DEFAULT_AUDIT_ROTATION: AuditRotation = { maxBytes: 10 * 1024 * 1024, keep: 5 };

/** A rotation setting out of range, naming the field (from the edgegw settings block). */
export class AuditRotationConfigError extends Error {
  constructor(
    readonly field: keyof AuditRotation,
    readonly value: unknown,
    readonly reason: string,
  ) {
    super(`audit log rotation: ${field} ${JSON.stringify(value)} ${reason}`);
    this.name = 'AuditRotationConfigError';
  }
}

/** Reads `{ maxBytes, keep }` (either may be absent: the default), throwing on a bad value. */
export function auditRotationOf(raw: unknown): AuditRotation {
  if (raw === undefined || raw === null) return { ...DEFAULT_AUDIT_ROTATION };
  if (typeof raw !== 'object') throw new AuditRotationConfigError('maxBytes', raw, 'is not an object { maxBytes, keep }');
  const r = raw as Record<string, unknown>;
  const maxBytes = r.maxBytes ?? DEFAULT_AUDIT_ROTATION.maxBytes;
  const keep = r.keep ?? DEFAULT_AUDIT_ROTATION.keep;
  // one record can be a few KB (a write of a long string value): below 4 KB every record rotates
  if (typeof maxBytes !== 'number' || !Number.isInteger(maxBytes) || maxBytes < 4096) throw new AuditRotationConfigError('maxBytes', maxBytes, 'is not a whole number of bytes >= 4096');
  if (typeof keep !== 'number' || !Number.isInteger(keep) || keep < 0 || keep > 1000) throw new AuditRotationConfigError('keep', keep, 'is not a whole number from 0 to 1000');
  return { maxBytes, keep };
}

/** The rotated files of `file`, oldest first, then `file` itself: the order their records were written in. */
export function auditFilesOldestFirst(file: string, keep: number): string[] {
  const out: string[] = [];
  for (let i = keep; i >= 1; i--) out.push(`${file}.${i}`);
  out.push(file);
  return out;
}

/** The size of `file` now, 0 when it does not exist yet. */
export function currentSize(file: string): number {
  try {
    return statSync(file).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

function renameIfPresent(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Shifts `file.N-1` to `file.N` ... `file` to `file.1`, dropping what falls beyond `keep`. */
export function rotateAuditFile(file: string, keep: number): void {
  if (keep === 0) {
    try {
      unlinkSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    return;
  }
  try {
    unlinkSync(`${file}.${keep}`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  for (let i = keep - 1; i >= 1; i--) renameIfPresent(`${file}.${i}`, `${file}.${i + 1}`);
  renameIfPresent(file, `${file}.1`);
}
