// Field (simulation): the Modbus simulator serving the heating controller and the energy meter,
// moved by their physics once a second.
import { nodeType } from '../../../nodes/common/migrations';
import { comment, functionBody, functionNode, inject, readmeText, type FlowNode, type FlowsEnvironment } from '../flow-node';
import { BOILER_TAGS } from './field-devices';
import { TAB } from './ids';

export function fieldTab(env: FlowsEnvironment): FlowNode[] {
  const z = TAB.field;
  return [
    comment('edgegw.field.comment', z, 'Simulated field devices: read me (double-click)', readmeText('field')),
    inject('edgegw.sim.tick', z, 'every 1 s', '1', 170, 120, [['edgegw.sim.physics', 'edgegw.sim.meter']], { onceDelay: '0.1' }),
    functionNode('edgegw.sim.physics', z, 'heating plant physics', functionBody('boiler-physics'), 400, 100, [['edgegw.sim.server']]),
    functionNode('edgegw.sim.meter', z, 'SDM630 meter physics', functionBody('meter-physics'), 400, 160, [['edgegw.sim.server']]),
    {
      id: 'edgegw.sim.server',
      type: nodeType('modbus-server'),
      z,
      name: 'field simulator (units 1, 2)',
      transport: 'tcp',
      host: '127.0.0.1',
      port: env.simPort,
      path: '/dev/ttyUSB0',
      baudRate: 9600,
      parity: 'none',
      dataBits: 8,
      stopBits: 1,
      units: '1, 2',
      coilSize: 100,
      discreteSize: 100,
      holdingSize: 100,
      inputSize: 400,
      tags: BOILER_TAGS,
      notation: 'zero',
      persistence: 'none',
      persistFile: '',
      x: 660,
      y: 120,
      wires: [['edgegw.sim.physics']],
    },
  ];
}
