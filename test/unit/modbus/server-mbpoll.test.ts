// Our Modbus server against mbpoll (libmodbus) as an independent master: over TCP and over RTU
// through a socat pty pair, reading all four areas and writing coils and registers.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { needPeers, PEER } from '../../helpers/peers';
import { ptyPair, type PtyPair } from '../../helpers/socat';
import { mbpollRead, mbpollWrite, type MbpollTarget } from '../../helpers/modbus-mbpoll';
import { ModbusServer, type ServerWriteEvent } from '../../../lib/modbus/server/server';

describe('modbus server against mbpoll', needPeers(PEER.mbpoll(), PEER.socat()), () => {
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  async function tcpServer(units: number[] | 'any'): Promise<{ server: ModbusServer; target: (unit: number) => MbpollTarget; writes: ServerWriteEvent[] }> {
    const server = new ModbusServer({ transport: { kind: 'tcp', host: '127.0.0.1', port: 0 }, units, sizes: { coil: 100, discrete: 100, holding: 100, input: 100 } });
    const writes: ServerWriteEvent[] = [];
    server.on('write', (w: ServerWriteEvent) => writes.push(w));
    await server.start();
    cleanup.push(() => server.close());
    const port = (server.address() as { port: number }).port;
    return { server, writes, target: (unit) => ({ tcp: { host: '127.0.0.1', port }, unit }) };
  }

  async function rtuServer(units: number[] | 'any'): Promise<{ server: ModbusServer; target: (unit: number) => MbpollTarget; writes: ServerWriteEvent[]; pty: PtyPair }> {
    const pty = await ptyPair();
    const server = new ModbusServer({
      transport: { kind: 'rtu', path: pty.a, baudRate: 19200, parity: 'none', dataBits: 8, stopBits: 1 },
      units,
      sizes: { coil: 100, discrete: 100, holding: 100, input: 100 },
    });
    const writes: ServerWriteEvent[] = [];
    server.on('write', (w: ServerWriteEvent) => writes.push(w));
    await server.start();
    cleanup.push(async () => {
      await server.close();
      await pty.stop();
    });
    return { server, writes, pty, target: (unit) => ({ rtu: { path: pty.b, baudRate: 19200 }, unit }) };
  }

  for (const kind of ['tcp', 'rtu'] as const) {
    test(`${kind}: mbpoll reads the four areas the flow set`, async () => {
      const { server, target } = kind === 'tcp' ? await tcpServer([1, 2]) : await rtuServer([1, 2]);
      server.setBits(2, 'coil', 10, [true, false, true, true]);
      server.setBits(2, 'discrete', 20, [false, true, true]);
      server.setRegisters(2, 'holding', 30, [1, 65535, 12345]);
      server.setRegisters(2, 'input', 40, [7, 0, 32768]);
      server.setRegisters(1, 'holding', 30, [111, 222, 333]);
      const coil = await mbpollRead(target(2), 'coil', 10, 4);
      assert.deepEqual([...coil.values.values()], [1, 0, 1, 1], coil.output);
      const di = await mbpollRead(target(2), 'discrete', 20, 3);
      assert.deepEqual([...di.values.values()], [0, 1, 1], di.output);
      const hr = await mbpollRead(target(2), 'holding', 30, 3);
      assert.deepEqual([...hr.values.values()], [1, 65535, 12345], hr.output);
      const ir = await mbpollRead(target(2), 'input', 40, 3);
      assert.deepEqual([...ir.values.values()], [7, 0, 32768], ir.output);
      const other = await mbpollRead(target(1), 'holding', 30, 3);
      assert.deepEqual([...other.values.values()], [111, 222, 333], 'each unit has its own image');
    });

    test(`${kind}: mbpoll writes coils and registers; each write is reported`, async () => {
      const { server, target, writes } = kind === 'tcp' ? await tcpServer([3]) : await rtuServer([3]);
      assert.equal((await mbpollWrite(target(3), 'holding', 5, [4242])).code, 0); // FC6
      assert.equal((await mbpollWrite(target(3), 'holding', 50, [1, 2, 3, 4])).code, 0); // FC16
      assert.equal((await mbpollWrite(target(3), 'coil', 7, [1])).code, 0); // FC5
      assert.equal((await mbpollWrite(target(3), 'coil', 60, [1, 0, 1, 1, 0, 0, 1, 1, 1])).code, 0); // FC15
      assert.deepEqual(server.getRegisters(3, 'holding', 5, 1), [4242]);
      assert.deepEqual(server.getRegisters(3, 'holding', 50, 4), [1, 2, 3, 4]);
      assert.deepEqual(server.getBits(3, 'coil', 7, 1), [true]);
      assert.deepEqual(server.getBits(3, 'coil', 60, 9), [true, false, true, true, false, false, true, true, true]);
      assert.deepEqual(writes, [
        { unit: 3, area: 'holding', address: 5, values: [4242] },
        { unit: 3, area: 'holding', address: 50, values: [1, 2, 3, 4] },
        { unit: 3, area: 'coil', address: 7, values: [true] },
        { unit: 3, area: 'coil', address: 60, values: [true, false, true, true, false, false, true, true, true] },
      ]);
      // and mbpoll reads back what it wrote
      assert.deepEqual([...(await mbpollRead(target(3), 'holding', 50, 4)).values.values()], [1, 2, 3, 4]);
    });

    test(`${kind}: requests outside the image get "illegal data address"`, async () => {
      const { target } = kind === 'tcp' ? await tcpServer([1]) : await rtuServer([1]);
      const r = await mbpollRead(target(1), 'holding', 98, 5);
      assert.notEqual(r.code, 0);
      assert.match(r.output, /Illegal data address/);
      const w = await mbpollWrite(target(1), 'coil', 100, [1]);
      assert.match(w.output, /Illegal data address/);
    });
  }

  test('rtu: requests to a unit not served are left to the other slaves (no answer)', async () => {
    const { target, server } = await rtuServer([1]);
    const r = await mbpollRead(target(9), 'holding', 0, 1, 0.3);
    assert.notEqual(r.code, 0);
    assert.match(r.output, /timed out/i);
    const ok = await mbpollRead(target(1), 'holding', 0, 1);
    assert.equal(ok.code, 0, 'the line is still in sync for the unit served');
    assert.ok(server.status().requests >= 2);
  });

  test("tcp: a unit not served gets exception 11; 'any' answers every unit id from one image", async () => {
    const one = await tcpServer([1]);
    const r = await mbpollRead(one.target(9), 'holding', 0, 1);
    assert.match(r.output, /Gateway target device failed to respond|failed/i);
    const any = await tcpServer('any');
    any.server.setRegisters(0, 'holding', 0, [77]);
    for (const u of [1, 17, 200]) assert.deepEqual([...(await mbpollRead(any.target(u), 'holding', 0, 1)).values.values()], [77], `unit ${u}`);
  });
});
