// The embedded broker (real aedes, real MQTT clients over TCP): packets over its limit, subscribers
// that never read, topics holding NUL and the connection cap each cost only the client at fault.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../../../runtime/broker';
import { waitFor } from '../../helpers/process';
import { neverReadingSubscriber } from '../../helpers/mqtt-raw';

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

describe('embedded broker: a subscriber that never reads', () => {
  test('is dropped once its outgoing buffer passes the limit; 100 QoS 1 publishes by another client stay fast', async () => {
    const warnings: string[] = [];
    const broker = await startEmbeddedBroker(0, { maxPacketBytes: 1024 * 1024, warn: (m) => warnings.push(m) });
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const watcher = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    const received: string[] = [];
    watcher.on('message', (t) => received.push(t));
    await watcher.subscribeAsync('q/#', { qos: 1 });
    const slow = await neverReadingSubscriber(broker.port);
    const publisher = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    try {
      // 24 MB of QoS 0 data: far more than the kernel's socket buffers of the slow subscriber
      const chunk = Buffer.alloc(256 * 1024, 7);
      for (let i = 0; i < 96; i++) await publisher.publishAsync('bulk/data', chunk, { qos: 0 });

      const started = Date.now();
      for (let i = 0; i < 100; i++) await publisher.publishAsync(`q/${i}`, `m${i}`, { qos: 1 });
      const took = Date.now() - started;
      assert.ok(took < 5000, `100 QoS 1 publishes took ${took} ms`);
      await waitFor('the reading subscriber got all 100', () => received.length === 100, 10000);
      await waitFor('the slow subscriber dropped', () => slow.destroyed || slow.readableEnded || broker.stats().slowClientsDropped === 1, 10000);
      assert.equal(broker.stats().slowClientsDropped, 1);
      assert.ok(
        warnings.some((w) => /dropped the client "slow" \(127\.0\.0\.1:\d+\): \d+ bytes waiting to be sent \(limit 2097152\)/.test(w)),
        warnings.join('\n'),
      );
    } finally {
      slow.destroy();
      await publisher.endAsync(true);
      await watcher.endAsync(true);
      await broker.close();
    }
  });
});

describe('embedded broker: topics holding NUL and the connection cap', () => {
  test('a publish or a subscription with U+0000 in its topic closes that client only; the others keep receiving', async () => {
    const warnings: string[] = [];
    const broker = await startEmbeddedBroker(0, { warn: (m) => warnings.push(m) });
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const watcher = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    const got: string[] = [];
    watcher.on('message', (t) => got.push(t));
    await watcher.subscribeAsync('t/#', { qos: 1 });
    try {
      const publisher = await mqtt.connectAsync(url, { reconnectPeriod: 0, clientId: 'nul-publisher' });
      publisher.on('error', () => undefined);
      const publisherClosed = new Promise<void>((r) => publisher.stream.on('close', () => r()));
      publisher.publish('t/a\u0000b', 'hidden', { qos: 1 });
      await publisherClosed;
      publisher.end(true);

      const subscriber = await mqtt.connectAsync(url, { reconnectPeriod: 0, clientId: 'nul-subscriber' });
      subscriber.on('error', () => undefined);
      const subscriberClosed = new Promise<void>((r) => subscriber.stream.on('close', () => r()));
      subscriber.subscribe('t/\u0000/#');
      await subscriberClosed;
      subscriber.end(true);

      watcher.publish('t/ok', 'still here', { qos: 1 });
      await waitFor('the watcher still receives', () => got.includes('t/ok'), 10000);
      assert.deepEqual(got, ['t/ok'], 'the topic with NUL was not delivered');
      assert.equal(broker.stats().connectionsRefused, 2);
      assert.match(warnings.join('\n'), /closed the client "nul-publisher" \(127\.0\.0\.1:\d+\): it published to a topic holding NUL/);
      assert.match(warnings.join('\n'), /closed the client "nul-subscriber" \(127\.0\.0\.1:\d+\): it subscribed to a topic filter holding NUL/);
    } finally {
      await watcher.endAsync(true);
      await broker.close();
    }
  });

  test('a connection over the cap is closed at once, with a warning; a freed place can be taken again', async () => {
    const warnings: string[] = [];
    const broker = await startEmbeddedBroker(0, { maxConnections: 2, warn: (m) => warnings.push(m) });
    const url = `mqtt://127.0.0.1:${broker.port}`;
    const first = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    const second = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    try {
      const raw = netConnect(broker.port, '127.0.0.1');
      raw.on('error', () => undefined);
      await new Promise<void>((r) => raw.on('close', () => r()));
      assert.equal(broker.stats().connectionsRefused, 1);
      assert.match(warnings.join('\n'), /closed the connection from 127\.0\.0\.1:\d+: 2 connections are open, the most it serves/);
      await first.endAsync(true);
      await waitFor('the first connection gone', () => broker.stats().clients === 1, 5000);
      const third = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000 });
      await third.endAsync(true);
    } finally {
      await second.endAsync(true);
      await broker.close();
    }
  });
});
