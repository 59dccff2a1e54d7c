// Alarm rules, and the rule table they come from: CSV (`tag,type,limit,deadband,on_delay,
// off_delay,severity,message[,cooldown]`, header optional) or a JSON array of objects with those
// keys. Validated at deploy: every error names the line (and, for JSON, the item) and the field.
import { textOf } from '../system/text/text-of';
import { CsvSyntaxError, readCsv, type CsvRecord } from '../system/text/csv';

const RULE_TYPES = ['hi', 'hihi', 'lo', 'lolo', 'roc', 'eq', 'neq', 'bad', 'stale'] as const;
export type RuleType = (typeof RULE_TYPES)[number];
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
const TABLE_COLUMNS = ['tag', 'type', 'limit', 'deadband', 'on_delay', 'off_delay', 'severity', 'message', 'cooldown'] as const;

export interface AlarmRule {
  /** "<tag>:<type>", unique in a table; the id of the alarm this rule raises */
  id: string;
  /** "<device>/<name>", or "<name>" for that name on any device */
  tag: string;
  type: RuleType;
  /** hi/hihi/lo/lolo: the limit; roc: units per second; stale: seconds without a sample; eq/neq: the state */
  limit: number | string | boolean | undefined;
  deadband: number;
  onDelayMs: number;
  offDelayMs: number;
  severity: Severity;
  message: string;
  cooldownMs: number;
  /** where the rule came from, for messages: "line 3" */
  where: string;
}

export class RuleTableError extends Error {
  constructor(
    readonly line: number,
    readonly field: string,
    message: string,
    readonly item?: number,
  ) {
    super(`line ${line}${item !== undefined ? ` (rule ${item})` : ''}, field ${field}: ${message}`);
    this.name = 'RuleTableError';
  }
}

type RawRule = Partial<Record<(typeof TABLE_COLUMNS)[number], unknown>>;

/** Parses and validates a rule table; `defaultCooldownMs` applies where the row has none. */
export function parseRuleTable(text: string, defaultCooldownMs = 0): AlarmRule[] {
  const trimmed = text.trim();
  if (!trimmed) throw new RuleTableError(1, 'tag', 'the rule table is empty');
  const raws = trimmed.startsWith('[') ? jsonRows(text) : csvRows(text);
  const rules: AlarmRule[] = [];
  const ids = new Map<string, number>();
  for (const { raw, line, item } of raws) {
    const rule = validateRule(raw, line, item, defaultCooldownMs);
    const prev = ids.get(rule.id);
    if (prev !== undefined) throw new RuleTableError(line, 'type', `a second ${rule.type} rule for tag "${rule.tag}" (the first is on line ${prev})`, item);
    ids.set(rule.id, line);
    rules.push(rule);
  }
  return rules;
}

function csvRows(text: string): Array<{ raw: RawRule; line: number; item?: number }> {
  const out: Array<{ raw: RawRule; line: number }> = [];
  for (const { line, fields: cells } of csvRecords(text)) {
    if (cells[0].trim().startsWith('#')) continue;
    if (cells[0].trim().toLowerCase() === 'tag' && (cells[1] ?? '').trim().toLowerCase() === 'type') continue; // header
    if (cells.length > TABLE_COLUMNS.length)
      throw new RuleTableError(line, TABLE_COLUMNS[TABLE_COLUMNS.length - 1], `${cells.length} columns, at most ${TABLE_COLUMNS.length} (${TABLE_COLUMNS.join(',')})`);
    const raw: RawRule = {};
    TABLE_COLUMNS.forEach((c, k) => {
      if (k < cells.length && cells[k].trim() !== '') raw[c] = cells[k].trim();
    });
    out.push({ raw, line });
  }
  if (out.length === 0) throw new RuleTableError(1, 'tag', 'the rule table has no rules');
  return out;
}

/** The table's CSV records; a syntax error names the rule column it happened in. */
function csvRecords(text: string): CsvRecord[] {
  try {
    return readCsv(text);
  } catch (err) {
    if (!(err instanceof CsvSyntaxError)) throw err;
    const column = TABLE_COLUMNS[Math.min(err.field, TABLE_COLUMNS.length - 1)];
    throw new RuleTableError(err.line, column, err.problem === 'unterminated-quote' ? 'a quoted cell is not closed' : `column ${err.column}: ${err.reason}`);
  }
}

/** The line each top-level array item starts on, found by a small scan (JSON.parse gives none). */
function itemLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n') line++;
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      if (depth === 1) lines.push(line);
      inString = true;
    } else if (ch === '{' || ch === '[') {
      if (depth === 1) lines.push(line);
      depth++;
    } else if (ch === '}' || ch === ']') depth--;
  }
  return lines;
}

