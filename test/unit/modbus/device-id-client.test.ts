// The client side of function 43 / MEI 14: the line reads one device identification object
// (read device id code 04) from our modbus-server and from pymodbus' server (its
// ModbusDeviceIdentification), and the identity check compares it, refusing a wrong device.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createModbusLine } from '../../../lib/modbus/line/line';
import type { ModbusLine } from '../../../lib/modbus/line/types';
import { ModbusExceptionError, ModbusRequestError } from '../../../lib/modbus/errors';
import { ModbusServer } from '../../../lib/modbus/server/server';
import { IdentityCheck } from '../../../lib/modbus/poller/identity';
import { deviceIdObjectOf } from '../../../lib/modbus/device-id-objects';
import { needPeers, PEER } from '../../helpers/peers';
import { startPymodbus, type PymodbusServer } from '../../helpers/pymodbus';
import { ptyPair } from '../../helpers/socat';

test('identification objects by the specification name (any case) or by id', () => {
  assert.deepEqual(deviceIdObjectOf('ProductCode'), { objectId: 1, name: 'ProductCode' });
  assert.deepEqual(deviceIdObjectOf('modelname'), { objectId: 5, name: 'ModelName' });
  assert.deepEqual(deviceIdObjectOf('0x80'), { objectId: 0x80, name: 'object 0x80' });
  assert.deepEqual(deviceIdObjectOf('2'), { objectId: 2, name: 'MajorMinorRevision' });
  assert.equal(deviceIdObjectOf('256'), undefined);
  assert.equal(deviceIdObjectOf('Serial'), undefined);
});

describe('reading device identification from our modbus-server', () => {
  const server = new ModbusServer({
    transport: { kind: 'tcp', host: '127.0.0.1', port: 0 },
    units: [1],
    sizes: { coil: 8, discrete: 8, holding: 8, input: 8 },
    deviceIdentification: { vendorName: 'Eastron', productCode: 'SDM630', majorMinorRevision: '2.0', modelName: 'SDM630-Modbus V2' },
  });
  let line: ModbusLine;
  before(async () => {
    await server.start();
    line = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port: (server.address() as { port: number }).port }, timeoutMs: 3000 });
  });
  after(async () => {
    await line.close();
    await server.close();
  });

  test('one object at a time; an object the device lacks is exception 02 naming the object', async () => {
    assert.equal(await line.readDeviceIdentification(1, 0x00), 'Eastron');
    assert.equal(await line.readDeviceIdentification(1, 0x01), 'SDM630');
    assert.equal(await line.readDeviceIdentification(1, 0x05), 'SDM630-Modbus V2');
    await assert.rejects(line.readDeviceIdentification(1, 0x04), (e: unknown) => e instanceof ModbusExceptionError && e.code === 2 && /device identification object 0x04/.test(e.message));
    await assert.rejects(line.readDeviceIdentification(1, 256), (e: unknown) => e instanceof ModbusRequestError && /object id must be an integer 0\.\.255/.test(e.message));
    assert.equal(line.state().units[1].requests, 4, 'counted like any request (the refused id never went out)');
  });

  test('the identity check by an object: a match lets polling and writes through, a mismatch or a missing object blocks them', async () => {
    const ok = new IdentityCheck(line, 1, { object: { objectId: 1, name: 'ProductCode' } }, 'SDM630');
    assert.equal(await ok.gate(), undefined);
    assert.equal(ok.writeBlock(), undefined);
    assert.deepEqual(ok.snapshot(), { verdict: 'ok', actual: 'SDM630', checks: 1 });

    const wrong = new IdentityCheck(line, 1, { object: { objectId: 1, name: 'ProductCode' } }, 'SDM120');
    assert.equal(await wrong.gate(), 'identity mismatch: ProductCode is SDM630, expected SDM120');
    assert.equal((await wrong.refusal())?.problem.code, 'identityMismatch');
    assert.match(wrong.writeBlock() ?? '', /identity mismatch: ProductCode/);

    const missing = new IdentityCheck(line, 1, { object: { objectId: 4, name: 'ProductName' } }, 'x');
    assert.match((await missing.gate()) ?? '', /^identity check failed: ProductName could not be read: Modbus exception 2 \(illegal data address\)/);
    assert.equal(missing.snapshot().verdict, 'unreadable');
  });
});

