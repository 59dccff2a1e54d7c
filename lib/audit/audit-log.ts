// AuditLog: who changed what on a device, kept in an in-memory ring (for the editor and tests)
// and, when a file is configured, appended as JSON lines (one record per line, for log
// shippers). Writes to devices are rare human or flow actions, so each record is appended
// synchronously: nothing is held open between records and a crash loses nothing.
// The file's folder is created once, when the first record is appended to that file (not on
// every record), with ensureDirectory: a folder that cannot exist fails at once, never spins.
// The file rotates by size (rotation.ts); queryAudit (query.ts) reads the ring and the files.
import { appendFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensureDirectory } from '../system/fs/directory';
import { DEFAULT_AUDIT_ROTATION, currentSize, rotateAuditFile, type AuditRotation } from './rotation';

/**
 * What a record is about: a write to a device's tag (the default), an alarm acknowledged, or an
 * event of the gateway itself. For the gateway's own events `device` names the component
 * ('runtime' for deploys, 'editor' or 'api' for logins and refused credentials, 'api' for key
 * changes) and `tag` the subject (the flows revision, the user or key name), so that every record
 * has the same columns in a CSV export. A registry decision ('device': accept, reject, remove,
 * a broker login added) names the device id in `device` and what changed in `tag`.
 */
export type AuditKind = 'write' | 'alarm-ack' | 'deploy' | 'login' | 'auth-failed' | 'api-key' | 'device';

export interface AuditRecord {
  /** epoch ms */
  ts: number;
  /** absent: a write (every record before alarms were audited was one) */
  kind?: AuditKind;
  /** who or what wrote: "flow:<flow id>/node:<node id>", "cli:<user>"... */
  actor: string;
  device: string;
  tag: string;
  old: unknown;
  new: unknown;
  ok: boolean;
  error?: string;
  /** where `old` comes from: read from the device just before the write, or the last polled value */
  oldSource?: 'read' | 'poll';
  /** the value the command asked for (`new` is what the device holds after encoding) */
  requested?: unknown;
  /** written, failed, or superseded (a later command for the tag replaced it before it was sent) */
  outcome?: 'written' | 'failed' | 'superseded';
}

export interface AuditLogOptions {
  /** JSON-lines file to append to; none: memory only */
  file?: string;
  /** records kept in memory (default 1000) */
  ringSize?: number;
  /** size-based rotation of the file (default 10 MB, 5 rotated files kept) */
  rotation?: AuditRotation;
}

/** Called with every record as it is kept (the audit-in node, the live stream). */
export type AuditListener = (record: AuditRecord) => void;

/** The record is in the ring, but the file could not be appended to. */
export class AuditFileError extends Error {
  constructor(
    readonly file: string,
    override readonly cause: Error,
  ) {
    super(`audit log ${file}: ${cause.message}`);
    this.name = 'AuditFileError';
  }
}

/** The record was appended, but the file could not be rotated before it (it grows past its size). */
export class AuditRotationError extends AuditFileError {
  constructor(file: string, cause: Error) {
    super(file, cause);
    this.message = `audit log ${file}: record appended, but the file could not be rotated: ${cause.message}`;
    this.name = 'AuditRotationError';
  }
}

/** JSON that keeps what a tag value can be: bigint as a decimal string, Buffer as hex. */
export function auditJson(record: AuditRecord): string {
  return JSON.stringify(record, (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return Buffer.from((v as { data: number[] }).data).toString('hex');
    }
    return v;
  });
}

export class AuditLog {
  private readonly ring: AuditRecord[] = [];
  private readonly size: number;
  private file?: string;
  /** the folder of `file` is known to exist (set after the first successful append) */
  private folderReady = false;
  private rotationSettings: AuditRotation;
  /** bytes in `file`, read once from the file system, then counted per append */
  private fileBytes: number | undefined;
  private readonly listeners = new Set<AuditListener>();
  /** records of the ring whose append failed: the only ones a query of the files would miss */
  private readonly unwritten = new WeakSet<AuditRecord>();

