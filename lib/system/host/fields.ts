// The system-tags node's fields: read at deploy and checked in the editor.
// Browser-safe: the editor's validators are built from these declarations.
import type { FieldSchema } from '../../config/fields';

export const SYSTEM_TAGS_FIELDS = {
  fields: {
    // one MQTT topic level: it is the first level of every tag's topic
    device: { kind: 'string', default: 'system', required: true, pattern: '^[^/+#]+$', rule: 'must be one topic level (no / + #)', message: 'system-tags.errors.device' },
    interval: { kind: 'number', min: 1, default: 10, unit: 's', rule: 'must be at least 1 s', message: 'system-tags.errors.interval' },
    // a scan per reading; both adds one message per tag (topic system/<tag>) after it
    output: { kind: 'enum', values: ['scan', 'both'], default: 'scan', rule: 'must be scan or both' },
    // other mount points serve a container that sees the host's procfs or sysfs elsewhere
    procRoot: { kind: 'string', default: '/proc', pattern: '^/', rule: 'must be an absolute path', message: 'system-tags.errors.root' },
    sysRoot: { kind: 'string', default: '/sys', pattern: '^/', rule: 'must be an absolute path', message: 'system-tags.errors.root' },
  },
} as const satisfies FieldSchema;
