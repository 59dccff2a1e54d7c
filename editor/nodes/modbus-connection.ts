// The modbus-connection config node's editor: the line (TCP, RTU over TCP, RTU or ASCII on a
// serial port) and its timing, back-off and breaker settings.
import { field, validator } from '../fields/validator';
import { tcpLike } from '../components/modbus-transport';
import { fillPortList } from '../components/serial-port-picker';

interface ModbusConnectionNode extends EditorNodeInstance {
  transport?: string;
  host?: string;
  port?: number | string;
  path?: string;
  baudRate?: number | string;
}

RED.nodes.registerType<ModbusConnectionNode>('edgegw-modbus-connection', {
  category: 'config',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    transport: field('modbus-connection', 'transport'),
    host: field('modbus-connection', 'host'),
    port: field('modbus-connection', 'port'),
    serialPort: { value: '', type: 'edgegw-serial-port', required: false },
    path: field('modbus-connection', 'path'),
    baudRate: field('modbus-connection', 'baudRate'),
    parity: field('modbus-connection', 'parity'),
    dataBits: { value: 8, validate: validator('modbus-connection', 'dataBits') },
    stopBits: field('modbus-connection', 'stopBits'),
    timeoutMs: field('modbus-connection', 'timeoutMs'),
    maxInFlight: field('modbus-connection', 'maxInFlight'),
    reconnectMinMs: field('modbus-connection', 'reconnectMinMs'),
    reconnectMaxMs: field('modbus-connection', 'reconnectMaxMs'),
    unitBackoffMinMs: field('modbus-connection', 'unitBackoffMinMs'),
    unitBackoffMaxMs: field('modbus-connection', 'unitBackoffMaxMs'),
    breakerThreshold: field('modbus-connection', 'breakerThreshold'),
    breakerResetMs: field('modbus-connection', 'breakerResetMs'),
    queueTimeoutMs: field('modbus-connection', 'queueTimeoutMs'),
    interFrameDelayMs: field('modbus-connection', 'interFrameDelayMs'),
  },
  label() {
    if (this.name) return this.name;
    if (tcpLike(this.transport)) return `${this.transport === 'tcp' ? 'modbus tcp ' : 'rtu over tcp '}${String(this.host)}:${String(this.port)}`;
    return `${this.transport === 'ascii' ? 'modbus ascii ' : 'modbus rtu '}${String(this.path)} ${String(this.baudRate)}`;
  },
  paletteLabel: 'modbus connection',
  oneditprepare() {
    fillPortList('#node-config-modbus-connection-paths');
    const show = (): void => {
      const t = $('#node-config-input-transport').val();
      // a chosen serial-port config node holds the port and its framing: the inline fields step aside
      const shared = !!$('#node-config-input-serialPort').val() && $('#node-config-input-serialPort').val() !== '_ADD_';
      $('.modbus-conn-tcp').toggle(tcpLike(t));
      $('.modbus-conn-serial').toggle(!tcpLike(t));
      $('.modbus-conn-serial-inline').toggle(!tcpLike(t) && !shared);
      $('.modbus-conn-inflight').toggle(t === 'tcp');
    };
    $('#node-config-input-transport').on('change', show);
    $('#node-config-input-serialPort').on('change', show);
    show();
  },
});
