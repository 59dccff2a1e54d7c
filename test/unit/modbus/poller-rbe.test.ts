// The poller's outputs against a pymodbus TCP server: report by exception with deadbands,
// whole scans, group timers without overlap, and stop() releasing every timer.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createModbusLine } from '../../../lib/modbus/line/line';
import type { ModbusLine } from '../../../lib/modbus/line/types';
import { DevicePoller, shouldReport, type CycleResult } from '../../../lib/modbus/poller/poller';
import { parseTagTableCsv } from '../../../lib/modbus/tag-table';
import type { TagSample } from '../../../lib/tags/contract';
import { needPeers, PEER } from '../../helpers/peers';
import { waitFor } from '../../helpers/process';
import { startTypedPeer, type TypedPeer } from '../../helpers/modbus-typed-peer';

const TABLE = `name,area,address,type,order,scale,offset,unit,access,group,deadband
temp,holding,0,int16,,0.1,,°C,r,fast,0.5
level,holding,1,uint16,,,,mm,r,fast,
power,holding,2,float32,CDAB,,,W,r,slow,10
run,coil,0,bool,,,,,rw,fast,
name,holding,10,string:4,,,,,r,slow,
`;

describe('report by exception', () => {
  test('deadband, quality change and first sample decide what is reported', () => {
    const s = (value: TagSample['value'], quality: TagSample['quality'] = 'good'): TagSample => ({ device: 'd', name: 'n', value, quality, ts: 0 });
    assert.equal(shouldReport(undefined, s(1), 5), true);
    assert.equal(shouldReport(s(1), s(5), 5), false);
    assert.equal(shouldReport(s(1), s(6.5), 5), true);
    assert.equal(shouldReport(s(1), s(1.0001), 0), true);
    assert.equal(shouldReport(s(1), s(1), 0), false);
    assert.equal(shouldReport(s(1), s(1, 'stale'), 5), true);
    assert.equal(shouldReport(s(NaN), s(NaN), 0), false);
    assert.equal(shouldReport(s(2n ** 60n), s(2n ** 60n + 3n), 5), false);
    assert.equal(shouldReport(s(2n ** 60n), s(2n ** 60n + 6n), 5), true);
    assert.equal(shouldReport(s('a'), s('b'), 100), true);
    assert.equal(shouldReport(s(true), s(true), 0), false);
  });
});

