// What nodes that open a serial port (modbus-connection, can-interface) use of the serial-port
// config node: its settings in place of their inline fields, and the process-wide claim on the
// port that refuses a second node at deploy.
import type { Node, NodeAPI, NodeDef } from '../common/red';
import { claimSerialPort, type SerialPortClaim } from '../../lib/serial/claims';
import { withSerialPort, type InlineSerialFields, type SerialPortSettings } from '../../lib/serial/port-settings';

export interface SerialPortConfigNode extends Node {
  /** undefined when the configuration was refused (see configError) */
  settings: SerialPortSettings | undefined;
  configError?: string;
}

/**
 * The node's config with its serial-port config node's settings in place of the inline fields
 * (`names`), or as it is when none is chosen. Throws when the chosen one is missing or refused.
 */
export function resolveSerialPort<T extends NodeDef>(RED: NodeAPI, def: T, names: InlineSerialFields): T {
  const id = typeof def.serialPort === 'string' ? def.serialPort : '';
  if (!id) return def;
  const port = RED.nodes.getNode(id) as SerialPortConfigNode | null;
  if (!port || port.type !== 'edgegw-serial-port') throw new Error(`serialPort: config node ${id} is not deployed`);
  if (!port.settings) throw new Error(`serialPort: ${port.name || id}: ${port.configError ?? 'invalid configuration'}`);
  return withSerialPort(def, port.settings, names);
}

/** Claims `path` for `node`; the error (SerialPortConflictError) names both nodes. */
export function claimPortFor(node: Node, kind: string, path: string): SerialPortClaim {
  return claimSerialPort(path, { id: node.id, label: `${kind} "${node.name || node.id}"` });
}
