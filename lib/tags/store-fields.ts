// The tag-store config node's fields: read at deploy (nodes/tag-store) and checked in the editor.
// The user tag and max-age tables (`userTags`, `maxAgeRules`) are not field values: their parsers
// in store-config.ts check them line by line, naming the line and tag, and so does the editor.
import type { FieldSchema } from '../config/fields';

export const TAG_STORE_FIELDS = {
  fields: {
    persist: { kind: 'boolean', default: true },
    // blank: edgegw/tags-<node id>.sqlite under the Node-RED user directory
    file: { kind: 'string', default: '', when: { field: 'persist', ticked: true } },
    // 0: a tag without a max-age rule is never stale
    maxAge: { kind: 'number', min: 0, default: 0, unit: 's' },
    // the device user tags are stored under: a "/" would split it into device and tag
    userDevice: { kind: 'string', default: 'user', pattern: '^[^/]+$', rule: 'must not contain "/"' },
  },
} as const satisfies FieldSchema;
