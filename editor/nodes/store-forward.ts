// The store-forward node's editor: the target, the durable queue, its limits and batching.
import { field, validator } from '../fields/validator';

interface StoreForwardNode extends EditorNodeInstance {
  queue?: string;
}

RED.nodes.registerType<StoreForwardNode>('edgegw-store-forward', {
  category: 'edge gateway',
  color: '#C3A8E0',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    target: { value: '', type: 'edgegw-forward-target', required: true },
    queue: field('store-forward', 'queue'),
    storage: field('store-forward', 'storage'),
    durability: field('store-forward', 'durability'),
    batchMs: field('store-forward', 'batchMs'),
    batchMax: field('store-forward', 'batchMax'),
    maxMessages: { value: 1000000, validate: validator('store-forward', 'maxMessages') },
    maxMB: { value: 1024, validate: validator('store-forward', 'maxMB') },
    maxAgeH: field('store-forward', 'maxAgeH'),
    policy: field('store-forward', 'policy'),
    maxWaiting: field('store-forward', 'maxWaiting'),
    retentionH: { value: 0, validate: validator('store-forward', 'retentionH') },
    ackOutput: { value: false },
  },
  inputs: 1,
  outputs: 2,
  icon: 'store-forward.svg',
  label() {
    return this.name || this.queue || 'store & forward';
  },
  paletteLabel: 'store & forward',
  outputLabels(i) {
    return this._(i === 0 ? 'store-forward.outputs.acks' : 'store-forward.outputs.dead');
  },
});
