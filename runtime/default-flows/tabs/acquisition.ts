// Acquisition: the two Modbus devices, the MQTT plug and the CAN decoder, every scan into the tag store and on
// to the other tabs; the outcome of each command back to the Commands tab.
import { nodeType } from '../../../nodes/common/migrations';
import { BROKER_ID, comment, debug, linkOut, readmeText, type FlowNode, type FlowsEnvironment } from '../flow-node';
import { ACQUISITION_OUT, ACQUISITION_TARGETS } from '../plant';
import { CAN_INTERFACE_ID, MODBUS_LINE_ID, TAG_STORE_ID } from './config-nodes';
import { deviceCommandNodes } from './device-commands';
import { BOILER_TAGS, meterTags } from './field-devices';
import { TAB } from './ids';

export function acquisitionTab(env: FlowsEnvironment): FlowNode[] {
  const z = TAB.acquisition;
  return [
    comment('edgegw.acq.comment', z, 'Acquisition: read me (double-click)', readmeText('acquisition'), 180, 40),
    {
      id: 'edgegw.mb.device',
      type: nodeType('modbus-device'),
      z,
      name: 'boiler',
      connection: MODBUS_LINE_ID,
      device: 'boiler',
      unit: 1,
      notation: 'zero',
      tags: BOILER_TAGS,
      groups: [
        { name: 'fast', interval: 1000 },
        { name: 'slow', interval: 5000 },
      ],
      maxGap: 10,
      maxRegisters: 125,
      maxBits: 2000,
      output: 'scan',
      template: '',
      parseJson: true,
      x: 400,
      y: 120,
      wires: [['edgegw.acq.store']],
    },
    {
      id: 'edgegw.mb.meter',
      type: nodeType('modbus-device'),
      z,
      name: 'meter',
      connection: MODBUS_LINE_ID,
      device: 'meter',
      unit: 2,
      notation: 'modicon',
      tags: meterTags(),
      groups: [{ name: 'fast', interval: 1000 }],
      maxGap: 10,
      maxRegisters: 125,
      maxBits: 2000,
      output: 'scan',
      template: 'eastron-sdm630',
      parseJson: true,
      x: 400,
      y: 180,
      wires: [['edgegw.acq.store']],
    },
    {
      id: 'edgegw.mqtt.plug',
      type: nodeType('mqtt-device'),
      version: 1,
      z,
      name: 'plug',
      broker: BROKER_ID,
      profile: 'tasmota-energy-plug',
      topic: 'plug',
      device: 'plug',
      qos: '1',
      // the simulated plug publishes every 5 s (a real one every TelePeriod, 300 s by default)
      staleAfter: 15,
      x: 400,
      y: 240,
      wires: [['edgegw.acq.store']],
    },
    {
      // the gateway's own host: into the same pipeline (stats, alarms, forwarding), and the
      // heartbeat reads these figures instead of measuring the host itself
      id: 'edgegw.sys.tags',
      type: nodeType('system-tags'),
      z,
      name: 'this gateway',
      device: 'system',
      interval: 10,
      output: 'scan',
      procRoot: '/proc',
      sysRoot: '/sys',
      x: 400,
      y: 360,
      wires: [['edgegw.acq.store']],
    },
    { id: 'edgegw.can.in', type: nodeType('can-in'), z, name: '', interface: CAN_INTERFACE_ID, filters: '', batchMs: 1000, x: 200, y: 300, wires: [['edgegw.can.decode']] },
    {
      id: 'edgegw.can.decode',
      type: nodeType('dbc-decode'),
      z,
      name: 'plant.dbc',
      dbcSource: 'file',
      dbcFile: env.demoDbc,
      dbcText: '',
      output: 'batch',
      labels: true,
      device: 'plant-can',
      unknown: 'drop',
      outputs: 1,
      x: 400,
      y: 300,
      wires: [['edgegw.acq.store']],
    },
    { id: 'edgegw.acq.store', type: nodeType('tag-store-in'), z, name: 'into the tag store', store: TAG_STORE_ID, x: 640, y: 180, wires: [['edgegw.acq.out']] },
    linkOut(ACQUISITION_OUT, z, ACQUISITION_OUT, ACQUISITION_TARGETS, 805, 180),
    ...deviceCommandNodes(
      z,
      [
        { device: 'boiler', node: 'edgegw.mb.device', x: 195, y: 120 },
        { device: 'meter', node: 'edgegw.mb.meter', x: 195, y: 180 },
      ],
      { x: 410, y: 440 },
    ),
    {
      id: 'edgegw.errors.catch',
      type: 'catch',
      z,
      name: 'other errors',
      scope: ['edgegw.can.in', 'edgegw.can.decode', 'edgegw.acq.store'],
      uncaught: false,
      x: 400,
      y: 560,
      wires: [['edgegw.errors.debug']],
    },
    debug('edgegw.errors.debug', z, 'errors', 640, 560, { active: true, complete: 'error' }),
  ];
}
