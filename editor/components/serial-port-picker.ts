// The serial port picker of the serial-port, modbus-connection and can-interface dialogs: the
// host's ports (GET edgegw/serial/ports) as suggestions of the path input's <datalist>, so a port
// plugged in later, or a host where serialport did not load, still takes a typed path.
import { t } from './i18n';

interface ListedPort {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  usedBy?: { id: string; label: string };
}

/** Fills the <datalist> (by selector) with the host's ports; leaves it empty when they cannot be listed. */
export function fillPortList(datalist: string): void {
  $.getJSON<{ ports: ListedPort[] }>('edgegw/serial/ports', (answer) => {
    const list = $(datalist).empty();
    // a port some node holds is still listed (its path may be what this node should show), with who holds it
    for (const port of answer.ports) {
      const about = [port.manufacturer, port.serialNumber].filter(Boolean).join(' ');
      const used = port.usedBy ? t('serial-port.picker.usedBy', { node: port.usedBy.label }) : '';
      list.append(
        $('<option>')
          .val(port.path)
          .text([about, used].filter(Boolean).join(' · ') || port.path),
      );
    }
  });
}
