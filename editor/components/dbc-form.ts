// The DBC part of the dbc-decode and dbc-encode nodes: its properties (a file or the DBC text
// itself) and, in the edit dialog, the switch between the two and a live check of the DBC on the
// server (POST edgegw/dbc/check) as it is edited, with a syntax error's line and column (a link
// that selects the place in the text) under the field.
import { field } from '../fields/validator';

/** The node properties of the DBC part. */
export interface DbcSourceNode extends EditorNodeInstance {
  dbcSource?: string;
  dbcFile?: string;
  dbcText?: string;
}

/** The `defaults` entries of the DBC part: a file path or the DBC text, whichever the source says. */
export function dbcSourceDefaults<N extends DbcSourceNode>(schema: 'dbc-decode' | 'dbc-encode'): Record<'dbcSource' | 'dbcFile' | 'dbcText', NodePropertyDefinition<N>> {
  return {
    dbcSource: field(schema, 'dbcSource'),
    dbcFile: {
      value: '',
      validate(v: string | undefined) {
        return this.dbcSource === 'text' || !!(v && v.trim());
      },
    },
    dbcText: {
      value: '',
      validate(v: string | undefined) {
        return this.dbcSource !== 'text' || !!(v && v.trim());
      },
    },
  };
}

/** The answer of POST edgegw/dbc/check. */
interface DbcCheckResult {
  ok: boolean;
  messages?: number;
  signals?: number;
  warningCount?: number;
  warnings?: Array<{ line: number; message: string }>;
  error?: { line?: number; column?: number; message?: string };
}

/** Selects the text from a line's column to the end of that line. */
function selectPlace(textarea: HTMLTextAreaElement, line: number, column: number): void {
  const lines = textarea.value.split('\n');
  let start = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) start += lines[i].length + 1;
  textarea.focus();
  textarea.setSelectionRange(start + Math.max(0, column - 1), start + (lines[line - 1] ?? '').length);
}

/**
 * Prepares the DBC part of an edit dialog: `type` names the node's catalogue and the element ids
 * (`<type>-dbc-check`, `.<type>-dbc-text`, `.<type>-dbc-file`).
 */
export function prepareDbcForm(node: EditedNode, type: string): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let seq = 0;
  const result = $(`#${type}-dbc-check`);
  const show = (r: DbcCheckResult): void => {
    result.empty().css('color', '');
    if (r.ok) {
      result.text(node._(`${type}.check.ok`, { messages: r.messages, signals: r.signals }));
      const first = r.warnings?.[0];
      if (r.warningCount && first) result.append($('<div>').text(node._(`${type}.check.warnings`, { count: r.warningCount, line: first.line, message: first.message })));
      return;
    }
    const e = r.error ?? {};
    result.css('color', 'var(--red-ui-text-color-error, #d6615f)');
    if (!e.line) {
      result.text(e.message ?? '');
      return;
    }
    const line = e.line;
    const link = $('<a href="#">').text(node._(`${type}.check.error`, { line, column: e.column, message: e.message }));
    link.on('click', (ev) => {
      ev.preventDefault();
      const textarea = $('#node-input-dbcText')[0];
      if (textarea instanceof HTMLTextAreaElement && $('#node-input-dbcSource').val() === 'text') selectPlace(textarea, line, e.column ?? 1);
    });
    result.append(link);
  };
  const run = (): void => {
    const mine = ++seq;
    const body = { dbcSource: $('#node-input-dbcSource').val(), dbcFile: $('#node-input-dbcFile').val(), dbcText: $('#node-input-dbcText').val() };
    if (!(body.dbcSource === 'text' ? body.dbcText : body.dbcFile)) {
      result.empty();
      return;
    }
    result.css('color', '').text(node._(`${type}.check.checking`));
    $.ajax<DbcCheckResult>({ url: 'edgegw/dbc/check', type: 'POST', contentType: 'application/json', data: JSON.stringify(body), dataType: 'json' })
      .done((r) => {
        if (mine === seq) show(r);
      })
      .fail((xhr) => {
        if (mine === seq) show({ ok: false, error: { message: `${xhr.status} ${xhr.responseText || xhr.statusText}` } });
      });
  };
  const later = (): void => {
    clearTimeout(timer);
    timer = setTimeout(run, 400);
  };
  $('#node-input-dbcText, #node-input-dbcFile').on('input change', later);
  $('#node-input-dbcSource')
    .on('change', function () {
      const text = $(this).val() === 'text';
      $(`.${type}-dbc-text`).toggle(text);
      $(`.${type}-dbc-file`).toggle(!text);
      later();
    })
    .trigger('change');
}
