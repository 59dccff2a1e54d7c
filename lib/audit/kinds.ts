// The audit record kinds as a list (for queries, the audit-in node and its editor, which runs in
// the browser: nothing here may load a Node module, not even audit-log.ts for its types; query.ts
// checks that this list is audit-log's AuditKind).
export const AUDIT_KINDS = ['write', 'alarm-ack', 'deploy', 'login', 'auth-failed', 'api-key', 'device'] as const;

export type AuditKindName = (typeof AUDIT_KINDS)[number];

/** A record without a kind is a write (every record before alarms were audited was one). */
export function kindOf<K extends string>(record: { kind?: K }): K | 'write' {
  return record.kind ?? 'write';
}
