// Commands for one device, one write at a time, last write wins. A burst of commands (2,000/s
// from a dashboard slider) must not fill the line's request queue with stale values and starve
// polling: a command waits here while the previous one is on the wire, and a later command for
// the same tag replaces the waiting value. Every command gets an outcome: written, failed,
// rejected (invalid, thrown at submit), or superseded (all of its tags were replaced before it
// was sent). A tag waits in at most one queued command, so the queue holds at most one command
// per tag of the device.
import type { AuditLog, AuditRecord } from '../audit/audit-log';
import type { TagWriter, WriteResult } from './writes';

export type CommandOutcome = { outcome: 'written'; result: WriteResult; superseded: string[] } | { outcome: 'superseded'; superseded: string[] };

interface QueuedCommand {
  values: Map<string, unknown>;
  actor: string;
  superseded: string[];
  resolve(o: CommandOutcome): void;
  reject(e: Error): void;
}

export interface WriteQueueOptions {
  device: string;
  audit?: AuditLog;
}

export class TagWriteQueue {
  private readonly waiting: QueuedCommand[] = [];
  private busy = false;
  private closed = false;

  constructor(
    private readonly writer: Pick<TagWriter, 'plan' | 'write'>,
    private readonly opts: WriteQueueOptions,
  ) {}

  /** Commands waiting (not counting the one on the wire). */
  depth(): number {
    return this.waiting.length;
  }

  /**
   * Validates now (throws WriteValidationError: nothing queued), then queues. The promise settles
   * with the command's outcome, or rejects with the write's error.
   */
  submit(values: Map<string, unknown>, actor: string): Promise<CommandOutcome> {
    if (this.closed) return Promise.reject(new Error(`device '${this.opts.device}' is closing; command not written`));
    this.writer.plan(values);
    for (let i = 0; i < this.waiting.length; i++) {
      const older = this.waiting[i];
      for (const tag of values.keys()) {
        if (!older.values.has(tag)) continue;
        this.auditSuperseded(older, tag);
        older.values.delete(tag);
        older.superseded.push(tag);
      }
      if (older.values.size === 0) {
        this.waiting.splice(i--, 1);
        older.resolve({ outcome: 'superseded', superseded: older.superseded });
      }
    }
    return new Promise<CommandOutcome>((resolve, reject) => {
      this.waiting.push({ values: new Map(values), actor, superseded: [], resolve, reject });
      this.pump();
    });
  }

  /** Fails every waiting command (the node is closing); the one on the wire finishes. */
  close(): void {
    this.closed = true;
    for (const c of this.waiting.splice(0)) c.reject(new Error(`device '${this.opts.device}' closed before the command was written`));
  }

  private pump(): void {
    if (this.busy) return;
    const next = this.waiting.shift();
    if (!next) return;
    this.busy = true;
    this.writer.write(next.values, next.actor).then(
      (result) => {
        this.busy = false;
        next.resolve({ outcome: 'written', result, superseded: next.superseded });
        this.pump();
      },
      (err: Error) => {
        this.busy = false;
        next.reject(err);
        this.pump();
      },
    );
  }

  private auditSuperseded(cmd: QueuedCommand, tag: string): void {
    if (!this.opts.audit) return;
    const rec: Omit<AuditRecord, 'ts'> = {
      actor: cmd.actor,
      device: this.opts.device,
      tag,
      old: null,
      new: null,
      requested: cmd.values.get(tag),
      ok: false,
      outcome: 'superseded',
      error: 'superseded by a later command for the tag before it was sent',
    };
    try {
      this.opts.audit.record(rec);
    } catch {
      // the record is kept in memory; the file error is reported with the next write's warnings
    }
  }
}
