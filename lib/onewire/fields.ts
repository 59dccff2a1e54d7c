// The onewire node's fields: read at deploy and checked in the editor.
// Browser-safe: the editor's validators are built from these declarations.
import type { FieldSchema } from '../config/fields';

export const ONEWIRE_FIELDS = {
  fields: {
    root: { kind: 'string', default: '/sys/bus/w1/devices', pattern: '^/', rule: 'must be an absolute path', message: 'onewire.errors.root' },
    // a DS18B20 takes up to 750 ms per 12-bit conversion: faster than 1 s would read back-to-back
    interval: { kind: 'number', min: 1, default: 10, unit: 's', rule: 'must be at least 1 s', message: 'onewire.errors.interval' },
    // 'tag': every sensor a tag of this device; 'device': every sensor a device of its own
    naming: { kind: 'enum', values: ['tag', 'device'], default: 'tag', rule: 'must be tag or device' },
    device: {
      kind: 'string',
      default: 'onewire',
      required: true,
      pattern: '^[^/+#]+$',
      rule: 'must be one topic level (no / + #)',
      message: 'onewire.errors.device',
      when: { field: 'naming', in: ['tag'] },
    },
  },
} as const satisfies FieldSchema;
