// Queued messages as rows of the forwarding table, and the SQL that writes them. One row per tag
// sample (a scan of 100 tags is 100 rows, `part` = the sample's index in the message), one row
// per message without samples (its payload as jsonb). (queue, seq, part) is unique, so a batch
// sent again after a crash or a lost COMMIT answer inserts nothing twice.
import type { QueuedMessage } from './destination';
import { DestinationConfigError } from './errors';

export interface TableName {
  schema?: string;
  name: string;
}

/** The column arrays of a multi-row insert (unnest of one array per column). */
export interface RowColumns {
  tsMs: number[];
  device: (string | null)[];
  tag: (string | null)[];
  value: (number | null)[];
  valueText: (string | null)[];
  quality: (string | null)[];
  seq: number[];
  msgId: string[];
  queue: string[];
  part: number[];
  payload: (string | null)[];
}

/** A message that cannot become rows; names the sample and field. */
export class RowMappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RowMappingError';
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

/** Validates "table" or "schema.table" (plain identifiers, at most 63 characters each). */
export function parseTableName(value: unknown): TableName {
  if (typeof value !== 'string' || value.trim() === '') throw new DestinationConfigError('postgres', 'table', 'is required (e.g. "readings" or "telemetry.readings")');
  const parts = value.trim().split('.');
  if (parts.length > 2) throw new DestinationConfigError('postgres', 'table', `"${value}" has more than one dot (use table or schema.table)`);
  for (const part of parts) {
    if (!IDENTIFIER.test(part)) {
      throw new DestinationConfigError('postgres', 'table', `"${part}" in "${value}" is not a plain identifier (letters, digits, _ and $, starting with a letter or _, at most 63 characters)`);
    }
  }
  return parts.length === 2 ? { schema: parts[0], name: parts[1] } : { name: parts[0] };
}

/** The table name quoted for SQL (quoted identifiers keep their case). */
export function quotedTable(t: TableName): string {
  return t.schema ? `"${t.schema}"."${t.name}"` : `"${t.name}"`;
}

export function tableDisplay(t: TableName): string {
  return t.schema ? `${t.schema}.${t.name}` : t.name;
}

export function createTableSql(t: TableName): string[] {
  const statements: string[] = [];
  if (t.schema) statements.push(`CREATE SCHEMA IF NOT EXISTS "${t.schema}"`);
  statements.push(`CREATE TABLE IF NOT EXISTS ${quotedTable(t)} (
  ts timestamptz NOT NULL,
  device text,
  tag text,
  value double precision,
  value_text text,
  quality text,
  seq bigint NOT NULL,
  part integer NOT NULL DEFAULT 0,
  msg_id uuid NOT NULL,
  queue text NOT NULL,
  payload jsonb,
  UNIQUE (queue, seq, part)
)`);
  return statements;
}

/**
 * One INSERT for any number of rows: 11 array parameters, unnest()ed, so the statement text and
 * parameter count do not grow with the batch. ON CONFLICT DO NOTHING makes a re-send harmless.
 */
export function insertSql(t: TableName): string {
  return `INSERT INTO ${quotedTable(t)} (ts, device, tag, value, value_text, quality, seq, msg_id, queue, part, payload)
SELECT to_timestamp(r.t / 1000.0), r.d, r.g, r.v, r.vt, r.q, r.s, r.id, r.qu, r.pa, r.pl::jsonb
FROM unnest($1::float8[], $2::text[], $3::text[], $4::float8[], $5::text[], $6::text[], $7::int8[], $8::uuid[], $9::text[], $10::int4[], $11::text[])
  AS r(t, d, g, v, vt, q, s, id, qu, pa, pl)
ON CONFLICT DO NOTHING`;
}

export function emptyColumns(): RowColumns {
  return { tsMs: [], device: [], tag: [], value: [], valueText: [], quality: [], seq: [], msgId: [], queue: [], part: [], payload: [] };
}

export function columnParams(c: RowColumns): unknown[] {
  return [c.tsMs, c.device, c.tag, c.value, c.valueText, c.quality, c.seq, c.msgId, c.queue, c.part, c.payload];
}

function bufferHex(v: unknown): string | undefined {
  if (Buffer.isBuffer(v)) return v.toString('hex');
  if (typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
    return Buffer.from((v as { data: number[] }).data).toString('hex');
  }
  return undefined;
}

/** value (double precision) and value_text of a tag value. */
function valueColumns(v: unknown): [number | null, string | null] {
  if (typeof v === 'number') return [v, null];
  if (typeof v === 'boolean') return [v ? 1 : 0, String(v)];
  if (typeof v === 'string') return [null, v];
  if (typeof v === 'bigint') return [Number(v), v.toString()];
  if (v === null || v === undefined) return [null, null];
  return [null, bufferHex(v) ?? JSON.stringify(v)];
}

/** Appends a message's rows to `c`; throws RowMappingError (nothing appended) when it cannot. */
export function appendMessageRows(c: RowColumns, m: QueuedMessage): number {
  const { tags, tag } = m.msg;
  const samples: unknown[] | undefined = Array.isArray(tags) ? tags : tag !== undefined && tag !== null ? [tag] : undefined;
  if (samples === undefined) {
    const topic = m.msg.topic;
    const payload = m.msg.payload === undefined ? null : JSON.stringify(m.msg.payload);
    pushRow(c, m, 0, m.enqueuedAt, typeof topic === 'string' ? topic : null, null, [null, null], null, payload ?? null);
    return 1;
  }
  // Validate every sample before appending any, so a bad message leaves no partial rows behind.
  const checked = samples.map((s, i) => {
    const where = `seq ${m.seq} ${Array.isArray(tags) ? `tags[${i}]` : 'tag'}`;
    if (typeof s !== 'object' || s === null) throw new RowMappingError(`${where}: not a tag sample object`);
    const sample = s as Record<string, unknown>;
    if (typeof sample.device !== 'string') throw new RowMappingError(`${where}: device must be a string`);
    if (typeof sample.name !== 'string') throw new RowMappingError(`${where} (device ${sample.device}): name must be a string`);
    if (typeof sample.ts !== 'number' || !Number.isFinite(sample.ts))
      throw new RowMappingError(`${where} (tag ${sample.device}/${sample.name}): ts ${JSON.stringify(sample.ts)} is not epoch milliseconds`);
    return sample;
  });
  checked.forEach((s, i) => {
    const extra: Record<string, unknown> = {};
    for (const key of ['unit', 'source', 'error'] as const) if (s[key] !== undefined) extra[key] = s[key];
    pushRow(
      c,
      m,
      i,
      s.ts as number,
      s.device as string,
      s.name as string,
      valueColumns(s.value),
      typeof s.quality === 'string' ? s.quality : null,
      Object.keys(extra).length > 0 ? JSON.stringify(extra) : null,
    );
  });
  return checked.length;
}

function pushRow(
  c: RowColumns,
  m: QueuedMessage,
  part: number,
  tsMs: number,
  device: string | null,
  tag: string | null,
  [value, valueText]: [number | null, string | null],
  quality: string | null,
  payload: string | null,
): void {
  c.tsMs.push(tsMs);
  c.device.push(device);
  c.tag.push(tag);
  c.value.push(value);
  c.valueText.push(valueText);
  c.quality.push(quality);
  c.seq.push(m.seq);
  c.msgId.push(m.id);
  c.queue.push(m.queue);
  c.part.push(part);
  c.payload.push(payload);
}
