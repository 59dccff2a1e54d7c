// What can-in and can-out see of their can-interface config node, and how they show its state.
import type { Node, NodeAPI, NodeStatus } from '../common/red';
import type { CanBusClient, SourceState } from '../../lib/can/sources';
import type { CanFrame } from '../../lib/can/frame';
import { statusText, type StatusPart } from '../common/status-text';

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

type ClientType = 'can-in' | 'can-out';

const STATE_KEYS: Record<ClientType, Record<SourceState, string>> = {
  'can-in': {
    closed: 'can-in.status.closed',
    opening: 'can-in.status.opening',
    open: 'can-in.status.open',
    'bus-off': 'can-in.status.busOff',
    reconnecting: 'can-in.status.reconnecting',
    failed: 'can-in.status.failed',
    ended: 'can-in.status.ended',
  },
  'can-out': {
    closed: 'can-out.status.closed',
    opening: 'can-out.status.opening',
    open: 'can-out.status.open',
    'bus-off': 'can-out.status.busOff',
    reconnecting: 'can-out.status.reconnecting',
    failed: 'can-out.status.failed',
    ended: 'can-out.status.ended',
  },
};

const DETAIL_KEYS: Record<ClientType, string> = { 'can-in': 'can-in.status.detail', 'can-out': 'can-out.status.detail' };

const STATE_LOOK: Record<SourceState, Pick<NodeStatus, 'fill' | 'shape'>> = {
  closed: { fill: 'grey', shape: 'ring' },
  opening: { fill: 'yellow', shape: 'ring' },
  open: { fill: 'green', shape: 'dot' },
  'bus-off': { fill: 'red', shape: 'dot' },
  reconnecting: { fill: 'yellow', shape: 'ring' },
  failed: { fill: 'red', shape: 'ring' },
  ended: { fill: 'grey', shape: 'dot' },
};

/** The status of a client node for its interface's state, the source's detail beside it. */
export function interfaceStatus(type: ClientType, state: SourceState, detail?: string): NodeStatus {
  const parts: StatusPart[] = [{ key: STATE_KEYS[type][state] }];
  if (detail) parts.push({ key: DETAIL_KEYS[type], args: { detail } });
  return { ...STATE_LOOK[state], text: statusText(...parts) };
}

/** Looks up the configured interface; returns an error status key when it is missing or broken. */
export function findInterface(RED: NodeAPI, id: unknown): { iface?: CanInterfaceConfigNode; problem?: 'noInterface' | 'badInterface'; detail?: string } {
  const iface = typeof id === 'string' && id ? (RED.nodes.getNode(id) as CanInterfaceConfigNode | null) : null;
  if (!iface || typeof iface.register !== 'function') return { problem: 'noInterface' };
  if (iface.configError) return { iface, problem: 'badInterface', detail: iface.configError };
  return { iface };
}
