// The gateway-heartbeat and ha-discovery nodes' fields: read at deploy and checked in the editor.
// Browser-safe: the editor's validators are built from these declarations.
import type { FieldSchema, StringField } from '../config/fields';

/** A gateway id: one MQTT topic level, part of Home Assistant object ids (gateway-id.ts). */
export const GATEWAY_ID_SOURCE = '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$';

// blank: the runtime's EDGEGW_GATEWAY_ID, else the host name (effectiveGatewayId)
const GATEWAY_ID = {
  kind: 'string',
  default: '',
  pattern: GATEWAY_ID_SOURCE,
  refused: "{got} is not a gateway id: 1-64 letters, digits, '-' or '_' (one MQTT topic level)",
} as const satisfies StringField;

// The editor shows each node's translated words for a refused field (message: its catalog key).
export const GATEWAY_HEARTBEAT_FIELDS = {
  fields: {
    gatewayId: { ...GATEWAY_ID, message: 'gateway-heartbeat.errors.gatewayId' },
    interval: { kind: 'number', min: 1, default: 10, unit: 's', rule: 'must be at least 1 s', message: 'gateway-heartbeat.errors.interval' },
    // blank: edge-gateway/{gateway id}/heartbeat
    topic: { kind: 'string', default: '', pattern: '^[^+#]*$', rule: 'must hold no MQTT wildcard (+ #): it is a publish topic', message: 'gateway-heartbeat.errors.topic' },
  },
} as const satisfies FieldSchema;

export const HA_DISCOVERY_FIELDS = {
  fields: {
    gatewayId: { ...GATEWAY_ID, message: 'ha-discovery.errors.gatewayId' },
    prefix: {
      kind: 'string',
      default: 'homeassistant',
      pattern: '^[^+#/](?:[^+#]*[^+#/])?$',
      refused: "{got} is not a topic prefix (no wildcards, no leading or trailing '/')",
      message: 'ha-discovery.errors.prefix',
    },
  },
} as const satisfies FieldSchema;
