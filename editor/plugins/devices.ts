// The editor's "Devices" sidebar tab (a Node-RED plugin: package.json node-red.plugins, so it is
// there in a palette install too): the device registry's devices and the pending ones, accepted
// or rejected with a click. It calls the runtime's admin routes (runtime/devices-routes.ts)
// through the editor's $.ajax, which carries the editor's login token; where no registry is open
// (a palette install in a plain Node-RED) the routes answer 404 and the tab says so.
import { t } from '../components/i18n';

/** A device as GET edgegw/devices answers it (lib/registry/view.ts). */
interface DeviceRow {
  device_id: string;
  name?: string;
  protocol?: string;
  address?: string;
  profile?: string;
  status: string;
  first_seen: string;
  last_seen?: string;
}

const TAB = 'edgegw-devices';
/** how often the shown tab asks again: a device that announces itself appears within this */
const REFRESH_MS = 3000;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

const when = (iso: string | undefined): string => (iso ? new Date(iso).toLocaleString() : '-');

const statusLabel = (status: string): string => {
  const text = t(`devices.status.${status}`);
  return text.includes('devices.status.') ? status : text;
};

function table(headers: string[], rows: HTMLTableRowElement[]): HTMLTableElement {
  const tbl = el('table', 'edgegw-devices-table');
  const head = el('tr');
  for (const h of headers) head.appendChild(el('th', undefined, h));
  tbl.appendChild(el('thead')).appendChild(head);
  const body = tbl.appendChild(el('tbody'));
  for (const r of rows) body.appendChild(r);
  return tbl;
}

function cells(row: HTMLTableRowElement, values: string[]): HTMLTableRowElement {
  for (const v of values) row.appendChild(el('td', undefined, v));
  return row;
}

class DevicesTab {
  readonly content = el('div', 'edgegw-devices');
  private readonly message = el('div', 'edgegw-devices-message');
  private readonly pending = el('div', 'edgegw-devices-pending');
  private readonly all = el('div', 'edgegw-devices-all');
  private timer: number | undefined;
  private asking = false;

  constructor() {
    const style = el('style');
    style.textContent = `.edgegw-devices{padding:8px;overflow:auto;height:100%;box-sizing:border-box}
.edgegw-devices h4{margin:12px 0 6px}
.edgegw-devices-table{width:100%;border-collapse:collapse;font-size:12px}
.edgegw-devices-table th,.edgegw-devices-table td{text-align:left;padding:3px 4px;border-bottom:1px solid var(--red-ui-secondary-border-color,#ddd);vertical-align:top}
.edgegw-devices-table td button{margin-right:4px}
.edgegw-devices-message{color:var(--red-ui-secondary-text-color,#777);margin:6px 0}`;
    const refresh = el('button', 'red-ui-button red-ui-button-small edgegw-devices-refresh');
    refresh.title = t('devices.label.refresh');
    refresh.appendChild(el('i', 'fa fa-refresh'));
    refresh.addEventListener('click', () => this.refresh());
    const bar = el('div');
    bar.style.textAlign = 'right';
    bar.appendChild(refresh);
    this.content.append(style, bar, this.message, el('h4', undefined, t('devices.label.pending')), this.pending, el('h4', undefined, t('devices.label.registry')), this.all);
  }

  /** Asks now, then every REFRESH_MS while the tab is on screen. */
  shown(): void {
    this.refresh();
    if (this.timer === undefined) this.timer = window.setInterval(() => (this.content.offsetParent ? this.refresh() : this.stop()), REFRESH_MS);
  }

  private stop(): void {
    window.clearInterval(this.timer);
    this.timer = undefined;
  }

  refresh(): void {
    if (this.asking) return;
    this.asking = true;
    $.ajax<DeviceRow[]>({ url: 'edgegw/devices', dataType: 'json' })
      .done((devices) => {
        this.asking = false;
        this.show(devices);
      })
      .fail((xhr) => {
        this.asking = false;
        this.message.textContent = xhr.status === 404 ? t('devices.message.noRegistry') : t('devices.message.failed', { error: xhr.responseJSON?.error ?? xhr.statusText });
      });
  }

  private show(devices: DeviceRow[]): void {
    this.message.textContent = '';
    const pending = devices.filter((d) => d.status === 'pending');
    this.pending.replaceChildren(
      pending.length === 0
        ? el('div', 'edgegw-devices-message', t('devices.message.nonePending'))
        : table(
            [t('devices.column.id'), t('devices.column.address'), t('devices.column.profile'), t('devices.column.firstSeen'), ''],
            pending.map((d) => {
              const row = cells(el('tr'), [d.device_id, d.address ?? '-', d.profile ?? '-', when(d.first_seen)]);
              row.dataset.device = d.device_id;
              const actions = row.appendChild(el('td'));
              actions.append(this.decisionButton(d.device_id, 'accept', 'red-ui-button red-ui-button-small primary'), this.decisionButton(d.device_id, 'reject', 'red-ui-button red-ui-button-small'));
              return row;
            }),
          ),
    );
    this.all.replaceChildren(
      devices.length === 0
        ? el('div', 'edgegw-devices-message', t('devices.message.none'))
        : table(
            [
              t('devices.column.id'),
              t('devices.column.protocol'),
              t('devices.column.profile'),
              t('devices.column.address'),
              t('devices.column.firstSeen'),
              t('devices.column.lastSeen'),
              t('devices.column.status'),
            ],
            devices.map((d) => {
              const row = cells(el('tr'), [d.device_id, d.protocol ?? '-', d.profile ?? '-', d.address ?? '-', when(d.first_seen), when(d.last_seen), statusLabel(d.status)]);
              row.dataset.device = d.device_id;
              row.dataset.status = d.status;
              if (d.name) row.title = d.name;
              return row;
            }),
          ),
    );
  }

  private decisionButton(id: string, action: 'accept' | 'reject', className: string): HTMLButtonElement {
    const button = el('button', `${className} edgegw-devices-${action}`, t(`devices.label.${action}`));
    button.addEventListener('click', () => {
      button.disabled = true;
      $.ajax<DeviceRow>({ url: `edgegw/devices/${encodeURIComponent(id)}/${action}`, method: 'POST', dataType: 'json' })
        .done(() => {
          RED.notify(t(`devices.message.${action}ed`, { id }), 'success');
          this.refresh();
        })
        .fail((xhr) => {
          button.disabled = false;
          RED.notify(t('devices.message.failed', { error: xhr.responseJSON?.error ?? xhr.statusText }), 'error');
        });
    });
    return button;
  }
}

RED.plugins.registerPlugin(TAB, {
  onadd() {
    const tab = new DevicesTab();
    RED.sidebar.addTab({
      id: TAB,
      label: t('devices.label.tab'),
      name: t('devices.label.name'),
      iconClass: 'fa fa-microchip',
      content: tab.content,
      action: 'edgegw:show-devices-tab',
      enableOnEdit: true,
      onchange: () => tab.shown(),
    });
    RED.actions.add('edgegw:show-devices-tab', () => RED.sidebar.show(TAB));
  },
});
