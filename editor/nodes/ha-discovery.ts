// The ha-discovery node's editor: the gateway's id and Home Assistant's discovery prefix.
import { field } from '../fields/validator';
import { italicWhenNamed } from '../components/node-labels';

RED.nodes.registerType('edgegw-ha-discovery', {
  category: 'edge gateway',
  color: '#E9A08F',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    gatewayId: field('ha-discovery', 'gatewayId'),
    prefix: field('ha-discovery', 'prefix'),
  },
  inputs: 1,
  outputs: 1,
  icon: 'ha-discovery.svg',
  label() {
    return this.name || 'ha discovery';
  },
  paletteLabel: 'ha discovery',
  labelStyle: italicWhenNamed,
});
