// Commands: devices/<device>/commands from MQTT to the device it names, and one result for each.
import { BROKER_ID, comment, functionBody, functionNode, linkIn, linkOut, mqttOut, readmeText, type FlowNode } from '../flow-node';
import { COMMAND_OUTCOMES_OUT, commandsLinkIn, commandsLinkOut, type Plant } from '../plant';
import { TAB } from './ids';

/** A commands subscription: the payload as bytes (modbus-device measures them before parsing), into the router. */
const commandsIn = (id: string, z: string, topic: string, y: number): FlowNode => ({
  id,
  type: 'mqtt in',
  z,
  name: topic,
  topic,
  qos: '1',
  datatype: 'buffer',
  broker: BROKER_ID,
  nl: false,
  rap: true,
  rh: 0,
  inputs: 0,
  x: 180,
  y,
  wires: [['edgegw.cmd.route']],
});

export function commandsTab(plant: Plant): FlowNode[] {
  const z = TAB.commands;
  const devices = plant.commandDevices;
  const top = 140;
  // the router's outputs: one per device, then the rest
  const routeHeight = Math.max(30, (devices.length + 1) * 15);
  return [
    comment('edgegw.cmd.comment', z, 'Commands: read me (double-click)', readmeText(plant.readme.commands), 180, 40),
    commandsIn('edgegw.mb.commands', z, 'devices/+/commands', top),
    // MQTT's + matches an empty level, but Node-RED's mqtt in drops what its own pattern for
    // + ([^/]+) does not match: devices//commands needs a subscription of its own to be answered
    commandsIn('edgegw.mb.commands.nodevice', z, 'devices//commands', top + Math.max(60, routeHeight / 2 + 40)),
    {
      id: 'edgegw.cmd.route',
      type: 'switch',
      z,
      name: 'by device',
      property: 'topic',
      propertyType: 'msg',
      rules: [...devices.map((d) => ({ t: 'eq', v: `devices/${d}/commands`, vt: 'str' })), { t: 'else' }],
      checkall: 'false',
      repair: false,
      outputs: devices.length + 1,
      x: 390,
      y: top,
      wires: [...devices.map((d) => [commandsLinkOut(d)]), ['edgegw.cmd.unknown']],
    },
    ...devices.map((d, i) => linkOut(commandsLinkOut(d), z, `to ${d}`, [commandsLinkIn(d)], 555, top + (i - devices.length / 2) * 40)),
    functionNode('edgegw.cmd.unknown', z, 'unknown device', functionBody('unknown-device'), 600, top + (devices.length / 2) * 40 + 20, [['edgegw.cmd.result']]),
    linkIn('edgegw.cmd.results', z, 'command outcomes', [COMMAND_OUTCOMES_OUT], 75, 340, [['edgegw.cmd.result']]),
    functionNode('edgegw.cmd.result', z, 'command result', functionBody('command-result'), 600, 340, [['edgegw.cmd.publish']]),
    mqttOut('edgegw.cmd.publish', z, 'devices/<device>/commands/result', '', 880, 340),
  ];
}
