// The embedded broker (real aedes, real MQTT clients over TCP) refuses packets over its limit.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../../../runtime/broker';
import { waitFor } from '../../helpers/process';

describe('embedded broker max packet size', () => {
  test('an oversize PUBLISH closes that connection; the broker keeps serving others', async () => {
    const warnings: string[] = [];
    const broker = await startEmbeddedBroker(0, { maxPacketBytes: 64 * 1024, warn: (m) => warnings.push(m) });
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const watcher = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    const got: string[] = [];
    watcher.on('message', (_t, p) => got.push(p.length > 100 ? `big:${p.length}` : p.toString()));
    await watcher.subscribeAsync('t/#');
    try {
      // a raw socket announcing a 200 MB PUBLISH: refused after 5 bytes, long before the body
      const raw = netConnect(broker.port, '127.0.0.1');
      const rawClosed = new Promise<void>((r) => raw.on('close', () => r()));
      raw.on('error', () => undefined);
      const attacker = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
      const attackerClosed = new Promise<void>((r) => attacker.stream.on('close', () => r()));
      raw.write(Buffer.from([0x10, 12, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 2, 0, 60, 0, 0])); // CONNECT, empty client id
      raw.write(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x64])); // PUBLISH, remaining length 200 MiB
      await rawClosed;

      attacker.publish('t/big', Buffer.alloc(65 * 1024, 1));
      await attackerClosed;
      attacker.end(true);

      watcher.publish('t/small', 'still here');
      const edge = Buffer.alloc(64 * 1024 - 1 - 3 - 2 - 't/edge'.length, 2); // type, length, topic length, topic: exactly the limit
      watcher.publish('t/edge', edge);
      await waitFor('the broker still delivers', () => got.includes('still here') && got.includes(`big:${edge.length}`), 20000);
      assert.ok(!got.some((g) => g === `big:${65 * 1024}`), 'the oversize message was not delivered');
      assert.equal(warnings.length, 2, warnings.join('\n'));
      assert.match(warnings[0], /closed the connection from 127\.0\.0\.1:\d+: it sent a packet of 209715205 bytes \(largest accepted: 65536\)/);
    } finally {
      await watcher.endAsync(true);
      await broker.close();
    }
  });
});
