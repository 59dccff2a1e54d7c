// The tag-store-in node's editor: the tag store whose values it reads.
import { italicWhenNamed } from '../components/node-labels';
import { t } from '../components/i18n';

interface TagStoreInNode extends EditorNodeInstance {
  store?: string;
}

RED.nodes.registerType<TagStoreInNode>('edgegw-tag-store-in', {
  category: 'edge gateway',
  color: '#A8D58E',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    store: { value: '', type: 'edgegw-tag-store', required: true },
  },
  inputs: 1,
  outputs: 1,
  icon: 'tag-store.svg',
  label() {
    const store = RED.nodes.node(this.store ?? '');
    return this.name || `${t('tag-store.paletteLabel')}${store && store.name ? ` ${store.name}` : ''}`;
  },
  paletteLabel: 'tag store in',
  labelStyle: italicWhenNamed,
});
