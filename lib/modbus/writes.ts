// TagWriter: writes tag values to a device, all-or-nothing at validation time.
//
// A request names tags and values (`msg.topic` = tag with `msg.payload`, or `msg.payload =
// { tag: value, ... }`). Every entry is validated first (unknown tag, read-only tag, wrong JS
// type, out of range after inverse scaling, two tags sharing a register); a single problem
// rejects the whole request and nothing is written. Valid requests are encoded with each tag's
// type, order and inverse scaling, and adjacent tags are merged into one FC15/FC16 request
// where possible (one value: FC5/FC6). A `bit:N` tag is a read-modify-write of its register
// (not atomic against other masters; devices rarely support FC22 mask writes).
//
// Requests go out in address order; after a failed request the rest are not sent, and the
// error names the tags written, failed and not attempted. Every tag of the request is recorded
// in the audit log with its old value (read from the device just before the write; the poller's
// last good value when that read fails), the value the device holds after encoding (the written
// registers decoded back: scale rounding, float32 precision, 1 -> true), the value requested and
// the outcome.
import type { AuditLog, AuditRecord } from '../audit/audit-log';
import type { TagValue } from '../tags/contract';
import { compileCodec, TagValueError, type TagCodec } from './codec';
import { whereText } from './errors';
import type { ModbusLine } from './line/types';
import type { TagDef } from './types';
import { textOf } from '../system/text/text-of';

/** FC16 carries at most 123 registers, FC15 at most 1968 coils. */
export const MAX_WRITE_REGISTERS = 123;
export const MAX_WRITE_BITS = 1968;

export interface WriteProblem {
  tag: string;
  reason: string;
}

/** Tag name -> value of one command (a Map: a tag named "__proto__" is data, not a prototype). */
export type TagValues = ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>;

function entriesOf(values: TagValues): Iterable<[string, unknown]> {
  return values instanceof Map ? values.entries() : Object.entries(values);
}

/** Problems named in full in an error message; the rest are counted. */
const PROBLEMS_SHOWN = 10;

/** The request was rejected before anything was written. */
export class WriteValidationError extends Error {
  constructor(readonly problems: WriteProblem[]) {
    super(
      problems.length === 1
        ? `nothing written: tag '${problems[0].tag}': ${problems[0].reason}`
        : `nothing written, ${problems.length} problems: ${problems
            .slice(0, PROBLEMS_SHOWN)
            .map((p) => `tag '${p.tag}': ${p.reason}`)
            .join('; ')}${problems.length > PROBLEMS_SHOWN ? `; and ${problems.length - PROBLEMS_SHOWN} more` : ''}`,
    );
    this.name = 'WriteValidationError';
  }
}

/** A write request failed on the wire. */
export class WriteError extends Error {
  constructor(
    readonly failed: string[],
    readonly written: string[],
    readonly notAttempted: string[],
    readonly where: string,
    override readonly cause: Error,
  ) {
    const parts = [`write of ${failed.map((t) => `'${t}'`).join(', ')} (${where}) failed: ${cause.message}`];
    if (written.length) parts.push(`already written: ${written.map((t) => `'${t}'`).join(', ')}`);
    if (notAttempted.length) parts.push(`not written: ${notAttempted.map((t) => `'${t}'`).join(', ')}`);
    super(parts.join('; '));
    this.name = 'WriteError';
  }
}

export interface TagWriterOptions {
  line: Pick<ModbusLine, 'read' | 'write'>;
  unit: number;
  device: string;
  tags: readonly TagDef[];
  audit?: AuditLog;
  /** the value a tag had before the write, for the audit (e.g. the poller's last good value) */
  oldValue?: (tag: string) => TagValue | undefined;
  maxRegisters?: number;
  maxBits?: number;
  /** read each block just before writing it, so the audit's `old` is what the device held (default true) */
  readBeforeWrite?: boolean;
}

