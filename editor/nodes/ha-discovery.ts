// The ha-discovery node's editor: the gateway's id and Home Assistant's discovery prefix.
import { italicWhenNamed } from '../components/node-labels';
import { gatewayIdProperty } from '../components/gateway-id';
import { t } from '../components/i18n';

RED.nodes.registerType('edgegw-ha-discovery', {
  category: 'edge gateway',
  color: '#E9A08F',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    gatewayId: gatewayIdProperty('ha-discovery.errors.gatewayId'),
    prefix: {
      value: 'homeassistant',
      validate(v: string) {
        return !v || (!/[+#]/.test(v) && !v.startsWith('/') && v.charAt(v.length - 1) !== '/') || t('ha-discovery.errors.prefix');
      },
    },
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
