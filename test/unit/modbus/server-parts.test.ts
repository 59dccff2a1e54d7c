// The server's pieces without a network: PDU execution (limits, exceptions), RTU and MBAP
// framing (split reads, bad CRCs, junk), the JSON register store, settings parsing.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { executePdu } from '../../../lib/modbus/server/pdu';
import { UnitImage, resolveSizes, ServerImageError } from '../../../lib/modbus/server/image';
import { MbapRequestFramer, MbapFramingError, RtuRequestFramer, crc16, mbapFrame, rtuFrame } from '../../../lib/modbus/server/framing';
import { JsonFileRegisterStore, RegisterStoreError } from '../../../lib/modbus/register-store/register-store';
import { parseUnits, serverOptionsFromSettings } from '../../../lib/modbus/server/config';
import { ServerConfigError } from '../../../lib/modbus/server/server';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('server PDU execution', () => {
  const img = () => new UnitImage(resolveSizes({ coil: 20, discrete: 20, holding: 10, input: 10 }));

  test('reads: FC1/2 pack bits LSB first, FC3/4 big-endian registers', () => {
    const i = img();
    i.setBits('coil', 0, [true, false, true, true, false, false, false, false, true]);
    i.setRegisters('input', 2, [0x1234, 0xabcd]);
    assert.deepEqual(executePdu(i, hex('01 0000 0009')).response, hex('01 02 0d 01'));
    assert.deepEqual(executePdu(i, hex('04 0002 0002')).response, hex('04 04 1234 abcd'));
  });

  test('writes: FC5/6/15/16 change the image, echo the request and report the write', () => {
    const i = img();
    let r = executePdu(i, hex('05 0003 ff00'));
    assert.deepEqual(r.response, hex('05 0003 ff00'));
    assert.deepEqual(r.write, { area: 'coil', address: 3, values: [true] });
    r = executePdu(i, hex('06 0001 beef'));
    assert.deepEqual(r.write, { area: 'holding', address: 1, values: [0xbeef] });
    r = executePdu(i, hex('0f 0004 000a 02 cd 01'));
    assert.deepEqual(r.response, hex('0f 0004 000a'));
    assert.deepEqual(i.getBits('coil', 4, 10), [true, false, true, true, false, false, true, true, true, false]);
    r = executePdu(i, hex('10 0005 0002 04 0001 0002'));
    assert.deepEqual(r.response, hex('10 0005 0002'));
    assert.deepEqual(i.getRegisters('holding', 5, 2), [1, 2]);
  });

  test('exceptions: 1 unknown function, 2 outside the image, 3 bad quantity or value', () => {
    const i = img();
    const code = (pdu: string) => executePdu(i, hex(pdu)).exception;
    assert.equal(code('2b 0e 01 00'), 1);
    assert.equal(code('03 0009 0002'), 2);
    assert.equal(code('01 0014 0001'), 2);
    assert.equal(code('03 0000 0000'), 3);
    assert.equal(code('03 0000 007e'), 3);
    assert.equal(code('05 0000 1234'), 3);
    assert.equal(code('10 0000 0002 03 0001 0002'), 3, 'byte count does not match the quantity');
    assert.equal(code('03 0000'), 3, 'truncated request');
    assert.deepEqual(executePdu(i, hex('03 0009 0002')).response, hex('83 02'));
    assert.deepEqual(i.getRegisters('holding', 0, 10), new Array(10).fill(0), 'nothing written by refused requests');
  });

  test('image sizes are checked', () => {
    assert.throws(
      () => resolveSizes({ holding: 70000 }),
      (e: unknown) => e instanceof ServerImageError && /holding/.test((e as Error).message),
    );
  });
});

describe('RTU request framing', () => {
  const req1 = rtuFrame(1, hex('03 0000 000a'));
  const req2 = rtuFrame(7, hex('10 0001 0002 04 0102 0304'));

  test('the CRC is the Modbus CRC-16 (low byte first)', () => {
    assert.equal(crc16(hex('01 03 0000 000a')), 0xcdc5);
    assert.deepEqual(req1.subarray(-2), hex('c5cd'));
  });

  test('frames split across reads and glued together come out whole', () => {
    const f = new RtuRequestFramer();
    const stream = Buffer.concat([req1, req2, req1]);
    const out = [];
    for (let i = 0; i < stream.length; i += 3) out.push(...f.push(stream.subarray(i, i + 3)));
    assert.deepEqual(
      out.map((r) => [r.unit, r.pdu.toString('hex')]),
      [
        [1, '030000000a'],
        [7, '10000100020401020304'],
        [1, '030000000a'],
      ],
    );
    assert.equal(f.pending(), 0);
  });

  test('a corrupted frame is never delivered; the framer resynchronises on the next good one', () => {
    const f = new RtuRequestFramer();
    const bad = Buffer.from(req1);
    bad[4] ^= 0xff;
    const out = f.push(Buffer.concat([hex('ff 00 13'), bad, req2]));
    assert.deepEqual(
      out.map((r) => r.unit),
      [7],
    );
    assert.ok(f.dropped > 0);
  });

  test('a request of a function the server does not know is delivered whole (to answer "illegal function")', () => {
    const f = new RtuRequestFramer();
    const unknown = rtuFrame(4, hex('2b 0e 01 00'));
    const out = [...f.push(unknown.subarray(0, 3)), ...f.push(Buffer.concat([unknown.subarray(3), req1]))];
    assert.deepEqual(
      out.map((r) => [r.unit, r.pdu.toString('hex')]),
      [
        [4, '2b0e0100'],
        [1, '030000000a'],
      ],
    );
  });

  test('junk never grows the buffer without bound', () => {
    const f = new RtuRequestFramer();
    for (let i = 0; i < 100; i++) f.push(Buffer.alloc(100, 0x55));
    assert.ok(f.pending() <= 512);
  });
});

