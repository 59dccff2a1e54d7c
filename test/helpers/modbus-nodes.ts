// Pieces of the modbus-connection / modbus-server node tests: status and error spies, a client
// node that uses a modbus-connection the way modbus-device does, and a sink that keeps messages.
import type { NodeAPI, Node, NodeDef, NodeMessage, NodeStatus } from '../../nodes/common/red';
import type { ModbusConnectionNode } from '../../nodes/modbus-connection/api';
import { describeStatus } from './status';

/** Every status a node has shown, texts described (node-red-node-test-helper spies on Node.prototype.status). */
export function statuses(node: unknown): NodeStatus[] {
  const spy = (node as { status: { getCalls(): Array<{ thisValue: unknown; args: unknown[] }> } }).status;
  return spy
    .getCalls()
    .filter((c) => c.thisValue === node)
    .map((c) => describeStatus(c.args[0] as NodeStatus));
}

export function lastStatus(node: unknown): NodeStatus | undefined {
  const all = statuses(node);
  return all[all.length - 1];
}

/** Errors a node has reported (node.error, and done(err) which Node-RED logs through node.error). */
export function errorsOf(node: unknown): string[] {
  const spy = (node as { error: { getCalls(): Array<{ thisValue: unknown; args: unknown[] }> } }).error;
  return spy
    .getCalls()
    .filter((c) => c.thisValue === node)
    .map((c) => String((c.args[0] as Error)?.message ?? c.args[0]));
}

export const received = new Map<string, NodeMessage[]>();

/** 'modbus-test-sink' keeps what it receives; 'modbus-test-client' registers with a connection. */
export function testNodesModule(RED: NodeAPI): void {
  function Sink(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const list: NodeMessage[] = [];
    received.set(def.id, list);
    this.on('input', (msg: NodeMessage, _send, done) => {
      list.push(msg);
      done();
    });
  }
  RED.nodes.registerType('modbus-test-sink', Sink);

  function Client(this: Node & { conn?: ModbusConnectionNode }, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const node = this;
    const conn = RED.nodes.getNode(def.connection as string) as ModbusConnectionNode | null;
    if (!conn) return;
    node.conn = conn;
    conn.register(node, { status: true, unit: typeof def.unit === 'number' ? def.unit : undefined });
    node.on('close', (_removed: boolean, done: () => void) => conn.deregister(node, done));
  }
  RED.nodes.registerType('modbus-test-client', Client);
}

/** Keys (a.b.c) and their __placeholders__ of a node's locale message catalog. */
export function localeKeys(type: string, lang: string): Map<string, string> {
  const { readFileSync } = require('node:fs') as typeof import('node:fs');
  const nodePath = require('node:path') as typeof import('node:path');
  const doc = JSON.parse(readFileSync(nodePath.join(__dirname, '..', '..', 'nodes', type, 'locales', lang, `${type}.json`), 'utf8'));
  const out = new Map<string, string>();
  const walk = (o: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(o)) {
      if (v && typeof v === 'object') walk(v as Record<string, unknown>, `${prefix}${k}.`);
      else
        out.set(
          `${prefix}${k}`,
          [...String(v).matchAll(/__(\w+)__/g)]
            .map((m) => m[1])
            .sort()
            .join(','),
        );
    }
  };
  walk(doc, '');
  return out;
}