interface EncodedEntry {
  tag: TagDef;
  codec: TagCodec;
  value: unknown;
  /** registers or bits; empty for bit:N tags (encoded after reading the register) */
  data: number[] | boolean[];
}

interface WriteBlock {
  area: 'coil' | 'holding';
  address: number;
  entries: EncodedEntry[];
  /** a read-modify-write of one register for bit:N tags */
  bits: boolean;
}

export interface WritePlan {
  blocks: WriteBlock[];
  entries: EncodedEntry[];
}

export interface WriteResult {
  tags: string[];
  /** every request on the line: the reads just before the writes (for the audit's `old`) and the writes */
  requests: number;
  /** the write requests alone (FC5/6/15/16): adjacent tags share one */
  writeRequests: number;
  audit: AuditRecord[];
  /** problems that did not stop the write (the audit file could not be appended to...) */
  warnings: string[];
}

/** What plan() accepts: access rw in a writable area. */
function writable(tag: TagDef): boolean {
  return tag.access === 'rw' && (tag.area === 'coil' || tag.area === 'holding');
}

export class TagWriter {
  /** every tag of the table; the codec only for those plan() encodes (rw in a writable area) */
  private readonly tags = new Map<string, { tag: TagDef; codec: TagCodec | undefined }>();
  private readonly maxRegisters: number;
  private readonly maxBits: number;
  private readonly readBeforeWrite: boolean;
  private turn: Promise<void> = Promise.resolve();

  constructor(private readonly opts: TagWriterOptions) {
    this.readBeforeWrite = opts.readBeforeWrite ?? true;
    for (const tag of opts.tags) {
      // every tag compiled, so a table with a type no codec reads fails here as it did; the codec
      // of a tag that cannot be written (most of a table, read-only) not kept: about 700 bytes a tag
      const codec = compileCodec(tag);
      this.tags.set(tag.name, { tag, codec: writable(tag) ? codec : undefined });
    }
    this.maxRegisters = Math.min(opts.maxRegisters ?? MAX_WRITE_REGISTERS, MAX_WRITE_REGISTERS);
    this.maxBits = Math.min(opts.maxBits ?? MAX_WRITE_BITS, MAX_WRITE_BITS);
  }

  /** The tags plan() accepts: access rw in a writable area, in the tag table's order. */
  writableTags(): Array<{ name: string; type: string; unit?: string }> {
    return [...this.tags.values()].filter(({ tag }) => writable(tag)).map(({ tag }) => ({ name: tag.name, type: tag.type, ...(tag.unit ? { unit: tag.unit } : {}) }));
  }

  /** The tag -> value map a message asks for; throws WriteValidationError when the shape is wrong. */
  requestFromMessage(msg: { topic?: unknown; payload?: unknown }): Map<string, unknown> {
    const p = msg.payload;
    if (p !== null && typeof p === 'object' && !Array.isArray(p) && !Buffer.isBuffer(p)) {
      const names = Object.keys(p);
      if (names.length === 0) throw new WriteValidationError([{ tag: '(payload)', reason: 'the payload object names no tag to write' }]);
      // a command cannot name more tags than the device has: refuse before looking at each
      if (names.length > this.tags.size)
        throw new WriteValidationError([{ tag: '(payload)', reason: `the payload object has ${names.length} keys; device '${this.opts.device}' has ${this.tags.size} tags` }]);
      return new Map(names.map((n) => [n, (p as Record<string, unknown>)[n]]));
    }
    let topic = typeof msg.topic === 'string' ? msg.topic.trim() : '';
    // a message from another tag node carries "<device>/<tag>"
    if (topic.startsWith(this.opts.device + '/') && !this.tags.has(topic)) topic = topic.slice(this.opts.device.length + 1);
    if (!topic) throw new WriteValidationError([{ tag: '(topic)', reason: 'set msg.topic to a tag name (with msg.payload the value), or send msg.payload = { tag: value, ... }' }]);
    return new Map([[topic, p]]);
  }

