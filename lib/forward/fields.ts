// The forwarding destinations' settings and the forward-target node's fields, declared once: the
// destinations read their options with these declarations (options.ts of each, given in code or
// from the node), and the node's editor validates with the same, a limit per destination type.
// Browser-safe (bundled into resources/edgegw-fields.js): declarations only.
import type { FieldSchema, NumberField } from '../config/fields';

export const DESTINATION_TYPES = ['mqtt', 'http', 'influxdb', 'postgres'] as const;

type Limits = Pick<NumberField, 'min' | 'max' | 'rule'>;

/** An integer within [min, max], worded as the destinations have always said it. */
function between(min: number, max: number): Limits {
  return { min, max, rule: `must be an integer between ${min} and ${max}` };
}

/** One of some texts, worded as the destinations have always said it. */
function choice<const V extends readonly string[]>(values: V, fallback: V[number]) {
  return { kind: 'enum', values, default: fallback, rule: `must be one of ${values.map((v) => `"${v}"`).join(', ')}` } as const;
}

/** The number limits that differ between destination types. */
const LIMITS = {
  http: { timeoutMs: between(1, 600_000), maxBatch: between(1, 100_000), maxInFlight: between(1, 1_000_000) },
  influxdb: { timeoutMs: between(1, 600_000), maxBatch: between(1, 100_000), maxInFlight: between(1, 10_000_000) },
  postgres: { timeoutMs: between(100, 3_600_000), maxBatch: between(1, 1_000_000), maxInFlight: between(1, 10_000_000) },
  // MQTT: the in-flight window is the broker's business; a batch never exceeds it
  mqtt: { maxBatch: { min: 1 }, maxInFlight: { min: 1 } },
} as const satisfies Record<(typeof DESTINATION_TYPES)[number], Partial<Record<'timeoutMs' | 'maxBatch' | 'maxInFlight', Limits>>>;

const TLS_CHECK = { kind: 'boolean', default: true } as const;

// maxBatch and maxInFlight have no default here: each destination derives its own (see options.ts)
export const HTTP_SETTINGS = {
  method: choice(['POST', 'PUT'], 'POST'),
  batching: choice(['single', 'array'], 'single'),
  content: choice(['payload', 'message'], 'payload'),
  timeoutMs: { kind: 'integer', ...LIMITS.http.timeoutMs, default: 10_000 },
  maxBatch: { kind: 'integer', ...LIMITS.http.maxBatch },
  maxInFlight: { kind: 'integer', ...LIMITS.http.maxInFlight },
  rejectUnauthorized: TLS_CHECK,
} as const;

export const INFLUX_SETTINGS = {
  version: choice(['v1', 'v2'], 'v1'),
  timeoutMs: { kind: 'integer', ...LIMITS.influxdb.timeoutMs, default: 10_000 },
  maxBatch: { kind: 'integer', ...LIMITS.influxdb.maxBatch, default: 1000 },
  maxInFlight: { kind: 'integer', ...LIMITS.influxdb.maxInFlight },
  rejectUnauthorized: TLS_CHECK,
  valueFields: choice(['by-type', 'single'], 'by-type'),
  nonTagMessages: choice(['fields', 'reject'], 'fields'),
} as const;

export const POSTGRES_SETTINGS = {
  port: { kind: 'integer', ...between(1, 65_535), default: 5432 },
  // missing: what the URL's sslmode says, else off
  ssl: { kind: 'boolean' },
  sslRejectUnauthorized: TLS_CHECK,
  createTable: { kind: 'boolean', default: false },
  timeoutMs: { kind: 'integer', ...LIMITS.postgres.timeoutMs, default: 30_000 },
  connectTimeoutMs: { kind: 'integer', ...between(100, 600_000), default: 10_000 },
  maxBatch: { kind: 'integer', ...LIMITS.postgres.maxBatch, default: 1000 },
  maxInFlight: { kind: 'integer', ...LIMITS.postgres.maxInFlight },
} as const;

export const MQTT_SETTINGS = {
  qos: { kind: 'integer', oneOf: [1, 2], default: 1, rule: 'must be 1 or 2 (an ack is needed)' },
  protocolVersion: { kind: 'integer', oneOf: [4, 5], default: 5, rule: 'must be 4 (3.1.1) or 5' },
  publish: choice(['payload', 'message'], 'payload'),
  retain: { kind: 'boolean', default: false },
  maxInFlight: { kind: 'integer', ...LIMITS.mqtt.maxInFlight, default: 100 },
  maxBatch: { kind: 'integer', ...LIMITS.mqtt.maxBatch },
  // missing: mqtt.js's 30 s
  keepaliveS: { kind: 'integer', min: 0, max: 65_535, unit: 's' },
} as const;

const ONLY = (...kinds: Array<(typeof DESTINATION_TYPES)[number]>) => ({ field: 'kind', in: kinds }) as const;

/** A number field whose limits are those of the target's type. */
function limitsByKind(setting: 'timeoutMs' | 'maxBatch' | 'maxInFlight') {
  const cases: Record<string, Limits> = {};
  for (const [kind, limits] of Object.entries(LIMITS)) {
    const own = (limits as Partial<Record<typeof setting, Limits>>)[setting];
    if (own) cases[kind] = own;
  }
  return { kind: 'integer', variants: { field: 'kind', cases } } as const;
}

/**
 * The forward-target node's fields. Each counts for the types that use it; a blank number takes
 * the type's own default. The URL, database, org, bucket, table, headers and topic are text the
 * destinations parse themselves (URL schemes, identifiers, JSON, templates) and check at deploy.
 */
export const FORWARD_TARGET_FIELDS = {
  fields: {
    kind: { kind: 'enum', values: DESTINATION_TYPES, default: 'mqtt' },
    qos: { ...MQTT_SETTINGS.qos, when: ONLY('mqtt') },
    protocolVersion: { ...MQTT_SETTINGS.protocolVersion, when: ONLY('mqtt') },
    retain: { ...MQTT_SETTINGS.retain, when: ONLY('mqtt') },
    publish: { ...MQTT_SETTINGS.publish, when: ONLY('mqtt') },
    method: { ...HTTP_SETTINGS.method, when: ONLY('http') },
    batching: { ...HTTP_SETTINGS.batching, when: ONLY('http') },
    content: { ...HTTP_SETTINGS.content, when: ONLY('http') },
    // the node's name for InfluxDB's API version (`version` is the node config's own version)
    influxVersion: { ...INFLUX_SETTINGS.version, when: ONLY('influxdb') },
    valueFields: { ...INFLUX_SETTINGS.valueFields, when: ONLY('influxdb') },
    nonTagMessages: { ...INFLUX_SETTINGS.nonTagMessages, when: ONLY('influxdb') },
    port: { ...POSTGRES_SETTINGS.port, when: ONLY('postgres') },
    createTable: { ...POSTGRES_SETTINGS.createTable, when: ONLY('postgres') },
    timeoutMs: { ...limitsByKind('timeoutMs'), when: ONLY('http', 'influxdb', 'postgres') },
    maxInFlight: limitsByKind('maxInFlight'),
    maxBatch: limitsByKind('maxBatch'),
    usetls: { kind: 'boolean', default: false, when: ONLY('mqtt', 'postgres') },
    rejectUnauthorized: { ...TLS_CHECK },
  },
} as const satisfies FieldSchema;
