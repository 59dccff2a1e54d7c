// The alarm node's editor: rules as a table in the node or a file, and where alarm state persists.
import { field, validator } from '../fields/validator';
import { italicWhenNamed } from '../components/node-labels';
import { eachEntryLine } from '../components/line-table';
import { t } from '../components/i18n';

interface AlarmNode extends EditorNodeInstance {
  rulesSource?: string;
}

const TYPES = ['hi', 'hihi', 'lo', 'lolo', 'roc', 'eq', 'neq', 'bad', 'stale'];
const SEVERITIES = ['low', 'medium', 'high', 'critical'];

/** A quick check in the editor (the runtime validates fully at deploy, naming line and field). */
function firstProblem(text: string | undefined): string | null {
  const t = (text || '').trim();
  if (!t) return 'the rule table is empty';
  if (t.startsWith('[')) {
    try {
      const a: unknown = JSON.parse(t);
      return Array.isArray(a) && a.length ? null : 'a JSON rule table is a non-empty array';
    } catch (e) {
      return `not valid JSON: ${(e as Error).message}`;
    }
  }
  return eachEntryLine(t, (l, n) => {
    if (/^tag\s*,\s*type/i.test(l)) return null;
    const cells = l.split(',');
    if (!cells[0].trim()) return `line ${n}, field tag: missing`;
    const type = (cells[1] || '').trim().toLowerCase();
    if (!TYPES.includes(type)) return `line ${n}, field type: "${type}" is not one of ${TYPES.join(', ')}`;
    const severity = (cells[6] || '').trim().toLowerCase();
    if (severity && !SEVERITIES.includes(severity)) return `line ${n}, field severity: "${severity}" is not one of ${SEVERITIES.join(', ')}`;
    return null;
  });
}

RED.nodes.registerType<AlarmNode>('edgegw-alarm', {
  category: 'edge gateway',
  color: '#A8D58E',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    rulesSource: field('alarm', 'rulesSource'),
    rules: {
      value: 'tag,type,limit,deadband,on_delay,off_delay,severity,message\n',
      validate(v: string | undefined) {
        return this.rulesSource === 'file' || firstProblem(v) === null;
      },
    },
    rulesFile: { value: '', validate: validator('alarm', 'rulesFile') },
    cooldownSec: field('alarm', 'cooldownSec'),
    persist: field('alarm', 'persist'),
    dbFile: field('alarm', 'dbFile'),
    healthOn: field('alarm', 'healthOn'),
  },
  inputs: 1,
  outputs: 2,
  icon: 'alarm.svg',
  label() {
    return this.name || 'alarm';
  },
  paletteLabel: 'alarm',
  labelStyle: italicWhenNamed,
  outputLabels: ['alarm events', 'active list'],
  oneditprepare() {
    const toggle = (): void => {
      const file = $('#node-input-rulesSource').val() === 'file';
      $('.alarm-rules-file').toggle(file);
      $('.alarm-rules-text').toggle(!file);
      $('.alarm-sqlite-only').toggle($('#node-input-persist').val() === 'sqlite');
    };
    const check = (): void => {
      const problem = firstProblem($('#node-input-rules').val());
      $('#alarm-rules-check').text(problem ? problem : t('alarm.check.ok'));
    };
    $('#node-input-rulesSource, #node-input-persist').on('change', toggle);
    $('#node-input-rules').on('input', check);
    toggle();
    check();
  },
});
