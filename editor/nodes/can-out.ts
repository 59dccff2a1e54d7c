// The can-out node's editor: the CAN interface that sends the frames.
import { italicWhenNamed } from '../components/node-labels';

RED.nodes.registerType('edgegw-can-out', {
  category: 'edge gateway',
  color: '#8CC4E8',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    interface: { value: '', type: 'edgegw-can-interface', required: true },
  },
  inputs: 1,
  outputs: 0,
  icon: 'can-bus.svg',
  align: 'right',
  label() {
    return this.name || 'can out';
  },
  paletteLabel: 'can out',
  labelStyle: italicWhenNamed,
});
