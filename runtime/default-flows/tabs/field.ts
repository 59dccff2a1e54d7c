// Field (simulation): the Modbus simulator serving the heating controller, moved by its physics
// once a second, and the energy meter, which the server simulates from the Eastron SDM630
// template itself (every register of the real meter, plausible from the first request). The
// holding registers are kept in a register store, so a setpoint written by a command survives a
// redeploy.
import { nodeType } from '../../../nodes/common/migrations';
import { comment, functionBody, functionNode, inject, readmeText, type FlowNode, type FlowsEnvironment } from '../flow-node';
import { BOILER_TAGS } from './field-devices';
import { TAB } from './ids';

export function fieldTab(env: FlowsEnvironment): FlowNode[] {
  const z = TAB.field;
  return [
    comment('edgegw.field.comment', z, 'Simulated field devices: read me (double-click)', readmeText('field')),
    inject('edgegw.sim.tick', z, 'every 1 s', '1', 170, 120, [['edgegw.sim.physics']], { onceDelay: '0.1' }),
    { ...functionNode('edgegw.sim.physics', z, 'heating plant physics', functionBody('boiler-physics'), 400, 100, [['edgegw.sim.server']]), initialize: functionBody('boiler-physics-start') },
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
      // unit 2 answers every register of the SDM630 template (the holding area grows to hold its
      // serial number at 64512)
      simulation: '2: eastron-sdm630',
      // in the user directory (modbus-server-edgegw.sim.server.json): only the non-zero registers
      persistence: 'json',
      persistFile: '',
      x: 660,
      y: 120,
      wires: [['edgegw.sim.physics']],
    },
  ];
}
