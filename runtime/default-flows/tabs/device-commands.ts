// The acquisition side of commands, for the devices of any plant: a link in per device from the
// Commands tab, and a Complete and a Catch over the devices that report each command's outcome
// back to it.
import { linkIn, linkOut, type FlowNode } from '../flow-node';
import { COMMAND_OUTCOMES_OUT, commandsLinkIn, commandsLinkOut } from '../plant';

export interface CommandedDevice {
  /** the device id (devices/<device>/commands) */
  device: string;
  /** the id of its modbus-device node */
  node: string;
  /** where its link in goes: left of the node, on its row */
  x: number;
  y: number;
}

/** The links in, and the outcome reporters at `outcomes` (the Complete's place; the Catch under it, the link out to their right). */
export function deviceCommandNodes(z: string, devices: CommandedDevice[], outcomes: { x: number; y: number }): FlowNode[] {
  const scope = devices.map((d) => d.node);
  return [
    ...devices.map((d) => linkIn(commandsLinkIn(d.device), z, `${d.device} commands`, [commandsLinkOut(d.device)], d.x, d.y, [[d.node]])),
    { id: 'edgegw.acq.done', type: 'complete', z, name: 'command written', scope, uncaught: false, x: outcomes.x, y: outcomes.y, wires: [[COMMAND_OUTCOMES_OUT]] },
    { id: 'edgegw.acq.failed', type: 'catch', z, name: 'command refused or failed', scope, uncaught: false, x: outcomes.x + 20, y: outcomes.y + 60, wires: [[COMMAND_OUTCOMES_OUT]] },
    linkOut(COMMAND_OUTCOMES_OUT, z, 'command outcomes', ['edgegw.cmd.results'], outcomes.x + 245, outcomes.y + 30),
  ];
}
