// The dashboard-feed node's editor: how fast widgets are updated, how often the overview is read,
// how far back trend charts start.
import { field } from '../fields/validator';
import { italicWhenNamed } from '../components/node-labels';

interface DashboardFeedNode extends EditorNodeInstance {
  maxRate?: string;
}

RED.nodes.registerType<DashboardFeedNode>('edgegw-dashboard-feed', {
  category: 'edge gateway',
  color: '#E9A08F',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    maxRate: field('dashboard-feed', 'maxRate'),
    overviewS: field('dashboard-feed', 'overviewS'),
    historyMinutes: field('dashboard-feed', 'historyMinutes'),
    diskPath: field('dashboard-feed', 'diskPath'),
  },
  inputs: 1,
  outputs: 5,
  outputLabels: ['overview', 'devices', 'alarms', 'controls', 'tag picker'],
  icon: 'dashboard.svg',
  label() {
    return this.name || 'dashboard feed';
  },
  paletteLabel: 'dashboard feed',
  labelStyle: italicWhenNamed,
});
