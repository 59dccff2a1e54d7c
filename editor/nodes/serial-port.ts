// The serial-port config node's editor: the port (picked from the host's ports or typed) and its
// framing, chosen by Modbus RTU/ASCII connections and SLCAN CAN interfaces.
import { field } from '../fields/validator';
import { fillPortList } from '../components/serial-port-picker';

interface SerialPortNode extends EditorNodeInstance {
  path?: string;
  baudRate?: number | string;
}

RED.nodes.registerType<SerialPortNode>('edgegw-serial-port', {
  category: 'config',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    path: field('serial-port', 'path'),
    baudRate: field('serial-port', 'baudRate'),
    parity: field('serial-port', 'parity'),
    dataBits: field('serial-port', 'dataBits'),
    stopBits: field('serial-port', 'stopBits'),
  },
  label() {
    return this.name || `${String(this.path)} ${String(this.baudRate)}`;
  },
  paletteLabel: 'serial port',
  oneditprepare() {
    fillPortList('#node-config-serial-port-paths');
  },
});