describe('MBAP request framing', () => {
  test('splits pipelined requests and keeps transaction ids', () => {
    const f = new MbapRequestFramer();
    const a = mbapFrame(7, 1, hex('03 0000 0001'));
    const b = mbapFrame(8, 2, hex('04 0010 0002'));
    const out = [...f.push(Buffer.concat([a, b.subarray(0, 4)])), ...f.push(b.subarray(4))];
    assert.deepEqual(
      out.map((r) => [r.transactionId, r.unit, r.pdu.toString('hex')]),
      [
        [7, 1, '0300000001'],
        [8, 2, '0400100002'],
      ],
    );
  });

  test('a stream that is not Modbus TCP is refused', () => {
    assert.throws(() => new MbapRequestFramer().push(Buffer.from('GET / HTTP/1.1\r\n\r\n')), MbapFramingError);
    assert.throws(() => new MbapRequestFramer().push(hex('0001 0000 0400 01 03')), /length 1024/);
  });
});

describe('JSON register store', () => {
  test('saves runs of non-zero registers atomically and loads them back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgegw-store-'));
    try {
      const file = join(dir, 'sub', 'regs.json');
      const store = new JsonFileRegisterStore(file);
      assert.equal((await store.load()).size, 0, 'no file yet: nothing saved');
      const regs = new Uint16Array(100);
      regs.set([1, 2, 3], 10);
      regs[99] = 65535;
      await store.save(
        new Map([
          [1, regs],
          [2, new Uint16Array(5)],
        ]),
        [],
      );
      const doc = JSON.parse(readFileSync(file, 'utf8'));
      assert.deepEqual(doc.units, {
        1: [
          [10, [1, 2, 3]],
          [99, [65535]],
        ],
        2: [],
      });
      const loaded = await new JsonFileRegisterStore(file).load();
      assert.deepEqual(Array.from(loaded.get(1)!.subarray(10, 13)), [1, 2, 3]);
      assert.equal(loaded.get(1)![99], 65535);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a damaged file is refused with its path and the reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgegw-store-'));
    try {
      const file = join(dir, 'bad.json');
      writeFileSync(file, '{"format": "edgegw-holding-registers/1", "units": {"1": [[0, [1, 70000]]]}}');
      await assert.rejects(new JsonFileRegisterStore(file).load(), (e: unknown) => e instanceof RegisterStoreError && e.path === file && /register 1: 70000/.test((e as Error).message));
      writeFileSync(file, 'not json');
      await assert.rejects(new JsonFileRegisterStore(file).load(), /not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('server settings', () => {
  test('unit lists, ranges and any', () => {
    assert.deepEqual(parseUnits('1, 2 5-7'), [1, 2, 5, 6, 7]);
    assert.equal(parseUnits('any'), 'any');
    assert.equal(parseUnits(''), 'any');
    assert.throws(
      () => parseUnits('1, x'),
      (e: unknown) => e instanceof ServerConfigError && e.field === 'units',
    );
    assert.throws(() => parseUnits('0'), /within 1..247/);
  });

  test('bad settings name the field', () => {
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ transport: 'tcp', port: 'x' }, 'port'],
      [{ transport: 'rtu', path: '' }, 'path'],
      [{ transport: 'rtu', path: '/dev/x', parity: 'mark' }, 'parity'],
      [{ transport: 'udp' }, 'transport'],
      [{ transport: 'tcp', holdingSize: 70000 }, 'holdingSize'],
    ];
    for (const [s, field] of bad)
      assert.throws(
        () => serverOptionsFromSettings(s),
        (e: unknown) => e instanceof ServerConfigError && e.field === field,
        field,
      );
    const ok = serverOptionsFromSettings({ transport: 'tcp', port: '1502', units: '3', holdingSize: '100' });
    assert.deepEqual(ok.transport, { kind: 'tcp', host: '127.0.0.1', port: 1502 });
    assert.deepEqual(ok.units, [3]);
    assert.equal(ok.sizes?.holding, 100);
  });
});
