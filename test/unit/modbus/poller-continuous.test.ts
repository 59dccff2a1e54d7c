// Interval 0 ("as fast as the device answers") against the libmodbus C server: cycles follow one
// another with correct, complete samples in table order, never more than one cycle's requests
// are queued on the line, stop() ends it, and a line that refuses every read makes the group
// pause between cycles instead of spinning.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createModbusLine } from '../../../lib/modbus/line/line';
import type { ModbusLine } from '../../../lib/modbus/line/types';
import { CONTINUOUS_RETRY_MS, DevicePoller, type CycleResult } from '../../../lib/modbus/poller/poller';
import type { TagDef } from '../../../lib/modbus/types';
import { needPeers } from '../../helpers/peers';
import { waitFor } from '../../helpers/process';
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

describe('poller with interval 0 (continuous)', needPeers(haveMbserver()), () => {
  let server: Awaited<ReturnType<typeof startMbserver>>;
  let line: ModbusLine;
  before(async () => {
    server = await startMbserver();
    line = createModbusLine({ name: 'continuous', transport: { kind: 'tcp', host: '127.0.0.1', port: server.port }, timeoutMs: 2000 });
  });
  after(async () => {
    await line?.close();
    await server?.stop();
  });

  test('cycles follow one another with every sample right, in table order; at most one cycle queued; nothing after stop()', async () => {
    const table = tags();
    let maxQueued = 0;
    const watching: Pick<ModbusLine, 'read'> = {
      read: (unit, area, address, count) => {
        const p = line.read(unit, area, address, count);
        maxQueued = Math.max(maxQueued, line.state().units[unit]?.queued ?? 0);
        return p;
      },
    };
    const p = new DevicePoller({ line: watching, unit: 1, device: 'd', tags: table, groups: [{ name: 'fast', intervalMs: 0 }], limits: { maxRegisters: 60 } });
    const perCycle = p.blocks().length;
    assert.equal(perCycle, 5, '300 registers in blocks of 60');
    const cycles: CycleResult[] = [];
    p.on('cycle', (c: CycleResult) => cycles.push(c));
    p.start();
    await waitFor('50 cycles', () => cycles.length >= 50, 30000);
    p.stop();
    await p.idle();
    const seen = cycles.length;
    for (const c of cycles) {
      assert.equal(c.samples.length, 300);
      assert.equal(c.requests, perCycle);
      assert.equal(c.failedRequests, 0);
      c.samples.forEach((s, i) => {
        assert.equal(s.name, table[i].name, 'samples in table order');
        assert.equal(s.quality, 'good');
        assert.equal(s.value, table[i].address);
      });
    }
    assert.equal(cycles[0].changed.length, 300, 'the first cycle reports every tag');
    assert.ok(cycles.slice(1).every((c) => c.changed.length === 0), 'constant registers: nothing reported after the first');
    for (let i = 1; i < cycles.length; i++) assert.ok(cycles[i].startedAt >= cycles[i - 1].startedAt, 'cycles emitted in the order they started');
    assert.ok(maxQueued <= perCycle, `at most one cycle's requests queued (saw ${maxQueued})`);
    const stats = p.stats();
    assert.equal(stats.overruns, 0);
    assert.equal(stats.good, 300);
    // nothing more once stopped
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(cycles.length, seen, 'no cycle emitted after stop()');
  });

  test('a line that refuses every read: bad samples, CONTINUOUS_RETRY_MS between cycles, no spinning', async () => {
    const closed = createModbusLine({ name: 'closed', transport: { kind: 'tcp', host: '127.0.0.1', port: server.port }, timeoutMs: 1000 });
    await closed.close(); // every read now rejects at once, without I/O
    const p = new DevicePoller({ line: closed, unit: 1, device: 'd', tags: tags().slice(0, 10), groups: [{ name: 'fast', intervalMs: 0 }] });
    const cycles: CycleResult[] = [];
    p.on('cycle', (c: CycleResult) => cycles.push(c));
    const t0 = Date.now();
    p.start();
    await waitFor('3 cycles', () => cycles.length >= 3, 10000);
    const elapsed = Date.now() - t0;
    p.stop();
    await p.idle();
    assert.ok(cycles.every((c) => c.samples.every((s) => s.quality === 'bad' && /line closed/.test(s.error ?? ''))));
    // a lower bound only (timers never fire early): 3 cycles need 2 pauses
    assert.ok(elapsed >= 2 * CONTINUOUS_RETRY_MS - 5, `paused between refused cycles (${elapsed} ms for ${cycles.length})`);
  });

  test('interval must be 0 or at least 1 ms', () => {
    assert.throws(() => new DevicePoller({ line, unit: 1, device: 'd', tags: tags(), groups: [{ name: 'g', intervalMs: 0.5 }] }), /poll group 'g': interval must be 0 \(as fast as the device answers\) or at least 1 ms, got 0.5/);
  });
});