function jsonRows(text: string): Array<{ raw: RawRule; line: number; item: number }> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const m = /position (\d+)/.exec((err as Error).message);
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : 1;
    throw new RuleTableError(line, 'json', `not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(data) || data.length === 0) throw new RuleTableError(1, 'json', 'a JSON rule table is a non-empty array of rule objects');
  const lines = itemLines(text);
  return data.map((item, k) => {
    const line = lines[k] ?? 1;
    if (!item || typeof item !== 'object' || Array.isArray(item)) throw new RuleTableError(line, 'json', 'each rule is an object { tag, type, limit, ... }', k + 1);
    const raw: RawRule = {};
    for (const [key, v] of Object.entries(item as Record<string, unknown>)) {
      const col = key.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase() as (typeof TABLE_COLUMNS)[number];
      if (!(TABLE_COLUMNS as readonly string[]).includes(col)) throw new RuleTableError(line, key, `unknown field; the fields are ${TABLE_COLUMNS.join(', ')}`, k + 1);
      if (v !== null && v !== '') raw[col] = v;
    }
    return { raw, line, item: k + 1 };
  });
}

function num(raw: RawRule, field: (typeof TABLE_COLUMNS)[number], line: number, item: number | undefined, min: number, fallback?: number): number {
  const v = raw[field];
  if (v === undefined) {
    if (fallback !== undefined) return fallback;
    throw new RuleTableError(line, field, 'missing', item);
  }
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new RuleTableError(line, field, `${JSON.stringify(v)} is not a number`, item);
  if (n < min) throw new RuleTableError(line, field, `${n} is less than ${min}`, item);
  return n;
}

function stateValue(v: unknown): number | string | boolean {
  if (typeof v !== 'string') return v as number | boolean;
  const s = v.trim();
  if (s === 'true' || s === 'false') return s === 'true';
  if (s !== '' && Number.isFinite(Number(s))) return Number(s);
  return s;
}

function validateRule(raw: RawRule, line: number, item: number | undefined, defaultCooldownMs: number): AlarmRule {
  const tag = typeof raw.tag === 'string' ? raw.tag.trim() : '';
  if (!tag) throw new RuleTableError(line, 'tag', 'missing', item);
  const type = textOf(raw.type ?? '')
    .trim()
    .toLowerCase() as RuleType;
  if (!raw.type) throw new RuleTableError(line, 'type', `missing; one of ${RULE_TYPES.join(', ')}`, item);
  if (!RULE_TYPES.includes(type)) throw new RuleTableError(line, 'type', `"${textOf(raw.type)}" is not one of ${RULE_TYPES.join(', ')}`, item);
  let limit: AlarmRule['limit'];
  if (type === 'eq' || type === 'neq') {
    if (raw.limit === undefined) throw new RuleTableError(line, 'limit', `missing: the state ${type} compares with`, item);
    limit = stateValue(raw.limit);
    if (typeof limit !== 'number' && typeof limit !== 'string' && typeof limit !== 'boolean')
      throw new RuleTableError(line, 'limit', `${JSON.stringify(raw.limit)} is not a number, string or boolean`, item);
  } else if (type === 'bad') {
    limit = undefined;
  } else if (type === 'stale') {
    limit = num(raw, 'limit', line, item, 0.001);
  } else {
    limit = num(raw, 'limit', line, item, type === 'roc' ? 0 : -Infinity);
  }
  const severityText = textOf(raw.severity ?? 'medium')
    .trim()
    .toLowerCase() as Severity;
  if (!SEVERITIES.includes(severityText)) throw new RuleTableError(line, 'severity', `"${textOf(raw.severity)}" is not one of ${SEVERITIES.join(', ')}`, item);
  const deadband = num(raw, 'deadband', line, item, 0, 0);
  if (deadband > 0 && (type === 'eq' || type === 'neq' || type === 'bad' || type === 'stale')) throw new RuleTableError(line, 'deadband', `a ${type} rule has no deadband`, item);
  const id = `${tag}:${type}`;
  return {
    id,
    tag,
    type,
    limit,
    deadband,
    onDelayMs: Math.round(num(raw, 'on_delay', line, item, 0, 0) * 1000),
    offDelayMs: Math.round(num(raw, 'off_delay', line, item, 0, 0) * 1000),
    severity: severityText,
    message: raw.message === undefined ? '' : textOf(raw.message),
    cooldownMs: raw.cooldown === undefined ? defaultCooldownMs : Math.round(num(raw, 'cooldown', line, item, 0) * 1000),
    where: `line ${line}`,
  };
}
