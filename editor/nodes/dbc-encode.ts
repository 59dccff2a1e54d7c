// The dbc-encode node's editor: the DBC (a file or the text, checked as it is edited) and the
// message to encode.
import { field } from '../fields/validator';
import { dbcSourceDefaults, prepareDbcForm, type DbcSourceNode } from '../components/dbc-form';
import { italicWhenNamed } from '../components/node-labels';

interface DbcEncodeNode extends DbcSourceNode {
  message?: string;
}

RED.nodes.registerType<DbcEncodeNode>('edgegw-dbc-encode', {
  category: 'edge gateway',
  color: '#8CC4E8',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    ...dbcSourceDefaults<DbcEncodeNode>('dbc-encode'),
    message: field('dbc-encode', 'message'),
  },
  inputs: 1,
  outputs: 1,
  icon: 'dbc-encode.svg',
  label() {
    return this.name || (this.message ? `dbc encode ${this.message}` : 'dbc encode');
  },
  paletteLabel: 'dbc encode',
  labelStyle: italicWhenNamed,
  oneditprepare() {
    prepareDbcForm(this, 'dbc-encode');
  },
});
