// The gateway-api config node's fields: read at deploy (nodes/gateway-api) and checked in the editor.
import type { FieldSchema } from '../config/fields';

export const GATEWAY_API_FIELDS = {
  fields: {
    // under Node-RED's httpNodeRoot; one segment or more, no trailing "/"
    basePath: { kind: 'string', default: '/api', pattern: '^(/[A-Za-z0-9._~-]+)+$', rule: 'must be a path such as /api (letters, digits, . _ ~ -; no trailing /)' },
    // origins a browser page may call the API from (CORS), separated by commas or spaces; none by default
    corsOrigins: { kind: 'string', default: '', pattern: '^(https?://[^\\s,/]+)([\\s,]+https?://[^\\s,/]+)*$', rule: 'must be origins such as https://hmi.example:8443, separated by commas' },
    bodyLimitKb: { kind: 'integer', min: 1, max: 10_240, default: 64, unit: 'kB' },
  },
} as const satisfies FieldSchema;

/** The origins of the corsOrigins field as a list. */
export function corsOriginList(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}
