// Every tag type in every byte/word order against pymodbus, over TCP and over RTU on a socat
// pty: Python's struct encodes the registers, we decode them through the real line, planner and
// poller; then we write values with our encoder and Python's struct decodes them.
import { shortestFloat32 } from '../../../lib/tags/readable';
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createModbusLine } from '../../../lib/modbus/line/line';
import type { ModbusLine } from '../../../lib/modbus/line/types';
import { DevicePoller } from '../../../lib/modbus/poller/poller';
import { TagWriter } from '../../../lib/modbus/writes';
import { WORD_ORDERS, type TagDef, type TagType, type WordOrder } from '../../../lib/modbus/types';
import { needPeers, PEER } from '../../helpers/peers';
import { ptyPair, type PtyPair } from '../../helpers/socat';
import { startTypedPeer, type TypedPeer } from '../../helpers/modbus-typed-peer';

const VALUES: Record<string, Array<number | string>> = {
  int16: [-12345, 32767],
  uint16: [54321],
  int32: [-1234567890, 7],
  uint32: [4000000000],
  int64: ['-9000000000000000001', '1234567890123'],
  uint64: ['18000000000000000000'],
  float32: [-273.15, 1.0e20],
  float64: [Math.E, -6.02214076e23],
};
const STRINGS: Array<[TagType, string]> = [
  ['string:5', 'SDM630'],
  ['string:3', 'abcde'],
];

interface Case {
  tag: TagDef;
  value: number | string;
}

/** Lays out one tag per value x type x order, one after another, starting at `base`. */
function layout(base: number, access: 'r' | 'rw'): Case[] {
  const cases: Case[] = [];
  let address = base;
  const add = (type: TagType, order: WordOrder, value: number | string, width: number) => {
    cases.push({ tag: { name: `${type}_${order}_${cases.length}`, area: 'holding', address, type, order, scale: 1, offset: 0, access }, value });
    address += width;
  };
  const widths: Record<string, number> = { int16: 1, uint16: 1, int32: 2, uint32: 2, int64: 4, uint64: 4, float32: 2, float64: 4 };
  for (const [type, values] of Object.entries(VALUES)) for (const order of WORD_ORDERS) for (const v of values) add(type as TagType, order, v, widths[type]);
  for (const order of WORD_ORDERS) for (const [type, v] of STRINGS) add(type, order, v, Number(type.split(':')[1]));
  return cases;
}

function expected(c: Case): unknown {
  const t = c.tag.type;
  if (t === 'int64' || t === 'uint64') {
    const b = BigInt(c.value);
    return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
  }
  if (t === 'float32') return shortestFloat32(Math.fround(c.value as number));
  if (t.startsWith('string:')) return (c.value as string).slice(0, 2 * Number(t.split(':')[1]));
  return c.value;
}

function suite(transport: 'tcp' | 'rtu') {
  const reqs = transport === 'tcp' ? [PEER.pymodbus()] : [PEER.pymodbus(), PEER.socat()];
  const opts = needPeers(...reqs);
  describe(`types against pymodbus over ${transport.toUpperCase()}`, opts, () => {
    let peer: TypedPeer;
    let pty: PtyPair | undefined;
    let line: ModbusLine;
    before(async () => {
      if (opts.skip) return;
      if (transport === 'tcp') {
        peer = await startTypedPeer({ transport: 'tcp', units: { 1: { holding: 2000 }, 7: { holding: 2000 } } });
        line = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port: peer.port! }, timeoutMs: 2000 });
      } else {
        pty = await ptyPair();
        peer = await startTypedPeer({ transport: 'rtu', path: pty.b, baud: 38400, units: { 1: { holding: 2000 }, 7: { holding: 2000 } } });
        line = createModbusLine({ transport: { kind: 'rtu', path: pty.a, baudRate: 38400, parity: 'none', dataBits: 8, stopBits: 1 }, timeoutMs: 2000 });
      }
    });
    after(async () => {
      await line?.close();
      await peer?.stop();
      await pty?.stop();
    });

    test('Python encodes, we decode every type x order (through planner and poller)', async () => {
      const cases = layout(0, 'r');
      for (const c of cases) await peer.encode(7, 'holding', c.tag.address, c.tag.type, c.tag.order, c.value);
      const poller = new DevicePoller({ line, unit: 7, device: 'dev', tags: cases.map((c) => c.tag), groups: [{ name: 'g', intervalMs: 1000 }] });
      const samples = await poller.pollAll();
      assert.ok(poller.stats().requestsPerScan <= 3, `few requests per scan (${poller.stats().requestsPerScan})`);
      samples.forEach((s, i) => {
        assert.equal(s.quality, 'good', `${s.name}: ${s.error}`);
        assert.deepEqual(s.value, expected(cases[i]), s.name);
      });
    });

    test('we encode and write every type x order, Python decodes', async () => {
      const cases = layout(1000, 'rw');
      const writer = new TagWriter({ line, unit: 1, device: 'dev', tags: cases.map((c) => c.tag) });
      const values: Record<string, unknown> = {};
      for (const c of cases) values[c.tag.name] = c.tag.type === 'int64' || c.tag.type === 'uint64' ? BigInt(c.value) : c.value;
      const res = await writer.write(values, 'test');
      assert.ok(res.writeRequests <= 3, `contiguous tags merged into few FC16 requests (${res.writeRequests})`);
      for (const c of cases) {
        const { value } = await peer.decode(1, 'holding', c.tag.address, c.tag.type, c.tag.order);
        // Python reads the float32 into a double as it is; we publish its shortest decimal
        const want = c.tag.type === 'float32' ? Math.fround(c.value as number) : expected(c);
        assert.equal(String(value), String(want), `${c.tag.name}`);
      }
    });

    test('bool and bit:N tags, read and read-modify-write', async () => {
      await peer.set(1, 'holding', 1500, [0b1010_0000_0000_0101, 0]);
      const tags: TagDef[] = [
        { name: 'b0', area: 'holding', address: 1500, type: 'bit:0', order: 'ABCD', scale: 1, offset: 0, access: 'rw' },
        { name: 'b1', area: 'holding', address: 1500, type: 'bit:1', order: 'ABCD', scale: 1, offset: 0, access: 'rw' },
        { name: 'b15', area: 'holding', address: 1500, type: 'bit:15', order: 'ABCD', scale: 1, offset: 0, access: 'rw' },
        { name: 'flag', area: 'holding', address: 1501, type: 'bool', order: 'ABCD', scale: 1, offset: 0, access: 'rw' },
      ];
      const poller = new DevicePoller({ line, unit: 1, device: 'dev', tags, groups: [{ name: 'g', intervalMs: 1000 }] });
      assert.deepEqual(
        (await poller.pollAll()).map((s) => s.value),
        [true, false, true, false],
      );
      const writer = new TagWriter({ line, unit: 1, device: 'dev', tags });
      await writer.write({ b0: false, b1: true, flag: true }, 'test');
      assert.deepEqual(await peer.get(1, 'holding', 1500, 2), [0b1010_0000_0000_0110, 1]);
      assert.equal((await peer.decode(1, 'holding', 1500, 'bit:1', 'ABCD')).value, true);
    });
  });
}

suite('tcp');
suite('rtu');
