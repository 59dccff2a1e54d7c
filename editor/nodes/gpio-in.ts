// The gpio-in node's editor: which line of which chip, the edges it reports and how long a level must hold, and the tag it is.
import { field } from '../fields/validator';
import { italicWhenNamed } from '../components/node-labels';

RED.nodes.registerType('edgegw-gpio-in', {
  category: 'edge gateway',
  color: '#D7D7A0',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    chip: field('gpio-in', 'chip'),
    line: field('gpio-in', 'line'),
    activeLow: field('gpio-in', 'activeLow'),
    edge: field('gpio-in', 'edge'),
    debounce: field('gpio-in', 'debounce'),
    initialRead: field('gpio-in', 'initialRead'),
    device: field('gpio-in', 'device'),
    tag: field('gpio-in', 'tag'),
  },
  inputs: 0,
  outputs: 1,
  icon: 'gpio-in.svg',
  label() {
    const chip = typeof this.chip === 'string' && this.chip ? `${this.chip}:` : '';
    return this.name || `gpio in ${chip}${String(this.line)}`;
  },
  paletteLabel: 'gpio in',
  labelStyle: italicWhenNamed,
});
