// can-in: frames from a can-interface, filtered by id/mask, one message each or batched.
import type { NodeAPI, Node, NodeDef } from '../common/red';
import { CanFilterError, framePayload, frameTopic, matchesAny, parseFilters, type CanFilter } from '../../lib/can/frame';
import type { CanBusClient } from '../../lib/can/sources';
import { interfaceOrRefuse, interfaceStatus } from '../can-interface/client';
import { migrateNodeConfig } from '../common/migrations';
import { LOOK, StatusDisplay } from '../common/node-status';
import { refuseConfig } from '../common/refuse-config';
import { readFields } from '../../lib/config/fields';
import { CAN_IN_FIELDS } from '../../lib/can/fields';

/** A batch is sent early when it reaches this many frames, whatever the interval. */
const MAX_BATCH = 10000;
/** How often the status shows the frame rate while the bus is open. */
const RATE_EVERY_MS = 2000;

export = function (RED: NodeAPI) {
  function CanInNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    const refuse = (statusKey: string, message: string) => refuseConfig(node, { kind: 'can-in', statusKey, message });

    const iface = interfaceOrRefuse(RED, node, 'can-in', def.interface);
    if (!iface) return;
    let filters: CanFilter[];
    try {
      filters = parseFilters(def.filters as string | undefined);
    } catch (err) {
      return refuse('can-in.status.badConfig', `filters: ${err instanceof CanFilterError ? err.message : (err as Error).message}`);
    }
    let batchMs: number;
    try {
      ({ batchMs } = readFields(CAN_IN_FIELDS, def));
    } catch (err) {
      return refuse('can-in.status.badConfig', (err as Error).message);
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
    // applied), refreshed by one timer per node.
    const status = new StatusDisplay(node);
    let passed = 0;
    let rateTimer: NodeJS.Timeout | undefined;
    const showRate = () => {
      status.show(LOOK.ok, 'can-in.status.receivingRate', { rate: Math.round(passed / (RATE_EVERY_MS / 1000)) });
      passed = 0;
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
      state(stats) {
        clearInterval(rateTimer);
        rateTimer = undefined;
        const shown = interfaceStatus('can-in', stats);
        status.showParts(shown.look, ...shown.parts);
        if (stats.state === 'open') {
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
