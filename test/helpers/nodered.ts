// node-red-node-test-helper against the Node-RED 4.1 in our devDependencies. Node wrappers are
// loaded from source (TypeScript through tsx), so these tests need no build.
import helper from 'node-red-node-test-helper';

helper.init(require.resolve('node-red'));

export { helper };

/** A node module (the function Node-RED calls with RED) from nodes/<type>/<type>.ts. */
export function nodeModule(type: string): unknown {
  const mod = require(`../../nodes/${type}/${type}`);
  return mod.default ?? mod;
}
