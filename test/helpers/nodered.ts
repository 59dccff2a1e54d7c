// node-red-node-test-helper against the Node-RED 4.1 in our devDependencies. Node wrappers are
// loaded from source (TypeScript through tsx), so these tests need no build.
import helper from 'node-red-node-test-helper';

helper.init(require.resolve('node-red'));

/** How long a redeploy may take to report flows:started; generous for a loaded machine. */
const FLOWS_STARTED_MS = 30000;

// The helper's own setFlows waits only 300 ms for 'flows:started' after the deploy resolved, and
// rejects with "timeout waiting event" when the machine is busy (seen with two CPU hogs beside the
// suite). Same contract, a bound that holds on a loaded machine, and the listener is in place
// before the deploy starts so an early event is not missed.
interface HelperInternals {
  _events: { on(event: string, fn: () => void): void; off(event: string, fn: () => void): void };
  _redNodes: { setFlows(flow: unknown[], credentials: Record<string, unknown>, type: string): Promise<unknown> };
}
const internals = helper as unknown as HelperInternals;
helper.setFlows = async (flow: unknown[], type?: string, credentials?: Record<string, unknown>): Promise<void> => {
  let onStarted: () => void = () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const started = new Promise<void>((resolve, reject) => {
    onStarted = resolve;
    timer = setTimeout(() => reject(new Error(`flows:started not seen within ${FLOWS_STARTED_MS} ms of a ${type || 'full'} deploy`)), FLOWS_STARTED_MS);
  });
  // handled here so a timeout during a slow deploy is not an unhandled rejection; awaited below
  started.catch(() => undefined);
  internals._events.on('flows:started', onStarted);
  try {
    await internals._redNodes.setFlows(flow, credentials ?? {}, typeof type === 'string' && type ? type : 'full');
    await started;
  } finally {
    clearTimeout(timer);
    internals._events.off('flows:started', onStarted);
  }
};

export { helper };

/** The arguments of every call a node made to its own status/error/log/warn (the helper spies on them). */
export function calls(node: any, method: 'status' | 'error' | 'log' | 'warn'): unknown[][] {
  return node[method]
    .getCalls()
    .filter((c: any) => c.thisValue === node)
    .map((c: any) => c.args);
}

/** A node module (the function Node-RED calls with RED) from nodes/<type>/<type>.ts. */
export function nodeModule(type: string): unknown {
  const mod = require(`../../nodes/${type}/${type}`);
  return mod.default ?? mod;
}
