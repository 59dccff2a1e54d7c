// The tag-calc node's editor: definitions `name [unit] = expression`, checked on the server as
// they are edited, and when they are computed.
import { field } from '../fields/validator';
import { italicWhenNamed } from '../components/node-labels';
import { eachEntryLine, validation } from '../components/line-table';

interface TagCalcNode extends EditorNodeInstance {
  trigger?: string;
}

/** The answer of POST edgegw/calc/check. */
interface CalcCheckResult {
  ok: boolean;
  definitions: Array<{ name: string; unit?: string }>;
  error: { line: number; column: number; message: string };
}

const DEFINITION = /^\s*[A-Za-z_][A-Za-z0-9_]*\s*(\[[^\]]*\]\s*)?(\{[^}]*\}\s*)?=(?!=)/;

/** The editor's quick check (the live check below and the runtime apply the full sandbox rules). */
function quickCheck(text: string | undefined): string | null {
  let definitions = 0;
  const problem = eachEntryLine(text, (_line, n, raw) => {
    if (!DEFINITION.test(raw)) return `line ${n}: expected "name = expression"`;
    definitions++;
    return null;
  });
  return problem ?? (definitions ? null : 'no definitions');
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
        return validation(quickCheck(v), opt);
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
      $.ajax<CalcCheckResult>({
        url: 'edgegw/calc/check',
        method: 'POST',
        contentType: 'application/json',
        data: JSON.stringify({ definitions: $('#node-input-definitions').val() }),
        dataType: 'json',
      })
        .done((r) => {
          if (r.ok) {
            const names = r.definitions.map((d) => d.name + (d.unit ? ` [${d.unit}]` : '')).join(', ');
            tips.css('color', '').text(`${node._('tag-calc.check.ok', { count: r.definitions.length })}: ${names}`);
          } else {
            tips.css('color', 'var(--red-ui-text-color-error, #d00)').text(node._('tag-calc.check.error', { line: r.error.line, column: r.error.column, message: r.error.message }));
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
