// Field (MQTT simulation): a Tasmota energy plug with the topic "plug", on a tab of its own so the
// Modbus simulation tab needs no broker: its telemetry on tele/plug/SENSOR every 5 s, and its relay
// switched on cmnd/plug/POWER and answered on stat/plug/POWER, as the firmware does. The
// Acquisition tab reads it with an mqtt-device.
import { BROKER_ID, comment, functionBody, functionNode, inject, mqttOut, readmeText, type FlowNode } from '../flow-node';
import { TAB } from './ids';

export function fieldMqttTab(): FlowNode[] {
  const z = TAB.fieldMqtt;
  return [
    comment('edgegw.sim.plug.comment', z, 'Field (MQTT simulation): read me (double-click)', readmeText('field-mqtt'), 220, 40),
    inject('edgegw.sim.plug.tick', z, 'every 5 s', '5', 170, 220, [['edgegw.sim.plug']], { onceDelay: '1' }),
    functionNode('edgegw.sim.plug', z, 'Tasmota plug telemetry', functionBody('plug-telemetry'), 400, 220, [['edgegw.sim.plug.out']]),
    {
      id: 'edgegw.sim.plug.cmnd',
      type: 'mqtt in',
      z,
      name: 'cmnd/plug/POWER',
      topic: 'cmnd/plug/POWER',
      qos: '1',
      datatype: 'utf8',
      broker: BROKER_ID,
      nl: false,
      rap: true,
      rh: 0,
      inputs: 0,
      x: 170,
      y: 280,
      wires: [['edgegw.sim.plug.relay']],
    },
    functionNode('edgegw.sim.plug.relay', z, 'Tasmota plug relay', functionBody('plug-relay'), 400, 280, [['edgegw.sim.plug.out']]),
    { ...mqttOut('edgegw.sim.plug.out', z, 'plug (tele/plug/SENSOR, stat/plug/POWER)', '', 800, 250), qos: '0' },
  ];
}
