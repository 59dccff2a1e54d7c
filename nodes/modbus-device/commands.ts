// modbus-device's input: tag write commands ({ tag: value }, or JSON text from an MQTT topic),
// validated and written through lib/modbus (TagWriter, TagWriteQueue), each outcome counted,
// audited in the log and reported to Catch nodes. The operator API's writes take the same path.
import type { DoneFn, Node, NodeMessage } from '../common/red';
import { reportFailure } from '../common/report-failure';
import { parseBoundedJson, type JsonLimits } from '../../lib/system/bounded/json';
import { LogThrottle } from '../../lib/system/process/log-throttle';
import type { CommandOutcome, TagWriteQueue } from '../../lib/modbus/write-queue';
import { WriteRefusedError, type DeviceWriteAnswer } from '../../lib/api/directory';
import type { TagSample } from '../../lib/tags/contract';
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
  /** like refresh, but with a poll that starts after the write, and its samples (an API answer's read-back) */
  readBack(tags: string[]): Promise<TagSample[]>;
  isClosed(): boolean;
}

type AuditLine = { tag: string; old: unknown; new: unknown; actor: string; ok?: boolean };

/** A written command, and the poll of its tags right after (for an answer that shows the read-back). */
export interface CommandWritten {
  outcome: CommandOutcome;
  /** the samples of the poll that follows the write (empty when it failed or was superseded) */
  readBack: Promise<TagSample[]>;
}

export interface Commands {
  /** the API's write: the same path as a command message, answered with what was written and read back */
  write(values: Readonly<Record<string, unknown>>, actor: string): Promise<DeviceWriteAnswer>;
  close(): void;
}

/** Handles the node's input; returns the API's write path and what to release on close. */
export function acceptCommands(node: Node, c: CommandInput): Commands {
  // every rejected command is logged, but a flood of them only as a summary per minute
  const rejections = new LogThrottle((line) => node.warn(line), 'rejected commands');
  const audited = (a: AuditLine) => node.log(`write ${c.device}/${a.tag}: ${fmt(a.old)} -> ${fmt(a.new)} by ${a.actor}${a.ok === undefined ? '' : `: ${a.ok ? 'ok' : 'FAILED'}`}`);

  /**
   * Validates (throws: nothing queued), checks the identity, queues; the promise settles once the
   * command was written (or superseded), with every outcome counted, logged and refreshed.
   */
  function run(commandOf: () => { topic?: unknown; payload?: unknown }, actor: string, readBack = false): Promise<CommandWritten> {
    let outcome;
    try {
      const values = c.writer.requestFromMessage(commandOf());
      const refused = c.identity?.writeBlock();
      if (refused) throw new WriteRefusedError(c.device, refused);
      outcome = c.commands.submit(values, actor);
    } catch (err) {
      c.count('rejected');
      rejections.log(`command rejected: ${(err as Error).message}`);
      throw err;
    }
    return outcome.then(
      (res) => {
        if (res.outcome === 'superseded') {
          c.count('superseded');
          return { outcome: res, readBack: Promise.resolve([]) };
        }
        for (const a of res.result.audit) audited({ ...a, ok: undefined });
        for (const w of res.result.warnings) node.warn(w);
        c.count('ok', res.result.tags.length);
        if (readBack) return { outcome: res, readBack: c.readBack(res.result.tags) };
        c.refresh(res.result.tags);
        return { outcome: res, readBack: Promise.resolve([]) };
      },
      (err: Error) => {
        for (const a of (err as Error & { audit?: Array<AuditLine & { ok: boolean }> }).audit ?? []) audited(a);
        c.count(err instanceof WriteValidationError ? 'rejected' : 'failed');
        if (err instanceof WriteError) c.refresh(err.written);
        throw err;
      },
    );
  }

  node.on('input', (msg: NodeMessage, _send, done: DoneFn) => {
    const actor = `flow:${node.z ?? '-'}/node:${node.id}${typeof msg._msgid === 'string' ? `/msg:${msg._msgid.slice(0, 64)}` : ''}`;
    let written: Promise<CommandWritten>;
    try {
      // JSON text (an MQTT command) is measured before it is parsed: size, depth, keys
      written = run(
        () =>
          c.parseJson && (typeof msg.payload === 'string' || Buffer.isBuffer(msg.payload)) ? { topic: msg.topic, payload: parseBoundedJson(msg.payload, 'command payload', COMMAND_LIMITS) } : msg,
        actor,
      );
    } catch (err) {
      reportFailure(node, msg, done, err as Error);
      return;
    }
    written.then(
      () => done(),
      (err: Error) => {
        if (c.isClosed()) done();
        else reportFailure(node, msg, done, err);
      },
    );
  });

  async function write(values: Readonly<Record<string, unknown>>, actor: string): Promise<DeviceWriteAnswer> {
    const { outcome, readBack } = await run(() => ({ payload: values }), actor, true);
    if (outcome.outcome === 'superseded') return { device: c.device, outcome: 'superseded', tags: [], warnings: [] };
    const polled = new Map((await readBack).map((s) => [s.name, s]));
    const tags = outcome.result.audit.map((a) => {
      const s = polled.get(a.tag);
      return { tag: a.tag, requested: a.requested, written: a.new, old: a.old, ...(s ? { readBack: { value: s.value, quality: s.quality, ts: s.ts } } : {}) };
    });
    return { device: c.device, outcome: 'written', tags, warnings: outcome.result.warnings };
  }

  return { write, close: () => rejections.close() };
}

function fmt(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}
