// The poller when things go wrong, against pymodbus over TCP: exception answers mark only the
// tags concerned bad, "illegal data address" splits are remembered, an open breaker keeps the
// last good values as stale, and a server restart is survived without intervention.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createModbusLine } from '../../../lib/modbus/line/line';
import type { ModbusLine } from '../../../lib/modbus/line/types';
import { DevicePoller } from '../../../lib/modbus/poller/poller';
import { parseTagTableCsv } from '../../../lib/modbus/tag-table';
import { needPeers, PEER } from '../../helpers/peers';
import { waitFor } from '../../helpers/process';
import { startTypedPeer, type TypedPeer } from '../../helpers/modbus-typed-peer';

// unit 2 has holding registers 0..1 and 6..9 only: 2..5 answer "illegal data address"
const GAPPY = `name,area,address,type
a0,holding,0,uint16
a1,holding,1,uint16
hole,holding,4,uint16
b6,holding,6,uint16
b7,holding,7,float32
`;

describe('poller faults against pymodbus', needPeers(PEER.pymodbus()), () => {
  let peer: TypedPeer;
  let line: ModbusLine;
  before(async () => {
    peer = await startTypedPeer({
      transport: 'tcp',
      units: {
        1: { holding: 100 },
        2: {
          holding: [
            [0, 2],
            [6, 4],
          ],
        },
      },
    });
    line = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port: peer.port! }, timeoutMs: 1000 });
  });
  after(async () => {
    await line?.close();
    await peer?.stop();
  });

  test('illegal data address: the block is split, the hole alone is bad, and the split is remembered', async () => {
    await peer.set(2, 'holding', 0, [10, 11]);
    await peer.set(2, 'holding', 6, [16]);
    await peer.encode(2, 'holding', 7, 'float32', 'ABCD', 2.5);
    const splits: unknown[] = [];
    const p = new DevicePoller({ line, unit: 2, device: 'meter', tags: parseTagTableCsv(GAPPY), groups: [{ name: 'g', intervalMs: 1000 }], limits: { maxGap: 10 } });
    p.on('split', (s) => splits.push(s));
    assert.equal(p.blocks().length, 1, 'planned as one block 0..8');

    const first = (await p.pollGroup('g'))!;
    const byName = Object.fromEntries(first.samples.map((s) => [s.name, s]));
    assert.deepEqual([byName.a0.value, byName.a1.value, byName.b6.value, byName.b7.value], [10, 11, 16, 2.5]);
    assert.ok(['a0', 'a1', 'b6', 'b7'].every((n) => byName[n].quality === 'good'));
    assert.equal(byName.hole.quality, 'bad');
    assert.equal(byName.hole.value, null);
    assert.match(byName.hole.error!, /Modbus exception 2 \(illegal data address\) for unit 2 holding 4\.\.4/);
    assert.equal(first.failedRequests, 3, 'whole block, left half, then the hole alone');
    assert.equal(splits.length, 2);

    const plan = p.blocks().map((b) => `${b.address}+${b.count}`);
    assert.deepEqual(plan, ['0+2', '4+1', '6+3']);
    const second = (await p.pollGroup('g'))!;
    assert.equal(second.requests, 3, 'the learned plan is used');
    assert.equal(second.failedRequests, 1, 'only the hole fails now');
    assert.equal(p.stats().splits, 2);
    assert.equal(p.stats().bad, 1);
    assert.equal(p.stats().good, 4);
  });

  test('while the breaker is open the tags keep their last good value as stale', async () => {
    const fragile = createModbusLine({
      transport: { kind: 'tcp', host: '127.0.0.1', port: peer.port! },
      // long enough for the first, good read from pymodbus on a loaded machine; the silent unit
      // then costs two of these before the breaker opens
      timeoutMs: 1000,
      unitBackoff: { minMs: 1, maxMs: 1 },
      breaker: { failureThreshold: 2, resetTimeoutMs: 60000 },
    });
    try {
      await peer.set(1, 'holding', 20, [1234]);
      const tags = parseTagTableCsv('name,area,address,type,scale\nsp,holding,20,uint16,0.1\n');
      const p = new DevicePoller({ line: fragile, unit: 1, device: 'd', tags, groups: [{ name: 'g', intervalMs: 1000 }] });
      const good = (await p.pollGroup('g'))!.samples[0];
      assert.equal(good.quality, 'good');
      assert.equal(good.value, 123.4);
      await peer.silence(1, true);
      const timedOut = (await p.pollGroup('g'))!.samples[0];
      assert.equal(timedOut.quality, 'bad');
      assert.equal(timedOut.value, null);
      const stale = await waitFor(
        'breaker open',
        async () => {
          await new Promise((r) => setTimeout(r, 5));
          const s = (await p.pollGroup('g'))!.samples[0];
          return s.quality === 'stale' ? s : null;
        },
        10000,
        0,
      );
      assert.equal(fragile.state().units[1].breaker, 'open');
      assert.equal(stale.value, 123.4);
      assert.equal(stale.ts, good.ts, 'the timestamp is the time the value was read');
      assert.match(stale.error!, /circuit breaker open for unit 1/);
      assert.equal(p.stats().stale, 1);
    } finally {
      await peer.silence(1, false);
      await fragile.close();
    }
  });

  test('server killed and restarted: tags go bad, then polling resumes by itself', async () => {
    const port = peer.port!;
    const resilient = createModbusLine({ transport: { kind: 'tcp', host: '127.0.0.1', port }, timeoutMs: 300, reconnect: { minMs: 50, maxMs: 200 }, queueTimeoutMs: 300 });
    const tags = parseTagTableCsv('name,area,address,type\nx,holding,30,uint16\n');
    const p = new DevicePoller({ line: resilient, unit: 1, device: 'd', tags, groups: [{ name: 'g', intervalMs: 30 }] });
    try {
      await peer.set(1, 'holding', 30, [77]);
      p.start();
      await waitFor('good', () => p.lastSample('x')?.quality === 'good');
      await peer.stop();
      await waitFor('bad while the server is down', () => p.lastSample('x')?.quality === 'bad');
      peer = await startTypedPeer({
        transport: 'tcp',
        port,
        units: {
          1: { holding: 100 },
          2: {
            holding: [
              [0, 2],
              [6, 4],
            ],
          },
        },
      });
      await peer.set(1, 'holding', 30, [78]);
      await waitFor('good again after the restart', () => p.lastSample('x')?.value === 78 && p.lastSample('x')?.quality === 'good', 10000);
    } finally {
      p.stop();
      await p.idle();
      await resilient.close();
    }
  });
});
