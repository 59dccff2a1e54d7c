// The store-forward node's fields (sizes in MB, times in hours): read at deploy and checked in the
// editor. The queue's own options (options.ts) then apply to whatever created the queue.
import type { FieldSchema } from '../config/fields';

export const STORE_FORWARD_FIELDS = {
  errorPrefix: 'queue ',
  fields: {
    queue: { kind: 'string', default: '', pattern: '^[A-Za-z0-9_.-]{1,64}$', rule: 'must be 1 to 64 letters, digits, _, . or -' },
    storage: { kind: 'enum', values: ['sqlite', 'memory'], default: 'sqlite' },
    durability: { kind: 'enum', values: ['normal', 'full'], default: 'normal' },
    batchMs: { kind: 'number', min: 0, max: 10_000, default: 20, unit: 'ms' },
    batchMax: { kind: 'integer', min: 1, max: 100_000, default: 500 },
    // blank: no limit of that kind (memory storage: at most 100,000 messages all the same)
    maxMessages: { kind: 'integer', min: 0, max: 1e12 },
    maxMB: { kind: 'number', min: 0, max: 1e9, unit: 'MB' },
    maxAgeH: { kind: 'number', min: 0, max: 1e6, unit: 'h' },
    policy: { kind: 'enum', values: ['drop-oldest', 'drop-newest', 'block'], default: 'drop-oldest' },
    // policy block: how many messages may wait for space (in memory); one more is refused (done(err))
    maxWaiting: { kind: 'integer', min: 1, max: 1_000_000, default: 1000 },
    retentionH: { kind: 'number', min: 0, max: 1e6, unit: 'h' },
    ackOutput: { kind: 'boolean', default: false },
  },
} as const satisfies FieldSchema;
