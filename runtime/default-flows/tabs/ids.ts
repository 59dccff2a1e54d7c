// The tabs of the default flows, one per pipeline stage, in the order the editor shows them.
import type { FlowNode, FlowValue } from '../flow-node';
import type { Plant } from '../plant';

export const TAB = {
  field: 'edgegw.tab.field',
  fieldMqtt: 'edgegw.tab.field-mqtt',
  acquisition: 'edgegw.tab.acq',
  processing: 'edgegw.tab.proc',
  forwarding: 'edgegw.tab.fwd',
  commands: 'edgegw.tab.cmd',
  supervision: 'edgegw.tab.sup',
  dashboard: 'edgegw.tab.dash',
} as const;

export const tab = (id: string, label: string, info: string, env?: FlowValue): FlowNode => ({ id, type: 'tab', label, disabled: false, info, ...(env ? { env } : {}) });

/** The tabs after acquisition; the Commands tab's environment names the devices that take commands. */
export const stageTabs = (plant: Plant): FlowNode[] => [
  tab(TAB.processing, 'Processing', 'Derived tags, alarms, statistics and reports.'),
  tab(TAB.forwarding, 'Forwarding', 'Durable store-and-forward to MQTT, heartbeat, status.'),
  tab(TAB.commands, 'Commands', 'Commands from MQTT to the devices, with a result for each.', [{ name: 'COMMAND_DEVICES', value: plant.commandDevices.join(', '), type: 'str' }]),
  tab(TAB.supervision, 'Supervision', plant.twin ? 'Watchdogs and a circuit breaker in front of a digital twin.' : 'A watchdog over the devices.'),
];

export const tabs = (plant: Plant): FlowNode[] => [
  tab(TAB.field, 'Field (simulation)', 'Simulated field devices: a heating controller (Modbus unit 1), an SDM630 energy meter (unit 2) and a replayed CAN log.'),
  tab(TAB.fieldMqtt, 'Field (MQTT simulation)', 'A simulated Tasmota energy plug publishing to the gateway broker (topic plug).'),
  tab(TAB.acquisition, 'Acquisition', 'Polling, decoding, the tag store.'),
  ...stageTabs(plant),
];
