// The can-in node's editor: which CAN interface, which frames (id filters), and batching.
import { field } from '../fields/validator';
import { italicWhenNamed } from '../components/node-labels';
import { canFiltersValid } from '../components/can-filters';

interface CanInNode extends EditorNodeInstance {
  filters?: string;
}

RED.nodes.registerType<CanInNode>('edgegw-can-in', {
  category: 'edge gateway',
  color: '#8CC4E8',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    interface: { value: '', type: 'edgegw-can-interface', required: true },
    filters: { value: '', validate: canFiltersValid },
    batchMs: field('can-in', 'batchMs'),
  },
  inputs: 0,
  outputs: 1,
  icon: 'can-bus.svg',
  label() {
    return this.name || (this.filters ? `can in ${this.filters}` : 'can in');
  },
  paletteLabel: 'can in',
  labelStyle: italicWhenNamed,
});
