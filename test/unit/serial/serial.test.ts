// Serial port settings, the inline fields they replace, and the process-wide claims on ports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimSerialPort, SerialPortConflictError } from '../../../lib/serial/claims';
import { listSerialPorts } from '../../../lib/serial/port-list';
import { serialPortSettings, withSerialPort } from '../../../lib/serial/port-settings';

test('settings: defaults, and a refused field is named', () => {
  assert.deepEqual(serialPortSettings({ path: ' /dev/ttyUSB1 ' }), { path: '/dev/ttyUSB1', baudRate: 9600, parity: 'none', dataBits: 8, stopBits: 1 });
  assert.deepEqual(serialPortSettings({ path: '/dev/ttyS0', baudRate: '19200', parity: 'even', dataBits: '7', stopBits: 2 }), {
    path: '/dev/ttyS0',
    baudRate: 19200,
    parity: 'even',
    dataBits: 7,
    stopBits: 2,
  });
  assert.throws(() => serialPortSettings({ path: '' }), /serial port path/);
  assert.throws(() => serialPortSettings({ path: '/dev/ttyS0', baudRate: 'fast' }), /baudRate.*"fast" is not a baud rate|fast is not a baud rate/);
  assert.throws(() => serialPortSettings({ path: '/dev/ttyS0', parity: 'mark' }), /parity: must be none, even or odd/);
  assert.throws(() => serialPortSettings({ path: '/dev/ttyS0', dataBits: 9 }), /dataBits/);
});

test('a chosen port replaces the inline fields under their own names; none leaves the config as it is', () => {
  const inline = { id: 'c', type: 'edgegw-can-interface', serialPath: '/dev/ttyACM0', baudRate: 115200, bitrate: 500000 };
  assert.equal(withSerialPort(inline, undefined, { path: 'serialPath' }), inline);
  const port = serialPortSettings({ path: '/dev/ttyACM3', baudRate: 230400 });
  assert.deepEqual(withSerialPort(inline, port, { path: 'serialPath', baudRate: 'baudRate' }), { ...inline, serialPath: '/dev/ttyACM3', baudRate: 230400 });
  assert.equal(inline.serialPath, '/dev/ttyACM0', 'the saved config is not changed');
});

test('claims: a second node on the same port, by a link to it too, is refused naming both; release frees it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgegw-serial-'));
  try {
    const tty = join(dir, 'ttyUSB0');
    writeFileSync(tty, '');
    const byId = join(dir, 'usb-FTDI_FT232R-if00-port0');
    symlinkSync(tty, byId);
    const first = claimSerialPort(tty, { id: 'n1', label: 'modbus-connection "line 1"' });
    assert.doesNotThrow(() => claimSerialPort(tty, { id: 'n1', label: 'modbus-connection "line 1"' }), 'the holder claiming again is no conflict');
    assert.throws(
      () => claimSerialPort(byId, { id: 'n2', label: 'can-interface "adapter"' }),
      (err: unknown) =>
        err instanceof SerialPortConflictError &&
        err.holder.id === 'n1' &&
        err.claimant.id === 'n2' &&
        err.message ===
          `serial port ${byId} (${tty}) is already used by modbus-connection "line 1" (n1); can-interface "adapter" (n2) cannot open it too: give each node its own port, or share one config node`,
    );
    first.release();
    const second = claimSerialPort(byId, { id: 'n2', label: 'can-interface "adapter"' });
    first.release();
    assert.throws(() => claimSerialPort(tty, { id: 'n3', label: 'x' }), SerialPortConflictError, "a stale release does not free another node's claim");
    second.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the port list: sorted, described, with the node that holds each (held but unlisted ports too)', async () => {
  const claims = [claimSerialPort('/dev/ttyEDGEGW1', { id: 'n9', label: 'modbus-connection "rs485"' }), claimSerialPort('/tmp/edgegw-pty', { id: 'n8', label: 'can-interface "adapter"' })];
  try {
    const listing = await listSerialPorts(async () => [
      { path: '/dev/ttyUSB0', manufacturer: 'FTDI', serialNumber: 'A10K1', vendorId: '0403', productId: '6001', pnpId: undefined },
      { path: '/dev/ttyEDGEGW1' },
      { path: '' },
    ]);
    assert.deepEqual(listing, {
      source: 'serialport',
      ports: [
        { path: '/dev/ttyEDGEGW1', usedBy: { id: 'n9', label: 'modbus-connection "rs485"' } },
        { path: '/dev/ttyUSB0', manufacturer: 'FTDI', serialNumber: 'A10K1', vendorId: '0403', productId: '6001' },
        { path: '/tmp/edgegw-pty', usedBy: { id: 'n8', label: 'can-interface "adapter"' } },
      ],
    });
  } finally {
    for (const c of claims) c.release();
  }
});

test('where serialport cannot list (no udevadm), the serial device names under /dev are listed, with why', async () => {
  const dev = mkdtempSync(join(tmpdir(), 'edgegw-dev-'));
  try {
    for (const name of ['ttyUSB0', 'ttyACM1', 'ttyAMA0', 'tty0', 'null', 'ttyS0']) writeFileSync(join(dev, name), '');
    mkdirSync(join(dev, 'serial', 'by-id'), { recursive: true });
    symlinkSync(join(dev, 'ttyUSB0'), join(dev, 'serial', 'by-id', 'usb-FTDI_FT232R_A10K1-if00-port0'));
    const listing = await listSerialPorts(() => Promise.reject(new Error('spawn udevadm ENOENT')), dev);
    assert.equal(listing.source, 'dev');
    assert.equal(listing.note, `serialport could not list ports (spawn udevadm ENOENT); ${dev} names listed instead`);
    assert.deepEqual(
      listing.ports.map((p) => p.path),
      [join(dev, 'serial', 'by-id', 'usb-FTDI_FT232R_A10K1-if00-port0'), join(dev, 'ttyACM1'), join(dev, 'ttyAMA0'), join(dev, 'ttyS0'), join(dev, 'ttyUSB0')],
    );
  } finally {
    rmSync(dev, { recursive: true, force: true });
  }
});
