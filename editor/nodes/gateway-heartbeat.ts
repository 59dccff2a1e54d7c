// The gateway-heartbeat node's editor: the gateway's id, how often, and the topic.
import { italicWhenNamed } from '../components/node-labels';
import { gatewayIdProperty } from '../components/gateway-id';
import { t } from '../components/i18n';

RED.nodes.registerType('edgegw-gateway-heartbeat', {
  category: 'edge gateway',
  color: '#E9A08F',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    gatewayId: gatewayIdProperty('gateway-heartbeat.errors.gatewayId'),
    interval: {
      value: 10,
      required: true,
      validate(v) {
        const n = Number(v);
        return (isFinite(n) && n >= 1) || t('gateway-heartbeat.errors.interval');
      },
    },
    topic: {
      value: '',
      validate(v: string) {
        return !v || !/[+#]/.test(v) || t('gateway-heartbeat.errors.topic');
      },
    },
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
