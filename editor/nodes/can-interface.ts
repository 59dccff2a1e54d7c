// The can-interface config node's editor: SocketCAN, a serial SLCAN adapter, or a log replay.
import { field } from '../fields/validator';
import { canFiltersValid } from '../components/can-filters';
import { fillPortList } from '../components/serial-port-picker';

interface CanInterfaceNode extends EditorNodeInstance {
  kind?: string;
  iface?: string;
  serialPath?: string;
  file?: string;
  bitrate?: number | string;
}

const BITRATES = [10000, 20000, 50000, 100000, 125000, 250000, 500000, 800000, 1000000];

RED.nodes.registerType<CanInterfaceNode>('edgegw-can-interface', {
  category: 'config',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    kind: field('can-interface', 'kind'),
    iface: field('can-interface', 'iface'),
    filters: {
      value: '',
      validate(v: string | undefined) {
        return this.kind !== 'socketcan' || canFiltersValid(v);
      },
    },
    serialPort: { value: '', type: 'edgegw-serial-port', required: false },
    serialPath: field('can-interface', 'serialPath'),
    baudRate: field('can-interface', 'baudRate'),
    bitrate: field('can-interface', 'bitrate'),
    timestamps: field('can-interface', 'timestamps'),
    listenOnly: field('can-interface', 'listenOnly'),
    statusPollMs: field('can-interface', 'statusPollMs'),
    file: field('can-interface', 'file'),
    pace: field('can-interface', 'pace'),
    speed: field('can-interface', 'speed'),
    loop: field('can-interface', 'loop'),
    replayTimestamps: field('can-interface', 'replayTimestamps'),
  },
  label() {
    if (this.name) return this.name;
    if (this.kind === 'socketcan') return `socketcan ${String(this.iface)}`;
    if (this.kind === 'slcan') return `slcan ${String(this.serialPath)}`;
    return `replay ${(this.file || '').split('/').pop() ?? ''}`;
  },
  paletteLabel: 'can interface',
  oneditprepare() {
    const bitrate = $('#node-config-input-bitrate');
    for (const b of BITRATES)
      bitrate.append(
        $('<option>')
          .val(b)
          .text(b >= 1000000 ? `${b / 1000000} Mbit/s` : `${b / 1000} kbit/s`),
      );
    bitrate.val(String(this.bitrate || 500000));
    fillPortList('#node-config-can-interface-paths');
    const show = (): void => {
      const kind = $('#node-config-input-kind').val();
      // a chosen serial-port config node holds the path and baud rate: the inline fields step aside
      const shared = !!$('#node-config-input-serialPort').val() && $('#node-config-input-serialPort').val() !== '_ADD_';
      $('.can-iface-socketcan').toggle(kind === 'socketcan');
      $('.can-iface-slcan').toggle(kind === 'slcan');
      $('.can-iface-slcan-inline').toggle(kind === 'slcan' && !shared);
      $('.can-iface-replay').toggle(kind === 'replay');
    };
    $('#node-config-input-kind').on('change', show);
    $('#node-config-input-serialPort').on('change', show);
    show();
  },
});