  constructor(opts: AuditLogOptions = {}) {
    this.size = Math.max(1, opts.ringSize ?? 1000);
    this.file = opts.file;
    this.rotationSettings = opts.rotation ?? { ...DEFAULT_AUDIT_ROTATION };
  }

  get rotation(): AuditRotation {
    return this.rotationSettings;
  }

  setRotation(rotation: AuditRotation): void {
    this.rotationSettings = rotation;
  }

  /** Calls `listener` with every record kept from now on; returns the unsubscribe. */
  subscribe(listener: AuditListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** A record of the ring that is not in the file (its append failed). */
  isUnwritten(record: AuditRecord): boolean {
    return this.unwritten.has(record);
  }

  get filePath(): string | undefined {
    return this.file;
  }

  setFile(file: string | undefined): void {
    if (file !== this.file) {
      this.folderReady = false;
      this.fileBytes = undefined;
    }
    this.file = file;
  }

  /** Keeps the record; throws AuditFileError (after keeping it in memory) when the file append fails. */
  record(r: Omit<AuditRecord, 'ts'> & { ts?: number }): AuditRecord {
    const rec: AuditRecord = { ts: r.ts ?? Date.now(), actor: r.actor, device: r.device, tag: r.tag, old: r.old, new: r.new, ok: r.ok };
    if (r.kind !== undefined && r.kind !== 'write') rec.kind = r.kind;
    if (r.error !== undefined) rec.error = r.error;
    if (r.oldSource !== undefined) rec.oldSource = r.oldSource;
    if (r.requested !== undefined) rec.requested = r.requested;
    if (r.outcome !== undefined) rec.outcome = r.outcome;
    this.ring.push(rec);
    if (this.ring.length > this.size) this.ring.splice(0, this.ring.length - this.size);
    const fileError = this.file ? this.append(this.file, rec) : undefined;
    if (fileError && !(fileError instanceof AuditRotationError)) this.unwritten.add(rec);
    for (const listener of this.listeners) listener(rec);
    if (fileError) throw fileError;
    return rec;
  }

  /** Appends one line, rotating first when it would pass the size; the error, if any, to throw. */
  private append(file: string, rec: AuditRecord): AuditFileError | undefined {
    const line = auditJson(rec) + '\n';
    const bytes = Buffer.byteLength(line);
    let rotationError: Error | undefined;
    try {
      if (!this.folderReady) ensureDirectory(dirname(file));
      this.fileBytes ??= currentSize(file);
      if (this.fileBytes > 0 && this.fileBytes + bytes > this.rotationSettings.maxBytes) {
        try {
          rotateAuditFile(file, this.rotationSettings.keep);
          this.fileBytes = 0;
        } catch (err) {
          // the record still goes to the current file (it grows past its size), never lost
          rotationError = err as Error;
        }
      }
      try {
        appendFileSync(file, line);
      } catch (err) {
        // the folder went away since (log rotation, an operator): make it again, once
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !this.folderReady) throw err;
        ensureDirectory(dirname(file));
        this.fileBytes = 0;
        appendFileSync(file, line);
      }
      this.fileBytes += bytes;
      this.folderReady = true;
    } catch (err) {
      this.folderReady = false;
      this.fileBytes = undefined;
      return new AuditFileError(file, err as Error);
    }
    return rotationError ? new AuditRotationError(file, rotationError) : undefined;
  }

  /** The latest records, oldest first (at most `limit`). */
  recent(limit = this.size): AuditRecord[] {
    return this.ring.slice(-limit);
  }

  clear(): void {
    this.ring.length = 0;
  }
}

const KEY = Symbol.for('edgegw.audit.log');

/** One audit log per process (shared like the health registry), memory-only until a file is set. */
export function sharedAuditLog(): AuditLog {
  const g = globalThis as unknown as Record<symbol, AuditLog | undefined>;
  return (g[KEY] ??= new AuditLog());
}
