// The gateway-heartbeat node's editor: the gateway's id, how often, and the topic.
import { field } from '../fields/validator';
import { italicWhenNamed } from '../components/node-labels';

RED.nodes.registerType('edgegw-gateway-heartbeat', {
  category: 'edge gateway',
  color: '#E9A08F',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    gatewayId: field('gateway-heartbeat', 'gatewayId'),
    interval: field('gateway-heartbeat', 'interval'),
    topic: field('gateway-heartbeat', 'topic'),
  },
  inputs: 1,
  outputs: 1,
  icon: 'heartbeat.svg',
  label() {
    return this.name || 'gateway heartbeat';
  },
  paletteLabel: 'gateway heartbeat',
  labelStyle: italicWhenNamed,
});
