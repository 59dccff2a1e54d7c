// The audit-in node's editor: which kind of audit record it emits (blank: every one).
import { field } from '../fields/validator';
import { italicWhenNamed } from '../components/node-labels';

interface AuditInNode extends EditorNodeInstance {
  kind?: string;
}

RED.nodes.registerType<AuditInNode>('edgegw-audit-in', {
  category: 'edge gateway',
  color: '#E9A08F',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    kind: field('audit-in', 'kind'),
  },
  inputs: 0,
  outputs: 1,
  icon: 'audit.svg',
  label() {
    return this.name || (this.kind ? `audit: ${this.kind}` : 'audit');
  },
  paletteLabel: 'audit in',
  labelStyle: italicWhenNamed,
});