  /** Validates and encodes a whole request; throws WriteValidationError listing every problem. */
  plan(values: TagValues): WritePlan {
    const problems: WriteProblem[] = [];
    const entries: EncodedEntry[] = [];
    for (const [name, value] of entriesOf(values)) {
      const known = this.tags.get(name);
      if (!known) {
        problems.push({ tag: name, reason: `unknown tag on device '${this.opts.device}'` });
        continue;
      }
      const { tag, codec } = known;
      if (tag.access !== 'rw') {
        problems.push({ tag: name, reason: `read-only (access '${tag.access}' in the tag table)` });
        continue;
      }
      if (tag.area !== 'coil' && tag.area !== 'holding') {
        problems.push({ tag: name, reason: `${tag.area} area cannot be written` });
        continue;
      }
      try {
        // bit tags: check the value now, encode once the register has been read
        const c = codec!; // kept for every writable tag
        const data = c.shape.kind === 'bit' ? (c.encode(value, 0), []) : c.encode(value);
        entries.push({ tag, codec: c, value, data });
      } catch (err) {
        if (err instanceof TagValueError) problems.push({ tag: name, reason: err.reason });
        else throw err;
      }
    }
    problems.push(...overlaps(entries));
    if (problems.length) throw new WriteValidationError(problems);
    return { entries, blocks: this.group(entries) };
  }

  /**
   * Validates, then writes; audits every tag. Writes through one writer take turns, so the
   * read-before-write of one never interleaves with another's write (no stale `old`).
   */
  write(values: TagValues, actor: string): Promise<WriteResult> {
    let plan: WritePlan;
    try {
      plan = this.plan(values);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(textOf(err))); // plan() throws Errors: WriteValidationError, a codec's
    }
    const run = this.turn.then(() => this.writePlan(plan, actor));
    this.turn = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async writePlan(plan: WritePlan, actor: string): Promise<WriteResult> {
    const { line, unit } = this.opts;
    const written: EncodedEntry[] = [];
    const audit: AuditRecord[] = [];
    const warnings: string[] = [];
    let failure: WriteError | undefined;
    let requests = 0;
    let writeRequests = 0;
    // what each tag held just before its write (read on the same line, in the same turn), and
    // what it holds after: the written registers decoded back (21.55 -> 21.6 with scale 0.1)
    const before = new Map<EncodedEntry, { value: TagValue; source: 'read' | 'poll' }>();
    const after = new Map<EncodedEntry, TagValue>();
    for (let b = 0; b < plan.blocks.length; b++) {
      const block = plan.blocks[b];
      let where = '';
      try {
        if (block.bits) {
          where = whereText({ unit, area: 'holding', address: block.address, count: 1 });
          requests++;
          const [current] = (await line.read(unit, 'holding', block.address, 1)) as number[];
          let reg = current;
          for (const e of block.entries) {
            before.set(e, { value: e.codec.decode([current], 0), source: 'read' });
            reg = (e.codec.encode(e.value, reg) as number[])[0];
          }
          requests++;
          writeRequests++;
          await line.write(unit, 'holding', block.address, [reg]);
          for (const e of block.entries) after.set(e, e.codec.decode([reg], 0));
        } else {
          const data = block.entries.flatMap((e) => e.data as Array<number | boolean>);
          where = whereText({ unit, area: block.area, address: block.address, count: data.length });
          if (this.readBeforeWrite) {
            requests++;
            try {
              const current = await line.read(unit, block.area, block.address, data.length);
              for (const e of block.entries) before.set(e, { value: e.codec.decode(current, e.tag.address - block.address), source: 'read' });
            } catch {
              // a write-only register (or a device refusing reads there): the poller's value stands in
            }
          }
          requests++;
          writeRequests++;
          await line.write(unit, block.area, block.address, data as number[] | boolean[]);
          for (const e of block.entries) after.set(e, e.codec.decode(e.data, 0));
        }
        written.push(...block.entries);
      } catch (err) {
        const rest = plan.blocks.slice(b + 1).flatMap((x) => x.entries.map((e) => e.tag.name));
        failure = new WriteError(
          block.entries.map((e) => e.tag.name),
          written.map((e) => e.tag.name),
          rest,
          where,
          err as Error,
        );
        break;
      }
    }
    const ok = new Set(written);
    for (const e of plan.entries) {
      const read = before.get(e);
      const rec: Omit<AuditRecord, 'ts'> = {
        actor,
        device: this.opts.device,
        tag: e.tag.name,
        old: read ? read.value : (this.opts.oldValue?.(e.tag.name) ?? null),
        oldSource: read ? read.source : 'poll',
        new: after.has(e) ? after.get(e) : e.value,
        requested: e.value,
        ok: ok.has(e),
        outcome: ok.has(e) ? 'written' : 'failed',
        ...(ok.has(e) ? {} : { error: failure?.message ?? 'not written' }),
      };
      if (!this.opts.audit) {
        audit.push({ ts: Date.now(), ...rec });
        continue;
      }
      try {
        audit.push(this.opts.audit.record(rec));
      } catch (err) {
        warnings.push((err as Error).message);
        audit.push({ ts: Date.now(), ...rec });
      }
    }
    if (failure) throw Object.assign(failure, { audit, warnings });
    return { tags: plan.entries.map((e) => e.tag.name), requests, writeRequests, audit, warnings };
  }

