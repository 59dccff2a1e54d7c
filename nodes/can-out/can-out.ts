// can-out: sends msg.payload (a frame, or an array of frames) through a can-interface.
import type { NodeAPI, Node, NodeDef, NodeMessage, SendFn, DoneFn } from '../common/red';
import { reportFailure } from '../common/report-failure';
import { CanFrameError, toCanFrame, type CanFrame } from '../../lib/can/frame';
import type { CanBusClient } from '../../lib/can/sources';
import { interfaceOrRefuse, interfaceStatus } from '../can-interface/client';
import { migrateNodeConfig } from '../common/migrations';
import { StatusDisplay } from '../common/node-status';

export = function (RED: NodeAPI) {
  function CanOutNode(this: Node, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    const node = this;
    const iface = interfaceOrRefuse(RED, node, 'can-out', def.interface, (problem) => RED._(`can-out.errors.${problem}`));
    if (!iface) return;

    const status = new StatusDisplay(node);
    const client: CanBusClient = {
      state(stats) {
        const shown = interfaceStatus('can-out', stats);
        status.showParts(shown.look, ...shown.parts);
      },
    };
    iface.register(client);

    node.on('input', (msg: NodeMessage, _send: SendFn, done: DoneFn) => {
      const items = Array.isArray(msg.payload) ? msg.payload : [msg.payload];
      const frames: CanFrame[] = [];
      for (let i = 0; i < items.length; i++) {
        try {
          frames.push(toCanFrame(items[i]));
        } catch (err) {
          const where = Array.isArray(msg.payload) ? `msg.payload[${i}]` : 'msg.payload';
          const field = err instanceof CanFrameError && err.field !== 'payload' ? `.${err.field}` : '';
          reportFailure(node, msg, done, new Error(`invalid CAN frame in ${where}${field}: ${(err as Error).message}`));
          return;
        }
      }
      (async () => {
        for (const frame of frames) await iface.transmit(frame);
      })().then(
        () => done(),
        (err: Error) => reportFailure(node, msg, done, err),
      );
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      iface.deregister(client).then(done, (err) => {
        node.error(`close: ${(err as Error).message}`);
        done();
      });
    });
  }

  RED.nodes.registerType('edgegw-can-out', CanOutNode);
};
