// What can-in and can-out see of their can-interface config node: finding it (or refusing
// without it), and the status that shows its state.
import type { Node, NodeAPI } from '../common/red';
import type { CanBusClient, SourceState, SourceStats } from '../../lib/can/sources';
import type { CanFrame } from '../../lib/can/frame';
import { LOOK, type StatusLook } from '../common/node-status';
import { refuseConfig } from '../common/refuse-config';
import type { StatusPart } from '../common/status-text';

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

export type ClientType = 'can-in' | 'can-out';

export type InterfaceProblem = 'noInterface' | 'badInterface';

const STATE_KEY: Record<SourceState, string> = {
  closed: 'closed',
  opening: 'opening',
  open: 'open',
  'bus-off': 'busOff',
  reconnecting: 'reconnecting',
  failed: 'failed',
  ended: 'ended',
};

/** a replay that played its file to the end: at rest, nothing wrong */
const ENDED: StatusLook = { fill: 'grey', shape: 'dot' };

const STATE_LOOK: Record<SourceState, StatusLook> = {
  closed: LOOK.waiting,
  opening: LOOK.busy,
  open: LOOK.ok,
  'bus-off': LOOK.failed,
  reconnecting: LOOK.busy,
  failed: LOOK.refused,
  ended: ENDED,
};

export interface InterfaceStatus {
  look: StatusLook;
  parts: StatusPart[];
}

/**
 * The status of a client node for its interface's state: beside it the source's problem as a
 * code (the English detail goes to the log and /health), or the frames a finished replay played.
 */
export function interfaceStatus(type: ClientType, stats: Readonly<Pick<SourceStats, 'state' | 'problem' | 'frames'>>): InterfaceStatus {
  const parts: StatusPart[] = [{ key: `${type}.status.${STATE_KEY[stats.state]}` }];
  const { problem } = stats;
  if (problem) parts.push(problem.args ? { key: `${type}.status.problem.${problem.code}`, args: problem.args } : { key: `${type}.status.problem.${problem.code}` });
  else if (stats.state === 'ended') parts.push({ key: `${type}.status.played`, args: { frames: stats.frames } });
  return { look: STATE_LOOK[stats.state], parts };
}

/**
 * The configured interface; without one (none chosen, or one whose configuration is invalid) the
 * node is refused, naming why, and undefined is returned.
 */
export function interfaceOrRefuse(RED: NodeAPI, node: Node, type: ClientType, id: unknown, inputError?: (problem: InterfaceProblem) => string): CanInterfaceConfigNode | undefined {
  const iface = typeof id === 'string' && id ? (RED.nodes.getNode(id) as CanInterfaceConfigNode | null) : null;
  const found = iface && typeof iface.register === 'function';
  if (found && !iface.configError) return iface;
  const problem: InterfaceProblem = found ? 'badInterface' : 'noInterface';
  refuseConfig(node, {
    kind: type,
    statusKey: `${type}.status.${problem}`,
    message: found ? `CAN interface ${iface.label}: ${iface.configError}` : 'interface: no CAN interface is configured (choose a can-interface node)',
    inputError: inputError?.(problem),
  });
  return undefined;
}
