// The stats node's fields: read at deploy (nodes/stats/config.ts) and checked in the editor. The
// window's own rules that span fields (a hop within the length, a wall-clock length dividing a
// day, a known time zone) are validateWindowConfig's, on the window in ms or samples.
import type { FieldSchema } from '../config/fields';

const UNITS = ['s', 'min', 'h', 'd'] as const;
const BY_COUNT = { field: 'windowBy', cases: { count: { kind: 'integer', min: 1, max: 1_000_000, rule: 'must be a whole number of samples within 1..1000000' } } } as const;
const REPORTING = { field: 'report', ticked: true } as const;

export const STATS_FIELDS = {
  fields: {
    windowKind: { kind: 'enum', values: ['tumbling', 'sliding'], default: 'tumbling' },
    windowBy: { kind: 'enum', values: ['time', 'count'], default: 'time' },
    length: { kind: 'number', above: 0, default: 1, variants: BY_COUNT },
    // missing: seconds (a new node starts in hours)
    lengthUnit: { kind: 'enum', values: UNITS, default: 's', when: { field: 'windowBy', in: ['time'] } },
    hop: { kind: 'number', above: 0, default: 1, when: { field: 'windowKind', in: ['sliding'] }, variants: BY_COUNT },
    hopUnit: { kind: 'enum', values: UNITS, default: 's', when: { field: 'windowBy', in: ['time'] } },
    // missing: aligned to the epoch (a new node aligns to the wall clock)
    align: { kind: 'boolean', default: false },
    // blank: the machine's time zone; the name is checked against the zones Node.js knows
    timeZone: { kind: 'string', default: '' },
    percentiles: { kind: 'boolean', default: false },
    // blank: the samples' own decimals, two more for mean and standard deviation
    decimals: { kind: 'integer', min: 0, max: 15 },
    graceSec: { kind: 'number', min: 0, default: 1, unit: 's' },
    // how far ahead of this machine's clock a sample's ts may be; a later one is refused (counted)
    maxSkew: { kind: 'number', min: 0, max: 31_536_000, default: 300, unit: 's' },
    report: { kind: 'boolean', default: false },
    reportDir: { kind: 'string', default: 'reports', when: REPORTING },
    reportPer: { kind: 'enum', values: ['day', 'hour'], default: 'day', when: REPORTING },
    reportPrefix: { kind: 'string', default: 'stats', pattern: '^[\\w.-]+$', rule: 'must be letters, digits, _, . or -', when: REPORTING },
    // missing: reports are kept for ever (a new node keeps 30 days)
    retentionDays: { kind: 'number', min: 0, default: 0, when: REPORTING },
    persist: { kind: 'enum', values: ['sqlite', 'memory'], default: 'sqlite' },
    dbFile: { kind: 'string', default: 'edge-gateway-state.db' },
  },
} as const satisfies FieldSchema;
