// Hostile clients of the real edge-gateway's embedded broker (issue 19): a command to
// devices//commands, a command over 1 MiB, topics holding NUL, and a subscriber that never reads.
// Every command gets exactly one result; the bad clients are closed or dropped, the gateway and
// its other clients do not wait for them, and /health counts them.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startGatewayProcess } from '../helpers/gateway';
import { waitFor } from '../helpers/process';
import { neverReadingSubscriber } from '../helpers/mqtt-raw';

type Result = { topic: string; body: { ok: boolean; error?: string } };

describe('edge-gateway: hostile clients of the embedded broker', () => {
  test('one result per command, NUL topics refused, a subscriber that never reads dropped without slowing anyone', async () => {
    const gw = await startGatewayProcess();
    const url = `mqtt://127.0.0.1:${gw.brokerPort}`;
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
    const results: Result[] = [];
    let boilerData = 0;
    client.on('message', (topic, payload) => {
      if (topic === 'devices/boiler/data') boilerData++;
      else results.push({ topic, body: JSON.parse(payload.toString()) });
    });
    try {
      await client.subscribeAsync(['devices/+/commands/result', 'devices/boiler/data'], { qos: 1 });
      await waitFor('devices/boiler/data flowing', () => boilerData > 0, 60000);

      // no device in the topic: answered with an error
      await client.publishAsync('devices//commands', JSON.stringify({ setpoint: 21 }), { qos: 1 });
      const empty = await waitFor('the result for devices//commands', () => results.find((r) => r.topic === 'devices//commands/result'), 15000);
      assert.equal(empty.body.ok, false);
      assert.match(String(empty.body.error), /no device named in the topic/);

      // 1.5 MiB: refused, and answered once (it used to be answered with an error, then ok)
      await client.publishAsync('devices/boiler/commands', Buffer.alloc(1536 * 1024, 0x20), { qos: 1 });
      await client.publishAsync('devices/boiler/commands', JSON.stringify({ setpoint: 21.5 }), { qos: 1 });
      const boiler = () => results.filter((r) => r.topic === 'devices/boiler/commands/result');
      await waitFor('the result of the valid command', () => boiler().some((r) => r.body.ok), 30000);
      await new Promise((r) => setTimeout(r, 1000));
      assert.deepEqual(
        boiler().map((r) => r.body.ok),
        [false, true],
        JSON.stringify(boiler()),
      );
      assert.match(String(boiler()[0].body.error), /1572864 bytes is more than the limit of 65536 bytes/);

      // a topic holding NUL closes that client only
      const nul = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
      nul.on('error', () => undefined);
      const nulClosed = new Promise<void>((r) => nul.stream.on('close', () => r()));
      nul.publish('devices/boiler\u0000/commands', JSON.stringify({ setpoint: 30 }), { qos: 1 });
      await nulClosed;
      nul.end(true);

      // a subscriber to '#' that never reads, then 24 MB through the broker and 100 QoS 1 publishes
      const slow = await neverReadingSubscriber(gw.brokerPort);
      const publisher = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
      const chunk = Buffer.alloc(256 * 1024, 7);
      for (let i = 0; i < 96; i++) await publisher.publishAsync('bulk/data', chunk, { qos: 0 });
      const started = Date.now();
      for (let i = 0; i < 100; i++) await publisher.publishAsync(`bulk/q/${i}`, `m${i}`, { qos: 1 });
      const took = Date.now() - started;
      await publisher.endAsync(true);
      slow.destroy();
      assert.ok(took < 5000, `100 QoS 1 publishes took ${took} ms`);
      const seenBefore = boilerData;
      await waitFor('devices/boiler/data still flowing', () => boilerData > seenBefore + 1, 30000);

      const health = (await (await fetch(`${gw.base}/health`)).json()) as { broker: { slowClientsDropped: number; connectionsRefused: number } };
      assert.equal(health.broker.slowClientsDropped, 1);
      assert.ok(health.broker.connectionsRefused >= 1, JSON.stringify(health.broker));
      const log = gw.peer.output();
      assert.match(log, /embedded MQTT broker: closed the client "[^"]*" \(127\.0\.0\.1:\d+\): it published to a topic holding NUL/);
      assert.match(log, /embedded MQTT broker: dropped the client "slow" \(127\.0\.0\.1:\d+\): \d+ bytes waiting to be sent \(limit 8388608\)/);
      assert.equal(gw.peer.proc.exitCode, null, 'the runtime is still running');
    } finally {
      await client.endAsync(true);
      await gw.stop();
      gw.cleanup();
    }
  });
});
