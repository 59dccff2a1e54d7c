// node-red-node-test-helper hands nodes a RED without `hooks`, which the real runtime's node API
// has (RED.hooks = the @node-red/util hooks that Node.prototype._complete triggers). Loaded first
// in helper.load, this module gives the helper's RED the runtime's own hooks.
import type { NodeAPI } from '../../nodes/common/red';

export function nodeRedHooks(): { add(id: string, fn: (e: unknown) => unknown): void; remove(id: string): void; has(id: string): boolean } {
  return require(require.resolve('@node-red/util', { paths: [require.resolve('node-red')] })).hooks;
}

export function hooksModule(RED: NodeAPI): void {
  if (!RED.hooks) (RED as { hooks?: unknown }).hooks = nodeRedHooks();
}
