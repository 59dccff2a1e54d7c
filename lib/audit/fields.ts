// The audit-in node's fields: read at deploy (nodes/audit-in) and checked in the editor.
import type { FieldSchema } from '../config/fields';
import { AUDIT_KINDS } from './kinds';

export const AUDIT_IN_FIELDS = {
  fields: {
    // blank: every record
    kind: { kind: 'enum', values: ['', ...AUDIT_KINDS], default: '', rule: `blank (every record) or one of ${AUDIT_KINDS.join(', ')}` },
  },
} as const satisfies FieldSchema;
