// The stats node's editor: the window (tumbling or sliding, by time or count), the figures, and
// the CSV reports.
import { field, validator } from '../fields/validator';
import { italicWhenNamed } from '../components/node-labels';

interface StatsNode extends EditorNodeInstance {
  length?: number | string;
  lengthUnit?: string;
  windowBy?: string;
  report?: boolean;
}

RED.nodes.registerType<StatsNode>('edgegw-stats', {
  category: 'edge gateway',
  color: '#A8D58E',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    windowKind: field('stats', 'windowKind'),
    windowBy: field('stats', 'windowBy'),
    length: field('stats', 'length'),
    lengthUnit: { value: 'h', validate: validator('stats', 'lengthUnit') },
    hop: field('stats', 'hop'),
    hopUnit: { value: 'min', validate: validator('stats', 'hopUnit') },
    align: { value: true, validate: validator('stats', 'align') },
    timeZone: field('stats', 'timeZone'),
    percentiles: field('stats', 'percentiles'),
    decimals: field('stats', 'decimals'),
    graceSec: field('stats', 'graceSec'),
    maxSkew: field('stats', 'maxSkew'),
    report: field('stats', 'report'),
    reportDir: field('stats', 'reportDir'),
    reportPer: field('stats', 'reportPer'),
    reportPrefix: field('stats', 'reportPrefix'),
    retentionDays: { value: 30, validate: validator('stats', 'retentionDays') },
    persist: field('stats', 'persist'),
    dbFile: field('stats', 'dbFile'),
  },
  inputs: 1,
  outputs: 1,
  icon: 'stats.svg',
  label() {
    if (this.name) return this.name;
    const length = String(this.length) + (this.windowBy === 'count' ? '' : ` ${String(this.lengthUnit)}`);
    return `stats ${length}${this.report ? ' → csv' : ''}`;
  },
  paletteLabel: 'stats',
  labelStyle: italicWhenNamed,
  outputLabels: ['window figures (scan)'],
  oneditprepare() {
    const toggle = (): void => {
      const byTime = $('#node-input-windowBy').val() === 'time';
      const sliding = $('#node-input-windowKind').val() === 'sliding';
      $('#node-input-lengthUnit, #node-input-hopUnit').toggle(byTime);
      $('.stats-time-only').toggle(byTime);
      $('.stats-sliding-only').toggle(sliding);
      $('.stats-report-only').toggle($('#node-input-report').is(':checked'));
      $('.stats-sqlite-only').toggle($('#node-input-persist').val() === 'sqlite');
    };
    $('#node-input-windowBy, #node-input-windowKind, #node-input-report, #node-input-persist').on('change', toggle);
    toggle();
  },
});
