// The mqtt-device node's fields: read at deploy and checked in the editor.
// Browser-safe: the editor's validators are built from these declarations.
import type { FieldSchema } from '../../config/fields';

export const MQTT_DEVICE_FIELDS = {
  fields: {
    profile: { kind: 'string', default: '', required: true, pattern: '^[a-z0-9][a-z0-9._-]{0,63}$', rule: 'must name a device profile', message: 'mqtt-device.errors.profile' },
    // the device's own topic level(s): Tasmota's %topic%, a Shelly id, an ESPHome node name
    topic: { kind: 'string', default: '', required: true, pattern: '^[^+#]+$', rule: 'must be the device topic, without + or #', message: 'mqtt-device.errors.topic' },
    // empty: a stable id from the user directory's device registry, made from the topic
    device: { kind: 'string', default: '', pattern: '^([^/+#]+)?$', rule: 'must be one topic level (no / + #)', message: 'mqtt-device.errors.device' },
    qos: { kind: 'enum', values: ['0', '1', '2'], default: '1', rule: 'must be 0, 1 or 2' },
    // 0: the profile's own staleAfter
    staleAfter: { kind: 'number', min: 0, default: 0, unit: 's', rule: 'must be 0 (the profile decides) or more seconds', message: 'mqtt-device.errors.staleAfter' },
  },
} as const satisfies FieldSchema;
