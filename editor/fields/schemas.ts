// Every node type's field declarations, by the name of the node type they were written for (a
// schema name: it stays the same whatever prefix the registered type name carries).
import type { FieldSchema } from '../../lib/config/fields';
import { ALARM_FIELDS } from '../../lib/alarm/fields';
import { AUDIT_IN_FIELDS } from '../../lib/audit/fields';
import { BREAKER_FIELDS } from '../../lib/breaker/fields';
import { DASHBOARD_FEED_FIELDS } from '../../lib/dashboard/fields';
import { CAN_IN_FIELDS, DBC_DECODE_FIELDS, DBC_ENCODE_FIELDS } from '../../lib/can/fields';
import { CAN_INTERFACE_FIELDS } from '../../lib/can/sources/fields';
import { FORWARD_TARGET_FIELDS } from '../../lib/forward/fields';
import { GATEWAY_API_FIELDS } from '../../lib/api/fields';
import { GATEWAY_HEARTBEAT_FIELDS, HA_DISCOVERY_FIELDS } from '../../lib/fleet/fields';
import { GPIO_IN_FIELDS, GPIO_OUT_FIELDS } from '../../lib/gpio/fields';
import { HISTORIAN_FIELDS } from '../../lib/historian/fields';
import { TAG_CALC_FIELDS } from '../../lib/expr/tag-calc-fields';
import { MODBUS_CONNECTION_FIELDS } from '../../lib/modbus/line/fields';
import { MODBUS_DEVICE_FIELDS } from '../../lib/modbus/poller/fields';
import { MODBUS_SERVER_FIELDS } from '../../lib/modbus/server/fields';
import { MQTT_DEVICE_FIELDS } from '../../lib/mqtt/device/fields';
import { STORE_FORWARD_FIELDS } from '../../lib/queue/node-fields';
import { ONEWIRE_FIELDS } from '../../lib/onewire/fields';
import { SERIAL_PORT_FIELDS } from '../../lib/serial/port-settings';
import { STATS_FIELDS } from '../../lib/stats/fields';
import { SYSTEM_TAGS_FIELDS } from '../../lib/system/host/fields';
import { TAG_STORE_FIELDS } from '../../lib/tags/store-fields';
import { WATCHDOG_FIELDS } from '../../lib/watchdog/fields';

export const NODE_FIELDS: Readonly<Record<string, FieldSchema>> = {
  alarm: ALARM_FIELDS,
  'audit-in': AUDIT_IN_FIELDS,
  'can-in': CAN_IN_FIELDS,
  'can-interface': CAN_INTERFACE_FIELDS,
  'circuit-breaker': BREAKER_FIELDS,
  'dashboard-feed': DASHBOARD_FEED_FIELDS,
  'dbc-decode': DBC_DECODE_FIELDS,
  'dbc-encode': DBC_ENCODE_FIELDS,
  'forward-target': FORWARD_TARGET_FIELDS,
  'gateway-api': GATEWAY_API_FIELDS,
  'gateway-heartbeat': GATEWAY_HEARTBEAT_FIELDS,
  'gpio-in': GPIO_IN_FIELDS,
  'gpio-out': GPIO_OUT_FIELDS,
  'ha-discovery': HA_DISCOVERY_FIELDS,
  historian: HISTORIAN_FIELDS,
  'modbus-connection': MODBUS_CONNECTION_FIELDS,
  'modbus-device': MODBUS_DEVICE_FIELDS,
  'modbus-server': MODBUS_SERVER_FIELDS,
  'mqtt-device': MQTT_DEVICE_FIELDS,
  onewire: ONEWIRE_FIELDS,
  'serial-port': SERIAL_PORT_FIELDS,
  stats: STATS_FIELDS,
  'store-forward': STORE_FORWARD_FIELDS,
  'system-tags': SYSTEM_TAGS_FIELDS,
  'tag-calc': TAG_CALC_FIELDS,
  'tag-store': TAG_STORE_FIELDS,
  watchdog: WATCHDOG_FIELDS,
};
