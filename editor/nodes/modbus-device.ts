// The modbus-device node's editor: the tag table (a grid and its CSV text, two views of one table),
// poll groups, device templates, and import/export of the table.
import { field } from '../fields/validator';
import { textOr } from '../components/i18n';
import { TagGrid } from '../components/tag-table/tag-grid';
import { tableProblem, tableText } from '../components/tag-table/table-text';
import { download, readPickedFile, tagTableRequest } from '../components/tag-table/table-files';
import { errorLines, refusalText } from '../components/tag-table/table-answer';

interface PollGroup {
  name: string;
  interval: number;
}

interface ModbusDeviceNode extends EditorNodeInstance {
  device?: string;
  unit?: number | string;
  notation?: string;
  groups?: unknown;
  template?: string;
  identityTag?: string;
  identityMode?: string;
  /** while the dialog is open: the table as the showing view has it */
  _tagTableText?: () => string;
}

/** The device template list's entries (GET edgegw/modbus/templates). */
interface TemplateEntry {
  name: string;
  manufacturer: string;
  model: string;
  tags: number;
}
/** One template (GET edgegw/modbus/templates/<name>). */
interface Template {
  csv: string;
  count: number;
  source: string;
  groups?: PollGroup[];
}

function savedGroupNames(node: ModbusDeviceNode): unknown[] | null {
  const groups = node.groups;
  return Array.isArray(groups) ? groups.map((g: { name?: unknown } | null) => g && g.name) : null;
}

const isJson = (text: string | undefined): boolean => {
  const first = (text ?? '').trim().charAt(0);
  return first === '[' || first === '{';
};

