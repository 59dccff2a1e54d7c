// GET /audit's filter, in one place: today it reads the process's audit log ring (the latest
// records in memory); a file-backed query over the rotated trail replaces auditRecords() alone.
import { sharedAuditLog, type AuditKind, type AuditRecord } from '../audit/audit-log';
import { HistorianQueryError, timeOf } from '../historian/query';
import { ApiError } from './errors';

export interface AuditQuery {
  /** epoch ms, inclusive */
  from: number;
  /** epoch ms, inclusive */
  to: number;
  kind?: AuditKind;
}

/** The query's text fields as an AuditQuery; an unreadable time is a 400 naming the field. */
export function parseAuditQuery(q: Record<string, unknown>, now: number): AuditQuery {
  try {
    const to = timeOf(q.to, 'query.to', now);
    const from = timeOf(q.from, 'query.from', 0);
    if (from > to) throw new HistorianQueryError('query.from', `must not be after query.to (${from} > ${to})`);
    return { from, to, kind: q.kind as AuditKind | undefined };
  } catch (err) {
    if (err instanceof HistorianQueryError) throw new ApiError(400, err.message, err.field);
    throw err;
  }
}

/** The records in the range, oldest first; a record without a kind is a write. */
export function auditRecords(q: AuditQuery): AuditRecord[] {
  return sharedAuditLog()
    .recent()
    .filter((r) => r.ts >= q.from && r.ts <= q.to && (q.kind === undefined || (r.kind ?? 'write') === q.kind));
}
