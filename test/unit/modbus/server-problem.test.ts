// A Modbus server that cannot serve says why as a code (translated by the node's status) beside
// its English lastError: a taken port, a missing serial port, registers that would not load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { ModbusServer } from '../../../lib/modbus/server/server';
import { listenProblem, serialOpenProblem, SERVER_PROBLEM_CODES } from '../../../lib/modbus/server/problem';

const errno = (code: string, message = code) => Object.assign(new Error(message), { code });

test('listen and serial failures by their errno', () => {
  assert.deepEqual(listenProblem(errno('EADDRINUSE'), 502), { code: 'addressInUse', args: { port: 502 } });
  assert.deepEqual(listenProblem(errno('EACCES'), 502), { code: 'portDenied', args: { port: 502 } });
  assert.deepEqual(listenProblem(errno('EADDRNOTAVAIL'), 502), { code: 'addressNotAvailable', args: { port: 502 } });
  assert.deepEqual(listenProblem(new Error('odd'), 502), { code: 'listenFailed', args: { port: 502 } });
  assert.deepEqual(serialOpenProblem(new Error('Error: No such file or directory, cannot open /dev/ttyX'), '/dev/ttyX'), { code: 'serialNotFound', args: { path: '/dev/ttyX' } });
  assert.deepEqual(serialOpenProblem(new Error('Error: Permission denied, cannot open /dev/ttyX'), '/dev/ttyX'), { code: 'serialDenied', args: { path: '/dev/ttyX' } });
  assert.deepEqual(serialOpenProblem(new Error('Error: Input/output error'), '/dev/ttyX'), { code: 'serialOpenFailed', args: { path: '/dev/ttyX' } });
});

test('a taken port: the status carries the code and the English message; serving clears both', async () => {
  const holder: Server = createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
  const port = (holder.address() as { port: number }).port;
  const server = new ModbusServer({ transport: { kind: 'tcp', host: '127.0.0.1', port }, units: [1], reopen: { minMs: 50, maxMs: 50 } });
  try {
    await assert.rejects(server.start());
    const s = server.status();
    assert.equal(s.serving, false);
    assert.deepEqual(s.problem, { code: 'addressInUse', args: { port } });
    assert.match(s.lastError ?? '', new RegExp(`^cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
    await new Promise<void>((r) => holder.close(() => r()));
    const deadline = Date.now() + 5000;
    while (!server.status().serving && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(server.status().serving, true, 'serving once the port is free');
    assert.equal(server.status().problem, undefined);
    assert.equal(server.status().lastError, undefined);
  } finally {
    await server.close();
    if (holder.listening) await new Promise<void>((r) => holder.close(() => r()));
  }
});

test('registers that would not load: the code storeUnreadable', async () => {
  const store = { load: () => Promise.reject(new Error('not a SQLite database')), save: () => Promise.resolve(), close: () => Promise.resolve() };
  const server = new ModbusServer({ transport: { kind: 'tcp', host: '127.0.0.1', port: 0 }, units: [1], store });
  await assert.rejects(server.start(), /not a SQLite database/);
  assert.deepEqual(server.status().problem, { code: 'storeUnreadable' });
  await server.close();
});

test('every code has a status text in both locales of modbus-server', () => {
  for (const locale of ['en-US', 'ru']) {
    const catalog = require(`../../../nodes/modbus-server/locales/${locale}/modbus-server.json`)['modbus-server'];
    assert.deepEqual(Object.keys(catalog.status.problem).sort(), [...SERVER_PROBLEM_CODES].sort(), locale);
  }
});