RED.nodes.registerType<ModbusDeviceNode>('edgegw-modbus-device', {
  category: 'edge gateway',
  color: '#F0B86E',
  defaults: {
    name: { value: '' },
    version: { value: 1 },
    connection: { value: '', type: 'edgegw-modbus-connection', required: true },
    device: {
      value: '',
      validate(v: string) {
        return !v || v.indexOf('/') < 0;
      },
    },
    unit: field('modbus-device', 'unit'),
    notation: field('modbus-device', 'notation'),
    tags: {
      value: 'name,area,address,type,order,scale,offset,unit,access,group\n',
      validate(v: string | undefined, opt) {
        const problem = tableProblem(v, { notation: this.notation || $('#node-input-notation').val(), groups: savedGroupNames(this) }, textOr);
        if (!problem) return true;
        return opt ? problem : false;
      },
    },
    groups: {
      value: [{ name: 'default', interval: 1000 }],
      validate(v) {
        return Array.isArray(v) && v.length > 0 && v.every((g: Partial<PollGroup> | null) => !!g && !!g.name && Number(g.interval) >= 1);
      },
    },
    maxGap: field('modbus-device', 'maxGap'),
    maxRegisters: field('modbus-device', 'maxRegisters'),
    maxBits: field('modbus-device', 'maxBits'),
    output: field('modbus-device', 'output'),
    parseJson: field('modbus-device', 'parseJson'),
    template: { value: '' },
    store: { value: '', type: 'edgegw-tag-store', required: false },
    identityTag: { value: '' },
    identityEquals: {
      value: '',
      validate(v: string | number | undefined) {
        const checked = this.identityMode === 'device-id' || !!(this.identityTag || '').trim();
        return !checked || !!String(v || '').trim();
      },
    },
    identityEvery: field('modbus-device', 'identityEvery'),
    // register: identityTag's value; device-id: an object of function 43 / MEI 14 (identityObject)
    identityMode: field('modbus-device', 'identityMode'),
    identityObject: field('modbus-device', 'identityObject'),
  },
  inputs: 1,
  outputs: 1,
  icon: 'modbus-device.svg',
  paletteLabel: 'modbus device',
  label() {
    return this.name || this.device || `modbus unit ${String(this.unit)}`;
  },
  oneditprepare() {
    const node = this;
    const showIdentity = (): void => {
      const byObject = $('#node-input-identityMode').val() === 'device-id';
      $('.modbus-dev-identity-tag').toggle(!byObject);
      $('.modbus-dev-identity-object').toggle(byObject);
    };
    $('#node-input-identityMode').on('change', showIdentity);
    showIdentity();
    const list = $('#node-input-groups-container')
      .css('min-height', '100px')
      .editableList<Partial<PollGroup> | undefined>({
        addItem(row, _index, group = {}) {
          $('<input type="text" class="node-input-group-name" style="width: 55%;">')
            .attr('placeholder', node._('modbus-device.label.groupName'))
            .val(group.name || '')
            .appendTo(row);
          $('<input type="number" min="1" class="node-input-group-interval" style="width: 30%; margin-left: 8px;">')
            .val(group.interval || 1000)
            .appendTo(row);
          $('<span style="margin-left: 4px;">').text(node._('modbus-device.unit.ms')).appendTo(row);
        },
        removable: true,
        sortable: true,
        height: 'auto',
      });
    for (const group of Array.isArray(node.groups) ? (node.groups as PollGroup[]) : [{ name: 'default', interval: 1000 }]) list.editableList('addItem', group);
    const currentGroups = (): string[] =>
      list
        .editableList('items')
        .map(function () {
          return ($(this).find('.node-input-group-name').val() ?? '').trim();
        })
        .get();
    const notation = (): string | undefined => $('#node-input-notation').val();

    const tagsField = $('#node-input-tags');
    const result = $('#node-modbus-device-check');
    const show = (text: string, isError: boolean): void => void result.text(text).css('color', isError ? 'var(--red-ui-text-color-error, #c00)' : '');

    // Grid and CSV are two views of one table; the CSV text is what is saved.
    const summary = $('#node-modbus-device-grid-summary');
    const grid = new TagGrid({
      table: $('#node-modbus-device-grid'),
      typesListId: 'node-modbus-device-types',
      showErrorCount: (count) => void summary.text(count ? node._('modbus-device.label.gridErrors', { count }) : ''),
      context: () => ({ notation: notation(), groups: currentGroups() }),
    });
    let view: 'grid' | 'csv' = 'csv';
    const setView = (want: 'grid' | 'csv'): void => {
      if (want === 'grid') {
        const text = tagsField.val();
        const error = isJson(text) ? node._('modbus-device.label.gridJson') : grid.load(text);
        if (error) {
          show(error, true);
          want = 'csv';
        }
      } else if (view === 'grid') {
        tagsField.val(tableText(grid.rows()));
      }
      view = want;
      $('#node-modbus-device-grid-wrap').toggle(view === 'grid');
      tagsField.toggle(view === 'csv');
      $('#node-modbus-device-view-grid').toggleClass('selected', view === 'grid');
      $('#node-modbus-device-view-csv').toggleClass('selected', view === 'csv');
    };
    // what the buttons below read and write, whichever view is showing
    const currentText = (): string => (view === 'grid' ? tableText(grid.rows()) : (tagsField.val() ?? ''));
    const setCurrentText = (text: string): void => {
      tagsField.val(text);
      if (view === 'grid') setView('grid');
    };
    node._tagTableText = currentText;
    $('#node-modbus-device-view-grid').on('click', () => setView('grid'));
    $('#node-modbus-device-view-csv').on('click', () => setView('csv'));
    $('#node-modbus-device-add-row').on('click', () => {
      const last = grid.rows().slice(-1)[0] ?? {};
      const tr = grid.addRow({ area: last.area || 'holding', type: last.type || 'uint16', group: last.group || '' }, true);
      tr[0].scrollIntoView({ block: 'nearest' });
      grid.check();
    });
    $('#node-input-notation').on('change', () => {
      if (view === 'grid') grid.check();
    });
    setView('grid');

    $.getJSON<TemplateEntry[]>('edgegw/modbus/templates', (items) => {
      const select = $('#node-input-template');
      // the shipped templates' names are English; the catalog names each by its id in the editor's language
      for (const t of items)
        $('<option>')
          .val(t.name)
          .text(`${textOr(`modbus-device.template.${t.name}`, `${t.manufacturer} ${t.model}`)} (${t.tags})`)
          .appendTo(select);
      select.val(node.template || '');
    });
    $('#node-modbus-device-load').on('click', () => {
      const name = $('#node-input-template').val();
      if (!name) return;
      $.getJSON<Template>(`edgegw/modbus/templates/${encodeURIComponent(name)}?notation=${notation() ?? ''}`, (t) => {
        setCurrentText(t.csv);
        const have = currentGroups();
        for (const g of t.groups ?? []) if (!have.includes(g.name)) list.editableList('addItem', { name: g.name, interval: g.interval });
        show(node._('modbus-device.label.loaded', { count: t.count, source: t.source }), false);
      }).fail((xhr) => show(refusalText(xhr.responseJSON, xhr.statusText, textOr), true));
    });
    $('#node-modbus-device-validate').on('click', () => {
      const body = { text: currentText(), notation: notation(), groups: currentGroups(), maxGap: $('#node-input-maxGap').val(), maxRegisters: $('#node-input-maxRegisters').val() };
      tagTableRequest(body, textOr, (r) => {
        if (r.errors.length) show(errorLines(r, true, textOr), true);
        else show(node._('modbus-device.label.checked', { count: r.count, requests: r.requestsPerScan }), false);
      });
    });
    $('#node-modbus-device-import').on('click', () => $('#node-modbus-device-file').val('').trigger('click'));
    $('#node-modbus-device-file').on('change', function () {
      readPickedFile(this, (fileName, text) => {
        if (!isJson(text)) {
          setCurrentText(text);
          show(fileName, false);
          return;
        }
        tagTableRequest({ text, notation: notation(), to: 'csv' }, textOr, (r) => {
          if (r.errors.length) show(errorLines(r, false, textOr), true);
          else {
            setCurrentText(r.csv ?? '');
            show(node._('modbus-device.label.imported', { file: fileName, count: r.count }), false);
          }
        });
      });
    });
    const baseName = (): string => ($('#node-input-device').val() || $('#node-input-name').val() || 'tags').replace(/[^\w.-]+/g, '_');
    $('#node-modbus-device-export-csv').on('click', () => download(`${baseName()}.csv`, 'text/csv', currentText()));
    $('#node-modbus-device-export-json').on('click', () => {
      tagTableRequest({ text: currentText(), notation: notation(), to: 'json' }, textOr, (r) => {
        if (r.errors.length) show(errorLines(r, false, textOr), true);
        else download(`${baseName()}.json`, 'application/json', r.json ?? '');
      });
    });
  },
  oneditcancel() {
    delete this._tagTableText;
  },
  oneditsave() {
    // the grid's rows become the saved CSV (Node-RED reads the fields after this)
    if (this._tagTableText) $('#node-input-tags').val(this._tagTableText());
    delete this._tagTableText;
    this.groups = $('#node-input-groups-container')
      .editableList('items')
      .map(function () {
        const row = $(this);
        return { name: (row.find('.node-input-group-name').val() ?? '').trim(), interval: Number(row.find('.node-input-group-interval').val()) };
      })
      .get();
  },
});
