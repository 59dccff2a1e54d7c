// The host's serial ports for the editor's port picker. serialport lists them with their USB vendor
// and serial number, through udev (`udevadm`); where that fails (a container or minimal image
// without udev, or serialport did not build) the serial device names under /dev are listed
// instead, with the reason. Ports a node of this process holds are listed too, with the node, so a
// port in use is never offered as free.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { loadOptional } from '../system/process/optional';
import { heldSerialPorts, portIdentity } from './claims';

export interface ListedSerialPort {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
  pnpId?: string;
  /** the node that holds it in this process, if any */
  usedBy?: { id: string; label: string };
}

export interface SerialPortListing {
  ports: ListedSerialPort[];
  /** where the list came from: serialport (udev), or the names under /dev when that failed */
  source: 'serialport' | 'dev';
  /** why serialport could not list them, when it could not */
  note?: string;
}

export type SerialPortLister = () => Promise<Array<Record<string, unknown>>>;

const serialportList: SerialPortLister = () => loadOptional<{ SerialPort: { list: SerialPortLister } }>('serialport').SerialPort.list();

// USB adapters (FTDI, CH340, CDC ACM), the SoC's UARTs (Pi, i.MX), 8250 ports, Exar USB
const DEVICE_NAME = /^tty(USB|ACM|AMA|S|mxc|XRUSB)\d+$/;

async function devicePorts(devDir: string): Promise<Array<Record<string, unknown>>> {
  const names = await readdir(devDir).catch(() => [] as string[]);
  const byId = await readdir(join(devDir, 'serial', 'by-id')).catch(() => [] as string[]);
  return [...names.filter((n) => DEVICE_NAME.test(n)).map((n) => join(devDir, n)), ...byId.map((n) => join(devDir, 'serial', 'by-id', n))].map((path) => ({ path }));
}

const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);

/** The ports, sorted by path, each with the node that holds it. */
export async function listSerialPorts(list: SerialPortLister = serialportList, devDir = '/dev'): Promise<SerialPortListing> {
  let found: Array<Record<string, unknown>>;
  let source: SerialPortListing['source'] = 'serialport';
  let note: string | undefined;
  try {
    found = await list();
  } catch (err) {
    source = 'dev';
    note = `serialport could not list ports (${(err as Error).message}); ${devDir} names listed instead`;
    found = await devicePorts(devDir);
  }
  const held = new Map(heldSerialPorts());
  const ports = found
    .filter((p) => typeof p.path === 'string' && p.path)
    .map((p): ListedSerialPort => {
      const path = p.path as string;
      const identity = portIdentity(path);
      const usedBy = held.get(identity);
      held.delete(identity);
      const info: ListedSerialPort = { path };
      for (const key of ['manufacturer', 'serialNumber', 'vendorId', 'productId', 'pnpId'] as const) {
        const v = text(p[key]);
        if (v) info[key] = v;
      }
      if (usedBy) info.usedBy = { ...usedBy };
      return info;
    });
  for (const [path, owner] of held) ports.push({ path, usedBy: { ...owner } });
  return { ports: ports.sort((a, b) => a.path.localeCompare(b.path)), source, ...(note ? { note } : {}) };
}
