// can-in: frames from a can-interface, filtered by id/mask, one message each or batched.
import type { NodeAPI, Node, NodeDef } from '../common/red';
import { CanFilterError, framePayload, frameTopic, matchesAny, parseFilters, type CanFilter } from '../../lib/can/frame';
import type { CanBusClient } from '../../lib/can/sources';
import { findInterface, interfaceStatus } from '../can-interface/client';
import { migrateNodeConfig } from '../common/migrations';
import { statusText } from '../common/status-text';

/** A batch is sent early when it reaches this many frames, whatever the interval. */
const MAX_BATCH = 10000;
/** How often the status shows the frame rate while the bus is open. */
const RATE_EVERY_MS = 2000;

export = function (RED: NodeAPI) {
  function CanInNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    const bad = (key: string, message: string) => {
      node.status({ fill: 'red', shape: 'ring', text: statusText({ key }) });
      node.error(message);
    };

    const { iface, problem, detail } = findInterface(RED, def.interface);
    if (problem || !iface) {
      bad(
        problem === 'badInterface' ? 'can-in.status.badInterface' : 'can-in.status.noInterface',
        problem === 'badInterface' ? `CAN interface ${iface?.label}: ${detail}` : 'interface: no CAN interface is configured (choose a can-interface node)',
      );
      return;
    }
    let filters: CanFilter[];
    try {
      filters = parseFilters(def.filters as string | undefined);
    } catch (err) {
      bad('can-in.status.badConfig', `filters: ${err instanceof CanFilterError ? err.message : (err as Error).message}`);
      return;
    }
    const batchMs = Number(def.batchMs ?? 0);
    if (!Number.isFinite(batchMs) || batchMs < 0) {
      bad('can-in.status.badConfig', `batchMs: ${JSON.stringify(def.batchMs)} is not 0 (one message per frame) or a number of milliseconds`);
      return;
    }

    let batch: Record<string, unknown>[] = [];
    let batchTimer: NodeJS.Timeout | undefined;
    const flush = () => {
      clearTimeout(batchTimer);
      batchTimer = undefined;
      if (batch.length === 0) return;
      const payload = batch;
      batch = [];
      node.send({ topic: iface.name || iface.label, payload });
    };

    // While the bus is open the status shows the rate of frames this node passes (its filters
    // applied), refreshed by one timer per node, and only when the text changes.
    let passed = 0;
    let rateTimer: NodeJS.Timeout | undefined;
    let lastText = '';
    const showRate = () => {
      const text = statusText({ key: 'can-in.status.receivingRate', args: { rate: Math.round(passed / (RATE_EVERY_MS / 1000)) } });
      passed = 0;
      if (text !== lastText) node.status({ fill: 'green', shape: 'dot', text });
      lastText = text;
    };

    const client: CanBusClient = {
      frame(f) {
        if (filters.length && !matchesAny(f, filters)) return;
        passed++;
        if (batchMs > 0) {
          batch.push(framePayload(f));
          if (batch.length >= MAX_BATCH) flush();
          else if (!batchTimer) batchTimer = setTimeout(flush, batchMs);
          return;
        }
        node.send({ topic: frameTopic(f), payload: framePayload(f) });
      },
      state(state, stateDetail) {
        clearInterval(rateTimer);
        rateTimer = undefined;
        lastText = '';
        node.status(interfaceStatus('can-in', state, stateDetail));
        if (state === 'open') {
          passed = 0;
          rateTimer = setInterval(showRate, RATE_EVERY_MS);
          rateTimer.unref();
        }
      },
    };
    iface.register(client);

    node.on('close', (_removed: boolean, done: () => void) => {
      clearInterval(rateTimer);
      rateTimer = undefined;
      clearTimeout(batchTimer);
      batchTimer = undefined;
      batch = [];
      iface.deregister(client).then(done, (err) => {
        node.error(`close: ${(err as Error).message}`);
        done();
      });
    });
  }

  RED.nodes.registerType('edgegw-can-in', CanInNode);
};