  private group(entries: EncodedEntry[]): WriteBlock[] {
    const blocks: WriteBlock[] = [];
    const bitRegs = new Map<number, WriteBlock>();
    const plain = entries.filter((e) => {
      if (e.codec.shape.kind !== 'bit') return true;
      let b = bitRegs.get(e.tag.address);
      if (!b) bitRegs.set(e.tag.address, (b = { area: 'holding', address: e.tag.address, entries: [], bits: true }));
      b.entries.push(e);
      return false;
    });
    plain.sort((a, b) => (a.tag.area === b.tag.area ? a.tag.address - b.tag.address : a.tag.area < b.tag.area ? -1 : 1));
    let cur: WriteBlock | undefined;
    let next = -1;
    let size = 0;
    for (const e of plain) {
      const area = e.tag.area as 'coil' | 'holding';
      const limit = area === 'coil' ? this.maxBits : this.maxRegisters;
      if (cur && cur.area === area && e.tag.address === next && size + e.data.length <= limit) {
        cur.entries.push(e);
      } else {
        cur = { area, address: e.tag.address, entries: [e], bits: false };
        blocks.push(cur);
        size = 0;
      }
      size += e.data.length;
      next = e.tag.address + e.data.length;
    }
    blocks.push(...[...bitRegs.values()].sort((a, b) => a.address - b.address));
    return blocks.sort((a, b) => (a.area === b.area ? a.address - b.address : a.area < b.area ? -1 : 1));
  }
}

/** Two tags of one request that would write the same register (or coil). */
function overlaps(entries: EncodedEntry[]): WriteProblem[] {
  const problems: WriteProblem[] = [];
  const sorted = [...entries].sort((a, b) => (a.tag.area === b.tag.area ? a.tag.address - b.tag.address : a.tag.area < b.tag.area ? -1 : 1));
  let a: EncodedEntry | undefined; // the entry reaching furthest so far in this area
  for (const b of sorted) {
    if (!a || a.tag.area !== b.tag.area) {
      a = b;
      continue;
    }
    // bits of one register may be written together; anything else sharing a register may not
    if (a.codec.shape.kind === 'bit' && b.codec.shape.kind === 'bit') continue;
    if (b.tag.address < a.tag.address + a.codec.width) {
      problems.push({ tag: b.tag.name, reason: `shares ${a.tag.area} ${b.tag.address} with tag '${a.tag.name}' in the same request` });
    }
    if (b.tag.address + b.codec.width > a.tag.address + a.codec.width) a = b;
  }
  return problems;
}
