// The alarm node's fields: read at deploy (nodes/alarm/alarm.ts) and checked in the editor. The
// rule table itself (`rules`, or the file `rulesFile` names) is not a field value: parseRuleTable
// checks it, naming the line and column, and the editor's quick check mirrors that.
import type { FieldSchema } from '../config/fields';

export const HEALTH_ON = ['critical-unacknowledged', 'critical-active', 'never'] as const;

export const ALARM_FIELDS = {
  fields: {
    rulesSource: { kind: 'enum', values: ['editor', 'file'], default: 'editor' },
    // relative to the Node-RED user directory; blank is refused, missing (a flow without the field) reads the placeholder
    rulesFile: { kind: 'string', required: true, default: 'alarms.csv', when: { field: 'rulesSource', in: ['file'] } },
    // a rule's own cooldown column overrides it
    cooldownSec: { kind: 'number', min: 0, default: 0, unit: 's' },
    persist: { kind: 'enum', values: ['sqlite', 'memory'], default: 'sqlite' },
    dbFile: { kind: 'string', default: 'edge-gateway-state.db', when: { field: 'persist', in: ['sqlite'] } },
    healthOn: { kind: 'enum', values: HEALTH_ON, default: 'critical-unacknowledged' },
  },
} as const satisfies FieldSchema;
