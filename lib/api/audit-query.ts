// GET /audit's filter, in one place: the audit trail's query (lib/audit/query.ts) over the log's
// file and its rotated files, and the records kept in memory whose file append failed.
import type { AuditKind, AuditRecord } from '../audit/audit-log';
import { AUDIT_QUERY_DEFAULT_LIMIT, AuditQueryError, queryAudit } from '../audit/query';
import { HistorianQueryError, timeOf } from '../historian/query';
import { ApiError } from './errors';

export interface AuditQuery {
  /** epoch ms, inclusive */
  from: number;
  /** epoch ms, inclusive */
  to: number;
  kind?: AuditKind;
  /** at most this many records, the latest of the range */
  limit: number;
}

/** The query's text fields as an AuditQuery; an unreadable time is a 400 naming the field. */
export function parseAuditQuery(q: Record<string, unknown>, now: number): AuditQuery {
  try {
    const to = timeOf(q.to, 'query.to', now);
    const from = timeOf(q.from, 'query.from', 0);
    if (from > to) throw new HistorianQueryError('query.from', `must not be after query.to (${from} > ${to})`);
    return { from, to, kind: q.kind as AuditKind | undefined, limit: typeof q.limit === 'number' ? q.limit : AUDIT_QUERY_DEFAULT_LIMIT };
  } catch (err) {
    if (err instanceof HistorianQueryError) throw new ApiError(400, err.message, err.field);
    throw err;
  }
}

/** The records in the range, oldest first; a record without a kind is a write. */
export async function auditRecords(q: AuditQuery): Promise<AuditRecord[]> {
  try {
    return (await queryAudit({ from: q.from, to: q.to, kind: q.kind, limit: q.limit })).records;
  } catch (err) {
    if (err instanceof AuditQueryError) throw new ApiError(400, `query.${err.field}: ${err.reason}`, `query.${err.field}`);
    throw err;
  }
}
