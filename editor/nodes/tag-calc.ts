// The tag-calc node's editor: definitions `name [unit] = expression`, checked on the server as
// they are edited, and when they are computed.
import { field } from '../fields/validator';
import { italicWhenNamed } from '../components/node-labels';
import { validation } from '../components/line-table';
import { textOr } from '../components/i18n';
import { checkErrorText, quickCheck, type CalcCheckAnswer } from '../components/calc-check';

interface TagCalcNode extends EditorNodeInstance {
  trigger?: string;
}

RED.nodes.registerType<TagCalcNode>('edgegw-tag-calc', {
  category: 'edge gateway',
  color: '#A8D58E',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    definitions: {
      value: 'power_kw [kW] = voltage * current * pf / 1000',
      validate(v: string | undefined, opt) {
        return validation(quickCheck(v, textOr), opt);
      },
    },
    device: field('tag-calc', 'device'),
    trigger: field('tag-calc', 'trigger'),
    interval: field('tag-calc', 'interval'),
    output: field('tag-calc', 'output'),
    missing: field('tag-calc', 'missing'),
    store: { value: '', type: 'edgegw-tag-store', required: false },
  },
  inputs: 1,
  outputs: 1,
  icon: 'tag-calc.svg',
  label() {
    return this.name || 'tag calc';
  },
  paletteLabel: 'tag calc',
  labelStyle: italicWhenNamed,
  oneditprepare() {
    const node = this;
    const tips = $('#tag-calc-check');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const check = (): void => {
      $.ajax<CalcCheckAnswer>({
        url: 'edgegw/calc/check',
        method: 'POST',
        contentType: 'application/json',
        data: JSON.stringify({ definitions: $('#node-input-definitions').val(), codes: true }),
        dataType: 'json',
      })
        .done((r) => {
          if (r.ok) {
            const names = r.definitions.map((d) => d.name + (d.unit ? ` [${d.unit}]` : '')).join(', ');
            tips.css('color', '').text(`${node._('tag-calc.check.ok', { count: r.definitions.length })}: ${names}`);
          } else {
            tips.css('color', 'var(--red-ui-text-color-error, #d00)').text(checkErrorText(r.error, textOr));
          }
        })
        .fail((xhr) => void tips.css('color', '').text(xhr.statusText));
    };
    $('#node-input-definitions').on('input', () => {
      clearTimeout(timer);
      timer = setTimeout(check, 300);
    });
    check();
    const showInterval = (): void => void $('.tag-calc-interval').toggle($('#node-input-trigger').val() !== 'input');
    $('#node-input-trigger').on('change', showInterval);
    showInterval();
  },
});
