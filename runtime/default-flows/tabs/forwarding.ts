// Forwarding: every scan, heartbeat and event through a durable queue to the broker, and the
// Home Assistant discovery configs.
import { nodeType } from '../../../nodes/common/migrations';
import { comment, debug, functionBody, functionNode, linkIn, mqttOut, readmeText, type FlowNode, type FlowsEnvironment } from '../flow-node';
import { ACQUISITION_OUT, DERIVED_OUT, HA_SCANS_IN, type Plant } from '../plant';
import { FORWARD_TARGET_ID } from './config-nodes';
import { TAB } from './ids';

/** A durable queue to the forwarding target; output 2 (dead letters and drops) to a debug node beside it. */
const queueNode = (id: string, name: string, queue: string, maxMessages: number, maxMB: number, x: number, y: number, dead: string): FlowNode => ({
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
  wires: [[], [dead]],
});

export function forwardingTab(env: FlowsEnvironment, plant: Plant): FlowNode[] {
  const z = TAB.forwarding;
  const scans = [ACQUISITION_OUT, ...(plant.derivedTags !== undefined ? [DERIVED_OUT] : [])];
  return [
    comment('edgegw.fwd.comment', z, 'Forwarding: read me (double-click)', readmeText('forwarding'), 180, 40),
    linkIn('edgegw.fwd.in', z, 'acquired scans', scans, 75, 120, [['edgegw.fwd.shape']]),
    functionNode('edgegw.fwd.shape', z, 'device data', functionBody('device-data'), 290, 120, [['edgegw.fwd.queue']]),
    queueNode('edgegw.fwd.queue', 'devices queue', 'devices', 1000000, 1024, 720, 120, 'edgegw.fwd.dead'),
    // each queue's dead letters on its own row: a wire to a shared one would cross a queue's status
    debug('edgegw.fwd.dead', z, 'dead letters and drops', 960, 120, { active: true }),
    linkIn('edgegw.fwd.events.in', z, 'gateway events', ['edgegw.proc.alarm.out', 'edgegw.sup.watchdog.out'], 75, 280, [['edgegw.fwd.events']]),
    {
      id: 'edgegw.fwd.heartbeat',
      type: nodeType('gateway-heartbeat'),
      z,
      name: 'heartbeat',
      gatewayId: env.nodesGatewayId,
      interval: 10,
      topic: '',
      x: 500,
      y: 340,
      wires: [['edgegw.fwd.events']],
    },
    queueNode('edgegw.fwd.events', 'events queue', 'events', 100000, 64, 720, 300, 'edgegw.fwd.events.dead'),
    debug('edgegw.fwd.events.dead', z, 'dead events and drops', 960, 300, { active: true }),
    {
      id: 'edgegw.fwd.queue.status',
      type: 'status',
      z,
      name: 'queue status',
      scope: ['edgegw.fwd.queue', 'edgegw.fwd.events'],
      x: 100,
      y: 340,
      wires: [['edgegw.fwd.queue.depth']],
    },
    functionNode('edgegw.fwd.queue.depth', z, 'queue depth', functionBody('queue-depth'), 300, 340, [['edgegw.fwd.heartbeat']]),
    // a link in of its own: the scans reach the function above as sent and discovery, which only
    // reads them, with the copy the processing and supervision tabs share (nodes/common/share-read-only.ts);
    // behind one link in with the function, discovery got a copy of its own
    linkIn(HA_SCANS_IN, z, 'acquired scans (discovery)', scans, 75, 200, [['edgegw.ha.discovery']]),
    {
      id: 'edgegw.ha.discovery',
      type: nodeType('ha-discovery'),
      z,
      name: 'Home Assistant discovery',
      gatewayId: env.nodesGatewayId,
      prefix: 'homeassistant',
      x: 300,
      y: 200,
      wires: [['edgegw.ha.publish']],
    },
    linkIn('edgegw.ha.in', z, 'HA discovery', [], 460, 250, [['edgegw.ha.publish']]),
    mqttOut('edgegw.ha.publish', z, 'discovery configs (retained)', '', 650, 200, 'true'),
  ];
}
