// Memory stays flat over 10,000 failed polls (exception answers), against the fast libmodbus
// server: every failure makes new error objects and samples, none may be kept.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createModbusLine } from '../../../lib/modbus/line/line';
import type { ModbusLine } from '../../../lib/modbus/line/types';
import { DevicePoller } from '../../../lib/modbus/poller/poller';
import { parseTagTableCsv } from '../../../lib/modbus/tag-table';
import { needPeers } from '../../helpers/peers';
import { haveMbserver, startMbserver } from '../../helpers/modbus-mbserver';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('poller memory under failures', needPeers(haveMbserver()), () => {
  let server: Awaited<ReturnType<typeof startMbserver>>;
  let line: ModbusLine;
  before(async () => {
    server = await startMbserver();
    // the failures here are exception answers: the unit is alive, the breaker stays closed
    line = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port: server.port }, timeoutMs: 1000 });
  });
  after(async () => {
    await line?.close();
    await server?.stop();
  });

  test('10,000 failed polls: the heap does not grow', async () => {
    // 9998 and 9999 exist; 10000 and up answer exception 2 (illegal data address)
    const tags = parseTagTableCsv('name,area,address,type\nok,holding,9999,uint16\nbeyond,holding,10000,uint16\nfar,holding,10005,float32\n');
    const p = new DevicePoller({ line, unit: 1, device: 'd', tags, groups: [{ name: 'g', intervalMs: 1000 }], limits: { maxGap: 10 } });
    const first = (await p.pollGroup('g'))!;
    assert.deepEqual(
      first.samples.map((s) => s.quality),
      ['good', 'bad', 'bad'],
    );
    assert.equal(first.samples[0].value, 9999);
    for (let i = 0; i < 1000; i++) await p.pollGroup('g');
    const start = heapAfterGc();
    for (let i = 0; i < 9000; i++) await p.pollGroup('g');
    const end = heapAfterGc();
    const st = p.stats();
    assert.equal(st.cycles, 10001);
    assert.equal(st.bad, 2);
    assert.ok(st.failedRequests >= 20000, `every cycle had failing requests (${st.failedRequests})`);
    const growth = (end - start) / 1e6;
    assert.ok(growth < 2, `heap grew ${growth.toFixed(2)} MB over 9,000 failing polls`);
  });
});
