// The Modbus server against hostile and careless clients (issue 7): a valid request followed by
// garbage in one segment, a client that sends and never reads, connections held open, more
// clients than allowed, and remote writes to read-only tags (mbpoll, a libmodbus master, and our
// own line as clients).
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { needPeers, PEER } from '../../helpers/peers';
import { waitFor } from '../../helpers/process';
import { mbpollWrite } from '../../helpers/modbus-mbpoll';
import { ModbusServer, type ModbusServerOptions } from '../../../lib/modbus/server/server';
import { ServerTagMap } from '../../../lib/modbus/server/tags';
import { serverOptionsFromSettings } from '../../../lib/modbus/server/config';
import { mbapFrame } from '../../../lib/modbus/server/framing';
import { parseTagTableCsv } from '../../../lib/modbus/tag-table';
import { createModbusLine } from '../../../lib/modbus/line/line';
import { ModbusExceptionError } from '../../../lib/modbus/errors';

const cleanup: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
});

async function serve(extra: Partial<ModbusServerOptions> = {}): Promise<{ server: ModbusServer; port: number }> {
  const server = new ModbusServer({ transport: { kind: 'tcp', host: '127.0.0.1', port: 0 }, units: [1], sizes: { coil: 100, discrete: 100, holding: 200, input: 100 }, ...extra });
  await server.start();
  cleanup.push(() => server.close());
  return { server, port: (server.address() as { port: number }).port };
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
    cleanup.push(() => void s.destroy());
  });
}

const readHolding = (tid: number, address = 0, count = 1) => mbapFrame(tid, 1, Buffer.from([3, address >> 8, address & 0xff, 0, count]));

describe('modbus server under hostile clients', () => {
  test('a valid request followed by garbage in the same segment is answered, then the client is dropped', async () => {
    const { server, port } = await serve();
    server.setRegisters(1, 'holding', 0, [4242]);
    const s = await open(port);
    let got = Buffer.alloc(0);
    s.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
    const closed = new Promise<void>((r) => s.once('close', () => r()));
    s.write(Buffer.concat([readHolding(7), Buffer.from('GET / HTTP/1.1\r\n\r\n')]));
    await closed;
    // the answer to transaction 7: FC3, 2 bytes, 4242
    assert.equal(got.toString('hex'), '00070000000501030210' + (4242 & 0xff).toString(16).padStart(2, '0'));
    assert.equal(server.status().dropped, 1);
    assert.match(server.status().lastError ?? '', /protocol id \d+ is not Modbus/);
  });

  test('a client that sends and never reads: the server stops reading from it, buffers little, and loses nothing', async () => {
    const { server, port } = await serve({ maxOutputBytes: 1024 * 1024 });
    const s = await open(port);
    s.pause(); // never read (until the end)
    const total = 150_000; // 1.8 MB of requests, 38 MB of answers (FC3, 125 registers)
    const one = readHolding(1, 0, 125);
    const burst = Buffer.alloc(one.length * total);
    for (let i = 0; i < total; i++) one.copy(burst, i * one.length);
    s.write(burst);
    let maxBuffered = 0;
    let last = -1;
    let stableSince = Date.now();
    // wait until the server stops making progress (it waits for the client to read)
    await waitFor(
      'server stalls on the unread client',
      () => {
        const st = server.status();
        maxBuffered = Math.max(maxBuffered, st.bufferedOut);
        if (st.requests !== last) {
          last = st.requests;
          stableSince = Date.now();
        }
        return st.requests >= total || Date.now() - stableSince > 1500;
      },
      120_000,
      10,
    );
    const answeredWhilePaused = server.status().requests;
    assert.ok(answeredWhilePaused < total / 2, `the server kept reading: ${answeredWhilePaused} of ${total} requests answered while the client read nothing`);
    assert.ok(maxBuffered <= 1024 * 1024, `answers buffered in the server: ${maxBuffered} bytes`);
    assert.equal(server.status().clients, 1, 'a slow reader is paused, not dropped');
    // the client reads: every request is answered
    let bytes = 0;
    s.on('data', (d: Buffer) => (bytes += d.length));
    s.resume();
    await waitFor('every answer', () => bytes >= total * 259, 180_000, 50);
    assert.equal(bytes, total * 259);
    assert.equal(server.status().requests, total);
  });

  test('a client that never reads and holds more unanswered requests than maxInputBytes is closed', async () => {
    const { server, port } = await serve({ maxInputBytes: 4096 });
    // pipelining within the limit is fine: 2,000 requests in one segment, read as they come
    const ok = await open(port);
    let okBytes = 0;
    ok.on('data', (d: Buffer) => (okBytes += d.length));
    const some = Buffer.alloc(12 * 2000);
    for (let i = 0; i < 2000; i++) readHolding(i, 0, 1).copy(some, i * 12);
    ok.write(some);
    await waitFor('2000 answers', () => okBytes === 2000 * 11, 30000);
    // a client that reads nothing: once the server waits for it, its backlog exceeds 4 KiB
    const s = await open(port);
    s.pause(); // (a paused client does not see the close until it reads: the server's count tells)
    const burst = Buffer.alloc(12 * 200_000);
    for (let i = 0; i < 200_000; i++) readHolding(i & 0xffff, 0, 125).copy(burst, i * 12);
    s.write(burst);
    await waitFor('the reader-less client closed', () => server.status().overflowClosed === 1, 60000);
    await waitFor('its socket gone', () => server.status().clients === 1, 10000);
    assert.match(server.status().lastError ?? '', /bytes of requests held unanswered \(limit 4096\)/);
    assert.equal(server.status().clients, 1, 'the well-behaved client is still connected');
  });

  test('idle clients are closed; past maxConnections new clients are refused and the others keep working', async () => {
    const { server, port } = await serve({ maxConnections: 3, idleTimeoutMs: 300 });
    const idle = await open(port);
    const idleClosed = new Promise<void>((r) => idle.once('close', () => r()));
    await idleClosed;
    assert.equal(server.status().idleClosed, 1);

    const { server: busy, port: busyPort } = await serve({ maxConnections: 3, idleTimeoutMs: 0 });
    const held = [await open(busyPort), await open(busyPort), await open(busyPort)];
    await waitFor('3 clients', () => busy.status().clients === 3, 5000);
    const extra = await open(busyPort);
    await new Promise<void>((r) => extra.once('close', () => r()));
    assert.equal(busy.status().refused, 1);
    assert.equal(busy.status().clients, 3);
    // the held ones are still served
    const answer = new Promise<Buffer>((r) => held[0].once('data', r));
    held[0].write(readHolding(9));
    assert.equal((await answer).readUInt16BE(0), 9);
    held[1].destroy();
    await waitFor('a slot frees', () => busy.status().clients === 2, 5000);
    const again = await open(busyPort);
    const answer2 = new Promise<Buffer>((r) => again.once('data', r));
    again.write(readHolding(10));
    assert.equal((await answer2).readUInt16BE(0), 10);
  });

  test('the default bind address is 127.0.0.1 (form left empty, and the library option unset)', async () => {
    assert.equal((serverOptionsFromSettings({ transport: 'tcp', port: 0 }).transport as { host: string }).host, '127.0.0.1');
    const server = new ModbusServer({ transport: { kind: 'tcp', port: 0 }, units: [1] });
    await server.start();
    cleanup.push(() => server.close());
    assert.equal((server.address() as { host: string }).host, '127.0.0.1');
    const listener = (server as unknown as { tcp: { address(): { address: string } } }).tcp.address();
    assert.equal(listener.address, '127.0.0.1');
    const o = serverOptionsFromSettings({ transport: 'tcp', port: 0 });
    assert.deepEqual([o.maxConnections, o.idleTimeoutMs], [32, 120_000]);
    assert.throws(() => serverOptionsFromSettings({ transport: 'tcp', port: 0, maxConnections: '0' }), /option maxConnections: must be an integer 1\.\.10000/);
    assert.throws(() => serverOptionsFromSettings({ transport: 'tcp', port: 0, idleTimeout: 'x' }), /option idleTimeout: must be an integer/);
  });
});

