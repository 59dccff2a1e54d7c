// Our server with our own line as the master (and raw sockets for abuse): pipelined TCP,
// RTU on a pty, RTU over TCP, junk from a client, persistence across a restart, lifecycle.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needPeers, PEER } from '../../helpers/peers';
import { ptyPair } from '../../helpers/socat';
import { waitFor } from '../../helpers/process';
import { resourceCounts, settleTo } from '../../helpers/modbus-leaks';
import { ModbusServer, type ServerWriteEvent } from '../../../lib/modbus/server/server';
import { JsonFileRegisterStore } from '../../../lib/modbus/register-store/register-store';
import { createModbusLine } from '../../../lib/modbus/line/line';
import { ModbusExceptionError } from '../../../lib/modbus/errors';
import type { ModbusLine } from '../../../lib/modbus/line/types';

describe('modbus server with our line as master', () => {
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });
  const track = <T extends { close(): Promise<void> }>(x: T): T => {
    cleanup.push(() => x.close());
    return x;
  };

  test('tcp: 1000 pipelined reads and writes from 3 units, answers in order per transaction', async () => {
    const server = track(new ModbusServer({ transport: { kind: 'tcp', host: '127.0.0.1', port: 0 }, units: [1, 2, 3] }));
    await server.start();
    for (const u of [1, 2, 3])
      server.setRegisters(
        u,
        'input',
        0,
        Array.from({ length: 100 }, (_, i) => u * 100 + i),
      );
    const line: ModbusLine = track(createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port: (server.address() as { port: number }).port }, maxInFlight: 16 }));
    const jobs: Array<Promise<unknown>> = [];
    for (let i = 0; i < 1000; i++) {
      const u = 1 + (i % 3);
      if (i % 10 === 0) jobs.push(line.write(u, 'holding', i, [i]));
      else
        jobs.push(
          (line.read(u, 'input', i % 90, 10) as Promise<number[]>).then((v) =>
            assert.deepEqual(
              v,
              Array.from({ length: 10 }, (_, k) => u * 100 + (i % 90) + k),
            ),
          ),
        );
    }
    await Promise.all(jobs);
    assert.deepEqual(server.getRegisters(1, 'holding', 990, 1), [990]);
    assert.equal(server.status().requests, 1000);
  });

  test('rtu on a pty and rtu over tcp: every function round-trips; exceptions are typed', needPeers(PEER.socat()), async () => {
    const pty = await ptyPair();
    cleanup.push(() => pty.stop());
    const rtuServer = track(new ModbusServer({ transport: { kind: 'rtu', path: pty.a, baudRate: 38400, parity: 'even', dataBits: 8, stopBits: 1 }, units: [5] }));
    const rotServer = track(new ModbusServer({ transport: { kind: 'rtu-over-tcp', host: '127.0.0.1', port: 0 }, units: [5] }));
    await rtuServer.start();
    await rotServer.start();
    const lines = [
      track(createModbusLine({ transport: { kind: 'rtu', path: pty.b, baudRate: 38400, parity: 'even', dataBits: 8, stopBits: 1 } })),
      track(createModbusLine({ transport: { kind: 'rtu-over-tcp', host: '127.0.0.1', port: (rotServer.address() as { port: number }).port } })),
    ];
    for (const [server, line] of [
      [rtuServer, lines[0]],
      [rotServer, lines[1]],
    ] as const) {
      const writes: ServerWriteEvent[] = [];
      server.on('write', (w: ServerWriteEvent) => writes.push(w));
      server.setBits(5, 'discrete', 0, [true, true, false]);
      server.setRegisters(5, 'input', 9, [9, 10]);
      await line.write(5, 'coil', 1, [true, false, true]);
      await line.write(5, 'coil', 0, [true]);
      await line.write(5, 'holding', 2, [1000, 2000]);
      await line.write(5, 'holding', 0, [7]);
      assert.deepEqual(await line.read(5, 'coil', 0, 4), [true, true, false, true]);
      assert.deepEqual(await line.read(5, 'discrete', 0, 3), [true, true, false]);
      assert.deepEqual(await line.read(5, 'holding', 0, 4), [7, 0, 1000, 2000]);
      assert.deepEqual(await line.read(5, 'input', 9, 2), [9, 10]);
      assert.equal(writes.length, 4);
      await assert.rejects(line.read(5, 'holding', 9999, 2), (e: unknown) => e instanceof ModbusExceptionError && e.code === 2);
    }
  });

  test('tcp: a client sending junk is dropped; other clients are not disturbed', async () => {
    const server = track(new ModbusServer({ transport: { kind: 'tcp', host: '127.0.0.1', port: 0 }, units: 'any' }));
    await server.start();
    const port = (server.address() as { port: number }).port;
    const line: ModbusLine = track(createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port } }));
    assert.deepEqual(await line.read(1, 'holding', 0, 1), [0]);
    const rogue = connect(port, '127.0.0.1');
    await once(rogue, 'connect');
    rogue.on('error', () => undefined);
    const closed = once(rogue, 'close');
    rogue.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await closed;
    assert.ok(server.status().dropped >= 1);
    assert.deepEqual(await line.read(1, 'holding', 0, 1), [0]);
    assert.equal(line.state().connection, 'connected');
  });

  test('rtu: junk on the line is skipped and the next request is answered', needPeers(PEER.socat()), async () => {
    const pty = await ptyPair();
    cleanup.push(() => pty.stop());
    const server = track(new ModbusServer({ transport: { kind: 'rtu', path: pty.a, baudRate: 19200, parity: 'none', dataBits: 8, stopBits: 1 }, units: [1] }));
    await server.start();
    const { SerialPort } = await import('serialport');
    const sp = new SerialPort({ path: pty.b, baudRate: 19200, autoOpen: false });
    await new Promise<void>((r, j) => sp.open((e) => (e ? j(e) : r())));
    sp.write(Buffer.from([0x01, 0x03, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x55, 0x55]));
    await new Promise((r) => sp.drain(r));
    // the junk must reach the server before this end closes: a pty's last close may discard
    // bytes socat has not yet carried across (seen once in CI)
    await waitFor('junk counted', () => server.status().dropped > 0, 10000);
    await new Promise<void>((r) => sp.close(() => r()));
    const line: ModbusLine = track(createModbusLine({ transport: { kind: 'rtu', path: pty.b, baudRate: 19200, parity: 'none', dataBits: 8, stopBits: 1 }, timeoutMs: 5000 }));
    server.setRegisters(1, 'holding', 0, [31337]);
    assert.deepEqual(await line.read(1, 'holding', 0, 1), [31337]);
    assert.equal(server.status().serving, true);
  });

  test('tcp: a port in use fails start() clearly, then the server listens as soon as the port is free', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    const server = track(new ModbusServer({ transport: { kind: 'tcp', host: '127.0.0.1', port }, units: [1], reopen: { minMs: 50, maxMs: 100 } }));
    await assert.rejects(server.start(), (e: unknown) => (e as Error).name === 'ServerConfigError' && /cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/.test((e as Error).message));
    assert.equal(server.status().serving, false);
    await new Promise<void>((r) => blocker.close(() => r()));
    await waitFor('listening after the port was freed', () => server.status().serving, 10000);
    const line: ModbusLine = track(createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port } }));
    assert.deepEqual(await line.read(1, 'holding', 0, 1), [0]);
  });

  test('holding registers persist across a restart (JSON file store)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgegw-persist-'));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'regs.json');
    const first = new ModbusServer({ transport: { kind: 'tcp', host: '127.0.0.1', port: 0 }, units: [1, 2], store: new JsonFileRegisterStore(file), persistDelayMs: 50 });
    await first.start();
    const line = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port: (first.address() as { port: number }).port } });
    await line.write(2, 'holding', 100, [11, 22, 33]);
    first.setRegisters(1, 'holding', 5, [55]);
    first.setRegisters(1, 'input', 5, [66]); // input registers are not persisted
    await line.close();
    await first.close();
    const second = track(new ModbusServer({ transport: { kind: 'tcp', host: '127.0.0.1', port: 0 }, units: [1, 2], store: new JsonFileRegisterStore(file) }));
    await second.start();
    assert.deepEqual(second.getRegisters(2, 'holding', 100, 3), [11, 22, 33]);
    assert.deepEqual(second.getRegisters(1, 'holding', 5, 1), [55]);
    assert.deepEqual(second.getRegisters(1, 'input', 5, 1), [0]);
  });

  test('start and close 50 servers of each transport: nothing left behind', needPeers(PEER.socat()), async () => {
    const pty = await ptyPair();
    cleanup.push(() => pty.stop());
    const baseline = resourceCounts();
    for (let i = 0; i < 50; i++) {
      const tcp = new ModbusServer({ transport: { kind: 'tcp', host: '127.0.0.1', port: 0 }, units: [1] });
      await tcp.start();
      const line = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port: (tcp.address() as { port: number }).port } });
      await line.read(1, 'holding', 0, 1);
      await tcp.close(); // with the client still connected
      await line.close();
      const rtu = new ModbusServer({ transport: { kind: 'rtu', path: pty.a, baudRate: 19200, parity: 'none', dataBits: 8, stopBits: 1 }, units: [1] });
      await rtu.start();
      await rtu.close();
    }
    assert.deepEqual(await settleTo(baseline), []);
  });
});
