// The circuit-breaker node's fields: read at deploy (node-config.ts) and checked in the editor.
import type { FieldSchema } from '../config/fields';

const RATE_MODE = { field: 'thresholdType', in: ['rate'] } as const;

export const BREAKER_FIELDS = {
  errorPrefix: 'circuit breaker ',
  fields: {
    thresholdType: { kind: 'enum', values: ['consecutive', 'rate'], default: 'consecutive' },
    failures: { kind: 'integer', min: 1, default: 5, when: { field: 'thresholdType', in: ['consecutive'] } },
    rate: { kind: 'number', above: 0, max: 100, default: 50, rule: 'must be a percentage in (0, 100]', when: RATE_MODE },
    window: { kind: 'number', above: 0, default: 60, unit: 's', when: RATE_MODE },
    minCalls: { kind: 'integer', min: 1, default: 10, when: RATE_MODE },
    openTimeout: { kind: 'number', min: 0, default: 30, unit: 's' },
    // blank: the open time does not grow (it stays the open timeout)
    maxOpenTimeout: { kind: 'number', min: 0, unit: 's', atLeast: { field: 'openTimeout', says: 'the open timeout' } },
    probes: { kind: 'integer', min: 1, default: 1 },
    fallback: { kind: 'boolean', default: false },
    watch: { kind: 'string', default: '' },
    // outcomes observed on the watched node: a call with none within this time failed (a hung
    // HTTP request must not keep the breaker closed), and a 5xx response is a failure
    callTimeout: { kind: 'number', above: 0, default: 30, unit: 's' },
    serverErrorIsFailure: { kind: 'boolean', default: true },
  },
} as const satisfies FieldSchema;
