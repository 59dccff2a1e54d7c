// What can-in and can-out see of their can-interface config node, and how they show its state.
import type { Node, NodeAPI, NodeStatus } from '../common/red';
import type { CanBusClient, SourceState } from '../../lib/can/sources';
import type { CanFrame } from '../../lib/can/frame';

export interface CanInterfaceConfigNode extends Node {
  /** set when the interface configuration is invalid; the interface then stays inert */
  configError?: string;
  /** e.g. "slcan /dev/ttyACM0" */
  label: string;
  register(client: CanBusClient): void;
  deregister(client: CanBusClient): Promise<void>;
  /** sends through the interface (not Node.send: this is a config node) */
  transmit(frame: CanFrame): Promise<void>;
}

const STATE_KEYS: Record<SourceState, string> = {
  closed: 'closed',
  opening: 'opening',
  open: 'open',
  'bus-off': 'busOff',
  reconnecting: 'reconnecting',
  failed: 'failed',
  ended: 'ended',
};

const STATE_LOOK: Record<SourceState, Pick<NodeStatus, 'fill' | 'shape'>> = {
  closed: { fill: 'grey', shape: 'ring' },
  opening: { fill: 'yellow', shape: 'ring' },
  open: { fill: 'green', shape: 'dot' },
  'bus-off': { fill: 'red', shape: 'dot' },
  reconnecting: { fill: 'yellow', shape: 'ring' },
  failed: { fill: 'red', shape: 'ring' },
  ended: { fill: 'grey', shape: 'dot' },
};

/**
 * The status of a client node for its interface's state; `type` is the client's node type,
 * whose locale has `status.<state>` keys (the client's RED resolves its own namespace).
 */
export function interfaceStatus(RED: NodeAPI, type: string, state: SourceState, detail?: string): NodeStatus {
  const text = RED._(`${type}.status.${STATE_KEYS[state]}`);
  return { ...STATE_LOOK[state], text: detail ? `${text}: ${detail}` : text };
}

/** Looks up the configured interface; returns an error status key when it is missing or broken. */
export function findInterface(RED: NodeAPI, id: unknown): { iface?: CanInterfaceConfigNode; problem?: 'noInterface' | 'badInterface'; detail?: string } {
  const iface = typeof id === 'string' && id ? (RED.nodes.getNode(id) as CanInterfaceConfigNode | null) : null;
  if (!iface || typeof iface.register !== 'function') return { problem: 'noInterface' };
  if (iface.configError) return { iface, problem: 'badInterface', detail: iface.configError };
  return { iface };
}
