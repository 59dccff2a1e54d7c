// The gpio-in and gpio-out nodes' fields: read at deploy and checked in the editor.
// Browser-safe: the editor's validators are built from these declarations.
import type { FieldSchema } from '../config/fields';

// The fields both nodes share; each node's catalog holds their editor messages under its own name.
function lineFields<K extends 'gpio-in' | 'gpio-out'>(kind: K, defaultTag: string) {
  return {
    // a label (pinctrl-rp1), a sysfs name (gpiochip571), or blank for the 40-pin header's chip
    chip: { kind: 'string', default: '', pattern: '^\\S+$', rule: 'must be a chip label or gpiochip<base>, or blank', message: `${kind}.errors.chip` },
    line: { kind: 'integer', min: 0, max: 1023, default: 17, message: `${kind}.errors.line` },
    activeLow: { kind: 'boolean', default: false },
    device: { kind: 'string', default: 'gpio', required: true, pattern: '^[^/+#]+$', rule: 'must be one topic level (no / + #)', message: `${kind}.errors.device` },
    tag: { kind: 'string', default: defaultTag, required: true, pattern: '^[^/+#]+$', rule: 'must be one topic level (no / + #)', message: `${kind}.errors.tag` },
  } as const;
}

export const GPIO_IN_FIELDS = {
  fields: {
    ...lineFields('gpio-in', 'input'),
    edge: { kind: 'enum', values: ['both', 'rising', 'falling'], default: 'both', rule: 'must be both, rising or falling' },
    // 0 passes every change; contacts bounce for 1-20 ms
    debounce: { kind: 'integer', min: 0, max: 60000, default: 20, unit: 'ms', message: 'gpio-in.errors.debounce' },
    initialRead: { kind: 'boolean', default: true },
  },
} as const satisfies FieldSchema;

export const GPIO_OUT_FIELDS = {
  fields: {
    ...lineFields('gpio-out', 'output'),
    initial: { kind: 'enum', values: ['off', 'on'], default: 'off', rule: 'must be off or on' },
    safe: { kind: 'enum', values: ['off', 'on', 'keep'], default: 'off', rule: 'must be off, on or keep' },
  },
} as const satisfies FieldSchema;
