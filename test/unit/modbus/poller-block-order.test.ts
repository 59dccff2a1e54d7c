// Samples are settled block by block as the answers arrive (lib/modbus/poller/poller.ts): against
// the libmodbus C server, a tag table in an order unlike the blocks' still gives every cycle's
// samples complete, right and in table order, and reports by exception only what changed.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createModbusLine } from '../../../lib/modbus/line/line';
import type { ModbusLine } from '../../../lib/modbus/line/types';
import { DevicePoller } from '../../../lib/modbus/poller/poller';
import type { TagDef } from '../../../lib/modbus/types';
import { needPeers } from '../../helpers/peers';
import { haveMbserver, startMbserver } from '../../helpers/modbus-mbserver';

/** 300 uint16 tags at holding 0..299 (the server answers register i = i), in a shuffled table order. */
function tags(): TagDef[] {
  const out: TagDef[] = [];
  for (let i = 0; i < 300; i++) {
    const address = (i * 7) % 300;
    out.push({ name: `r${address}`, area: 'holding', address, type: 'uint16', order: 'ABCD', scale: 1, offset: 0, access: 'r' });
  }
  return out;
}

describe('poller: samples settled block by block', needPeers(haveMbserver()), () => {
  let server: Awaited<ReturnType<typeof startMbserver>>;
  let line: ModbusLine;
  before(async () => {
    server = await startMbserver();
    line = createModbusLine({ name: 'block-order', transport: { kind: 'tcp', host: '127.0.0.1', port: server.port }, timeoutMs: 2000 });
  });
  after(async () => {
    await line?.close();
    await server?.stop();
  });

  test('every cycle: all samples right and in table order; the first reports all, later ones only changes', async () => {
    const table = tags();
    const p = new DevicePoller({ line, unit: 1, device: 'd', tags: table, groups: [{ name: 'g', intervalMs: 1000 }], limits: { maxRegisters: 60 } });
    assert.equal(p.blocks().length, 5, '300 registers in blocks of 60');
    for (let cycle = 0; cycle < 20; cycle++) {
      const c = (await p.pollGroup('g'))!;
      assert.equal(c.samples.length, 300);
      assert.equal(c.requests, 5);
      assert.equal(c.failedRequests, 0);
      c.samples.forEach((s, i) => {
        assert.equal(s.name, table[i].name, 'samples in table order');
        assert.equal(s.quality, 'good');
        assert.equal(s.value, table[i].address);
        assert.equal(p.lastSample(s.name), s, "the latest sample is this cycle's");
      });
      assert.equal(c.changed.length, cycle === 0 ? 300 : 0, 'constant registers: reported at the first cycle only');
      if (cycle === 0)
        assert.deepEqual(
          c.changed.map((s) => s.name),
          table.map((t) => t.name),
          'reported in table order',
        );
    }
    assert.equal(p.stats().good, 300);
  });

  test('a failed block: its tags bad in place, the rest good, reported as changed in table order', async () => {
    // 9998..10001: the server has 10,000 registers, so this block answers "illegal data address" for ever
    const table: TagDef[] = [
      { name: 'high', area: 'holding', address: 9999, type: 'uint32', order: 'ABCD', scale: 1, offset: 0, access: 'r' },
      { name: 'low', area: 'holding', address: 5, type: 'uint16', order: 'ABCD', scale: 1, offset: 0, access: 'r' },
    ];
    const p = new DevicePoller({ line, unit: 1, device: 'd', tags: table, groups: [{ name: 'g', intervalMs: 1000 }], limits: { maxGap: 0 } });
    const c = (await p.pollGroup('g'))!;
    assert.deepEqual(
      c.samples.map((s) => [s.name, s.quality]),
      [
        ['high', 'bad'],
        ['low', 'good'],
      ],
    );
    assert.equal(c.samples[1].value, 5);
    assert.deepEqual(
      c.changed.map((s) => s.name),
      ['high', 'low'],
    );
    const again = (await p.pollGroup('g'))!;
    assert.deepEqual(again.changed, [], 'nothing changed on the second cycle');
  });
});
