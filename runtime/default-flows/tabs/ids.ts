// The tabs of the default flows, one per pipeline stage, in the order the editor shows them.
import type { FlowNode } from '../flow-node';

export const TAB = {
  field: 'edgegw.tab.field',
  acquisition: 'edgegw.tab.acq',
  processing: 'edgegw.tab.proc',
  forwarding: 'edgegw.tab.fwd',
  commands: 'edgegw.tab.cmd',
  supervision: 'edgegw.tab.sup',
} as const;

const tab = (id: string, label: string, info: string): FlowNode => ({ id, type: 'tab', label, disabled: false, info });

export const tabs = (): FlowNode[] => [
  tab(TAB.field, 'Field (simulation)', 'Simulated field devices: a heating controller (Modbus unit 1), an SDM630 energy meter (unit 2) and a replayed CAN log.'),
  tab(TAB.acquisition, 'Acquisition', 'Polling, decoding, the tag store.'),
  tab(TAB.processing, 'Processing', 'Derived tags, alarms, statistics and reports.'),
  tab(TAB.forwarding, 'Forwarding', 'Durable store-and-forward to MQTT, heartbeat, status.'),
  tab(TAB.commands, 'Commands', 'Commands from MQTT to the devices, with a result for each.'),
  tab(TAB.supervision, 'Supervision', 'Watchdogs and a circuit breaker in front of a digital twin.'),
];
