// The tag table as a grid: one row per tag, dropdowns where a column has a fixed set of values,
// each cell checked as it is typed (its error in red, and as the cell's tooltip, in the editor's
// language). The rows and
// their errors come from table-text.ts, which holds no DOM.
import { AREAS, WORD_ORDERS } from '../../../lib/modbus/types';
import { textOr } from '../i18n';
import { TABLE_COLUMNS, problemMessage, problemReason, rowProblems, tableRows, type TableColumn, type TableContext, type TableRow } from './table-text';

interface GridColumn {
  width: number;
  /** a fixed set of values: a dropdown */
  options?: readonly string[];
  /** suggestions for a text cell (a datalist) */
  suggestions?: readonly string[];
  /** a dropdown of the device's poll groups */
  groups?: boolean;
}

const COLUMNS: Record<TableColumn, GridColumn> = {
  name: { width: 120 },
  area: { width: 86, options: ['', ...AREAS] },
  address: { width: 64 },
  type: { width: 84, suggestions: ['uint16', 'int16', 'uint32', 'int32', 'float32', 'uint64', 'int64', 'float64', 'bool', 'bit:0', 'string:8'] },
  order: { width: 70, options: ['', ...WORD_ORDERS] },
  scale: { width: 56 },
  offset: { width: 56 },
  unit: { width: 56 },
  access: { width: 56, options: ['', 'r', 'rw'] },
  group: { width: 80, groups: true },
  deadband: { width: 60 },
  description: { width: 160 },
};

/** Where the grid lives in the dialog, and what it reads from the rest of the form. */
export interface TagGridSetup {
  /** a table with an empty `thead tr` and `tbody` */
  table: JQueryElements;
  /** the id of an empty datalist for the type column's suggestions */
  typesListId: string;
  /** tells the number of rows with errors (0: none) */
  showErrorCount(rows: number): void;
  /** the notation and poll groups as the form has them now */
  context(): TableContext & { groups: string[] };
}

export class TagGrid {
  private readonly body: JQueryElements;

  constructor(private readonly setup: TagGridSetup) {
    this.body = setup.table.find('tbody');
    const head = setup.table.find('thead tr').empty();
    for (const column of TABLE_COLUMNS) $('<th>').text(column).css('min-width', `${COLUMNS[column].width}px`).appendTo(head);
    $('<th>').appendTo(head);
    const datalist = $(`#${setup.typesListId}`).empty();
    for (const type of COLUMNS.type.suggestions ?? []) $('<option>').val(type).appendTo(datalist);
  }

  addRow(cells: TableRow, focus = false): JQueryElements {
    const tr = $('<tr>').appendTo(this.body);
    for (const column of TABLE_COLUMNS) {
      const spec = COLUMNS[column];
      const td = $('<td>').appendTo(tr);
      const value = cells[column] ?? '';
      let input: JQueryElements;
      if (spec.options || spec.groups) {
        input = $('<select>');
        let options = spec.groups ? ['', ...this.setup.context().groups] : (spec.options ?? []);
        // a value the list lacks stays selectable, so loading never changes the table
        if (!options.includes(value)) options = [...options, value];
        for (const option of options)
          $('<option>')
            .val(option)
            .text(option || '-')
            .appendTo(input);
        input.val(value);
      } else {
        input = $('<input type="text">').val(value);
        if (spec.suggestions) input.attr('list', this.setup.typesListId);
      }
      input.attr('data-col', column).css('width', `${spec.width}px`).appendTo(td);
    }
    const remove = $('<td>').appendTo(tr);
    $('<a href="#" class="red-ui-button red-ui-button-small"><i class="fa fa-remove"></i></a>')
      .appendTo(remove)
      .on('click', (event) => {
        event.preventDefault();
        tr.remove();
        this.check();
      });
    tr.find('input,select').on('input change', () => void this.check());
    if (focus) tr.find('input').first().trigger('focus');
    return tr;
  }

  rows(): TableRow[] {
    return this.body
      .find('tr')
      .map(function () {
        return cellsOf($(this));
      })
      .get();
  }

  /** Shows CSV text as rows; returns the error that keeps it out of the grid, or null. */
  load(text: string | undefined): string | null {
    this.body.empty();
    const table = tableRows(text, this.setup.context());
    if ('error' in table) return problemMessage(table.error, textOr);
    for (const row of table.rows) this.addRow(row.cells);
    this.check();
    return null;
  }

  /** Marks every cell with its error; returns the number of rows with errors. */
  check(): number {
    const rows = this.body.find('tr');
    const problems = rowProblems(this.rows(), this.setup.context());
    rows.each(function (index) {
      const mine = problems[index] ?? [];
      $(this)
        .find('[data-col]')
        .each(function () {
          const cell = $(this);
          const error = mine.find((e) => e.field === cell.attr('data-col'));
          cell.toggleClass('input-error', !!error).attr('title', error ? problemReason(error, textOr) : '');
        });
    });
    const bad = problems.filter((p) => p.length > 0).length;
    this.setup.showErrorCount(bad);
    return bad;
  }
}

function cellsOf(tr: JQueryElements): TableRow {
  const cells: TableRow = {};
  tr.find('[data-col]').each(function () {
    const cell = $(this);
    cells[cell.attr('data-col') as TableColumn] = String(cell.val() ?? '').trim();
  });
  return cells;
}
