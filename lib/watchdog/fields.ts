// The watchdog node's fields: read at deploy (config.ts) and checked in the editor.
import type { FieldSchema } from '../config/fields';
import { KEY_BY } from './key-by';

const SECONDS = { kind: 'number', min: 0.01, unit: 's', rule: 'must be a number of seconds >= 0.01' } as const;
// a hardware watchdog's timeout is a second or more: a faster keepalive only burns CPU
const KEEPALIVE_SECONDS = { kind: 'number', min: 0.05, unit: 's', rule: 'must be a number of seconds >= 0.05' } as const;

export const WATCHDOG_FIELDS = {
  fields: {
    keyBy: { kind: 'enum', values: KEY_BY, default: 'topic' },
    // the key list's lines are checked by parseKeyList, which names the line
    keys: { kind: 'string', default: '' },
    // missing: learn only when no key is listed
    learn: { kind: 'boolean' },
    timeout: { ...SECONDS, default: 30 },
    badIsSilence: { kind: 'boolean', default: false },
    hardware: { kind: 'boolean', default: false },
    devicePath: { kind: 'string', default: '/dev/watchdog', pattern: '^/', rule: 'must be an absolute path', when: { field: 'hardware', ticked: true } },
    systemd: { kind: 'boolean', default: false },
    keepalive: { ...KEEPALIVE_SECONDS, default: 5 },
  },
} as const satisfies FieldSchema;
