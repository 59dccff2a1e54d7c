// The historian node's editor: the database file, the retention, the batches and the deadband.
import { field } from '../fields/validator';
import { italicWhenNamed } from '../components/node-labels';

interface HistorianNode extends EditorNodeInstance {
  retentionDays?: number | string;
}

RED.nodes.registerType<HistorianNode>('edgegw-historian', {
  category: 'edge gateway',
  color: '#A8D58E',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    dbFile: field('historian', 'dbFile'),
    retentionDays: field('historian', 'retentionDays'),
    batchSize: field('historian', 'batchSize'),
    batchMs: field('historian', 'batchMs'),
    deadbandAbs: field('historian', 'deadbandAbs'),
    deadbandPct: field('historian', 'deadbandPct'),
    deadbandTags: field('historian', 'deadbandTags'),
    maxIntervalSec: field('historian', 'maxIntervalSec'),
  },
  inputs: 1,
  outputs: 2,
  icon: 'historian.svg',
  label() {
    return this.name || `historian ${String(this.retentionDays ?? 7)} d`;
  },
  paletteLabel: 'historian',
  labelStyle: italicWhenNamed,
  outputLabels: ['query answers', 'playback (tag messages)'],
});
