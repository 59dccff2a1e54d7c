// Forwarding: every scan, heartbeat and event through a durable queue to the broker, and the
// Home Assistant discovery configs.
import { nodeType } from '../../../nodes/common/migrations';
import { comment, debug, functionBody, functionNode, linkIn, mqttOut, readmeText, type FlowNode } from '../flow-node';
import { FORWARD_TARGET_ID } from './config-nodes';
import { TAB } from './ids';

/** A durable queue to the forwarding target; output 2 (dead letters and drops) to the debug node. */
const queueNode = (id: string, name: string, queue: string, maxMessages: number, maxMB: number, x: number, y: number): FlowNode => ({
  id,
  type: nodeType('store-forward'),
  z: TAB.forwarding,
  name,
  target: FORWARD_TARGET_ID,
  queue,
  storage: 'sqlite',
  durability: 'normal',
  batchMs: 20,
  batchMax: 500,
  maxMessages,
  maxMB,
  maxAgeH: '',
  policy: 'drop-oldest',
  retentionH: 0,
  ackOutput: false,
  x,
  y,
  wires: [[], ['edgegw.fwd.dead']],
});

export function forwardingTab(): FlowNode[] {
  const z = TAB.forwarding;
  return [
    comment('edgegw.fwd.comment', z, 'Forwarding: read me (double-click)', readmeText('forwarding')),
    linkIn('edgegw.fwd.in', z, 'acquired scans', ['edgegw.acq.out', 'edgegw.proc.calc.out'], 175, 120, [['edgegw.fwd.shape', 'edgegw.ha.discovery']]),
    functionNode('edgegw.fwd.shape', z, 'device data', functionBody('device-data'), 340, 120, [['edgegw.fwd.queue']]),
    queueNode('edgegw.fwd.queue', 'devices queue', 'devices', 1000000, 1024, 540, 120),
    debug('edgegw.fwd.dead', z, 'dead letters and drops', 770, 120, { active: true }),
    linkIn('edgegw.fwd.events.in', z, 'gateway events', ['edgegw.proc.alarm.out', 'edgegw.sup.watchdog.out'], 175, 200, [['edgegw.fwd.events']]),
    { id: 'edgegw.fwd.heartbeat', type: nodeType('gateway-heartbeat'), z, name: 'heartbeat', gatewayId: '', interval: 10, topic: '', x: 350, y: 260, wires: [['edgegw.fwd.events']] },
    queueNode('edgegw.fwd.events', 'events queue', 'events', 100000, 64, 560, 230),
    {
      id: 'edgegw.fwd.queue.status',
      type: 'status',
      z,
      name: 'queue status',
      scope: ['edgegw.fwd.queue', 'edgegw.fwd.events'],
      x: 170,
      y: 320,
      wires: [['edgegw.fwd.queue.depth']],
    },
    functionNode('edgegw.fwd.queue.depth', z, 'queue depth', functionBody('queue-depth'), 340, 320, [['edgegw.fwd.heartbeat']]),
    linkIn('edgegw.ha.in', z, 'HA discovery', [], 175, 420, [['edgegw.ha.publish']]),
    {
      id: 'edgegw.ha.discovery',
      type: nodeType('ha-discovery'),
      z,
      name: 'Home Assistant discovery',
      gatewayId: '',
      prefix: 'homeassistant',
      x: 200,
      y: 480,
      wires: [['edgegw.ha.publish']],
    },
    mqttOut('edgegw.ha.publish', z, 'discovery configs (retained)', '', 400, 420, 'true'),
  ];
}
