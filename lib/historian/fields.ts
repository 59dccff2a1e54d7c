// The historian node's fields: read at deploy (config.ts) and checked in the editor.
import type { FieldSchema } from '../config/fields';

export const HISTORIAN_FIELDS = {
  fields: {
    dbFile: { kind: 'string', default: 'edge-gateway-history.db' },
    // the default: a week of every tag
    retentionDays: { kind: 'number', above: 0, max: 3650, default: 7, unit: 'd' },
    batchSize: { kind: 'integer', min: 1, max: 100_000, default: 20_000 },
    batchMs: { kind: 'integer', min: 10, max: 60_000, default: 1000, unit: 'ms' },
    // 0 = off; both 0 stores every sample
    deadbandAbs: { kind: 'number', min: 0, default: 0 },
    deadbandPct: { kind: 'number', min: 0, max: 100, default: 0, unit: '%' },
    // lines "device/name, absolute, percent": a tag's own bands instead of the node's
    deadbandTags: { kind: 'string', default: '' },
    // with a deadband, an unchanged tag is still stored this often (0 = never forced)
    maxIntervalSec: { kind: 'number', min: 0, max: 86_400, default: 60, unit: 's' },
  },
} as const satisfies FieldSchema;
