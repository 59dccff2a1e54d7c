// The server's function codes 17, 22 and 23, area start addresses, and the order of its
// exceptions (01 function, then 03 quantity/length, then 02 address, then 03 value), at the PDU.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { executePdu, readOnlyGuard } from '../../../lib/modbus/server/pdu';
import { UnitImage, resolveSizes, resolveStarts, ServerImageError } from '../../../lib/modbus/server/image';
import { serverOptionsFromSettings } from '../../../lib/modbus/server/config';
import { ModbusServer, ServerConfigError } from '../../../lib/modbus/server/server';
import { ServerTagError, ServerTagMap } from '../../../lib/modbus/server/tags';
import { parseTagTable } from '../../../lib/modbus/tag-table';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('FC 22, 23 and 17', () => {
  const img = () => new UnitImage(resolveSizes({ coil: 20, discrete: 20, holding: 10, input: 10 }));

  test('FC 22 writes (current AND and_mask) OR (or_mask AND NOT and_mask) and echoes the request', () => {
    const i = img();
    i.setRegisters('holding', 4, [0x0012]);
    // the specification's example: 0x12 AND 0xF2 OR (0x25 AND NOT 0xF2) = 0x17
    const r = executePdu(i, hex('16 0004 00f2 0025'));
    assert.deepEqual(r.response, hex('16 0004 00f2 0025'));
    assert.deepEqual(i.getRegisters('holding', 4, 1), [0x0017]);
    assert.deepEqual(r.write, { area: 'holding', address: 4, values: [0x0017] });
  });

  test('FC 23 writes before it reads, and reports the write', () => {
    const i = img();
    i.setRegisters('holding', 0, [1, 2, 3, 4]);
    const r = executePdu(i, hex('17 0000 0004 0001 0002 04 aaaa bbbb'));
    assert.deepEqual(r.response, hex('17 08 0001 aaaa bbbb 0004'));
    assert.deepEqual(r.write, { area: 'holding', address: 1, values: [0xaaaa, 0xbbbb] });
  });

  test('FC 17 answers the server id, run indicator ON and the identification text', () => {
    const r = executePdu(img(), hex('11'), undefined, { serverId: 7, text: 'boiler' });
    assert.deepEqual(r.response, Buffer.concat([hex('11 08 07 ff'), Buffer.from('boiler')]));
    assert.deepEqual(executePdu(img(), hex('11')).response, Buffer.concat([hex('11 0e 01 ff'), Buffer.from('edge-gateway')]));
    const long = executePdu(img(), hex('11'), undefined, { serverId: 1, text: 'é'.repeat(200) }).response;
    assert.ok(long.length <= 253, 'one PDU at most');
    assert.equal(long[1], long.length - 2, 'byte count matches');
    assert.equal(long.subarray(4).toString('utf8'), 'é'.repeat(124), 'cut at a character boundary');
  });

  test('read-only registers refuse FC 22 and FC 23 writes whole', () => {
    const i = img();
    const guard = readOnlyGuard({ coil: 20, holding: 10 }, [{ area: 'holding', address: 2, count: 1 }]);
    assert.equal(executePdu(i, hex('16 0002 0000 ffff'), guard).exception, 2);
    assert.equal(executePdu(i, hex('17 0000 0001 0001 0002 04 0001 0002'), guard).exception, 2);
    assert.deepEqual(i.getRegisters('holding', 0, 4), [0, 0, 0, 0]);
  });
});

describe('area start addresses', () => {
  const sizes = resolveSizes({ coil: 16, discrete: 16, holding: 10, input: 10 });
  const img = () => new UnitImage(sizes, resolveStarts({ coil: 100, discrete: 200, holding: 1000, input: 3000 }, sizes));

  test('an area answers from its start to its end, and refuses below or past with 02', () => {
    const i = img();
    i.setRegisters('holding', 1000, [0x1111]);
    i.setRegisters('holding', 1009, [0x9999]);
    assert.deepEqual(executePdu(i, hex('03 03e8 0001')).response, hex('03 02 1111'));
    assert.deepEqual(executePdu(i, hex('03 03f1 0001')).response, hex('03 02 9999'));
    const code = (pdu: string) => executePdu(i, hex(pdu)).exception;
    assert.equal(code('03 0000 0001'), 2, 'address 0 is below the start');
    assert.equal(code('03 03e7 0002'), 2, 'starts one below the area');
    assert.equal(code('03 03f1 0002'), 2, 'ends one past the area');
    assert.equal(code('04 0bb8 000a'), undefined);
    assert.equal(code('04 0bb7 0001'), 2);
    assert.equal(code('01 0064 0010'), undefined);
    assert.equal(code('01 0063 0001'), 2);
    assert.equal(code('02 00c8 0011'), 2);
    assert.equal(code('05 0074 ff00'), 2, 'coil 116 is past 100..115');
    const r = executePdu(i, hex('05 0073 ff00'));
    assert.deepEqual(r.write, { area: 'coil', address: 115, values: [true] });
    assert.deepEqual(i.getBits('coil', 115, 1), [true]);
    assert.equal(i.coil[15], 1, 'stored at index address - start');
  });

  test('starts are checked: an integer 0..65535, and the area ends within 65535', () => {
    assert.throws(
      () => resolveStarts({ holding: -1 }, sizes),
      (e: unknown) => e instanceof ServerImageError && /holding/.test((e as Error).message),
    );
    assert.throws(
      () => resolveStarts({ input: 65530 }, sizes),
      (e: unknown) => e instanceof ServerImageError && /input.*ends past address 65535/.test((e as Error).message),
    );
    assert.deepEqual(resolveStarts(undefined, sizes), { coil: 0, discrete: 0, holding: 0, input: 0 });
  });
});

describe('area start settings', () => {
  test('the form fields give each area its start; missing ones are 0 as before', () => {
    const opts = serverOptionsFromSettings({ transport: 'tcp', port: 0, holdingStart: '1000', coilStart: 5 });
    assert.deepEqual(opts.starts, { coil: 5, discrete: 0, holding: 1000, input: 0 });
    assert.deepEqual(serverOptionsFromSettings({ transport: 'tcp', port: 0 }).starts, { coil: 0, discrete: 0, holding: 0, input: 0 });
  });

  test('a start the area cannot fit after is refused naming the field', () => {
    assert.throws(
      () => serverOptionsFromSettings({ transport: 'tcp', port: 0, inputSize: 100, inputStart: 65500 }),
      (e: unknown) => e instanceof ServerConfigError && e.field === 'inputStart' && /at most 65436/.test(e.message),
    );
    assert.throws(
      () => serverOptionsFromSettings({ transport: 'tcp', port: 0, coilStart: 70000 }),
      (e: unknown) => e instanceof ServerConfigError && e.field === 'coilStart',
    );
  });

  test('a tag outside an area that starts later is refused', () => {
    const server = new ModbusServer(serverOptionsFromSettings({ transport: 'tcp', port: 0, holdingSize: 10, holdingStart: 100 }));
    const tag = (address: number) => parseTagTable(`name,area,address,type\nt,holding,${address},uint16`);
    assert.throws(
      () => new ServerTagMap(tag(99), server.imageSizes(), server.imageStarts()),
      (e: unknown) => e instanceof ServerTagError && /10 registers from 100/.test((e as Error).message),
    );
    const tags = new ServerTagMap(tag(109), server.imageSizes(), server.imageStarts());
    tags.apply(server, 1, { t: 42 });
    assert.deepEqual(server.getRegisters(1, 'holding', 109, 1), [42]);
  });
});
