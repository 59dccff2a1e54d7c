// Commands: devices/<device>/commands from MQTT to the device it names, and one result for each.
import { BROKER_ID, comment, functionBody, functionNode, linkIn, linkOut, mqttOut, readmeText, type FlowNode } from '../flow-node';
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

export function commandsTab(): FlowNode[] {
  const z = TAB.commands;
  return [
    comment('edgegw.cmd.comment', z, 'Commands: read me (double-click)', readmeText('commands')),
    commandsIn('edgegw.mb.commands', z, 'devices/+/commands', 140),
    // MQTT's + matches an empty level, but Node-RED's mqtt in drops what its own pattern for
    // + ([^/]+) does not match: devices//commands needs a subscription of its own to be answered
    commandsIn('edgegw.mb.commands.nodevice', z, 'devices//commands', 200),
    {
      id: 'edgegw.cmd.route',
      type: 'switch',
      z,
      name: 'by device',
      property: 'topic',
      propertyType: 'msg',
      rules: [{ t: 'eq', v: 'devices/boiler/commands', vt: 'str' }, { t: 'eq', v: 'devices/meter/commands', vt: 'str' }, { t: 'else' }],
      checkall: 'false',
      repair: false,
      outputs: 3,
      x: 390,
      y: 140,
      wires: [['edgegw.cmd.to.boiler'], ['edgegw.cmd.to.meter'], ['edgegw.cmd.unknown']],
    },
    linkOut('edgegw.cmd.to.boiler', z, 'to boiler', ['edgegw.acq.cmd.boiler'], 555, 100),
    linkOut('edgegw.cmd.to.meter', z, 'to meter', ['edgegw.acq.cmd.meter'], 555, 140),
    functionNode('edgegw.cmd.unknown', z, 'unknown device', functionBody('unknown-device'), 570, 180, [['edgegw.cmd.result']]),
    linkIn('edgegw.cmd.results', z, 'command outcomes', ['edgegw.acq.results'], 175, 260, [['edgegw.cmd.result']]),
    functionNode('edgegw.cmd.result', z, 'command result', functionBody('command-result'), 780, 260, [['edgegw.cmd.publish']]),
    mqttOut('edgegw.cmd.publish', z, 'devices/<device>/commands/result', '', 1010, 260),
  ];
}
