// Shared pieces of the CAN and DBC node tests: DBC fixture paths and reference decodes, status and
// error spies, and a sink node that records every message from the moment the flow starts (so a
// fast replay that is over before a test could attach an 'input' listener loses nothing).
import type { NodeAPI, Node, NodeDef, NodeMessage, SendFn, DoneFn, NodeStatus } from '../../nodes/common/red';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { DBC_FIXTURES } from './can-fixtures';
import { describeStatus } from './status';

export const repoRoot = join(__dirname, '..', '..');
export const dbcPath = (...parts: string[]) => join(DBC_FIXTURES, ...parts);
export const MOTOHAWK = dbcPath('cantools', 'motohawk.dbc');

export interface ExpectedFrame {
  id: number;
  extended: boolean;
  data: string;
  signals: Record<string, number | string>;
}

/** The reference decodes of test/fixtures/dbc/expected/<file>.jsonl. */
export function expectedFrames(dbcFile: string): ExpectedFrame[] {
  return readFileSync(dbcPath('expected', `${dbcFile}.jsonl`), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as ExpectedFrame);
}

/** Decoded values equal the reference: relative tolerance 1e-9; strings (NaN, big integers) as text. */
export function assertSignals(actual: Record<string, unknown>, expected: Record<string, number | string>, where: string): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${where}: signal names`);
  for (const [name, v] of Object.entries(expected)) {
    const a = actual[name];
    if (typeof v === 'number') {
      assert.equal(typeof a, 'number', `${where}.${name}: ${String(a)}`);
      assert.ok(Math.abs((a as number) - v) <= 1e-9 * Math.max(1, Math.abs(v)), `${where}.${name}: ${String(a)} != ${v}`);
    } else {
      assert.equal(String(a), v, `${where}.${name}`);
    }
  }
}

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

/** Errors a node has reported (node.error and done(err)). */
export function errorsOf(node: unknown): string[] {
  const spy = (node as { error: { getCalls(): Array<{ thisValue: unknown; args: unknown[] }> } }).error;
  return spy
    .getCalls()
    .filter((c) => c.thisValue === node)
    .map((c) => String((c.args[0] as Error)?.message ?? c.args[0]));
}

/** Warnings a node has logged (node.warn). */
export function warningsOf(node: unknown): string[] {
  const spy = (node as { warn: { getCalls(): Array<{ thisValue: unknown; args: unknown[] }> } }).warn;
  return spy
    .getCalls()
    .filter((c) => c.thisValue === node)
    .map((c) => String(c.args[0]));
}

export const collected = new Map<string, NodeMessage[]>();

/** Messages a `test-collect` node with this id has received so far (an empty list before any). */
export function received(id: string): NodeMessage[] {
  let list = collected.get(id);
  if (!list) {
    list = [];
    collected.set(id, list);
  }
  return list;
}

/** Pass to helper.load beside the modules under test; nodes of type `test-collect` record into `received(id)`. */
export function collectorModule(RED: NodeAPI): void {
  RED.nodes.registerType('test-collect', function (this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    const list = received(def.id);
    this.on('input', (msg: NodeMessage, _send: SendFn, done: DoneFn) => {
      list.push(msg);
      done();
    });
  });
}

export function clearCollected(): void {
  collected.clear();
}