describe('DevicePoller against pymodbus', needPeers(PEER.pymodbus()), () => {
  let peer: TypedPeer;
  let line: ModbusLine;
  before(async () => {
    peer = await startTypedPeer({ transport: 'tcp', units: { 1: { holding: 100, coil: 100 } } });
    line = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port: peer.port! }, timeoutMs: 2000 });
  });
  after(async () => {
    await line?.close();
    await peer?.stop();
  });

  const poller = () =>
    new DevicePoller({
      line,
      unit: 1,
      device: 'boiler',
      tags: parseTagTableCsv(TABLE),
      groups: [
        { name: 'fast', intervalMs: 40 },
        { name: 'slow', intervalMs: 60 },
      ],
      limits: { maxGap: 8 },
    });

  test('scans carry every tag of the group; RBE only what moved beyond the deadband', async () => {
    await peer.set(1, 'holding', 0, [215, 1000]);
    await peer.encode(1, 'holding', 2, 'float32', 'CDAB', 100.5);
    await peer.encode(1, 'holding', 10, 'string:4', 'ABCD', 'GW-1');
    await peer.set(1, 'coil', 0, [true]);
    const p = poller();
    const fast1 = (await p.pollGroup('fast'))!;
    assert.deepEqual(
      fast1.samples.map((s) => [s.name, s.value, s.quality]),
      [
        ['temp', 21.5, 'good'],
        ['level', 1000, 'good'],
        ['run', true, 'good'],
      ],
    );
    assert.deepEqual(
      fast1.changed.map((s) => s.name),
      ['temp', 'level', 'run'],
      'first scan reports everything',
    );
    assert.equal(fast1.samples[0].device, 'boiler');
    assert.equal(fast1.samples[0].unit, '°C');
    assert.equal(fast1.requests, 2, 'one holding block and one coil block');
    const slow1 = (await p.pollGroup('slow'))!;
    assert.deepEqual(
      slow1.samples.map((s) => s.value),
      [100.5, 'GW-1'],
    );
    assert.equal(slow1.requests, 1, 'power (2..3) and name (10..13) merged across a gap of 6');

    // temp +0.4 (deadband 0.5): not reported; level +1 (no deadband): reported
    await peer.set(1, 'holding', 0, [219, 1001]);
    const fast2 = (await p.pollGroup('fast'))!;
    assert.deepEqual(
      fast2.changed.map((s) => [s.name, s.value]),
      [['level', 1001]],
    );
    // temp drifts on: +0.6 from the last reported 21.5 is reported, though only +0.2 from the last scan
    await peer.set(1, 'holding', 0, [221]);
    const fast3 = (await p.pollGroup('fast'))!;
    assert.deepEqual(
      fast3.changed.map((s) => [s.name, s.value]),
      [['temp', 22.1]],
    );
    // power within deadband 10, string changed
    await peer.encode(1, 'holding', 2, 'float32', 'CDAB', 105);
    await peer.encode(1, 'holding', 10, 'string:4', 'ABCD', 'GW-2');
    const slow2 = (await p.pollGroup('slow'))!;
    assert.deepEqual(
      slow2.changed.map((s) => [s.name, s.value]),
      [['name', 'GW-2']],
    );
    assert.equal(p.lastSample('power')!.value, 105);
    const st = p.stats();
    assert.equal(st.tags, 5);
    assert.equal(st.good, 5);
    assert.equal(st.cycles, 5);
    assert.equal(st.requestsPerScan, 3);
  });

  test('a float32 is decoded again whenever either of its registers changed (the poller keeps the last decode per tag)', async () => {
    const tags = parseTagTableCsv(`name,area,address,type,order,scale,offset,unit,access,group
straight,holding,20,float32,ABCD,,,,r,fast
swapped,holding,22,float32,CDAB,2,1,,r,fast
`);
    const p = new DevicePoller({ line, unit: 1, device: 'floats', tags, groups: [{ name: 'fast', intervalMs: 1000 }] });
    const values = async () => (await p.pollGroup('fast'))!.samples.map((s) => [s.name, s.value, s.quality]);
    // 1.5 = 0x3FC00000; 1.5000001 differs in the low word only (0x3FC00001)
    await peer.set(1, 'holding', 20, [0x3fc0, 0x0000, 0x0000, 0x3fc0]);
    assert.deepEqual(await values(), [
      ['straight', 1.5, 'good'],
      ['swapped', 4, 'good'],
    ]);
    assert.deepEqual(await values(), [
      ['straight', 1.5, 'good'],
      ['swapped', 4, 'good'],
    ]);
    await peer.set(1, 'holding', 20, [0x3fc0, 0x0001, 0x0001, 0x3fc0]);
    assert.deepEqual(await values(), [
      ['straight', 1.5000001, 'good'],
      ['swapped', 1.5000001 * 2 + 1, 'good'],
    ]);
    // the high word only: -1.5 = 0xBFC00000
    await peer.set(1, 'holding', 20, [0xbfc0, 0x0000, 0x0000, 0xbfc0]);
    assert.deepEqual(await values(), [
      ['straight', -1.5, 'good'],
      ['swapped', -2, 'good'],
    ]);
  });

  test('timers: each group cycles on its own, stop() releases them and nothing is emitted after', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const p = poller();
    const seen: Record<string, number> = { fast: 0, slow: 0 };
    p.on('cycle', (r: CycleResult) => seen[r.group]++);
    p.start();
    await waitFor('both groups cycling', () => seen.fast >= 3 && seen.slow >= 2, 10000, 10);
    p.stop();
    await p.idle();
    const after = { ...seen };
    await new Promise((r) => setTimeout(r, 150));
    assert.deepEqual(seen, after, 'no cycle after stop()');
    assert.equal(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length, before, 'no timer left');
  });

  test('a cycle never overlaps the previous one of its group: the tick is skipped and counted', async () => {
    await peer.silence(1, true);
    const slowLine = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port: peer.port! }, timeoutMs: 400, unitBackoff: { minMs: 5000, maxMs: 5000 } });
    let inFlight = 0;
    let maxInFlight = 0;
    const counting = {
      read: async (...args: Parameters<ModbusLine['read']>) => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        try {
          return await slowLine.read(...args);
        } finally {
          inFlight--;
        }
      },
    };
    const tags = parseTagTableCsv('name,area,address,type\na,holding,0,uint16\n');
    const p = new DevicePoller({ line: counting, unit: 1, device: 'd', tags, groups: [{ name: 'g', intervalMs: 20 }] });
    p.start();
    const [first] = (await once(p, 'cycle')) as [CycleResult];
    p.stop();
    await p.idle();
    await slowLine.close();
    await peer.silence(1, false);
    assert.equal(first.samples[0].quality, 'bad');
    assert.match(first.samples[0].error!, /no response within 400 ms/);
    assert.ok(p.stats().overruns >= 1, `overruns counted (${p.stats().overruns})`);
    assert.equal(maxInFlight, 1, 'one request of the group in flight at a time');
  });
});
