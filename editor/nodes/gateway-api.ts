// The gateway-api config node's editor: the base path the operator API is served at, the origins
// a browser page may call it from, and the request body limit.
import { field } from '../fields/validator';
import { t } from '../components/i18n';

interface GatewayApiNode extends EditorNodeInstance {
  basePath?: string;
}

RED.nodes.registerType<GatewayApiNode>('edgegw-gateway-api', {
  category: 'config',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    basePath: field('gateway-api', 'basePath'),
    corsOrigins: field('gateway-api', 'corsOrigins'),
    bodyLimitKb: field('gateway-api', 'bodyLimitKb'),
  },
  label() {
    return this.name || `${t('gateway-api.paletteLabel')} ${this.basePath || '/api'}`;
  },
  paletteLabel() {
    return t('gateway-api.paletteLabel');
  },
});
