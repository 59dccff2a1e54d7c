// The dashboard-feed node's fields: read at deploy (nodes/dashboard-feed) and checked in the editor.
import type { FieldSchema } from '../config/fields';

export const DASHBOARD_FEED_FIELDS = {
  fields: {
    // a person reads about four changes a second; more only costs the browser
    maxRate: { kind: 'number', min: 0.2, max: 20, default: 4, unit: '/s' },
    // how often the overview and the alarm page are read again
    overviewS: { kind: 'number', min: 0.5, max: 60, default: 1, unit: 's' },
    // how far back a trend chart starts (from the historian)
    historyMinutes: { kind: 'integer', min: 1, max: 1440, default: 60, unit: 'min' },
    // the file system whose disk usage the overview shows (blank: the current directory)
    diskPath: { kind: 'string', default: '' },
  },
} as const satisfies FieldSchema;
