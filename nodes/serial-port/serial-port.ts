// serial-port (config): one serial port's settings (path, baud, parity, data bits, stop bits)
// chosen by the nodes that open it (modbus-connection RTU/ASCII, can-interface SLCAN), and the
// admin endpoint the editors' port pickers list the host's ports from:
//   GET /edgegw/serial/ports -> { ports: [{ path, manufacturer?, serialNumber?, vendorId?, productId?, pnpId?, usedBy? }],
//                                 source: 'serialport' | 'dev', note? } (lib/serial/port-list.ts)
import type { NodeAPI, NodeDef } from '../common/red';
import { registerAdminRoutesOnce } from '../common/admin-routes';
import { migrateNodeConfig } from '../common/migrations';
import { listSerialPorts } from '../../lib/serial/port-list';
import { serialPortSettings } from '../../lib/serial/port-settings';
import type { SerialPortConfigNode } from './api';

type Res = { json(v: unknown): void; status(code: number): Res };

export = function (RED: NodeAPI) {
  registerAdminRoutesOnce(RED, 'serial-port.list', (app, permission) => {
    app.get('/edgegw/serial/ports', permission('serial-port.read'), (_req: unknown, res: Res) => {
      listSerialPorts().then(
        (listing) => res.json(listing),
        (err: Error) => res.status(503).json({ error: err.message }),
      );
    });
  });

  function SerialPortNode(this: SerialPortConfigNode, def: NodeDef) {
    RED.nodes.createNode(this, def);
    def = migrateNodeConfig(def);
    try {
      this.settings = serialPortSettings(def);
    } catch (err) {
      // a config node has no status of its own: the nodes that use it refuse, naming this
      this.settings = undefined;
      this.configError = (err as Error).message;
      this.error(`serial-port: ${this.configError}`);
    }
  }
  RED.nodes.registerType('edgegw-serial-port', SerialPortNode as unknown as (this: import('../common/red').Node, def: NodeDef) => void);
};
