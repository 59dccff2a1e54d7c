// The gpio-out node's editor: which line of which chip, its level at deploy and when stopped, and the tag it is.
import { field } from '../fields/validator';
import { italicWhenNamed } from '../components/node-labels';

RED.nodes.registerType('edgegw-gpio-out', {
  category: 'edge gateway',
  color: '#D7D7A0',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    chip: field('gpio-out', 'chip'),
    line: field('gpio-out', 'line'),
    activeLow: field('gpio-out', 'activeLow'),
    initial: field('gpio-out', 'initial'),
    safe: field('gpio-out', 'safe'),
    device: field('gpio-out', 'device'),
    tag: field('gpio-out', 'tag'),
  },
  inputs: 1,
  outputs: 1,
  icon: 'gpio-out.svg',
  align: 'right',
  label() {
    const chip = typeof this.chip === 'string' && this.chip ? `${this.chip}:` : '';
    return this.name || `gpio out ${chip}${String(this.line)}`;
  },
  paletteLabel: 'gpio out',
  labelStyle: italicWhenNamed,
});
