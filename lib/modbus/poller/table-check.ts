// The tag table as the modbus-device editor checks and converts it, by the same code a deploy
// runs (so the editor never disagrees with the runtime): its errors, the requests one scan takes
// with the planner's limits, and the table in another format or address notation.
import { packBlocks, planItem, PlannerError } from './planner';
import { NOTATIONS, readTagTable, serializeTagTableCsv, serializeTagTableJson, type AddressNotation } from '../tag-table';
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

export interface TagTableProblem {
  line?: number;
  entry?: number;
  tag?: string;
  field?: string;
  message: string;
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

export function checkTagTable(req: TagTableCheckRequest): TagTableCheck {
  const notation = notationOf(req.notation);
  const groups = Array.isArray(req.groups) ? req.groups.filter((x): x is string => typeof x === 'string') : undefined;
  const r = readTagTable(req.text, { notation, groups });
  const errors: TagTableProblem[] = r.errors.map((e) => ({ line: e.line, entry: e.entry, tag: e.tag, field: e.field, message: e.message }));
  let perScan: number | undefined;
  if (!errors.length) {
    try {
      perScan = requestsPerScan(r.tags, Number(req.maxGap ?? 10) || 0, Number(req.maxRegisters ?? 125) || 125);
    } catch (err) {
      if (!(err instanceof PlannerError || err instanceof RangeError)) throw err;
      errors.push({ line: undefined, entry: undefined, tag: err instanceof PlannerError ? err.tag : undefined, field: 'type', message: err.message });
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