describe('modbus server: the tag table access column against remote writes', needPeers(PEER.mbpoll()), () => {
  const TABLE =
    'name,area,address,type,order,scale,offset,unit,access\nflow_temp,holding,0,int16,,0.1,,,r\nenergy,holding,1,uint32,,,,,r\nsetpoint,holding,10,int16,,0.1,,,rw\nalarm,coil,0,bool,,,,,r\npump_on,coil,1,bool,,,,,rw\n';

  test('writes to read-only registers and coils are refused with exception 02; rw tags and the flow still write', async () => {
    const { server, port } = await serve();
    const tags = new ServerTagMap(parseTagTableCsv(TABLE), server.imageSizes());
    server.protectFromRemoteWrites(tags.readOnlyRanges());
    tags.apply(server, 1, { flow_temp: 55.5, energy: 123456 }); // the flow sets read-only tags
    const target = { tcp: { host: '127.0.0.1', port }, unit: 1 };

    const ro = await mbpollWrite(target, 'holding', 0, [1]);
    assert.notEqual(ro.code, 0);
    assert.match(ro.output, /Illegal data address/i);
    const spanning = await mbpollWrite(target, 'holding', 2, [7, 7]); // energy's low word and beyond
    assert.notEqual(spanning.code, 0);
    const coil = await mbpollWrite(target, 'coil', 0, [1]);
    assert.notEqual(coil.code, 0);
    assert.match(coil.output, /Illegal data address/i);
    assert.deepEqual(server.getRegisters(1, 'holding', 0, 4), [555, 1, 57920, 0], 'nothing written');
    assert.deepEqual(server.getBits(1, 'coil', 0, 1), [false]);

    const rw = await mbpollWrite(target, 'holding', 10, [215]);
    assert.equal(rw.code, 0, rw.output);
    const rwCoil = await mbpollWrite(target, 'coil', 1, [1]);
    assert.equal(rwCoil.code, 0, rwCoil.output);
    assert.deepEqual(tags.read(server, 1), { flow_temp: 55.5, energy: 123456, setpoint: 21.5, alarm: false, pump_on: true });

    // the exact code, seen by our own master
    const line = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port }, timeoutMs: 3000 });
    cleanup.push(() => line.close());
    await assert.rejects(line.write(1, 'holding', 0, [1]), (e: Error) => e instanceof ModbusExceptionError && e.code === 2);
    await assert.rejects(line.write(1, 'coil', 0, [true, true]), (e: Error) => e instanceof ModbusExceptionError && e.code === 2);
    await line.write(1, 'holding', 5, [9]); // outside the tag table: writable
    assert.deepEqual(server.getRegisters(1, 'holding', 5, 1), [9]);
  });
});
