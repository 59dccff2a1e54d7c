// A history query as msg.query gives it, checked field by field (an error names the field), and
// its answer as rows or CSV text.
import { csvRow } from '../system/text/csv';
import type { Quality, TagValue } from '../tags/contract';

export const AGGREGATES = ['min', 'max', 'avg', 'last', 'count'] as const;
export type Aggregate = (typeof AGGREGATES)[number];
export const QUERY_FORMATS = ['json', 'csv'] as const;
export type QueryFormat = (typeof QUERY_FORMATS)[number];

/** Raw rows one query may return at most (a step keeps answers small; raw ranges are capped). */
export const MAX_QUERY_ROWS = 1_000_000;
const DEFAULT_RANGE_MS = 3_600_000;

export interface HistorianQuery {
  /** "device/name" of each tag */
  tags: string[];
  /** epoch ms, inclusive */
  from: number;
  /** epoch ms, exclusive */
  to: number;
  /** downsampling step in ms; absent: the stored samples */
  step?: number;
  agg: Aggregate;
  format: QueryFormat;
  limit: number;
}

/** One answer row: a stored sample, or one step of one tag (ts its start, count its samples). */
export interface HistorianRow {
  tag: string;
  ts: number;
  value: TagValue;
  quality: Quality;
  count?: number;
}

export class HistorianQueryError extends Error {
  constructor(
    /** the query field at fault, e.g. "query.from" */
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'HistorianQueryError';
  }
}

/** A time field: epoch ms, a Date or an ISO date text. */
export function timeOf(raw: unknown, field: string, fallback: number): number {
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
  if (raw instanceof Date && Number.isFinite(raw.getTime())) return raw.getTime();
  if (typeof raw === 'string') {
    const n = /^\s*-?\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : Date.parse(raw);
    if (Number.isFinite(n)) return n;
  }
  throw new HistorianQueryError(field, `must be epoch ms or an ISO date, got ${JSON.stringify(raw)}`);
}

/** The tag field: "device/name" or a list of them. */
export function tagsOf(raw: unknown, field: string): string[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) throw new HistorianQueryError(field, 'must name at least one tag');
  return list.map((t, i) => {
    if (typeof t !== 'string' || t.lastIndexOf('/') <= 0 || t.endsWith('/')) {
      throw new HistorianQueryError(Array.isArray(raw) ? `${field}[${i}]` : field, `must be "device/name", got ${JSON.stringify(t)}`);
    }
    return t;
  });
}

function oneOf<T extends string>(raw: unknown, values: readonly T[], field: string, fallback: T): T {
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (typeof raw === 'string' && (values as readonly string[]).includes(raw)) return raw as T;
  throw new HistorianQueryError(field, `must be one of ${values.join(', ')}, got ${JSON.stringify(raw)}`);
}

/** msg.query as a HistorianQuery; throws HistorianQueryError naming the field. */
export function parseQuery(raw: unknown, now: number): HistorianQuery {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new HistorianQueryError('query', 'must be an object { tag, from, to, step, agg, format }');
  const q = raw as Record<string, unknown>;
  const tags = tagsOf(q.tag ?? q.tags, 'query.tag');
  const to = timeOf(q.to, 'query.to', now);
  const from = timeOf(q.from, 'query.from', to - DEFAULT_RANGE_MS);
  if (from >= to) throw new HistorianQueryError('query.from', `must be before query.to (${from} >= ${to})`);
  let step: number | undefined;
  if (q.step !== undefined && q.step !== null && q.step !== '' && q.step !== 0) {
    step = typeof q.step === 'string' ? Number(q.step) : (q.step as number);
    if (typeof step !== 'number' || !Number.isInteger(step) || step < 1) throw new HistorianQueryError('query.step', `must be a whole number of ms >= 1, got ${JSON.stringify(q.step)}`);
    if ((to - from) / step > MAX_QUERY_ROWS) throw new HistorianQueryError('query.step', `gives more than ${MAX_QUERY_ROWS} steps over the range`);
  }
  const agg = oneOf(q.agg, AGGREGATES, 'query.agg', step ? 'avg' : 'last');
  const format = oneOf(q.format, QUERY_FORMATS, 'query.format', 'json');
  let limit = MAX_QUERY_ROWS;
  if (q.limit !== undefined) {
    if (typeof q.limit !== 'number' || !Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_QUERY_ROWS) {
      throw new HistorianQueryError('query.limit', `must be a whole number within 1..${MAX_QUERY_ROWS}, got ${JSON.stringify(q.limit)}`);
    }
    limit = q.limit;
  }
  return { tags, from: Math.floor(from), to: Math.ceil(to), step, agg, format, limit };
}

function valueText(v: TagValue): string {
  if (v === null) return '';
  if (Buffer.isBuffer(v)) return v.toString('hex');
  return String(v);
}

/** Rows as CSV: a header, then tag, ts (epoch ms), time (ISO), value, quality, count. */
export function rowsToCsv(rows: readonly HistorianRow[]): string {
  const lines = [csvRow(['tag', 'ts', 'time', 'value', 'quality', 'count'])];
  for (const r of rows) lines.push(csvRow([r.tag, String(r.ts), new Date(r.ts).toISOString(), valueText(r.value), r.quality, r.count === undefined ? '' : String(r.count)]));
  return lines.join('\n') + '\n';
}
