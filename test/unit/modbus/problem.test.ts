// A failed Modbus request reaches a node status as a code (translated there), never as English:
// each error class has its code, a poll cycle carries its first failure's code, and every code has
// its text in both locales of the nodes that show it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BreakerOpenError,
  ModbusConnectionError,
  ModbusExceptionError,
  ModbusProtocolError,
  ModbusQueueFullError,
  ModbusRequestError,
  ModbusTimeoutError,
  UnitSuspendedError,
} from '../../../lib/modbus/errors';
import { MODBUS_PROBLEM_CODES, modbusProblemOf } from '../../../lib/modbus/problem';
import { DevicePoller } from '../../../lib/modbus/poller/poller';
import { parseTagTableCsv } from '../../../lib/modbus/tag-table';

const where = { unit: 1, area: 'holding' as const, address: 0, count: 2 };

test('each Modbus error has its code; an exception keeps its number', () => {
  assert.deepEqual(modbusProblemOf(new ModbusExceptionError(2, where)), { code: 'exception', args: { exception: 2 } });
  assert.deepEqual(modbusProblemOf(new UnitSuspendedError(where, 1000, 5000)), { code: 'suspended' });
  assert.deepEqual(modbusProblemOf(new ModbusTimeoutError(where, 1000)), { code: 'timeout' });
  assert.deepEqual(modbusProblemOf(new ModbusConnectionError('line closed', where)), { code: 'connection' });
  assert.deepEqual(modbusProblemOf(new ModbusQueueFullError(where, 10)), { code: 'queueFull' });
  assert.deepEqual(modbusProblemOf(new BreakerOpenError(1, 3000)), { code: 'breakerOpen' });
  assert.deepEqual(modbusProblemOf(new ModbusProtocolError('bad length', where)), { code: 'protocol' });
  assert.deepEqual(modbusProblemOf(new ModbusRequestError('count out of range', where, 'count')), { code: 'request' });
  assert.deepEqual(modbusProblemOf(new Error('anything else')), { code: 'failed' });
});

test("a poll cycle carries its first failure's code; its samples keep the English message", async () => {
  const tags = parseTagTableCsv('name,area,address,type\na,holding,0,uint16\nb,holding,100,uint16\n');
  const failing = (err: Error) => ({ read: () => Promise.reject(err) });
  const poll = async (line: { read: () => Promise<number[]> }, gate?: () => Promise<string | undefined>) => {
    const poller = new DevicePoller({ line, unit: 1, device: 'd', tags, groups: [{ name: 'g', intervalMs: 1000 }], limits: { maxGap: 0 }, gate });
    const r = (await poller.pollGroup('g'))!;
    poller.stop();
    return r;
  };
  const timedOut = await poll(failing(new ModbusTimeoutError(where, 300)));
  assert.deepEqual(timedOut.problem, { code: 'timeout' });
  assert.match(String(timedOut.samples[0].error), /^no response within 300 ms/);
  assert.deepEqual((await poll(failing(new ModbusExceptionError(4, where)))).problem, { code: 'exception', args: { exception: 4 } });
  assert.deepEqual((await poll({ read: () => Promise.resolve([]) })).problem, { code: 'protocol' }, 'a short answer');
  assert.equal((await poll({ read: () => Promise.resolve([1]) })).problem, undefined, 'every read good');
  const gated = await poll({ read: () => Promise.resolve([1]) }, () => Promise.resolve('not now'));
  assert.deepEqual(gated.problem, { code: 'refused' });
  assert.equal(gated.samples[0].error, 'not now');
});

test('every code has a status text in both locales of modbus-device, with the same placeholders', () => {
  for (const locale of ['en-US', 'ru']) {
    const catalog = require(`../../../nodes/modbus-device/locales/${locale}/modbus-device.json`)['modbus-device'];
    for (const code of MODBUS_PROBLEM_CODES) assert.equal(typeof catalog.status.problem[code], 'string', `${locale}: ${code}`);
    assert.match(catalog.status.problem.exception, /__exception__/, locale);
    assert.deepEqual(Object.keys(catalog.status.problem).sort(), [...MODBUS_PROBLEM_CODES].sort(), `${locale}: no stale code`);
  }
});
