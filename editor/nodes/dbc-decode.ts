// The dbc-decode node's editor: the DBC (a file or the text, checked as it is edited) and what
// the decoded frames become.
import { dbcSourceDefaults, prepareDbcForm, type DbcSourceNode } from '../components/dbc-form';
import { italicWhenNamed } from '../components/node-labels';

RED.nodes.registerType<DbcSourceNode>('edgegw-dbc-decode', {
  category: 'edge gateway',
  color: '#8CC4E8',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    ...dbcSourceDefaults<DbcSourceNode>(),
    output: {
      value: 'message',
      validate(v) {
        return v === 'message' || v === 'signal' || v === 'batch';
      },
    },
    labels: { value: false },
    exact: { value: false },
    device: { value: '' },
    store: { value: '', type: 'edgegw-tag-store', required: false },
    unknown: {
      value: 'drop',
      validate(v) {
        return v === 'drop' || v === 'pass';
      },
    },
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
