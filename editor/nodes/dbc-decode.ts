// The dbc-decode node's editor: the DBC (a file or the text, checked as it is edited) and what
// the decoded frames become.
import { field } from '../fields/validator';
import { dbcSourceDefaults, prepareDbcForm, type DbcSourceNode } from '../components/dbc-form';
import { italicWhenNamed } from '../components/node-labels';

RED.nodes.registerType<DbcSourceNode>('edgegw-dbc-decode', {
  category: 'edge gateway',
  color: '#8CC4E8',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    ...dbcSourceDefaults<DbcSourceNode>('dbc-decode'),
    output: field('dbc-decode', 'output'),
    labels: field('dbc-decode', 'labels'),
    exact: field('dbc-decode', 'exact'),
    device: field('dbc-decode', 'device'),
    store: { value: '', type: 'edgegw-tag-store', required: false },
    unknown: field('dbc-decode', 'unknown'),
    outputs: { value: 1 },
  },
  inputs: 1,
  outputs: 1,
  icon: 'dbc-decode.svg',
  label() {
    return this.name || (this.dbcSource === 'file' && this.dbcFile ? `dbc decode ${this.dbcFile.split('/').pop() ?? ''}` : 'dbc decode');
  },
  paletteLabel: 'dbc decode',
  outputLabels(i) {
    return this._(i === 0 ? 'dbc-decode.outputs.decoded' : 'dbc-decode.outputs.unknown');
  },
  labelStyle: italicWhenNamed,
  oneditprepare() {
    prepareDbcForm(this, 'dbc-decode');
  },
  oneditsave() {
    this.outputs = $('#node-input-unknown').val() === 'pass' ? 2 : 1;
  },
});
