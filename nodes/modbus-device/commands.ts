// modbus-device's input: tag write commands ({ tag: value }, or JSON text from an MQTT topic),
// validated and written through lib/modbus (TagWriter, TagWriteQueue), each outcome counted,
// audited in the log and reported to Catch nodes.
import type { DoneFn, Node, NodeMessage } from '../common/red';
import { reportFailure } from '../common/report-failure';
import { parseBoundedJson, type JsonLimits } from '../../lib/system/bounded/json';
import { LogThrottle } from '../../lib/system/process/log-throttle';
import type { TagWriteQueue } from '../../lib/modbus/write-queue';
import { WriteError, WriteValidationError, type TagWriter } from '../../lib/modbus/writes';
import type { IdentityCheck } from '../../lib/modbus/poller/identity';

/** A command is a flat {tag: value} object: small and shallow (a string tag holds at most 250 characters). */
const COMMAND_LIMITS: Partial<JsonLimits> = { maxBytes: 64 * 1024, maxDepth: 4, maxEntries: 1000 };

export const WRITE_OUTCOMES = ['ok', 'rejected', 'failed', 'superseded'] as const;
export type WriteOutcome = (typeof WRITE_OUTCOMES)[number];

export interface CommandInput {
  device: string;
  parseJson: boolean;
  writer: TagWriter;
  commands: TagWriteQueue;
  identity?: IdentityCheck;
  /** counts a command's outcome (for each tag written, when ok) */
  count(outcome: WriteOutcome, n?: number): void;
  /** polls the written tags at once, so the new values show without waiting */
  refresh(tags: string[]): void;
  isClosed(): boolean;
}

type AuditLine = { tag: string; old: unknown; new: unknown; actor: string; ok?: boolean };

/** Handles the node's input; returns what to release on close. */
export function acceptCommands(node: Node, c: CommandInput): { close(): void } {
  // every rejected command is logged, but a flood of them only as a summary per minute
  const rejections = new LogThrottle((line) => node.warn(line), 'rejected commands');
  const audited = (a: AuditLine) => node.log(`write ${c.device}/${a.tag}: ${fmt(a.old)} -> ${fmt(a.new)} by ${a.actor}${a.ok === undefined ? '' : `: ${a.ok ? 'ok' : 'FAILED'}`}`);

  node.on('input', (msg: NodeMessage, _send, done: DoneFn) => {
    const actor = `flow:${node.z ?? '-'}/node:${node.id}${typeof msg._msgid === 'string' ? `/msg:${msg._msgid.slice(0, 64)}` : ''}`;
    let outcome;
    try {
      // JSON text (an MQTT command) is measured before it is parsed: size, depth, keys
      const command =
        c.parseJson && (typeof msg.payload === 'string' || Buffer.isBuffer(msg.payload)) ? { topic: msg.topic, payload: parseBoundedJson(msg.payload, 'command payload', COMMAND_LIMITS) } : msg;
      const values = c.writer.requestFromMessage(command);
      const refused = c.identity?.writeBlock();
      if (refused) throw new Error(`write to ${c.device} refused: ${refused}`);
      outcome = c.commands.submit(values, actor);
    } catch (err) {
      c.count('rejected');
      rejections.log(`command rejected: ${(err as Error).message}`);
      reportFailure(node, msg, done, err as Error);
      return;
    }
    outcome.then(
      (res) => {
        if (res.outcome === 'superseded') {
          c.count('superseded');
          done();
          return;
        }
        for (const a of res.result.audit) audited({ ...a, ok: undefined });
        for (const w of res.result.warnings) node.warn(w);
        c.count('ok', res.result.tags.length);
        c.refresh(res.result.tags);
        done();
      },
      (err: Error) => {
        for (const a of (err as Error & { audit?: Array<AuditLine & { ok: boolean }> }).audit ?? []) audited(a);
        c.count(err instanceof WriteValidationError ? 'rejected' : 'failed');
        if (err instanceof WriteError) c.refresh(err.written);
        if (c.isClosed()) done();
        else reportFailure(node, msg, done, err);
      },
    );
  });
  return { close: () => rejections.close() };
}

function fmt(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}
