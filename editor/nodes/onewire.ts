// The onewire node's editor: where the w1 devices are listed, how often, and how sensors are named.
import { field } from '../fields/validator';
import { italicWhenNamed } from '../components/node-labels';

RED.nodes.registerType('edgegw-onewire', {
  category: 'edge gateway',
  color: '#D7D7A0',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    root: field('onewire', 'root'),
    interval: field('onewire', 'interval'),
    naming: field('onewire', 'naming'),
    device: field('onewire', 'device'),
  },
  inputs: 1,
  outputs: 1,
  icon: 'onewire.svg',
  label() {
    return this.name || 'onewire';
  },
  paletteLabel: 'onewire',
  labelStyle: italicWhenNamed,
  oneditprepare() {
    // the device names the tags only when sensors are tags of one device
    $('#node-input-naming')
      .on('change', () => $('.node-onewire-device-row').toggle($('#node-input-naming').val() === 'tag'))
      .trigger('change');
  },
});
