// The modbus-server node's editor: the listening transport, the units and areas it serves, its
// tags, and whether its registers persist.
import { field, validator } from '../fields/validator';
import { tcpLike } from '../components/modbus-transport';

interface ModbusServerNode extends EditorNodeInstance {
  transport?: string;
  port?: number | string;
  path?: string;
  persistence?: string;
  persist?: boolean | string;
  persistFile?: string;
  /** while the dialog is open: the tags' text editor */
  editor?: RedCodeEditor;
}

const UNITS = /^\s*(any|\*|(\d+(-\d+)?)([\s,;]+\d+(-\d+)?)*)\s*$/i;
const SQLITE_FILE = /\.(db|sqlite3?|db3)$/i;

RED.nodes.registerType<ModbusServerNode>('edgegw-modbus-server', {
  category: 'edge gateway',
  color: '#F0B86E',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    transport: field('modbus-server', 'transport'),
    host: { value: '127.0.0.1', validate: validator('modbus-server', 'host') },
    port: { value: 5020, validate: validator('modbus-server', 'port') },
    path: field('modbus-server', 'path'),
    baudRate: field('modbus-server', 'baudRate'),
    parity: field('modbus-server', 'parity'),
    dataBits: field('modbus-server', 'dataBits'),
    stopBits: field('modbus-server', 'stopBits'),
    units: {
      value: '1',
      validate(v: string | number | undefined) {
        return UNITS.test(String(v || ''));
      },
    },
    coilSize: field('modbus-server', 'coilSize'),
    discreteSize: field('modbus-server', 'discreteSize'),
    holdingSize: field('modbus-server', 'holdingSize'),
    inputSize: field('modbus-server', 'inputSize'),
    coilStart: field('modbus-server', 'coilStart'),
    discreteStart: field('modbus-server', 'discreteStart'),
    holdingStart: field('modbus-server', 'holdingStart'),
    inputStart: field('modbus-server', 'inputStart'),
    maxConnections: field('modbus-server', 'maxConnections'),
    idleTimeout: field('modbus-server', 'idleTimeout'),
    tags: { value: '' },
    notation: field('modbus-server', 'notation'),
    // units simulating a shipped device template ("2: eastron-sdm630"), checked at deploy
    simulation: field('modbus-server', 'simulation'),
    // what FC 43/14 (read device identification) answers
    vendorName: field('modbus-server', 'vendorName'),
    productCode: field('modbus-server', 'productCode'),
    majorMinorRevision: field('modbus-server', 'majorMinorRevision'),
    vendorUrl: field('modbus-server', 'vendorUrl'),
    productName: field('modbus-server', 'productName'),
    modelName: field('modbus-server', 'modelName'),
    userApplicationName: field('modbus-server', 'userApplicationName'),
    // persistence replaces the boolean persist ('' = not chosen yet: persist and the file
    // name decide, as in flows saved before this option); persist is kept in step for older runtimes
    persistence: {
      value: '',
      validate(v: string | undefined) {
        return ['', 'none', 'json', 'sqlite'].includes(v || '');
      },
    },
    persist: { value: false },
    persistFile: { value: '' },
  },
  inputs: 1,
  outputs: 1,
  icon: 'modbus-server.svg',
  align: 'right',
  label() {
    if (this.name) return this.name;
    return tcpLike(this.transport) ? `modbus server :${String(this.port)}` : `modbus server ${String(this.path)}`;
  },
  paletteLabel: 'modbus server',
  inputLabels() {
    return this._('modbus-server.label.input');
  },
  outputLabels() {
    return this._('modbus-server.label.output');
  },
  oneditprepare() {
    const show = (): void => {
      const t = $('#node-input-transport').val();
      $('.modbus-srv-tcp').toggle(tcpLike(t));
      $('.modbus-srv-serial').toggle(!tcpLike(t));
      $('.modbus-srv-persist-file').toggle($('#node-input-persistence').val() !== 'none');
    };
    if (!this.persistence) {
      // a node saved before the persistence option: the runtime reads it the same way
      const legacy = this.persist === true || this.persist === 'true';
      $('#node-input-persistence').val(!legacy ? 'none' : SQLITE_FILE.test(String(this.persistFile || '').trim()) ? 'sqlite' : 'json');
    }
    $('#node-input-transport').on('change', show);
    $('#node-input-persistence').on('change', show);
    show();
    this.editor = RED.editor.createEditor({ id: 'node-input-tags-editor', mode: 'text', value: $('#node-input-tags').val() });
  },
  oneditsave() {
    $('#node-input-persist').val(String($('#node-input-persistence').val() !== 'none'));
    if (this.editor) {
      $('#node-input-tags').val(this.editor.getValue());
      this.editor.destroy();
    }
    delete this.editor;
  },
  oneditcancel() {
    this.editor?.destroy();
    delete this.editor;
  },
});
