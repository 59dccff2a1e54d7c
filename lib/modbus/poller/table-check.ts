// The tag table as the modbus-device editor checks and converts it, by the same code a deploy
// runs (so the editor never disagrees with the runtime): its errors, the requests one scan takes
// with the planner's limits, and the table in another format or address notation.
import { packBlocks, planItem, PlannerError } from './planner';
import { NOTATIONS, readTagTable, serializeTagTableCsv, serializeTagTableJson, type AddressNotation, type TagTableErrorCode } from '../tag-table';
import type { TagDef } from '../types';

/** An address notation from a request; anything else reads as zero-based. */
export function notationOf(v: unknown): AddressNotation {
  return typeof v === 'string' && (NOTATIONS as readonly string[]).includes(v) ? (v as AddressNotation) : 'zero';
}

export interface TagTableCheckRequest {
  /** the tag table, CSV or JSON */
  text: string;
  notation?: unknown;
  groups?: unknown;
  /** convert to this format when the table has no errors */
  to?: unknown;
  toNotation?: unknown;
  maxGap?: unknown;
  maxRegisters?: unknown;
}

/**
 * What the check finds beyond the table's own rules: a tag wider than one request may read
 * (tooWideForRequest), a request limit the planner refuses (requestLimit, or requestLimits with
 * the planner's reason when it words it otherwise). The editor says them through
 * modbus-device.tableCheck.<code>; the table's own errors keep their code (modbus-device.tagTable.<code>).
 */
export type TablePlanCode = 'tooWideForRequest' | 'requestLimit' | 'requestLimits';

export interface TagTableProblem {
  line?: number;
  entry?: number;
  tag?: string;
  field?: string;
  /** the English text, with the place for the table's own errors */
  message: string;
  /** the English text without the place */
  reason: string;
  /** what the editor translates, with `args` */
  code: TagTableErrorCode | TablePlanCode;
  args: Readonly<Record<string, string | number>>;
}

export interface TagTableCheck {
  errors: TagTableProblem[];
  count: number;
  requestsPerScan?: number;
  csv?: string;
  json?: string;
}

/** Requests one scan of every poll group takes. Throws PlannerError (or RangeError) for a tag no request can hold. */
function requestsPerScan(tags: readonly TagDef[], maxGap: number, maxRegisters: number): number {
  const byGroup = new Map<string, TagDef[]>();
  for (const t of tags) {
    const k = t.group ?? '';
    byGroup.set(k, [...(byGroup.get(k) ?? []), t]);
  }
  let n = 0;
  for (const list of byGroup.values()) n += packBlocks(list.map(planItem), { maxGap, maxRegisters }).length;
  return n;
}

/** The code and arguments of what the planner refused (its RangeError says "<option> must be <range>, got <value>"). */
function planProblem(err: PlannerError | RangeError): Pick<TagTableProblem, 'tag' | 'code' | 'args'> {
  if (err instanceof PlannerError) return { tag: err.tag, code: 'tooWideForRequest', args: { tag: err.tag, width: err.width, limit: err.limit } };
  const m = /^(\w+) must be (.+), got (.*)$/.exec(err.message);
  if (m) return { tag: undefined, code: 'requestLimit', args: { option: m[1], range: m[2], value: m[3] } };
  return { tag: undefined, code: 'requestLimits', args: { reason: err.message } };
}

export function checkTagTable(req: TagTableCheckRequest): TagTableCheck {
  const notation = notationOf(req.notation);
  const groups = Array.isArray(req.groups) ? req.groups.filter((x): x is string => typeof x === 'string') : undefined;
  const r = readTagTable(req.text, { notation, groups });
  const errors: TagTableProblem[] = r.errors.map((e) => ({ line: e.line, entry: e.entry, tag: e.tag, field: e.field, message: e.message, reason: e.reason, code: e.code, args: e.args }));
  let perScan: number | undefined;
  if (!errors.length) {
    try {
      perScan = requestsPerScan(r.tags, Number(req.maxGap ?? 10) || 0, Number(req.maxRegisters ?? 125) || 125);
    } catch (err) {
      if (!(err instanceof PlannerError || err instanceof RangeError)) throw err;
      errors.push({ line: undefined, entry: undefined, field: 'type', message: err.message, reason: err.message, ...planProblem(err) });
    }
  }
  const out: TagTableCheck = { errors, count: r.tags.length, requestsPerScan: perScan };
  if (!errors.length) {
    const toNotation = req.toNotation === undefined ? notation : notationOf(req.toNotation);
    if (req.to === 'csv') out.csv = serializeTagTableCsv(r.tags, { notation: toNotation });
    if (req.to === 'json') out.json = serializeTagTableJson(r.tags, { notation: toNotation });
  }
  return out;
}
