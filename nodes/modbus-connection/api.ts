// What client nodes (modbus-device, and any other user of a Modbus line) may use of a
// modbus-connection config node.
import type { Node, NodeStatus } from '../common/red';
import type { ModbusLine } from '../../lib/modbus/line/types';

export interface RegisterOptions {
  /** let the connection set this client's status from the line state (default false: the client shows its own) */
  status?: boolean;
  /** the unit this client talks to: its breaker/suspension shows in the pushed status */
  unit?: number;
}

export interface ModbusConnectionNode extends Node {
  /** the shared line; undefined when the connection's configuration is invalid (see configError) */
  line: ModbusLine | undefined;
  /** the transport as people read it (tcp://host:port, rtu:/dev/ttyUSB0@9600); unset when refused */
  address?: string;
  /** why the configuration was refused, when it was */
  configError?: string;
  register(client: Node, opts?: RegisterOptions): void;
  /** `done` is called at once; present for symmetry with Node-RED's mqtt-broker */
  deregister(client: Node, done?: () => void): void;
  /** The line's status as a node status, seen from one unit when given. */
  statusText(unit?: number): NodeStatus;
}

/** Narrows RED.nodes.getNode(id) to a modbus-connection node that has a working line. */
export function isModbusConnection(n: unknown): n is ModbusConnectionNode & { line: ModbusLine } {
  const c = n as Partial<ModbusConnectionNode> | null;
  return !!c && c.type === 'edgegw-modbus-connection' && !!c.line && typeof c.register === 'function';
}
