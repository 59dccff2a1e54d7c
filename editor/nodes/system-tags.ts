// The system-tags node's editor: the device its tags carry, how often, what it emits, and where
// procfs and sysfs are mounted.
import { field } from '../fields/validator';
import { italicWhenNamed } from '../components/node-labels';

RED.nodes.registerType('edgegw-system-tags', {
  category: 'edge gateway',
  color: '#D7D7A0',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    device: field('system-tags', 'device'),
    interval: field('system-tags', 'interval'),
    output: field('system-tags', 'output'),
    procRoot: field('system-tags', 'procRoot'),
    sysRoot: field('system-tags', 'sysRoot'),
  },
  inputs: 1,
  outputs: 1,
  icon: 'system-tags.svg',
  label() {
    return this.name || 'system tags';
  },
  paletteLabel: 'system tags',
  labelStyle: italicWhenNamed,
});