test('over an RTU serial line (a pty pair): the objects of our server, a 200-character one included', needPeers(PEER.socat()), async () => {
  const pty = await ptyPair();
  const serial = { baudRate: 115200, parity: 'none' as const, dataBits: 8 as const, stopBits: 1 as const };
  const server = new ModbusServer({
    transport: { kind: 'rtu', path: pty.a, ...serial },
    units: [3],
    sizes: { coil: 8, discrete: 8, holding: 8, input: 8 },
    deviceIdentification: { productCode: 'SDM630', modelName: 'M'.repeat(200) },
  });
  await server.start();
  const line = createModbusLine({ transport: { kind: 'rtu', path: pty.b, ...serial }, timeoutMs: 3000 });
  try {
    assert.equal(await line.readDeviceIdentification(3, 1), 'SDM630');
    assert.equal(await line.readDeviceIdentification(3, 5), 'M'.repeat(200));
    await assert.rejects(line.readDeviceIdentification(3, 4), (e: unknown) => e instanceof ModbusExceptionError && e.code === 2);
    assert.deepEqual(await line.read(3, 'holding', 0, 2), [0, 0], 'the line still in step after the answers of unknown length');
  } finally {
    await line.close();
    await server.close();
    await pty.stop();
  }
});

test('RTU over TCP and ASCII: refused before it goes out (modbus-serial cannot frame the answer there), the unit not suspended', async () => {
  for (const transport of [
    { kind: 'rtu-over-tcp' as const, host: '127.0.0.1', port: 1 },
    { kind: 'ascii' as const, path: '/dev/null', baudRate: 9600, parity: 'none' as const, dataBits: 8 as const, stopBits: 1 as const },
  ]) {
    const line = createModbusLine({ transport, lazyConnect: true });
    try {
      await assert.rejects(
        line.readDeviceIdentification(1, 1),
        (e: unknown) => e instanceof ModbusRequestError && e.field === 'transport' && new RegExp(`over Modbus TCP or RTU only, not ${transport.kind}`).test(e.message),
      );
      assert.deepEqual(line.state().units, {}, 'nothing queued, nothing counted');
    } finally {
      await line.close();
    }
  }
});

describe('reading device identification from pymodbus', needPeers(PEER.pymodbus()), () => {
  let peer: PymodbusServer;
  let line: ModbusLine;
  before(async () => {
    peer = await startPymodbus({ transport: 'tcp', identity: { VendorName: 'Eastron', ProductCode: 'SDM120', MajorMinorRevision: '1.8', ModelName: 'SDM120-Modbus' } });
    line = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port: peer.port! }, timeoutMs: 3000 });
  });
  after(async () => {
    await line?.close();
    await peer?.stop();
  });

  test("pymodbus' ModbusDeviceIdentification read object by object, and the identity check against it", async () => {
    assert.equal(await line.readDeviceIdentification(1, 0x00), 'Eastron');
    assert.equal(await line.readDeviceIdentification(1, 0x01), 'SDM120');
    assert.equal(await line.readDeviceIdentification(1, 0x02), '1.8');
    assert.equal(await line.readDeviceIdentification(1, 0x05), 'SDM120-Modbus');
    const check = new IdentityCheck(line, 1, { object: { objectId: 5, name: 'ModelName' } }, 'SDM120-Modbus');
    assert.equal(await check.gate(), undefined);
    const wrong = new IdentityCheck(line, 1, { object: { objectId: 1, name: 'ProductCode' } }, 'SDM630');
    assert.equal(await wrong.gate(), 'identity mismatch: ProductCode is SDM120, expected SDM630');
  });
});
